"""Write ``search/data/background_df.tsv.gz``: in how many pages of a large
background of Vietnamese legal text each search token (syllable or syllable
bigram, ``search.text.tokens``) occurs, for the tokens in at least ``MIN_DF``
pages.

The answerability feature ``top_specific`` (``search.calibrate``) reads it: how
specific, in legal language at large, are the words a question shares with its
best rows.  The bundled corpus is too small (hundreds of rows) for its own idf
to tell a topic word from an everyday administrative one ('giấy phép kinh
doanh' is in 3 of its rows, 'hộ chiếu' in none); the background is not the
corpus and never changes with it.

Background: the 13,981 pages of /work/shared/real/tvpl-pages.tar.xz (unpack it:
``tar -xJf tvpl-pages.tar.xz`` gives ``corpus/``).  Two passes: hashed counts
find the candidates, exact counts of the candidates are kept.

    python bench/background_df.py PAGES_DIR [--min-df N]
"""
from __future__ import annotations

import gzip
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.text import tokens  # noqa: E402

OUT = ROOT / "search" / "data" / "background_df.tsv.gz"
MIN_DF = 20
BUCKETS = 1 << 24


def _page_tokens(path: Path) -> set[str]:
    return set(tokens(path.read_text(encoding="utf-8", errors="replace")))


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    pages = sorted(Path(argv[0]).rglob("*.md")) + sorted(Path(argv[0]).rglob("*.txt"))
    min_df = int(argv[argv.index("--min-df") + 1]) if "--min-df" in argv else MIN_DF
    if not pages:
        print(f"{argv[0]}: no .md or .txt pages")
        return 2
    t = time.perf_counter()
    counts = np.zeros(BUCKETS, dtype=np.uint32)
    for p in pages:                                   # pass 1: hashed counts (a bucket may hold several)
        h = np.fromiter((hash(x) & (BUCKETS - 1) for x in _page_tokens(p)), dtype=np.int64)
        np.add.at(counts, np.unique(h), 1)
    print(f"pass 1: {len(pages)} pages, {time.perf_counter() - t:.0f} s", flush=True)
    df: Counter = Counter()
    for p in pages:                                   # pass 2: exact counts of the candidates
        df.update(x for x in _page_tokens(p) if counts[hash(x) & (BUCKETS - 1)] >= min_df)
    keep = sorted((x, n) for x, n in df.items() if n >= min_df)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write(f"#pages\t{len(pages)}\n#min_df\t{min_df}\n")
        f.writelines(f"{x}\t{n}\n" for x, n in keep)
    print(f"wrote {OUT}: {len(keep)} tokens, {OUT.stat().st_size // 1024} KiB, {time.perf_counter() - t:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Domain coverage of the query-expansion glossary (search/data/glossary_*.tsv).

Counts, over the task and assignment texts of built homes (each home's
``current/extractions.json``: the bundled corpus, and the real corpus of many
provinces when its home is given), the document frequency of word 1-, 2- and
3-grams, and lists the most frequent ones that the glossary does not cover:

* ``en``  no English entry renders to it (its Vietnamese side, canonical or
  alternative): the English question words for that row word are missing;
* ``vi``  neither that nor any Vietnamese synonym / everyday-wording entry
  names it (a paraphrase of it cannot be expanded).

This is how the glossary's entries were chosen: each frequent administrative
term of the rows gets its English renderings and its Vietnamese synonyms, from
domain knowledge, not from the wording of any judged question.

Usage: python bench/glossary_coverage.py [--home DIR]... [--top N] [--min-df N] [--ngrams 2,3]
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.glossary import tables, vi_key  # noqa: E402

STOP = set("và các của cho với theo trong tại về được để có là những việc đối này đã từ đến khi trên như "
           "thực hiện năm tỉnh một ra không do phải vào".split())
WORD = re.compile(r"[^\W\d_]+")


def row_texts(home: Path) -> list[str]:
    data = json.loads((home / "current" / "extractions.json").read_text(encoding="utf-8"))
    return [x["text"] for e in data for x in (e.get("tasks") or []) + (e.get("assignments") or []) if x.get("text")]


def ngram_df(texts: list[str], sizes: tuple[int, ...]) -> Counter:
    df: Counter = Counter()
    for t in texts:
        ws = [w.lower() for w in WORD.findall(unicodedata.normalize("NFC", t))]
        grams = {" ".join(ws[i:i + n]) for n in sizes for i in range(len(ws) - n + 1)
                 if ws[i] not in STOP and ws[i + n - 1] not in STOP}
        df.update(grams)
    return df


def covered() -> tuple[set, set]:
    t = tables()
    key = lambda s: " ".join(vi_key(s).split())  # noqa: E731
    en = {key(v) for e in t.en for v in (e.canonical,) + e.alternatives}
    vi = {key(v) for e in t.vi for v in (e.canonical,) + e.variants}
    return en, vi


def main(argv: list[str]) -> int:
    homes = [Path(argv[i + 1]) for i, a in enumerate(argv) if a == "--home"] or [ROOT / ".legalkg"]
    top = int(argv[argv.index("--top") + 1]) if "--top" in argv else 200
    min_df = int(argv[argv.index("--min-df") + 1]) if "--min-df" in argv else 5
    sizes = tuple(int(x) for x in argv[argv.index("--ngrams") + 1].split(",")) if "--ngrams" in argv else (2, 3)
    texts = [t for h in homes for t in row_texts(h)]
    df = ngram_df(texts, sizes)
    en, vi = covered()
    shown = 0
    print(f"{len(texts)} row texts; most frequent n-grams ({sizes}) the glossary leaves uncovered:")
    for g, c in df.most_common():
        if c < min_df or shown >= top:
            break
        k = " ".join(vi_key(g).split())
        if k in en and k in vi:
            continue
        print(f"{c:6d}  {g:<40} {'' if k in en else 'en'} {'' if k in vi else 'vi'}")
        shown += 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

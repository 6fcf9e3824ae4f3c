"""Synthetic corpora for benchmarks: variants of the seeds with renumbered
documents, other provinces, shuffled task rows and citations between the
generated documents (so citation chains exist at every depth).

Usage: python bench/synth.py N OUT_DIR [--seed S]
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.pipeline import extract_file  # noqa: E402
from kg.provinces import PROVINCES  # noqa: E402


def generate(n: int, out: Path, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    seeds = sorted((ROOT / "data" / "corpus").glob("*.txt"))
    info = []
    for f in seeds:
        ex = extract_file(f)
        info.append((f.read_text(encoding="utf-8"), ex.document.number, ex.document.province))
    provinces = [p for p in PROVINCES if p not in ("Huế",)]
    made: list[tuple[str, str]] = []           # (number, province) of generated docs
    paths = []
    for i in range(n):
        text, number, province = info[i % len(info)]
        new_prov = provinces[rng.randrange(len(provinces))]
        kind = number.split("/", 1)[1]
        new_number = f"{5000 + i}/{kind}"
        t = text.replace(number, new_number)
        t = re.sub(r"\b" + re.escape(number.split("/")[0]) + r"\s*/\s*" + re.escape(kind), new_number, t)
        if province:
            for variant in {province, province.upper(), "Vinh Phúc"}:
                t = t.replace(variant, new_prov if variant != province.upper() else new_prov.upper())
        # shuffle task rows of tab tables (rows starting with a number and a tab)
        lines = t.split("\n")
        idx = [k for k, l in enumerate(lines) if re.match(r"^\d+\t", l)]
        rows = [lines[k] for k in idx]
        rng.shuffle(rows)
        for k, r in zip(idx, rows):
            lines[k] = r
        t = "\n".join(lines)
        # cite 1–3 earlier generated documents of the same province or any
        cites = []
        for _ in range(min(len(made), rng.randint(1, 3))):
            num, prov = made[rng.randrange(len(made))]
            cites.append(f"Thực hiện Kế hoạch số {num} ngày 01/02/2022 của UBND tỉnh {prov};")
        if cites:
            t = "\n".join(cites) + "\n" + t if number not in text[:200] else t.replace("\n", "\n" + "\n".join(cites) + "\n", 1)
        p = out / f"synthetic_{i:05d}.txt"
        p.write_text(t, encoding="utf-8")
        paths.append(p)
        if kind.startswith("KH"):
            made.append((new_number, new_prov))
    return paths


if __name__ == "__main__":
    n = int(sys.argv[1])
    out = Path(sys.argv[2])
    s = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 7
    print(len(generate(n, out, s)), "documents in", out)

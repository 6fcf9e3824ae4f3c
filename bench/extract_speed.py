"""Extraction speed: the five seeds after import, and MB/s on a 100x concatenation.

Usage: python bench/extract_speed.py [--times N]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.pipeline import extract_file, extract_string  # noqa: E402


def main() -> int:
    times = int(sys.argv[sys.argv.index("--times") + 1]) if "--times" in sys.argv else 100
    files = sorted((ROOT / "data" / "corpus").glob("*.txt"))
    extract_file(files[0])                       # warm-up: regex compilation, imports
    t0 = time.perf_counter()
    for f in files:
        extract_file(f)
    seeds = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in files)
    print(f"five seeds: {seeds * 1000:.0f} ms for {size / 1e6:.2f} MB ({size / 1e6 / seeds:.2f} MB/s)")
    # the 100x concatenation is one big document: tests that nothing is quadratic
    big = "\n\n".join(f.read_text(encoding="utf-8") for f in files) * times
    t0 = time.perf_counter()
    ex = extract_string(big, "concat")
    dt = time.perf_counter() - t0
    mb = len(big.encode("utf-8")) / 1e6
    print(f"{times}x concatenation: {mb:.1f} MB in {dt:.1f} s = {mb / dt:.2f} MB/s "
          f"({len(ex.references)} distinct references, {len(ex.tasks)} tasks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

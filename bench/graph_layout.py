"""Layered graph layout benchmark: time to lay out and render an 80-node chain
subgraph (target: layout < 0.2 s), plus the hub documents of the bundled corpus
(service.chains 'both').

Usage: python bench/graph_layout.py [N]   (default 80)
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from service.chains import chains  # noqa: E402
from kg.graph import build_graph  # noqa: E402
from kg.pipeline import extract_file  # noqa: E402
from test_graphlayout import big  # noqa: E402
from web.graphlayout import layout, overlaps  # noqa: E402
from web.graphsvg2 import render_svg  # noqa: E402


def timed(fn, reps=20):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return out, statistics.median(ts), max(ts)


def main(n: int = 80) -> None:
    data = chains(big(n), "root", "both", 2)
    lay, med, worst = timed(lambda: layout(data))
    print(f"synthetic {len(data['nodes'])} nodes, {len(data['edges'])} edges: layout median {med * 1000:.1f} ms, "
          f"max {worst * 1000:.1f} ms (target < 200 ms); canvas {lay['width']:.0f}×{lay['height']:.0f}, "
          f"{len(lay['rows'])} rows, overlaps {len(overlaps(lay['boxes']))}")
    _, med, _ = timed(lambda: render_svg(data, lambda i: "/graph?ref=" + i))
    print(f"  layout + SVG median {med * 1000:.1f} ms")
    G = build_graph([extract_file(p).to_json() for p in sorted((ROOT / "data" / "corpus").glob("*"))])
    for ref in ("61/2018/NĐ-CP", "vinh-phuc/319-kh-ubnd"):
        for depth in (1, 2, 3):
            sub = chains(G, ref, "both", depth)
            _, med, _ = timed(lambda: layout(sub))
            print(f"{ref} both depth {depth}: nodes {len(sub['nodes'])}, edges {len(sub['edges'])}; "
                  f"layout {med * 1000:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 80)

"""Graph benchmark: build throughput, peak memory, `cites` latency at depth 3,
for synthetic corpora of 100 and 1,000 documents.  Target: depth-3 cites under
10 ms at 1,000 documents.

Usage: python bench/graph.py [SIZES...]   (default 100 1000)
"""
from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synth import generate  # noqa: E402

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, %r)
from kg.store import Store
s = Store(Path(sys.argv[1]), Path(sys.argv[2]))
t = time.perf_counter()
summary = s.build(progress=False, index=False)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "documents": summary["documents"], "graph_documents": summary["graph_documents"],
                  "tasks": summary["tasks"], "errors": len(summary["errors"]),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def bench(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data, home = Path(tmp) / "data", Path(tmp) / "home"
        generate(n, data)
        out = subprocess.run([sys.executable, "-c", _CHILD % str(ROOT), str(data), str(home)],
                             capture_output=True, text=True, check=True)
        res = json.loads(out.stdout)
        # incremental rebuild with nothing changed
        out2 = subprocess.run([sys.executable, "-c", _CHILD % str(ROOT), str(data), str(home)],
                              capture_output=True, text=True, check=True)
        res["rebuild_seconds"] = json.loads(out2.stdout)["seconds"]
        from kg.query import cites
        from kg.store import Store
        G = Store(data, home).graph()
        docs = [d for d, a in G.nodes(data=True) if a.get("kind") == "document" and a.get("in_corpus")]
        rng = random.Random(1)
        lat = []
        for _ in range(200):
            d = docs[rng.randrange(len(docs))]
            t = time.perf_counter()
            r = cites(G, d, "both", 3)
            lat.append((time.perf_counter() - t) * 1000)
        lat.sort()
        res.update({"docs_per_s": res["documents"] / res["seconds"],
                    "cites_d3_p50_ms": statistics.median(lat), "cites_d3_p95_ms": lat[int(0.95 * len(lat)) - 1],
                    "cites_d3_nodes_last": len(r["nodes"])})
        return res


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000]
    for n in sizes:
        r = bench(n)
        print(f"{n:>5} docs: build {r['seconds']:.1f} s ({r['docs_per_s']:.1f} docs/s), rebuild unchanged "
              f"{r['rebuild_seconds']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB, graph documents "
              f"{r['graph_documents']}, tasks {r['tasks']}, errors {r['errors']}; cites depth 3: "
              f"p50 {r['cites_d3_p50_ms']:.2f} ms, p95 {r['cites_d3_p95_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

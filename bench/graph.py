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
from service import Store
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
        from service.chains import chains as cites
        from service import Store
        G = Store(data, home).graph()
        docs = [d for d, a in G.nodes(data=True) if a.get("kind") == "document" and a.get("in_corpus")]
        hub = max([d for d, a in G.nodes(data=True) if a.get("kind") == "document"],
                  key=lambda d: G.in_degree(d))
        cites(G, docs[0], "both", 3)                     # builds the citation index once
        res["docs_per_s"] = res["documents"] / res["seconds"]
        for direction in ("out", "in", "both"):
            rng = random.Random(1)
            lat, sizes = [], []
            for i in range(200):
                d = hub if (direction == "in" and i % 2) else docs[rng.randrange(len(docs))]
                t = time.perf_counter()
                r = cites(G, d, direction, 3)
                lat.append((time.perf_counter() - t) * 1000)
                sizes.append(len(r["nodes"]))
            lat.sort()
            res[direction] = (statistics.median(lat), lat[int(0.95 * len(lat)) - 1], statistics.median(sizes))
        return res


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000]
    for n in sizes:
        r = bench(n)
        print(f"{n:>5} docs: build {r['seconds']:.1f} s ({r['docs_per_s']:.1f} docs/s), rebuild unchanged "
              f"{r['rebuild_seconds']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB, graph documents "
              f"{r['graph_documents']}, tasks {r['tasks']}, errors {r['errors']}")
        for direction in ("out", "in", "both"):
            p50, p95, size = r[direction]
            print(f"        cites --direction {direction:<4} --depth 3: p50 {p50:.2f} ms, p95 {p95:.2f} ms "
                  f"(median {size:.0f} documents in the answer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Extract the real official documents (../shared/real/official.txt) with a
per-file time limit; report crashes, time-outs, throughput and summary stats.

Usage: python bench/extract_real.py [--limit-s 10] [--list FILE] [--corpus DIR]
                                    [--out results.jsonl] [--isolate] [--slowest 10]

--isolate runs every file in a killable worker process (kg.budget.BudgetedExtractor)
instead of the in-process alarm (kg.budget.time_limit).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.budget import BudgetedExtractor, ExtractionTimeout, WorkerError, time_limit  # noqa: E402
from kg.model import InputError  # noqa: E402
from kg.pipeline import extract_file  # noqa: E402

SHARED = ROOT.parent.parent / "shared" / "real"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", default=str(Path("/work/shared/real/official.txt")))
    ap.add_argument("--corpus", default="/work/real_corpus/corpus")
    ap.add_argument("--limit-s", type=float, default=10.0)
    ap.add_argument("--out", default=None, help="write one JSON line per file (summary of its extraction)")
    ap.add_argument("--isolate", action="store_true")
    ap.add_argument("--slowest", type=int, default=8)
    args = ap.parse_args()

    names = [l.strip() for l in Path(args.list).read_text(encoding="utf-8").split() if l.strip()]
    corpus = Path(args.corpus)
    rows = []
    crashes, timeouts, bad = [], [], []
    total_bytes = 0
    total_time = 0.0
    total_cpu = 0.0
    worker = BudgetedExtractor(args.limit_s) if args.isolate else None
    t_all = time.perf_counter()
    for name in names:
        path = corpus / name
        size = path.stat().st_size
        t0 = time.perf_counter()
        c0 = time.process_time()
        try:
            if worker:
                ex = worker.extract(path, name)
            else:
                with time_limit(args.limit_s, name):
                    ex = extract_file(path, name)
        except ExtractionTimeout:
            timeouts.append(name)
            continue
        except InputError as e:
            bad.append(f"{name}: {e.problem}")
            continue
        except WorkerError as e:
            crashes.append(str(e))
            continue
        except Exception as e:  # noqa: BLE001 - a crash is what we are counting
            tb = traceback.extract_tb(e.__traceback__)[-1]
            crashes.append(f"{name}: {type(e).__name__}: {e} ({Path(tb.filename).name}:{tb.lineno})")
            continue
        dt = time.perf_counter() - t0
        total_bytes += size
        total_time += dt
        total_cpu += time.process_time() - c0
        d = ex.document
        rows.append({"file": name, "bytes": size, "s": round(dt, 4), "number": d.number,
                     "number_source": d.number_source, "type": d.type, "date": d.date,
                     "province": d.province, "issuer": d.issuer, "refs": len(ex.references),
                     "tasks": len(ex.tasks), "assignments": len(ex.assignments),
                     "tasks_no_lead": sum(1 for t in ex.tasks if not t.lead),
                     "lead_inferred": sum(1 for t in ex.tasks if getattr(t, "lead_inferred", False))})
    wall = time.perf_counter() - t_all
    if worker:
        worker.close()
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")

    n = len(names)
    ok = len(rows)
    print(f"files {n}: extracted {ok}, crashes {len(crashes)}, time-outs (> {args.limit_s:g} s) {len(timeouts)}, "
          f"bad input {len(bad)}")
    if total_time:
        print(f"throughput {total_bytes / 1e6:.1f} MB in {total_time:.1f} s extract time = "
              f"{total_bytes / 1e6 / total_time:.2f} MB/s (wall {wall:.1f} s); CPU {total_cpu:.1f} s = "
              f"{total_bytes / 1e6 / max(total_cpu, 1e-9):.2f} MB/s of CPU" + ("" if not worker else " (in the parent)"))
    if rows:
        times = [r["s"] for r in rows]
        print(f"per file: median {statistics.median(times) * 1000:.0f} ms, max {max(times):.2f} s")
        src = Counter(r["number_source"] or "none" for r in rows)
        print(f"own number found {sum(1 for r in rows if r['number'])}/{ok} ({dict(src)}); "
              f"date {sum(1 for r in rows if r['date'])}/{ok}; province or central issuer "
              f"{sum(1 for r in rows if r['province'] or r['issuer'])}/{ok}")
        with_tasks = [r for r in rows if r["tasks"]]
        print(f"tasks: {sum(r['tasks'] for r in rows)} in {len(with_tasks)} documents; "
              f"without a lead {sum(r['tasks_no_lead'] for r in rows)}; lead inferred "
              f"{sum(r['lead_inferred'] for r in rows)}; assignments {sum(r['assignments'] for r in rows)}; "
              f"references {sum(r['refs'] for r in rows)}")
        print("slowest:", ", ".join(f"{r['file']} {r['s']:.2f}s ({r['bytes'] // 1000} kB)"
                                    for r in sorted(rows, key=lambda r: -r["s"])[:args.slowest]))
    for title, items in (("CRASHES", crashes), ("TIME-OUTS", timeouts), ("BAD INPUT", bad)):
        if items:
            print(f"{title}:")
            for it in items:
                print("  " + it)
    return 1 if crashes or timeouts else 0


if __name__ == "__main__":
    sys.exit(main())

"""Extraction quality on hand-checked real official pages.

Usage: python bench/extract_quality_real.py [--verbose] [GOLD_DIR | GOLD_FILE ...]  (tests/gold/scans: the OCR set)

Reads tests/gold/real/<stem>.json (format: tests/gold/FORMAT.md plus "layout"
and "notes"), extracts tests/fixtures/real/<source> with kg.pipeline.extract_file
and prints, per file and overall: own identity (number, date, province) right,
numbered-reference precision/recall (micro over all references and mean per file),
task count exact, lead and support agreement over rows aligned in order
(the matching rules of bench/extract_quality.py are reused).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from extract_quality import norm_num, score_rows  # noqa: E402
from kg.pipeline import extract_file  # noqa: E402

GOLD = ROOT / "tests" / "gold" / "real"
FIXTURES = ROOT / "tests" / "fixtures" / "real"


def evaluate(gold_path: Path, verbose: bool = False) -> dict:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    src = FIXTURES / gold["source"]
    if not src.exists():        # tests/gold/<set>/ → tests/fixtures/<set>/ (scans)
        src = ROOT / "tests" / "fixtures" / gold_path.parent.name / gold["source"]
    t0 = time.perf_counter()
    ex = extract_file(src, str(src)).to_json()
    dt = time.perf_counter() - t0
    gd, d = gold["document"], ex["document"]
    checks = {
        "number": norm_num(gd.get("number") or "") == norm_num(d.get("number") or ""),
        "date": gd.get("date") == d.get("date"),
        "province": (gd.get("province") or None) == (d.get("province") or None),
    }
    g_refs = {norm_num(r["number"]) for r in gold.get("references", [])}
    p_refs = {norm_num(r["number"]) for r in ex["references"] if r.get("number")}
    tp = len(g_refs & p_refs)
    gt, pt = gold.get("tasks", []), ex["tasks"]
    lead_ok, sup_ok = score_rows(gt, pt, verbose)
    if verbose:
        if not all(checks.values()):
            print("   document: gold", {k: gd.get(k) for k in checks}, "got", {k: d.get(k) for k in checks})
        print("   missing refs:", sorted(g_refs - p_refs), " extra refs:", sorted(p_refs - g_refs))
    return {
        "file": gold_path.stem, "doc_ok": all(checks.values()), "checks": checks,
        "tp": tp, "n_gold": len(g_refs), "n_pred": len(p_refs),
        "ref_p": tp / len(p_refs) if p_refs else 1.0, "ref_r": tp / len(g_refs) if g_refs else 1.0,
        "tasks": f"{len(pt)}/{len(gt)}", "tasks_exact": len(pt) == len(gt),
        "lead_ok": lead_ok, "sup_ok": sup_ok, "n_rows": len(gt),
        "lead": lead_ok / len(gt) if gt else None, "support": sup_ok / len(gt) if gt else None,
        "secs": dt,
    }


def fmt(v) -> str:
    if v is None:
        return "  -  "
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    dirs = [Path(a) for a in argv if not a.startswith("--")] or [GOLD]
    files = sorted(f for d in dirs for f in ([d] if d.suffix == ".json" else d.glob("*.json")))
    if not files:
        print("no gold files found", file=sys.stderr)
        return 2
    rows = []
    for f in files:
        if verbose:
            print(f"-- {f.name}")
        rows.append(evaluate(f, verbose))
    keys = ["file", "doc_ok", "ref_p", "ref_r", "tasks", "lead", "support"]
    print(" | ".join(keys) + " | identity misses")
    for r in rows:
        miss = ",".join(k for k, ok in r["checks"].items() if not ok)
        print(" | ".join(fmt(r[k]) for k in keys) + f" | {miss}")
    n = len(rows)
    tp, ng, npred = (sum(r[k] for r in rows) for k in ("tp", "n_gold", "n_pred"))
    rows_t = sum(r["n_rows"] for r in rows)
    print(f"OVERALL files={n} doc_ok={sum(r['doc_ok'] for r in rows)}/{n} "
          f"(number {sum(r['checks']['number'] for r in rows)}/{n}, date {sum(r['checks']['date'] for r in rows)}/{n}, "
          f"province {sum(r['checks']['province'] for r in rows)}/{n})")
    print(f"  references micro P={tp / npred if npred else 1:.3f} R={tp / ng if ng else 1:.3f} "
          f"(tp={tp}, gold={ng}, extracted={npred}); mean per file P={sum(r['ref_p'] for r in rows) / n:.3f} "
          f"R={sum(r['ref_r'] for r in rows) / n:.3f}")
    print(f"  tasks exact={sum(r['tasks_exact'] for r in rows)}/{n}; rows={rows_t} "
          f"lead={sum(r['lead_ok'] for r in rows) / rows_t if rows_t else 1:.3f} "
          f"support={sum(r['sup_ok'] for r in rows) / rows_t if rows_t else 1:.3f} (rows aligned in order)")
    print(f"  extraction time {sum(r['secs'] for r in rows):.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

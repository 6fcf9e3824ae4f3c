"""Extraction quality against hand-made gold annotations.

Usage: python bench/extract_quality.py [--verbose] [GOLD_DIR ...]

For each gold file (tests/gold/*.json for the seeds, tests/fixtures/layouts/*.expected.json
for constructed layouts) prints: own number/date/province correct, numbered
reference precision/recall, named laws found, stated relations recall, task
count (exact?), lead and support accuracy over aligned rows, assignments.
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.agencies import canonical_name  # noqa: E402
from kg.numbers import normalise_number  # noqa: E402
from kg.pipeline import extract_file  # noqa: E402
from kg.vntext import name_key  # noqa: E402


def norm_num(n: str) -> str:
    n = normalise_number(n)
    return n.replace("/CD-", "/CĐ-").upper()


def agency_set(names) -> set[str]:
    return {name_key(canonical_name(n)) for n in names}


def score_rows(gold_tasks: list, got_tasks: list, verbose: bool = False) -> tuple[int, int]:
    """(rows whose lead set is right, rows whose support set is right), the
    gold and the extracted rows compared in order."""
    lead_ok = sup_ok = 0
    for g, p in zip(gold_tasks, got_tasks):
        if agency_set(g.get("lead") or []) == agency_set(p["lead"]):
            lead_ok += 1
        elif verbose:
            print(f"   lead  {g.get('section')}.{g.get('no')}: gold {g.get('lead')} got {p['lead']}")
        if agency_set(g.get("support") or []) == agency_set(p["support"]):
            sup_ok += 1
        elif verbose:
            print(f"   supp  {g.get('section')}.{g.get('no')}: gold {g.get('support')} got {p['support']}")
    return lead_ok, sup_ok


def source_for(gold_path: Path, gold: dict) -> Path:
    if gold_path.parent.name == "gold":
        return ROOT / "data" / "corpus" / gold["source"]
    stem = gold_path.name.replace(".expected.json", "")
    cands = [p for p in gold_path.parent.iterdir() if p.name.startswith(stem + ".") and not p.name.endswith(".json")]
    return cands[0]


def evaluate(gold_path: Path, verbose: bool = False) -> dict:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    src = source_for(gold_path, gold)
    ex = extract_file(src, str(src)).to_json()
    gd, d = gold["document"], ex["document"]
    doc_ok = (norm_num(gd.get("number") or "") == norm_num(d.get("number") or "") and gd.get("date") == d.get("date")
              and (gd.get("province") or None) == (d.get("province") or None))
    g_refs = {norm_num(r["number"]) for r in gold.get("references", [])}
    p_refs = {norm_num(r["number"]) for r in ex["references"] if r["number"]}
    tp = len(g_refs & p_refs)
    g_laws = {name_key(l["title"]) for l in gold.get("named_laws", [])}
    p_laws = {name_key(r["title"] or "") for r in ex["references"] if not r["number"]}
    laws_found = sum(1 for g in g_laws if any(g in p or p in g for p in p_laws if p))
    g_rel = {(norm_num(r["source"]), r["type"], norm_num(r["target"])) for r in gold.get("relations", [])
             if re.search(r"\d", r["source"]) and re.search(r"\d", r["target"])}
    p_rel = {(norm_num(r["source"]), r["type"], norm_num(r["target"])) for r in ex["relations"]}
    g_rel_rel = {(n, r) for n, r in ((norm_num(x["number"]), x["relation"]) for x in gold.get("references", []))}
    p_rel_rel = {(norm_num(x["number"]), x["relation"]) for x in ex["references"] if x["number"]}
    gt, pt = gold.get("tasks", []), ex["tasks"]
    lead_ok, sup_ok = score_rows(gt, pt, verbose)
    ga = {name_key(canonical_name(a["agency"])) for a in gold.get("assignments", [])}
    pa = {name_key(a["agency"]) for a in ex["assignments"]}
    if verbose:
        if not doc_ok:
            print("   document:", gd, "got", {k: d[k] for k in ("number", "date", "province")})
        print("   missing refs:", sorted(g_refs - p_refs), " extra refs:", sorted(p_refs - g_refs))
        print("   missing laws:", sorted(g for g in g_laws if not any(g in p or p in g for p in p_laws if p)), " got:", sorted(p_laws))
        print("   missing relations:", sorted(g_rel - p_rel), " extra:", sorted(p_rel - g_rel))
        print("   relation label diffs:", sorted((g_rel_rel - p_rel_rel)))
        print("   missing assignments:", sorted(ga - pa), " extra:", sorted(pa - ga))
    return {
        "file": src.name, "doc_ok": doc_ok,
        "ref_p": tp / len(p_refs) if p_refs else 1.0, "ref_r": tp / len(g_refs) if g_refs else 1.0,
        "rel_label_acc": len(g_rel_rel & p_rel_rel) / len(g_rel_rel) if g_rel_rel else 1.0,
        "laws": f"{laws_found}/{len(g_laws)}", "relations": f"{len(g_rel & p_rel)}/{len(g_rel)}",
        "tasks": f"{len(pt)}/{len(gt)}", "tasks_exact": len(pt) == len(gt),
        "lead": lead_ok / len(gt) if gt else 1.0, "support": sup_ok / len(gt) if gt else 1.0,
        "assignments": f"{len(ga & pa)}/{len(ga)} (+{len(pa - ga)})",
    }


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    dirs = [Path(a) for a in argv if not a.startswith("--")] or [ROOT / "tests" / "gold", ROOT / "tests" / "fixtures" / "layouts"]
    files = []
    for d in dirs:
        files += sorted(d.glob("*.json")) if d.name == "gold" else sorted(d.glob("*.expected.json"))
    rows = []
    t0 = time.perf_counter()
    for f in files:
        if verbose:
            print(f"-- {f.name}")
        rows.append(evaluate(f, verbose))
    dt = time.perf_counter() - t0
    keys = ["file", "doc_ok", "ref_p", "ref_r", "rel_label_acc", "laws", "relations", "tasks", "lead", "support", "assignments"]
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(f"{r[k]:.3f}" if isinstance(r[k], float) else str(r[k]) for k in keys))
    n = len(rows)
    print(f"MEAN ref_p={sum(r['ref_p'] for r in rows)/n:.3f} ref_r={sum(r['ref_r'] for r in rows)/n:.3f} "
          f"lead={sum(r['lead'] for r in rows)/n:.3f} support={sum(r['support'] for r in rows)/n:.3f} "
          f"doc_ok={sum(r['doc_ok'] for r in rows)}/{n} tasks_exact={sum(r['tasks_exact'] for r in rows)}/{n}  ({dt:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Answer wording: the ranked rows of ``search`` → the answer of ``ask``.

``search.engine.SearchEngine.rank`` finds and orders rows; this module turns
them into who leads / who coordinates / by when, and the Vietnamese sentence.
"""
from __future__ import annotations


def answer(intent: str, results: list[dict]) -> dict:
    """The answer object of ``ask --json``.

    Returns ``{"role": "lead" | "support", "agencies": [{"name", "task_ids",
    "score"}], "text": Vietnamese sentence, "lead", "support", "deadline"}``:
    the best row's agencies first, in the order the row writes them (the first
    named is the lead), then agencies that other top rows add; each with the
    rows that support it.  ``lead`` / ``support`` / ``deadline`` are the best
    row's.
    """
    role = "support" if intent == "support" else "lead"
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    order: list[str] = []
    for rank, r in enumerate(results[:3]):
        w = 1.0 / (rank + 1) * (r["score"] or 0.01)
        for pos, name in enumerate(r["task"].get(role) or []):
            scores[name] = scores.get(name, 0.0) + w / (1 + 0.1 * pos)
            evidence.setdefault(name, []).append(r["task"]["id"])
            if name not in order:
                order.append(name)
    top = results[0] if results else None
    agencies = [{"name": n, "task_ids": evidence[n], "score": round(scores[n], 4)} for n in order]
    return {"role": role, "agencies": agencies, "text": sentence(intent, top),
            "lead": (top or {}).get("task", {}).get("lead", []),
            "support": (top or {}).get("task", {}).get("support", []),
            "deadline": (top or {}).get("task", {}).get("deadline")}


def sentence(intent: str, top: dict | None) -> str:
    """The one-line Vietnamese answer for the best row (or 'not found')."""
    if not top:
        return "Không tìm thấy nhiệm vụ phù hợp."
    t, d = top["task"], top["document"]
    where = f"{d.get('number') or d['id']}" + (f", mục {t['section']}" if t.get("section") else "") \
        + (f" dòng {t['no']}" if t.get("no") else "")
    if intent == "deadline":
        return f"Thời hạn: {t.get('deadline') or 'không ghi'} ({where})"
    if intent == "support":
        return f"Phối hợp: {', '.join(t.get('support') or []) or 'không ghi'} ({where})"
    return f"Chủ trì: {', '.join(t.get('lead') or []) or 'không ghi'}" + \
        (f"; phối hợp: {', '.join(t['support'])}" if t.get("support") else "") + \
        (f"; thời hạn: {t['deadline']}" if t.get("deadline") else "") + f" ({where})"


def no_province_text(province: str) -> str:
    """The answer when the question names a province the corpus does not cover."""
    return f"Kho văn bản chưa có văn bản nào của {province}."


def ask(engine, question: str, k: int = 5, mode: str = "hybrid") -> dict:
    """Task ranking alone, on a search engine without the graph (benchmarks):
    ``{"query", "intent", "province", "filters", "mode", "answer" (null when
    the best row is under the calibrated threshold), "results", "total"}``.
    ``service.ask.ask`` is the full, routed ``ask``."""
    res = engine.rank(question, k=k, mode=mode)
    uncovered = res.pop("uncovered_province", False)
    out = {key: res[key] for key in ("query", "intent", "province", "filters", "mode")}
    ok = bool(res["results"]) and res["best"] >= engine.calibration.threshold
    out["answer"] = answer(res["intent"], res["results"]) if ok else None
    if uncovered:
        out["reason"] = no_province_text(res["province"])
    out["results"] = res["results"]
    out["total"] = res["total"]
    return out

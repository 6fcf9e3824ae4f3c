"""Search quality on the judged question set: hit@1, hit@5, MRR and lead-agency
accuracy for BM25 alone, dense alone and the hybrid, side by side.

Usage: python bench/search_quality.py [--home DIR] [--questions FILE] [--verbose]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.agencies import canonical_name  # noqa: E402
from service import Store  # noqa: E402
from service.answer import ask  # noqa: E402
from kg.vntext import name_key  # noqa: E402


class PlainBM25:
    """The baseline the acceptance checks compare with: bm25s with its default
    tokenizer (lower-case words, no diacritic folding, no bigrams, no
    abbreviations) over the same extracted task and assignment texts."""

    def __init__(self, records):
        import bm25s
        self.records = records
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize([r["task"]["text"] for r in records], show_progress=False), show_progress=False)

    def ask(self, q, k=10, mode=None):
        import bm25s
        docs, scores = self.retriever.retrieve(bm25s.tokenize([q], show_progress=False), k=min(k, len(self.records)),
                                               show_progress=False)
        res = [self.records[int(i)] for i, sc in zip(docs[0], scores[0]) if sc > 0]
        lead = res[0]["task"]["lead"] if res else []
        return {"results": [{"task": r["task"], "document": r["document"]} for r in res],
                "answer": {"agencies": [{"name": n} for n in lead]}, "province": None}


def evaluate(engine, questions: list[dict], mode: str, verbose: bool = False) -> dict:
    h1 = h5 = rr = lead_ok = lead_n = prov_ok = prov_n = 0
    for q in questions:
        res = ask(engine, q["q"], k=10, mode=mode)
        ids = [r["task"]["id"] for r in res["results"]]
        rel = set(q["relevant"])
        rank = next((i for i, x in enumerate(ids) if x in rel), None)
        h1 += rank == 0
        h5 += rank is not None and rank < 5
        rr += 1 / (rank + 1) if rank is not None else 0
        if q.get("lead"):
            lead_n += 1
            got = res["answer"]["agencies"][0]["name"] if res["answer"]["agencies"] else ""
            ok = name_key(canonical_name(got)) == name_key(canonical_name(q["lead"]))
            lead_ok += ok
        if q.get("province"):
            prov_n += 1
            prov_ok += res["province"] == q["province"] and all(
                r["document"]["province"] == q["province"] for r in res["results"])
        if verbose and rank != 0:
            top = res["results"][0]["task"] if res["results"] else {}
            print(f"  [{mode}] rank={rank} {q['q']}\n      got {top.get('id')}: {top.get('text', '')[:80]}")
    n = len(questions)
    return {"hit@1": h1 / n, "hit@5": h5 / n, "MRR": rr / n, "lead": lead_ok / max(1, lead_n),
            "province": prov_ok / max(1, prov_n)}


def main(argv: list[str]) -> int:
    home = Path(argv[argv.index("--home") + 1]) if "--home" in argv else ROOT / ".legalkg"
    qfiles = [Path(argv[argv.index("--questions") + 1])] if "--questions" in argv else [
        ROOT / "tests" / "fixtures" / "search_questions.jsonl", ROOT / "tests" / "fixtures" / "search_questions_paraphrase.jsonl"]
    sets = {f.name: [json.loads(l) for l in f.read_text(encoding="utf-8").splitlines() if l.strip()] for f in qfiles}
    if len(sets) > 1:
        sets["all"] = [q for qs in list(sets.values()) for q in qs]
    store = Store(ROOT / "data" / "corpus", home)
    engine = store.search_engine()
    ask(engine, "khởi động", mode="hybrid")          # load the model before timing
    for name, questions in sets.items():
        print(f"== {name}: {len(questions)} questions, {len(engine.records)} passages")
        print(f"{'mode':<8} {'hit@1':>6} {'hit@5':>6} {'MRR':>6} {'lead':>6} {'prov':>6} {'s/q':>6}")
        plain = PlainBM25(engine.records)
        for mode in ("plain", "bm25", "dense", "hybrid"):
            t = time.perf_counter()
            m = evaluate(plain if mode == "plain" else engine, questions, mode, "--verbose" in argv)
            dt = (time.perf_counter() - t) / len(questions)
            print(f"{mode:<8} {m['hit@1']:>6.3f} {m['hit@5']:>6.3f} {m['MRR']:>6.3f} {m['lead']:>6.3f} {m['province']:>6.3f} {dt:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

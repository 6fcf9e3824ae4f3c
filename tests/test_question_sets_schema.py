"""The untouched judged sets (tests/fixtures/questions_v3.jsonl, questions_v4.jsonl,
questions_v5.jsonl, questions_v6.jsonl, questions_v7.jsonl,
questions_v8.jsonl, questions_v9.jsonl, questions_v10.jsonl,
questions_v11.jsonl, questions_v12.jsonl, questions_v13.jsonl,
questions_v14.jsonl, questions_v15.jsonl,
questions_v16.jsonl, questions_v17.jsonl, questions_v18.jsonl,
questions_v19.jsonl, questions_v20.jsonl, questions_v21.jsonl,
questions_v22.jsonl, questions_v23.jsonl)
are well formed: every line parses, uses the fields, kinds and routes of
questions_v2.jsonl, is NFC, has the planned number of questions per kind,
repeats no question of the older sets, and its gold points at rows, documents
and agencies that a fresh extraction of the bundled corpus really has (the
lead named in the gold is written in the gold row).  The off-topic near misses
name the accent-folded terms that were grepped, and those terms are still
absent from the corpus.  Nothing here judges answers: bench/search_quality.py
does that (both are report-only columns)."""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from kg.pipeline import extract_file

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
FIXTURES = ROOT / "tests" / "fixtures"

KINDS = {"paraphrase", "english", "mixed", "abbrev", "unaccented", "accented",
         "offtopic", "document", "relation", "agency"}
ROUTES = {"task", "none", "document", "relation", "agency"}
RELATIONS = {"implements", "based_on", "amends", "replaces", "guides"}
# per set: questions per kind, routes of its English questions, the older sets it
# must not repeat, near-miss terms checked at least, whether every off-topic
# question without a grep note must say "everyday" or "gibberish"; "unaccented_routes" where the
# unaccented questions are not all task questions
SETS = {
    "questions_v3.jsonl": {
        "planned": {"paraphrase": 30, "english": 25, "abbrev": 7, "mixed": 3, "unaccented": 5,
                    "offtopic": 30, "document": 6, "relation": 8, "agency": 6},
        "english_routes": {"task": 23, "agency": 2},
        "older": ("questions_v2.jsonl", "questions_heldout.jsonl"), "min_checked": 20, "strict_notes": False},
    "questions_v4.jsonl": {
        "planned": {"paraphrase": 35, "english": 30, "abbrev": 8, "mixed": 5, "unaccented": 8,
                    "offtopic": 30, "document": 6, "relation": 6, "agency": 6},
        "english_routes": {"task": 25, "agency": 3, "relation": 2},
        "older": ("questions_v2.jsonl", "questions_heldout.jsonl", "questions_v3.jsonl"), "min_checked": 25,
        "strict_notes": True},
    "questions_v5.jsonl": {
        "planned": {"paraphrase": 40, "english": 30, "abbrev": 8, "mixed": 6, "unaccented": 8,
                    "offtopic": 35, "document": 8, "relation": 8, "agency": 8},
        "english_routes": {"task": 23, "agency": 4, "relation": 2, "document": 1},
        "older": ("questions_v2.jsonl", "questions_heldout.jsonl", "questions_v3.jsonl", "questions_v4.jsonl"),
        "min_checked": 25, "strict_notes": True},
    "questions_v6.jsonl": {
        "planned": {"paraphrase": 40, "english": 30, "abbrev": 8, "mixed": 6, "unaccented": 8,
                    "offtopic": 35, "document": 8, "relation": 8, "agency": 8},
        "english_routes": {"task": 23, "agency": 4, "relation": 2, "document": 1},
        "older": ("questions_v2.jsonl", "questions_heldout.jsonl", "questions_v3.jsonl", "questions_v4.jsonl",
                  "questions_v5.jsonl"),
        "min_checked": 30, "strict_notes": True},
}

# from v7 on, one plan (163 questions); each set repeats none written before it
_PLAN_163 = {
    "planned": {"paraphrase": 40, "english": 30, "abbrev": 8, "mixed": 6, "unaccented": 20,
                "offtopic": 35, "document": 8, "relation": 8, "agency": 8},
    "english_routes": {"task": 23, "agency": 4, "relation": 2, "document": 1},
    "unaccented_routes": {"task": 16, "agency": 2, "relation": 1, "document": 1},
    "min_checked": 30, "strict_notes": True}
_WRITTEN = ("questions_v2.jsonl", "questions_heldout.jsonl") + tuple(f"questions_v{n}.jsonl" for n in range(3, 24))
SETS.update({name: dict(_PLAN_163, older=_WRITTEN[:_WRITTEN.index(name)]) for name in _WRITTEN[6:]})


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.lower())
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").replace("đ", "d")
    return re.sub(r"\s+", " ", s)


@pytest.fixture(scope="module")
def corpus() -> dict:
    tasks, docs, agencies = {}, set(), set()
    for p in sorted(CORPUS.glob("*.txt")):
        ex = extract_file(p, p.name).to_json()
        text = p.read_text(encoding="utf-8")
        docs.add(ex["document"]["id"])
        docs.update(r["target_id"] for r in ex["references"] if r.get("target_id"))
        agencies.update(a["id"] for a in ex["agencies"])
        for t in ex["tasks"]:
            a, b = t["span"]
            tasks[t["id"]] = _fold(text[a:b])
    return {"tasks": tasks, "docs": docs, "agencies": agencies}


@pytest.fixture(scope="module", params=sorted(SETS))
def name(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def questions(name) -> list[dict]:
    return _lines(FIXTURES / name)


def test_lines_parse_nfc_and_fields(questions, name):
    raw = (FIXTURES / name).read_text(encoding="utf-8")
    assert raw == unicodedata.normalize("NFC", raw)
    for q in questions:
        assert {"q", "kind", "route", "gold"} <= set(q) <= {"q", "kind", "route", "gold", "note"}, q
        assert q["kind"] in KINDS and q["route"] in ROUTES, q
        assert q["q"].strip(), q
        assert (q["route"] == "none") == (q["kind"] == "offtopic"), q


def test_counts_per_kind_and_route(questions, name):
    assert Counter(q["kind"] for q in questions) == SETS[name]["planned"]
    assert Counter(q["route"] for q in questions if q["kind"] == "english") == SETS[name]["english_routes"]
    unaccented = SETS[name].get("unaccented_routes", {"task": SETS[name]["planned"]["unaccented"]})
    assert Counter(q["route"] for q in questions if q["kind"] == "unaccented") == unaccented
    for kind in ("paraphrase", "abbrev", "mixed"):
        assert {q["route"] for q in questions if q["kind"] == kind} == {"task"}, kind
    for kind in ("document", "relation", "agency"):
        assert {q["route"] for q in questions if q["kind"] == kind} == {kind}, kind


def test_every_document_is_covered(questions, corpus):
    task_docs = {tid.split("#")[0] for q in questions if q["route"] == "task"
                 for tid in q["gold"]["task_ids"]}
    assert task_docs == {"vinh-phuc/319-kh-ubnd", "vinh-phuc/2704-qd-ubnd", "vinh-phuc/151-kh-ubnd",
                         "vinh-phuc/2866-qd-ubnd", "tien-giang/45-qd-ubnd"}


def test_no_question_repeated_from_older_sets(questions, name):
    old = {q["q"].strip().lower() for f in SETS[name]["older"] for q in _lines(FIXTURES / f)}
    mine = [q["q"].strip().lower() for q in questions]
    assert len(set(mine)) == len(mine)
    assert not set(mine) & old


def test_unaccented_questions_have_no_diacritics(questions):
    for q in (q for q in questions if q["kind"] == "unaccented"):
        assert q["q"] == _fold(q["q"]), q["q"]


def test_task_gold_rows_exist_and_name_their_lead(questions, corpus):
    for q in (q for q in questions if q["route"] == "task"):
        g = q["gold"]
        assert g["task_ids"] and g["lead"], q
        assert len(set(g["task_ids"])) == len(g["task_ids"]), q
        for tid in g["task_ids"]:
            assert tid in corpus["tasks"], (q["q"], tid)
        rows = [corpus["tasks"][t] for t in g["task_ids"]]
        assert any(_fold(lead) in row for lead in g["lead"] for row in rows), q["q"]


def test_document_relation_agency_gold_exists(questions, corpus):
    for q in questions:
        g = q["gold"]
        if q["route"] == "none":
            assert g == {}, q
        elif q["route"] == "document":
            assert g["documents"] and all(d in corpus["docs"] for d in g["documents"]), q
        elif q["route"] == "relation":
            assert g["relation"]["type"] in RELATIONS and g["relation"]["direction"] in ("in", "out"), q
            assert g["documents"] and all(d in corpus["docs"] for d in g["documents"]), q
        elif q["route"] == "agency":
            assert g["agency_id"] in corpus["agencies"], q
            assert g["role"] in ("lead", "support", "any"), q
            assert g["count"] is None or (isinstance(g["count"], int) and g["count"] > 0), q
            assert set(g["filters"]) <= {"document", "province", "period"}, q
            if "document" in g["filters"]:
                assert g["filters"]["document"] in corpus["docs"], q


def test_offtopic_terms_absent_from_corpus(questions, name):
    """Every near miss and other-province question names the accent-folded
    terms that were grepped; they must still be absent (a corpus change that
    adds one makes the question answerable and must be re-judged)."""
    text = " ".join(_fold(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt"))
    checked = 0
    for q in (q for q in questions if q["route"] == "none"):
        note = q.get("note", "")
        if "grep" not in note:
            assert note in ("everyday", "gibberish") or not SETS[name]["strict_notes"], q
            continue
        terms = re.findall(r"'([^']+)'(?=(?:, '[^']+')* = 0)", note.split("grep", 1)[1])
        assert terms, q
        for term in terms:
            assert not re.search(r"\b" + re.escape(term) + r"\b", text), (q["q"], term)
            checked += 1
    assert checked >= SETS[name]["min_checked"]

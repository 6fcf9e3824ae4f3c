"""Question understanding, hybrid retrieval and answers on the bundled corpus
(the session's store, tests/conftest.py)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import search.index as search_index
from search.index import passages_from
from search import calibrate
from search.intent import parse_question, spell_out_provinces
from service import Service, Store

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"


@pytest.mark.parametrize("q,intent,province,year,number", [
    ("ai chủ trì số hóa kết quả TTHC?", "lead", None, None, None),
    ("ai chu tri so hoa ket qua TTHC", "lead", None, None, None),
    ("who leads số hóa kết quả TTHC", "lead", None, None, None),
    ("cơ quan nào phụ trách kiểm tra công vụ ở Tiền Giang", "lead", "Tiền Giang", None, None),
    ("đơn vị nào chịu trách nhiệm tuyên truyền CCHC tỉnh Vĩnh Phúc năm 2023", "lead", "Vĩnh Phúc", 2023, None),
    ("cơ quan nào phối hợp số hóa hồ sơ", "support", None, None, None),
    ("khi nào phải hoàn thành báo cáo CCHC", "deadline", None, None, None),
    ("thời hạn rà soát TTHC theo Kế hoạch 319/KH-UBND", "deadline", None, None, "319/KH-UBND"),
    ("áp dụng ISO 9001:2015 cho cấp xã", "search", None, None, None),
    ("ai chủ trì, ai phối hợp số hóa hồ sơ?", "lead", None, None, None),
    ("số hóa hồ sơ giao cho ai", "lead", None, None, None),
    ("by when must the TTHC digitisation be done", "deadline", None, None, None),
    ("which department is in charge of ISO", "lead", None, None, None),
    # the one in charge of a coordination leads; "phối hợp với <agency>" stays a support question
    ("Ai phụ trách phối hợp với tập đoàn điện lực để cấp điện?", "lead", None, None, None),
    ("đơn vị nào chịu trách nhiệm phối hợp tổ chức hội nghị", "lead", None, None, None),
    ("Ai phối hợp với Sở Nội vụ đánh giá chỉ số CCHC?", "support", None, None, None),
    ("Ai phối hợp với EVN để cấp điện?", "lead", None, None, None),                  # a partner outside the state
    ("Phối hợp với tập đoàn điện lực thì sở nào đứng ra?", "lead", None, None, None),
    ("Who coordinates with the power corporation on electricity supply?", "lead", None, None, None),
    ("Ai phối hợp với Sở Công Thương cấp điện?", "support", None, None, None),
    # English "who coordinates <a plan>" asks for the focal point; "coordinates with <agency>" for support
    ("Who coordinates the digital transformation plan?", "lead", None, None, None),
    ("Who coordinates with the Department of Justice on legal dissemination?", "support", None, None, None),
    ("Who assists the Department of Home Affairs?", "support", None, None, None),
    # English one-word spellings of provinces
    ("Who chairs the anti-corruption committee of Hanoi?", "lead", "Hà Nội", None, None),
    ("digital transformation plan of Danang in 2024", "search", "Đà Nẵng", 2024, None),
    # a province's initials where only a place can stand; never "VP UBND" (Văn phòng), "KH 132" (Kế hoạch)
    ("ai tổng hợp chỉ số CCHC ở TG?", "lead", "Tiền Giang", None, None),
    ("SNV TG ban hành QĐ chỉ số CCHC", "search", "Tiền Giang", None, None),
    ("BRVT: ai chủ trì số hóa hồ sơ?", "lead", "Bà Rịa - Vũng Tàu", None, None),
    ("Ở tỉnh KH ai chủ trì chuyển đổi số", "lead", "Khánh Hòa", None, None),
    ("VP UBND tỉnh rà soát TTHC", "search", None, None, None),
    ("BHXH tỉnh thực hiện KH 132 tuyên truyền", "search", None, None, None),
    ("ai thực hiện CT 30 về TTHC", "lead", None, None, None),
    ("ai chủ trì ở HN?", "lead", None, None, None),                  # Hà Nội or Hà Nam: no province
    ("KT, rà soát VBQPPL: ai chủ trì?", "lead", None, None, None),     # kiểm tra, not Kon Tum
    ("mục tiêu của KH là gì", "search", None, None, None),               # the glossary's "KH": kế hoạch
])
def test_parse_question(q, intent, province, year, number):
    pq = parse_question(q)
    assert (pq.intent, pq.province, pq.year, pq.number) == (intent, province, year, number)


@pytest.mark.parametrize("q,spelled", [
    ("ai chủ trì ở TG?", "ai chủ trì ở Tiền Giang?"),
    ("SNV TG, tỉnh VP", "SNV Tiền Giang, tỉnh Vĩnh Phúc"),
    ("VP UBND tỉnh rà soát TTHC", "VP UBND tỉnh rà soát TTHC"),
    ("KH 132 ở VP", "KH 132 ở VP"),
])
def test_province_initials_spelled_out(q, spelled):
    """The rows write a province's name: initials read as a province are spelled out for ranking."""
    assert spell_out_provinces(q) == spelled


@pytest.fixture(scope="module")
def engine(store):
    """``engine.ask`` = the service's ask (ranking + answer), uncached."""
    return Service(store, ask_cache_size=0)


def test_contract_shape_and_headline_answer(engine):
    res = engine.ask("ai chủ trì số hóa kết quả TTHC?", k=5)
    assert set(["query", "intent", "province", "answer", "results"]) <= set(res)
    assert res["intent"] == "lead" and len(res["results"]) == 5
    top = res["results"][0]
    assert top["kind"] in ("task", "assignment")
    assert set(["id", "text", "section", "no", "lead", "support", "deadline"]) <= set(top["task"])
    assert set(["id", "number", "province"]) <= set(top["document"])
    assert "số hóa kết quả" in top["task"]["text"].lower()
    assert res["answer"]["agencies"][0]["name"] == top["task"]["lead"][0]
    assert top["task"]["id"] in res["answer"]["agencies"][0]["task_ids"]
    assert res["answer"]["text"].startswith("Chủ trì:")


def test_unaccented_and_mixed_questions_find_the_same_row(engine):
    ids = {engine.ask(q, k=1)["results"][0]["task"]["id"] for q in (
        "ai chủ trì số hóa kết quả TTHC?", "ai chu tri so hoa ket qua TTHC", "who leads số hóa kết quả TTHC")}
    assert len(ids) == 1


def test_tone_placement_variants(engine):
    a = engine.ask("ai chủ trì số hoá kết quả giải quyết thủ tục hành chính", k=3)
    b = engine.ask("ai chủ trì số hóa kết quả giải quyết thủ tục hành chính", k=3)
    assert [r["task"]["id"] for r in a["results"]] == [r["task"]["id"] for r in b["results"]]


def test_province_filter_is_respected(engine):
    res = engine.ask("ai chủ trì kiểm tra công tác cải cách hành chính ở Tiền Giang", k=5)
    assert res["province"] == "Tiền Giang"
    assert all(r["document"]["province"] == "Tiền Giang" for r in res["results"])


def test_support_and_deadline_answers(engine):
    s = engine.ask("cơ quan nào phối hợp số hóa kết quả giải quyết TTHC", k=3)
    assert s["intent"] == "support" and s["answer"]["role"] == "support"
    d = engine.ask("khi nào hoàn thành số hóa kết quả giải quyết TTHC", k=3)
    assert d["intent"] == "deadline" and d["answer"]["text"].startswith("Thời hạn:")


def _score(engine, questions, mode):
    hit = 0
    for q in questions:
        res = engine.ask(q["q"], k=5, mode=mode)
        hit += bool(res["results"]) and res["results"][0]["task"]["id"] in q["relevant"]
    return hit / len(questions)


def test_judged_sets(engine):
    easy = [json.loads(l) for l in (FIX / "search_questions.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    hard = [json.loads(l) for l in (FIX / "search_questions_paraphrase.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    both = easy + hard
    hybrid_easy = _score(engine, easy, "hybrid")
    assert hybrid_easy >= 0.9
    h, b, d = (_score(engine, both, m) for m in ("hybrid", "bm25", "dense"))
    assert h > b and h > d, (h, b, d)


def test_rebuild_embeds_only_new_text(tmp_path, monkeypatch, store):
    home = tmp_path / "h"
    fresh = Store(ROOT / "data" / "corpus", home)
    # share the embedding store of the session store
    (home / "cache").mkdir(parents=True)
    (home / "cache" / "vectors").symlink_to(store.cache / "vectors")

    def no_model(*a, **k):
        raise AssertionError("the model was loaded although every passage was cached")
    monkeypatch.setattr(search_index, "get_model", no_model)
    fresh.build(index=True)
    assert (home / "current" / "index" / "dense.faiss").exists()


def test_ask_batch_cli(tmp_path, store):
    qf = tmp_path / "q.txt"
    qf.write_text("ai chủ trì số hóa kết quả TTHC?\n\nai chu tri kiem tra cong vu\n", encoding="utf-8")
    home = store.home
    r = subprocess.run([sys.executable, "-m", "cli", "--home", str(home), "ask", "--batch", str(qf), "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert [l["query"] for l in lines] == ["ai chủ trì số hóa kết quả TTHC?", "ai chu tri kiem tra cong vu"]
    r = subprocess.run([sys.executable, "-m", "cli", "--home", str(home), "ask", "--batch", str(tmp_path / "none.txt")],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 2 and "none.txt" in r.stderr


@pytest.mark.parametrize("q,year,row", [
    # the year names the topic (a 2022 index, a 2022-2025 budget period), not the plan's year: the row of
    # a 2023 plan (deadline range 2023) or a 2021 step of the 2021-2025 programme still answers
    ("ai công bố chỉ số cải cách hành chính của các xã, phường, thị trấn năm 2022", 2022,
     "vinh-phuc/319-kh-ubnd#task-010"),
    ("ai trình HĐND tỉnh nghị quyết phân cấp nguồn thu, nhiệm vụ chi giữa các cấp ngân sách giai đoạn 2022-2025",
     2022, "vinh-phuc/2866-qd-ubnd#task-048"),
])
def test_year_is_a_preference_not_a_filter(engine, q, year, row):
    res = engine.ask(q, k=3)
    assert res["filters"]["year"] == year
    assert res["results"][0]["task"]["id"] == row


def test_a_span_of_months_prefers_the_rows_due_in_it(engine):
    """A question's span of months ("từ tháng 5 đến tháng 11/2023") is the ``year`` feature's time: a row whose
    deadline span overlaps it has it, a row due in December 2023 does not (a lone year would give both)."""
    se = engine.engine()
    q = se.prepare("Ai tập huấn nghiệp vụ kiểm soát TTHC từ tháng 5 đến tháng 11/2023?")
    assert q.period == ("2023-05-01", "2023-11-30")
    sc = se.score(q)
    col = calibrate.FEATURES.index("year")
    by_id = {se.records[i]["task"]["id"]: sc.features[i][col] for i in sc.order[:50]}
    assert by_id["vinh-phuc/2704-qd-ubnd#task-032"] == 1.0          # "Tháng 05/2023 - Tháng 11/2023"
    assert by_id.get("vinh-phuc/319-kh-ubnd#task-031", 0.0) == 0.0   # "Tháng 12/2023"
    assert se.prepare("Ai tập huấn nghiệp vụ kiểm soát TTHC năm 2023?").period is None


@pytest.mark.parametrize("q", ["BHXH tỉnh thực hiện KH 132 tuyên truyền BHXH?",
                               "Ai tuyên truyền BHXH theo Kế hoạch 132/KH-UBND?"])
def test_the_row_citing_a_named_text_answers_first(engine, q):
    """132/KH-UBND is only cited (151 VI.2 carries it out): the row citing it goes before rows that only share
    "BHXH" with the question."""
    res = engine.ask(q, k=3)
    assert res["route"] == "task"
    assert res["results"][0]["task"]["id"] == "vinh-phuc/151-kh-ubnd#task-047"


def _row(text, objective=None):
    return {"id": "p/1-kh#task-001", "text": text, "objective": objective, "section_title": "CẢI CÁCH",
            "product": "Kế hoạch", "lead": ["Sở Nội vụ"], "support": []}


@pytest.mark.parametrize("task, passages", [
    (_row("Ban hành kế hoạch."), ["Ban hành kế hoạch. | CẢI CÁCH | Kế hoạch | KẾ HOẠCH CCHC"]),
    (_row("Ban hành kế hoạch.", "Ban hành kế hoạch."), ["Ban hành kế hoạch. | CẢI CÁCH | Kế hoạch | KẾ HOẠCH CCHC"]),
    (_row("Thực hiện theo hướng dẫn.", "Số hóa đạt 30%."),
     ["Thực hiện theo hướng dẫn. | CẢI CÁCH | Kế hoạch | KẾ HOẠCH CCHC",
      "Số hóa đạt 30%. | CẢI CÁCH | Kế hoạch | KẾ HOẠCH CCHC"]),
])
def test_a_rows_objective_is_a_passage_of_its_own(task, passages):
    """The "Mục tiêu" cell is searchable as its own passage of the same row
    (after the task's), and shown with the row."""
    ex = {"document": {"id": "p/1-kh", "title": "KẾ HOẠCH CCHC"}, "tasks": [task], "assignments": []}
    recs = passages_from([ex])
    assert [r["passage"] for r in recs] == passages
    assert {r["task"]["id"] for r in recs} == {"p/1-kh#task-001"}
    want = None if task["objective"] == task["text"] else task["objective"]
    assert all(r["task"]["objective"] == want for r in recs)


def test_cli_text_output_shows_a_rows_objective(store):
    q = "Ai chủ trì số hóa kết quả giải quyết TTHC đạt tỷ lệ 30%, 20%, 15%?"
    r = subprocess.run([sys.executable, "-m", "cli", "--home", str(store.home), "ask", q, "--k", "1"],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    rows = r.stdout.splitlines()
    assert "2866/QĐ-UBND] II 23" in rows[1] and rows[2].strip().startswith("mục tiêu: Số hóa kết quả giải quyết TTHC")


def test_question_naming_a_rows_objective_finds_the_row(engine):
    # 2866 row 23: the target (30 % / 20 % / 15 %) is in its "Mục tiêu" cell, not its task cell
    res = engine.ask("Ai chủ trì số hóa kết quả giải quyết TTHC đạt tỷ lệ 30%, 20%, 15% ở cấp tỉnh, huyện, xã?", k=5)
    top = res["results"][0]["task"]
    assert "30%, 20%, 15%" in top["objective"] and "30%" not in top["text"]
    assert res["answer"]["agencies"][0]["name"] == "Văn phòng UBND tỉnh"
    assert len({r["task"]["id"] for r in res["results"]}) == len(res["results"])    # one result per row

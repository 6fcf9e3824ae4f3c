"""Agency agendas: due lines in a window, ongoing listed apart, lineage collapsed."""
from datetime import date
from pathlib import Path

import pytest

from kg.agenda import AgendaIndex, agenda, period_label
from kg.lineage import Link, find_lineage
from kg.periods import parse_deadline, parse_period
from kg.pipeline import extract_file

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"


def ex(did, number, title, tasks):
    return {"document": {"id": did, "number": number, "title": title, "date": "2022-12-01", "province": "A"},
            "references": [],
            "tasks": [dict(id=f"{did}#task-{i:03d}", text=t[0], lead=t[1], support=t[2], deadline=t[3])
                      for i, t in enumerate(tasks, 1)],
            "agencies": [{"id": "a/so-noi-vu", "name": "Sở Nội vụ", "aliases": ["SNV"]},
                         {"id": "a/so-tu-phap", "name": "Sở Tư pháp", "aliases": []}]}


PROG = ex("a/p", "1/QĐ-UBND", "Kế hoạch giai đoạn 2021-2025", [
    ("Ban hành kế hoạch CCHC hằng năm", ["Sở Nội vụ"], [], "Hằng năm"),
    ("Báo cáo hằng quý", ["Sở Nội vụ"], [], "Hằng quý"),
])
PLAN = ex("a/y", "2/KH-UBND", "Kế hoạch năm 2023", [
    ("Ban hành kế hoạch CCHC năm 2023", ["Sở Nội vụ"], [], "Quý IV/2023"),
    ("Kiểm tra văn bản", ["Sở Tư pháp"], ["Sở Nội vụ"], "Tháng 11/2023"),
    ("Theo dõi thi hành pháp luật", ["Sở Nội vụ"], [], "Thường xuyên"),
    ("Tập huấn", ["Sở Nội vụ"], [], "Quý I/2023"),
    ("Tuỳ tình hình", ["Sở Nội vụ"], [], "Theo kế hoạch"),
])
LINKS = [Link("a/y#task-001", "a/p#task-001", "same", 0.9, "text 0.9")]


def test_due_in_quarter_with_lineage_collapsed():
    a = agenda([PROG, PLAN], LINKS, "Sở Nội vụ", *parse_period("quý IV/2023"))
    ids = [l.task_id for l in a.due]
    # the programme's yearly row is absorbed into its 2023 restatement: one line, both sources
    assert "a/p#task-001" not in ids
    line = next(l for l in a.due if l.task_id == "a/y#task-001")
    assert [s.document_number for s in line.sources] == ["2/KH-UBND", "1/QĐ-UBND"]
    assert line.due == date(2023, 12, 31) and line.period == "Quý IV/2023"
    # support role counts; quarterly report due at the end of Q4; Q1 row and unknown row are not due
    assert ("a/y#task-002", "support") in [(l.task_id, l.role) for l in a.due]
    assert "a/p#task-002" in ids
    assert "a/y#task-004" not in ids and "a/y#task-005" not in ids
    assert [l.task_id for l in a.ongoing] == ["a/y#task-003"]
    assert [l.due for l in a.due] == sorted(l.due for l in a.due)


def test_recurring_rows_recur_within_programme_years_only():
    ix = AgendaIndex([PROG, PLAN], LINKS)
    a = ix.agenda("a/so-noi-vu", date(2025, 1, 1), date(2025, 12, 31))
    assert sorted(l.task_id for l in a.due) == ["a/p#task-001"] + ["a/p#task-002"] * 4
    assert ix.agenda("SNV", date(2026, 1, 1), date(2026, 12, 31)).due == ()


def test_agency_resolution():
    ix = AgendaIndex([PROG, PLAN], [])
    assert ix.resolve("sở nội vụ") == ["a/so-noi-vu"]
    assert ix.resolve("So Noi vu") == ["a/so-noi-vu"]
    assert ix.resolve("a/so-tu-phap") == ["a/so-tu-phap"]
    with pytest.raises(KeyError, match="unknown agency"):
        ix.agenda("Sở Không Có", date(2023, 1, 1), date(2023, 12, 31))


def test_period_labels():
    assert period_label(parse_deadline("Quý IV/2023"), date(2023, 12, 31)) == "Quý IV/2023"
    assert period_label(parse_deadline("Hằng năm"), date(2024, 12, 31)) == "Hằng năm (2024)"
    assert period_label(parse_deadline("Thường xuyên"), None) == "Thường xuyên"
    assert period_label(parse_deadline("trước ngày 15/12/2023"), date(2023, 12, 15)) == "Trước 15/12/2023"


def test_bundled_corpus_agenda_json():
    exs = [extract_file(p).to_json() for p in sorted(CORPUS.glob("*.txt"))]
    lin = find_lineage(exs)
    a = AgendaIndex(exs, lin.links).agenda("vinh-phuc/so-noi-vu", *parse_period("quý IV/2023"))
    j = a.to_json()
    assert j["agency"]["name"] == "Sở Nội vụ" and j["from"] == "2023-10-01" and j["to"] == "2023-12-31"
    assert j["rows"] and all("2023-10-01" <= r["due"] <= "2023-12-31" for r in j["rows"])
    assert all(not r["task_id"].startswith("tien-giang/") for r in j["rows"])
    # a 2023 row restating a programme row lists the programme as a second source
    assert any(len(r["sources"]) > 1 and r["sources"][1]["document_number"] == "2866/QĐ-UBND" for r in j["rows"])

"""Deadline text -> DeadlineRange; period queries; due-in-window semantics."""
from datetime import date

import pytest

from kg.periods import (document_years, due_dates, parse_deadline, parse_period, period_from_dates,
                        rows_due)

D = date

CASES = [
    # text, context year, kind, start, end, recurrence, anchor (month, day)
    ("Quý I/2023", None, "quarter", D(2023, 1, 1), D(2023, 3, 31), None, (None, None)),
    ("Quý IV năm 2023", None, "quarter", D(2023, 10, 1), D(2023, 12, 31), None, (None, None)),
    ("Quí II/2024", None, "quarter", D(2024, 4, 1), D(2024, 6, 30), None, (None, None)),
    ("Tháng 6/2024", None, "month", D(2024, 6, 1), D(2024, 6, 30), None, (None, None)),
    ("Tháng 02 năm 2023", None, "month", D(2023, 2, 1), D(2023, 2, 28), None, (None, None)),
    ("trước ngày 15/12/2023", None, "before-date", None, D(2023, 12, 15), None, (None, None)),
    ("Chậm nhất ngày 31/3/2024", None, "before-date", None, D(2024, 3, 31), None, (None, None)),
    ("Ngày 15 tháng 12 năm 2023", None, "by-date", D(2023, 12, 15), D(2023, 12, 15), None, (None, None)),
    ("Năm 2023", None, "year", D(2023, 1, 1), D(2023, 12, 31), None, (None, None)),
    ("Trong năm 2024", None, "year", D(2024, 1, 1), D(2024, 12, 31), None, (None, None)),
    ("2021", None, "year", D(2021, 1, 1), D(2021, 12, 31), None, (None, None)),
    ("2021-2025", None, "range", D(2021, 1, 1), D(2025, 12, 31), None, (None, None)),
    ("Từ quý I đến quý IV/2023", None, "range", D(2023, 1, 1), D(2023, 12, 31), None, (None, None)),
    ("Quý I/2023 - Quý II/2023", None, "range", D(2023, 1, 1), D(2023, 6, 30), None, (None, None)),
    ("Tháng 01/2023 - Tháng 04/2023", None, "range", D(2023, 1, 1), D(2023, 4, 30), None, (None, None)),
    ("Từ Quý II đến cuối năm 2023", None, "range", D(2023, 4, 1), D(2023, 12, 31), None, (None, None)),
    ("6 tháng đầu năm 2024", None, "half-year", D(2024, 1, 1), D(2024, 6, 30), None, (None, None)),
    ("6 tháng cuối năm 2024", None, "half-year", D(2024, 7, 1), D(2024, 12, 31), None, (None, None)),
    ("Quý I/2023; Quý IV/2023", None, "multiple", D(2023, 1, 1), D(2023, 12, 31), None, (None, None)),
    ("Từ quý I/2023", None, "from", D(2023, 1, 1), None, None, (None, None)),
    ("Hằng năm", None, "recurring-yearly", None, None, "yearly", (None, None)),
    ("Hàng năm", None, "recurring-yearly", None, None, "yearly", (None, None)),
    ("Trước 30/6 hằng năm", None, "recurring-yearly", None, None, "yearly", (6, 30)),
    ("Tháng 11 hằng năm", None, "recurring-yearly", None, None, "yearly", (11, None)),
    ("Quý IV hằng năm", None, "recurring-yearly", None, None, "yearly", (12, None)),
    ("Hằng quý", None, "recurring-quarterly", None, None, "quarterly", (None, None)),
    ("Trước ngày 20 hằng tháng", None, "recurring-monthly", None, None, "monthly", (None, 20)),
    ("Thường xuyên", None, "ongoing", None, None, None, (None, None)),
    ("Thường xuyên năm 2023", None, "ongoing", D(2023, 1, 1), D(2023, 12, 31), None, (None, None)),
    ("Định kỳ hoặc đột xuất năm 2023", None, "ongoing", D(2023, 1, 1), D(2023, 12, 31), None, (None, None)),
    ("Theo kế hoạch", None, "unknown", None, None, None, (None, None)),
    ("Sau khi có hướng dẫn của các bộ ngành", None, "unknown", None, None, None, (None, None)),
    (None, None, "unknown", None, None, None, (None, None)),
    # year written nowhere: the document's year
    ("Quý I", 2025, "quarter", D(2025, 1, 1), D(2025, 3, 31), None, (None, None)),
    ("Trước 30/6", 2024, "before-date", None, D(2024, 6, 30), None, (None, None)),
]


@pytest.mark.parametrize("text,year,kind,start,end,rec,anchor", CASES)
def test_parse_deadline(text, year, kind, start, end, rec, anchor):
    r = parse_deadline(text, year)
    assert (r.kind, r.start, r.end, r.recurrence) == (kind, start, end, rec)
    assert (r.anchor_month, r.anchor_day) == anchor
    assert r.text == text


@pytest.mark.parametrize("query,start,end", [
    ("quý IV/2023", D(2023, 10, 1), D(2023, 12, 31)),
    ("Quý 4/2023", D(2023, 10, 1), D(2023, 12, 31)),
    ("Q4/2023", D(2023, 10, 1), D(2023, 12, 31)),
    ("2023-Q4", D(2023, 10, 1), D(2023, 12, 31)),
    ("tháng 10/2023", D(2023, 10, 1), D(2023, 10, 31)),
    ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
    ("năm 2024", D(2024, 1, 1), D(2024, 12, 31)),
    ("2024", D(2024, 1, 1), D(2024, 12, 31)),
    ("6 tháng đầu năm 2024", D(2024, 1, 1), D(2024, 6, 30)),
    ("2023-10-01..2023-12-31", D(2023, 10, 1), D(2023, 12, 31)),
])
def test_parse_period(query, start, end):
    assert parse_period(query) == (start, end)


@pytest.mark.parametrize("bad", ["", "thường xuyên", "hằng năm", "quý V/2023", "abc"])
def test_parse_period_rejects(bad):
    with pytest.raises(ValueError, match="not a period"):
        parse_period(bad)


def test_period_from_dates():
    assert period_from_dates("2023-10-01", "2023-12-31") == (D(2023, 10, 1), D(2023, 12, 31))
    assert period_from_dates(None, "2023-12-31")[0] == date.min
    with pytest.raises(ValueError):
        period_from_dates("2023-12-31", "2023-01-01")
    with pytest.raises(ValueError):
        period_from_dates("2023-13-01", None)


def test_recurring_due_dates_within_validity_years():
    assert due_dates(parse_deadline("Hằng năm"), range(2021, 2026)) == [D(y, 12, 31) for y in range(2021, 2026)]
    assert due_dates(parse_deadline("Trước 30/6 hằng năm"), [2023, 2024]) == [D(2023, 6, 30), D(2024, 6, 30)]
    assert due_dates(parse_deadline("Hằng quý"), [2023]) == [D(2023, 3, 31), D(2023, 6, 30), D(2023, 9, 30), D(2023, 12, 31)]
    assert len(due_dates(parse_deadline("Hằng tháng"), [2023])) == 12
    assert due_dates(parse_deadline("Quý I/2023; Quý IV/2023")) == [D(2023, 3, 31), D(2023, 12, 31)]
    assert due_dates(parse_deadline("Thường xuyên"), [2023]) == []


def test_rows_due_in_window():
    rows = [("q4", parse_deadline("Quý IV/2023"), (2023,)),
            ("q1", parse_deadline("Quý I/2023"), (2023,)),
            ("yearly", parse_deadline("Hằng năm"), (2021, 2022, 2023, 2024, 2025)),
            ("programme", parse_deadline("2021-2025"), (2021, 2022, 2023, 2024, 2025)),
            ("always", parse_deadline("Thường xuyên"), (2023,)),
            ("always-2021", parse_deadline("Thường xuyên"), (2021,)),
            ("unknown", parse_deadline("Theo kế hoạch"), (2023,))]
    got = rows_due(rows, D(2023, 10, 1), D(2023, 12, 31))
    assert [r for r, _ in got.due] == ["q4", "yearly"]
    assert got.ongoing == ["always"]
    got = rows_due(rows, D(2025, 1, 1), D(2025, 12, 31))
    assert sorted(r for r, _ in got.due) == ["programme", "yearly"]


def test_document_years():
    assert document_years({"title": "Kế hoạch CCHC giai đoạn 2021- 2025", "date": "2021-10-14"}) == (2021, 2022, 2023, 2024, 2025)
    assert document_years({"title": "Kế hoạch CCHC NĂM 2023", "date": "2022-12-30"}) == (2023,)
    assert document_years({"title": "Kế hoạch", "date": "2022-12-30"}, [parse_deadline("Quý I/2023")]) == (2023,)
    assert document_years({"title": None, "date": "2022-12-30"}) == (2022,)

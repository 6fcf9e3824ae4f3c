"""iCalendar output parses back with the icalendar package and keeps RFC 5545 form."""
from datetime import date, datetime, timezone

import pytest

from kg.agenda import AgendaIndex
from kg.ics import escape_text, fold, to_ics

icalendar = pytest.importorskip("icalendar", reason="icalendar is in the test extra (pip install -e .[test])")

TASKS = [
    ("Báo cáo; tổng hợp, đánh giá\nkết quả cải cách hành chính năm 2023 của các cơ quan, đơn vị, địa phương trên địa bàn tỉnh", "Quý IV/2023"),
    ("Ban hành kế hoạch kiểm tra công vụ", "Hằng năm"),
    ("Báo cáo tiến độ", "Hằng quý"),
    ("Thường xuyên theo dõi", "Thường xuyên"),
]
EX = {"document": {"id": "a/p", "number": "1/KH-UBND", "title": "Kế hoạch giai đoạn 2023-2024", "date": "2023-01-01"},
      "references": [],
      "tasks": [{"id": f"a/p#task-{i:03d}", "text": t, "lead": ["Sở Nội vụ"], "support": [], "deadline": d}
                for i, (t, d) in enumerate(TASKS, 1)],
      "agencies": [{"id": "a/so-noi-vu", "name": "Sở Nội vụ", "aliases": []}]}
STAMP = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.fixture()
def ics_text():
    a = AgendaIndex([EX]).agenda("Sở Nội vụ", date(2023, 1, 1), date(2024, 12, 31))
    return to_ics(a.due, "Sở Nội vụ – lịch", STAMP)


def test_parses_back(ics_text):
    cal = icalendar.Calendar.from_ical(ics_text)
    events = list(cal.walk("VEVENT"))
    # one dated row + one event per recurring row (not one per occurrence); ongoing row skipped
    assert len(events) == 3
    by_uid = {str(e["UID"]): e for e in events}
    assert len(by_uid) == 3
    q4 = by_uid["a/p#task-001-20231231@legalkg"]
    assert q4.decoded("DTSTART") == date(2023, 12, 31)
    assert str(q4["SUMMARY"]).startswith("Báo cáo; tổng hợp, đánh giá kết quả")
    assert "Quý IV/2023" in str(q4["DESCRIPTION"]) and "\n" in str(q4["DESCRIPTION"])
    yearly = by_uid["a/p#task-002@legalkg"]
    rule = yearly["RRULE"]
    assert rule["FREQ"] == ["YEARLY"] and rule["BYMONTH"] == [12] and rule["BYMONTHDAY"] == [31]
    assert rule["UNTIL"][0] in (date(2024, 12, 31), datetime(2024, 12, 31))
    quarterly = by_uid["a/p#task-003@legalkg"]["RRULE"]
    assert quarterly["FREQ"] == ["MONTHLY"] and quarterly["INTERVAL"] == [3]
    for e in events:
        assert e.decoded("DTSTAMP") == STAMP


def test_rfc5545_form(ics_text):
    assert ics_text.endswith("\r\n")
    assert "\n" not in ics_text.replace("\r\n", "")
    for line in ics_text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert ics_text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")


def test_escape_and_fold():
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    long = "SUMMARY:" + "đường " * 40
    folded = fold(long)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0]] + [p[1:] for p in parts[1:]]) == long

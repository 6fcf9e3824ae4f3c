"""Lineage and agendas over HTTP: /api/lineage, /api/agenda (JSON, .xlsx, .ics),
the agenda page and its twins, lineage on the task and document pages
(a store built without the search index)."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from service import Store
from web import create_app

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
Q4 = quote("quý IV/2023")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    home = tmp_path_factory.mktemp("lineage-web")
    store = Store(CORPUS, home)
    store.build(index=False)
    return create_app({"STORE": store, "WARMUP": False}).test_client()


def task_url(task_id: str, suffix: str = "") -> str:
    return "/task/" + quote(task_id + suffix, safe="/")


JSON_ROUTES = [
    ("/api/lineage", lambda d: len(d["links"]) > 30 and d["ref"] is None),
    ("/api/lineage?ref=319/KH-UBND", lambda d: d["ref"]["id"] == "vinh-phuc/319-kh-ubnd"),
    ("/api/lineage?ref=" + quote("vinh-phuc/151-kh-ubnd#task-013"), lambda d: d["ref"]["kind"] == "task"),
    (f"/api/agenda?agency={quote('Sở Nội vụ tỉnh Vĩnh Phúc')}&period={Q4}",
     lambda d: d["count"] > 0 and all("2023-10-01" <= r["due"] <= "2023-12-31" for r in d["rows"])),
    ("/api/agenda?agency=vinh-phuc/so-tu-phap&from=2024-01-01&to=2024-06-30",
     lambda d: all("2024-01-01" <= r["due"] <= "2024-06-30" for r in d["rows"])),
    (f"/agency/vinh-phuc/so-noi-vu/agenda.json?period={Q4}", lambda d: d["agency"]["id"] == "vinh-phuc/so-noi-vu"),
    (task_url("vinh-phuc/319-kh-ubnd#task-004", ".json"), lambda d: d["lineage"]["parents"]),
    ("/doc/vinh-phuc/2866-qd-ubnd.json", lambda d: d["lineage"]["carried_by"]),
]


@pytest.mark.parametrize("url, check", JSON_ROUTES)
def test_json_routes(client, url, check):
    r = client.get(url)
    assert r.status_code == 200, r.data[:300]
    assert r.is_json and check(r.get_json())


ERRORS = [
    ("/api/agenda?agency=vinh-phuc/so-noi-vu&period=" + quote("quý V/2023"), 400),
    ("/api/agenda?agency=vinh-phuc/so-noi-vu&from=2023-02-30", 400),
    ("/api/agenda?period=2023", 400),                          # agency missing
    ("/api/agenda?agency=" + quote("Sở Không Tồn Tại") + "&period=2023", 404),
    ("/api/agenda.pdf?agency=vinh-phuc/so-noi-vu", 404),
    ("/api/lineage?ref=999/KH-XYZ", 404),
    ("/agency/vinh-phuc/khong-co/agenda?period=2023", 404),
    ("/agency/vinh-phuc/so-noi-vu/agenda?period=hello", 400),
]


@pytest.mark.parametrize("url, status", ERRORS)
def test_errors(client, url, status):
    r = client.get(url, headers={"Accept": "application/json"})
    assert r.status_code == status
    assert r.get_json()["message"]


def test_agenda_page(client):
    r = client.get(f"/agency/vinh-phuc/so-noi-vu/agenda?period={Q4}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Sở Nội vụ: đến hạn quý IV/2023" in html
    assert "agenda.xlsx?period=" in html and "agenda.ics?period=" in html and "agenda.json?period=" in html
    data = client.get(f"/agency/vinh-phuc/so-noi-vu/agenda.json?period={Q4}").get_json()
    for row in data["rows"]:
        assert quote(row["id"], safe="/") in html or row["id"].replace("#", "%23") in html


def test_agency_page_keeps_working(client):
    assert client.get("/agency/vinh-phuc/so-noi-vu").status_code == 200
    assert client.get("/agency/vinh-phuc/so-noi-vu.json").get_json()["agency"]["id"] == "vinh-phuc/so-noi-vu"


def test_task_page_shows_parents(client):
    data = client.get(task_url("vinh-phuc/319-kh-ubnd#task-004", ".json")).get_json()
    html = client.get(task_url("vinh-phuc/319-kh-ubnd#task-004")).get_data(as_text=True)
    assert "Nhiệm vụ này thực hiện nhiệm vụ" in html and "2866/QĐ-UBND" in html
    assert data["lineage"]["sentence"].split(";")[0] in html
    for p in data["lineage"]["parents"]:
        assert p["kind_label"] in html


def test_programme_row_page_shows_children_by_year(client):
    lin = client.get("/api/lineage?ref=2866/QĐ-UBND").get_json()
    parent = next(l["parent"] for l in lin["links"] if l["parent"].startswith("vinh-phuc/2866"))
    html = client.get(task_url(parent)).get_data(as_text=True)
    assert "Được thực hiện qua các năm" in html
    data = client.get(task_url(parent, ".json")).get_json()
    for g in data["lineage"]["children_by_year"]:
        assert g["document"]["number"] in html


def test_document_page_shows_coverage(client):
    html = client.get("/doc/vinh-phuc/2866-qd-ubnd").get_data(as_text=True)
    data = client.get("/doc/vinh-phuc/2866-qd-ubnd.json").get_json()["lineage"]
    assert "Thực hiện qua các kế hoạch" in html
    for c in data["carried_by"]:
        assert f"{c['carried']} / {c['total']}" in html
    assert f"({len(data['not_carried'])})" in html


def test_agenda_xlsx(client):
    r = client.get(f"/api/agenda.xlsx?agency=vinh-phuc/so-noi-vu&period={quote('năm 2023')}")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    data = client.get(f"/api/agenda?agency=vinh-phuc/so-noi-vu&period={quote('năm 2023')}").get_json()
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(min_row=4))
    assert len(rows) == data["count"] + len(data["ongoing"])
    for cells, row in zip(rows, data["rows"]):
        due = cells[0].value
        assert isinstance(due, (date, datetime)) and due.strftime("%Y-%m-%d") == row["due"]
        assert cells[3].value == row["text"] and cells[-1].value == row["id"]
    for line in ws.iter_rows():
        for c in line:
            assert c.data_type != "f"


def test_agenda_xlsx_never_writes_formulas():
    from web.lineage import agenda_xlsx
    row = {"id": "x#task-001", "text": "=HYPERLINK(\"http://evil\")", "role": "lead", "deadline": "+1",
           "period": "Năm 2023", "due": "2023-12-31", "sources": [], "lead": ["@Sở"], "support": [],
           "document": {"number": "-5"}}
    data = {"agency": {"name": "=cmd", "province": None}, "period": "năm 2023", "count": 1, "from": "2023-01-01",
            "to": "2023-12-31", "rows": [row], "ongoing": []}
    ws = load_workbook(io.BytesIO(agenda_xlsx(data))).active
    values = [c.value for line in ws.iter_rows() for c in line if c.value is not None]
    assert "=HYPERLINK(\"http://evil\")" in values and any(str(v).startswith("=cmd") for v in values)
    assert all(c.data_type != "f" for line in ws.iter_rows() for c in line)


def test_agenda_ics_parses_back(client):
    icalendar = pytest.importorskip("icalendar")
    r = client.get(f"/agency/vinh-phuc/so-noi-vu/agenda.ics?period={quote('năm 2023')}")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(r.data)
    events = cal.walk("VEVENT")
    data = client.get(f"/api/agenda?agency=vinh-phuc/so-noi-vu&period={quote('năm 2023')}").get_json()
    dated = {(row["id"], row["due"]) for row in data["rows"] if not row["recurrence"]}
    got = {(str(e["UID"]).split("-2023")[0], e.decoded("DTSTART").isoformat()) for e in events if "RRULE" not in e}
    assert len(got) == len(dated)
    assert {d for _, d in got} == {d for _, d in dated}
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))


def test_agenda_ics_recurring_rows_have_rrule(client):
    icalendar = pytest.importorskip("icalendar")
    data = client.get("/api/agenda?agency=vinh-phuc/so-noi-vu&period=2024").get_json()
    yearly = [r for r in data["rows"] if r["recurrence"] == "yearly"]
    assert yearly, "2866 has 'Hàng năm' rows led by Sở Nội vụ"
    cal = icalendar.Calendar.from_ical(client.get("/api/agenda.ics?agency=vinh-phuc/so-noi-vu&period=2024").data)
    rules = [e for e in cal.walk("VEVENT") if "RRULE" in e]
    assert len(rules) == len({r["id"] for r in yearly} | {r["id"] for r in data["rows"] if r["recurrence"]})
    for e in rules:
        rule = e["RRULE"]
        assert rule["FREQ"][0] in ("YEARLY", "MONTHLY")
        assert rule["UNTIL"][0].year == 2025          # 2866 runs 2021-2025


def test_openapi_documents_the_routes(client):
    spec = client.get("/openapi.json").get_json()
    for path in ("/api/lineage", "/api/agenda", "/api/agenda.xlsx", "/api/agenda.ics", "/agency/{id}/agenda"):
        assert path in spec["paths"], path
    params = {p["name"] for p in spec["paths"]["/api/agenda"]["get"]["parameters"]}
    assert {"agency", "period", "from", "to"} <= params

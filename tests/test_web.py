"""Web UI pages (Flask test client) on the bundled corpus; the HTTP API, RDF,
SPARQL and error handling are tests/test_web_api.py.  The store and the app
are the session's (tests/conftest.py): the search engine loads a ~470 MB
model, so every test shares them."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from _web import BROWSER_ACCEPT, CORPUS, DOC, DOC_NUMBER, JSON_ACCEPT, QUESTION, _assert_safe_html, _html


@pytest.fixture(scope="module")
def some_task(G):
    return sorted(n for n, a in G.nodes(data=True) if a.get("kind") == "task" and a.get("document") == DOC)[0]


# ------------------------------------------------------------------ basics --
def test_healthz(client, store):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.is_json
    assert r.get_json()["status"] == "ok"
    assert r.get_json()["documents"] == store.summary()["documents"] == len(list(CORPUS.glob("*.txt")))


def test_security_headers_everywhere(client):
    for url in ["/", "/api/ask?q=x", "/nope", "/static/style.css", "/export.ttl"]:
        r = client.get(url)
        csp = r.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
        assert r.headers.get("X-Frame-Options") == "DENY"


def test_static_assets(client):
    assert client.get("/static/style.css").status_code == 200
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.mimetype
    assert client.get("/static/favicon.svg").status_code == 200


def test_home(client):
    body = _html(client.get("/"))
    assert '<html lang="vi">' in body
    assert "Văn bản trong kho" in body and DOC_NUMBER in body
    assert 'role="search"' in body and 'for="q"' in body
    _assert_safe_html(body)


@pytest.mark.parametrize("url,accept", [("/index.json", {}), ("/", JSON_ACCEPT)])
def test_home_json(client, url, accept):
    r = client.get(url, headers=accept)
    assert r.status_code == 200 and r.is_json
    data = r.get_json()
    assert data["stats"]["documents"] == len(list(CORPUS.glob("*.txt")))
    assert any(d["id"] == DOC for d in data["documents"])


def test_home_q_redirects_to_search(client):
    r = client.get("/?q=abc")
    assert r.status_code == 302 and "/search?q=abc" in r.headers["Location"]


# ------------------------------------------------------------------ search --
def test_search_page_answer_card_first(client):
    body = _html(client.get("/search", query_string={"q": QUESTION}))
    assert 'id="answer"' in body
    assert body.index('id="answer"') < body.index('id="results-h"')
    card = body[body.index('id="answer"'):body.index('id="results-h"')]
    assert "Cơ quan chủ trì" in card and "Cơ quan phối hợp" in card and "Thời hạn" in card
    top = client.get("/api/ask", query_string={"q": QUESTION}).get_json()["results"][0]
    assert top["task"]["lead"][0] in card           # the best row's lead (several rows answer this question)
    assert f'href="/doc/{top["document"]["id"]}"' in card   # the source row links to its document
    assert "<mark>số hóa kết quả</mark>" in card  # matched words highlighted (phrase merged)
    assert "<mark>TTHC</mark>" in card or "<mark>thủ tục hành chính</mark>" in card   # the abbreviation, either way
    _assert_safe_html(body)


def test_search_highlight_is_diacritic_insensitive(client):
    body = _html(client.get("/search", query_string={"q": "so hoa ket qua tthc"}))
    assert re.search(r"<mark>số h(?:óa|oá) kết quả", body), re.findall(r"<mark>[^<]*</mark>", body)[:20]


@pytest.mark.parametrize("url,headers", [("/search.json", {}), ("/search", JSON_ACCEPT)])
def test_search_json_twin(client, url, headers):
    r = client.get(url, query_string={"q": QUESTION}, headers=headers)
    assert r.status_code == 200 and r.is_json
    data = r.get_json()
    assert data["query"] == QUESTION and data["intent"] == "lead"
    assert data["answer"]["lead"] and data["answer"]["sources"]
    assert data["results"] and {"province", "document", "agency", "year"} <= set(data["facets"])


def test_search_filters(client):
    # the province filter scopes the question: Tiền Giang's rows ranked among themselves,
    # even where none reaches the matches of the unfiltered question
    data = client.get("/search.json", query_string={"q": "cải cách hành chính", "province": "Tiền Giang"}).get_json()
    assert data["results"] and all(r["document"]["province"] == "Tiền Giang" for r in data["results"])
    data = client.get("/search.json", query_string={"q": "cải cách hành chính", "document": DOC}).get_json()
    assert data["results"] and all(r["document"]["id"] == DOC for r in data["results"])
    data = client.get("/search.json", query_string={"q": "cải cách hành chính", "year": "2024"}).get_json()
    assert data["results"]
    agency = data["facets"]["agency"][0][0]
    data = client.get("/search.json", query_string={"q": "cải cách hành chính", "agency": agency}).get_json()
    assert all(agency in (r["task"]["lead"] + r["task"]["support"]) for r in data["results"])
    # facet links on the HTML page keep q and add the filter
    body = _html(client.get("/search", query_string={"q": "báo cáo công tác cải cách hành chính"}))
    assert "province=Ti%E1%BB%81n+Giang" in body or "province=Ti%E1%BB%81n%20Giang" in body
    assert client.get("/search", query_string={"q": "x", "year": "abc"}).status_code == 400


def test_search_empty_query(client):
    body = _html(client.get("/search"))
    assert "Ví dụ" in body
    assert client.get("/search.json").get_json()["query"] == ""


def test_hostile_query_is_escaped(client):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    r = client.get("/search", query_string={"q": evil})
    body = _html(r)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in body
    _assert_safe_html(body)
    # the JSON API returns it as data, with a JSON content type (never HTML)
    r = client.get("/api/ask", query_string={"q": evil})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.get_json()["query"] == evil
    # in ids and error pages too
    r = client.get("/doc/" + quote("<script>alert(1)</script>"))
    assert r.status_code == 404 and "<script>alert" not in r.get_data(as_text=True)
    r = client.get("/agency/" + quote("<b>x</b>"))
    assert r.status_code == 404 and "<b>x</b>" not in r.get_data(as_text=True)


def test_oversized_and_bad_input(client):
    big = "a" * 100_000
    for url in ["/search", "/api/ask", "/"]:
        r = client.get(url, query_string={"q": big})
        assert r.status_code == 413, url
    r = client.get("/api/ask", query_string={"q": big})
    assert r.is_json and r.get_json()["status"] == 413
    r = client.get("/search", query_string={"q": big})
    assert r.mimetype == "text/html" and "Traceback" not in r.get_data(as_text=True)
    r = client.get("/api/ask", query_string={"q": "b" * 2000})
    assert r.status_code == 400 and r.is_json
    r = client.get("/search", query_string={"q": "x\x00y"})
    assert r.status_code == 400
    r = client.post("/sparql", data=b"x" * 200_000, content_type="application/sparql-query")
    assert r.status_code == 413 and r.is_json
    r = client.get("/doc/" + "a" * 5000)
    assert r.status_code == 404


# ------------------------------------------------------------------ document --
def test_document_page(client, G):
    body = _html(client.get(f"/doc/{DOC}"))
    assert "Lược đồ" in body
    for label in ["Văn bản căn cứ", "Văn bản được thực hiện, triển khai", "Văn bản bị sửa đổi, bổ sung",
                  "Văn bản bị thay thế", "Văn bản dẫn chiếu đến văn bản này", "Văn bản sửa đổi, bổ sung"]:
        assert label in body, label
    # every cited document is linked
    for _, v, k in G.out_edges(DOC, keys=True):
        if k in ("based_on", "implements", "cites"):
            assert f'href="/doc/{v}"' in body
    # task table with anchors and agencies linked
    assert '<table class="tasks">' in body and 'id="task-025"' in body
    assert 'href="/agency/' in body
    # source text with references highlighted and linked
    assert 'id="toan-van"' in body and 'class="ref rel-implements"' in body
    assert 'id="src-task-025"' in body
    _assert_safe_html(body)


def test_document_source_markup_is_escaped(client, store):
    ex = next(e for e in store.extractions() if e["source"].startswith("002_"))
    body = _html(client.get(f"/doc/{ex['document']['id']}"))
    assert "&lt;sup&gt;" in body
    assert "<sup>" not in body


def test_document_incoming_and_external(client, G):
    target = "vn/61-2018-nd-cp"
    body = _html(client.get(f"/doc/{target}"))
    assert "không có toàn văn" in body
    for u, _, k in G.in_edges(target, keys=True):
        if k in ("based_on", "implements", "cites", "amends", "guides"):
            assert f'href="/doc/{u}"' in body
    assert "<mark>" in body       # evidence snippets from the citing documents


@pytest.mark.parametrize("url,headers", [(f"/doc/{DOC}.json", {}), (f"/doc/{DOC}", JSON_ACCEPT)])
def test_document_json_twin(client, url, headers):
    r = client.get(url, headers=headers)
    assert r.status_code == 200 and r.is_json
    data = r.get_json()
    assert data["document"]["id"] == DOC and data["document"]["number"] == DOC_NUMBER
    assert data["tasks"] and data["outgoing"] and {g["relation"] for g in data["outgoing_groups"]} >= {"based_on"}


def test_attached_plan(client, G):
    plans = [(n, a["attached_to"]) for n, a in G.nodes(data=True) if a.get("kind") == "document" and a.get("attached_to")]
    if not plans:
        pytest.skip("no attached plan in this corpus")
    plan, decision = plans[0]
    body = _html(client.get(f"/doc/{plan}"))
    assert "Ban hành kèm theo văn bản" in body and f'href="/doc/{decision}"' in body
    body = _html(client.get(f"/doc/{decision}"))
    assert "Văn bản ban hành kèm theo" in body and f'href="/doc/{plan}"' in body


def test_document_resolution_and_404(client):
    r = client.get("/doc/319/KH-UBND")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/doc/{DOC}")
    r = client.get("/doc/319/KH-UBND.json")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/doc/{DOC}.json")
    r = client.get("/doc/vn/khong-co-van-ban-nay")
    assert r.status_code == 404 and r.mimetype == "text/html"
    r = client.get("/doc/vn/khong-co-van-ban-nay.json")
    assert r.status_code == 404 and r.is_json
    r = client.get("/doc/" + quote("../../etc/passwd"))
    assert r.status_code == 404
    r = client.get(f"/doc/{DOC}.exe")
    assert r.status_code == 404


# ------------------------------------------------------------------ agency --
def test_agency_page(client, G, some_agency):
    body = _html(client.get(f"/agency/{some_agency}"))
    assert G.nodes[some_agency]["name"] in body
    assert "Nhiệm vụ chủ trì" in body and "Nhiệm vụ phối hợp" in body
    assert f'href="/agency/{some_agency}.xlsx"' in body and f'href="/agency/{some_agency}.csv"' in body
    assert f'href="/doc/{DOC}"' in body
    body = _html(client.get(f"/agency/{some_agency}", query_string={"group": "deadline"}))
    assert "Quý" in body or "Không ghi thời hạn" in body
    assert client.get(f"/agency/{some_agency}", query_string={"group": "x"}).status_code == 400
    _assert_safe_html(body)


def test_agency_json_csv_xlsx(client, G, some_agency):
    data = client.get(f"/agency/{some_agency}.json").get_json()
    n_lead = sum(1 for _, _, k in G.in_edges(some_agency, keys=True) if k == "lead")
    n_support = sum(1 for _, _, k in G.in_edges(some_agency, keys=True) if k == "support")
    c = data["counts"]
    assert (c["lead"], c["support"]) == (n_lead, n_support)
    assert c["open"] + c["ended"] + c["no_deadline"] == n_lead + n_support
    assert client.get(f"/agency/{some_agency}", headers=JSON_ACCEPT).get_json() == data
    r = client.get(f"/agency/{some_agency}.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    text = r.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "Vai trò" and len(rows) == 1 + n_lead + n_support
    assert not any(c.startswith(("=", "+", "@")) for row in rows[1:] for c in row)
    r = client.get(f"/agency/{some_agency}.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws.cell(row=3, column=1).value == "Vai trò"
    assert ws.max_row == 3 + n_lead + n_support
    assert client.get("/agency/vinh-phuc/khong-ton-tai").status_code == 404
    assert client.get("/agency/vinh-phuc/khong-ton-tai.json").is_json


# ------------------------------------------------------------------ task ----
def test_task_page(client, G, some_task):
    url = "/task/" + quote(some_task, safe="/")
    assert "%23" in url
    body = _html(client.get(url))
    assert G.nodes[some_task]["text"][:40] in body
    assert f'href="/doc/{DOC}"' in body and "Cơ quan chủ trì" in body
    _assert_safe_html(body)
    data = client.get(url + ".json").get_json()
    assert data["task"]["id"] == some_task and data["document"]["id"] == DOC
    assert client.get(url, headers=JSON_ACCEPT).get_json()["task"]["id"] == some_task
    assert client.get("/task/" + quote(DOC + "#task-999")).status_code == 404
    assert client.get("/task/" + quote(DOC)).status_code == 404       # a document is not a task


def test_assignment_page(client, G):
    aid = sorted(n for n, a in G.nodes(data=True) if a.get("kind") == "assignment")[0]
    body = _html(client.get("/assignment/" + quote(aid, safe="/")))
    assert "Phân công" in body


# ------------------------------------------------------------------ graph ---
def test_graph_page(client):
    body = _html(client.get("/graph"))
    assert 'name="ref"' in body and "Bắt đầu từ" in body
    body = _html(client.get("/graph", query_string={"ref": DOC_NUMBER, "depth": 2}))
    assert "<svg" in body and 'class="citegraph layered"' in body
    assert 'href="/graph?ref=vn/' in body                 # a node re-centres the graph on it
    assert 'class="graph-relations' in body and f'href="/doc/{DOC}"' in body and 'href="/doc/vn/' in body
    assert "<marker" in body and "graphzoom.js" in body
    _assert_safe_html(body)


def test_graph_hub_both_is_two_chains(client):
    # 61/2018/NĐ-CP cites nothing in this corpus; read by hand: six documents rest on it
    data = client.get("/graph.json", query_string={"ref": "61/2018/NĐ-CP", "direction": "both", "depth": 2}).get_json()
    assert {n["id"] for n in data["nodes"]} == {
        "vn/61-2018-nd-cp", "vinh-phuc/319-kh-ubnd", "vinh-phuc/8264-kh-ubnd", "vinh-phuc/2704-qd-ubnd",
        "tien-giang/45-qd-ubnd", "vn/01-2018-tt-vpcp", "vn/107-2021-nd-cp"}
    assert client.get("/api/cites", query_string={"ref": "61/2018/NĐ-CP", "direction": "both", "depth": 2}
                      ).get_json()["nodes"] == data["nodes"]


def test_graph_json_and_svg(client, G):
    data = client.get("/graph.json", query_string={"ref": DOC_NUMBER}).get_json()
    assert data["root"]["id"] == DOC
    assert set(data["layout"]) == {n["id"] for n in data["nodes"]}
    boxes = list(data["layout"].values())
    for i, a in enumerate(boxes):          # no two node boxes overlap
        for b in boxes[i + 1:]:
            assert (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                    or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])
    assert client.get("/graph", query_string={"ref": DOC_NUMBER}, headers=JSON_ACCEPT).get_json()["root"]["id"] == DOC
    r = client.get("/graph.svg", query_string={"ref": DOC_NUMBER, "direction": "out"})
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    root = ET.fromstring(r.data)
    assert root.tag.endswith("svg")
    assert client.get("/graph.svg").status_code == 400


def test_graph_errors(client):
    assert client.get("/graph", query_string={"ref": DOC, "depth": 9}).status_code == 400
    assert client.get("/graph", query_string={"ref": DOC, "direction": "sideways"}).status_code == 400
    r = client.get("/graph", query_string={"ref": "999/ZZ"})
    assert r.status_code == 404 and r.mimetype == "text/html"
    r = client.get("/graph.json", query_string={"ref": "999/ZZ"})
    assert r.status_code == 404 and r.is_json


# ------------------------------------------------------------------ lists ---
def test_lists(client, G):
    body = _html(client.get("/documents"))
    assert DOC_NUMBER in body and "61/2018/NĐ-CP" in body
    data = client.get("/documents.json", query_string={"scope": "corpus"}).get_json()
    assert len(data["documents"]) == sum(1 for _, a in G.nodes(data=True) if a.get("kind") == "document"
                                         and a.get("in_corpus"))
    data = client.get("/documents", query_string={"q": "319"}, headers=JSON_ACCEPT).get_json()
    assert any(d["id"] == DOC for d in data["documents"])
    body = _html(client.get("/agencies"))
    assert 'href="/agency/' in body
    data = client.get("/agencies.json", query_string={"q": "so noi vu"}).get_json()   # no diacritics
    assert data["agencies"] and all("Nội vụ" in a["name"] or any("Nội vụ" in x for x in a["aliases"])
                                    for a in data["agencies"])
    assert client.get("/documents", query_string={"scope": "bad"}).status_code == 400


def test_province_redirect(client, G):
    pid = next(n for n, a in G.nodes(data=True) if a.get("kind") == "province")
    r = client.get("/" + pid)
    assert r.status_code == 302 and "/agencies?province=" in r.headers["Location"]
    assert client.get("/province/khong-co").status_code == 404


def test_every_page_has_a_json_twin(client, some_agency, some_task):
    pages = ["/", "/search?q=s%E1%BB%91+h%C3%B3a", "/documents", "/agencies", f"/doc/{DOC}",
             f"/agency/{some_agency}", "/task/" + quote(some_task, safe="/"), f"/graph?ref={DOC}", "/api"]
    for url in pages:
        html = client.get(url, headers=BROWSER_ACCEPT)
        assert html.status_code == 200 and html.mimetype == "text/html", url
        twin = client.get(url, headers=JSON_ACCEPT)
        assert twin.status_code == 200 and twin.is_json, url
        assert 'rel="alternate" type="application/json"' in html.get_data(as_text=True), url


def test_agency_card_lists_recurring_rows_apart(client):
    """A period question counts the rows dated in it; 'Hàng năm' rows show apart, linked."""
    q = "Sở Nội vụ chủ trì mấy nhiệm vụ có thời hạn năm 2021 trong Quyết định 2866?"
    body = _html(client.get("/search", query_string={"q": q}))
    card = body.split('data-route="agency"', 1)[1].split("</section>", 1)[0]
    assert "<strong>5</strong>" in card and "Nhiệm vụ định kỳ" in card and "/task/vinh-phuc/2866-qd-ubnd" in card
    assert "Hàng năm" in card

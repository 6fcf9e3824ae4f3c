"""Web UI and HTTP API (Flask test client) on the bundled corpus.

The store and the app are the session's (tests/conftest.py): the search engine
loads a ~470 MB model, so every test shares them."""
from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import networkx as nx
import pytest

from service import Service
from service.query import cites as kg_cites
from web import create_app

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
DOC = "vinh-phuc/319-kh-ubnd"
DOC_NUMBER = "319/KH-UBND"
QUESTION = "ai chủ trì số hóa kết quả TTHC"
JSON_ACCEPT = {"Accept": "application/json"}
BROWSER_ACCEPT = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def G(store):
    return store.graph()


@pytest.fixture(scope="module")
def some_agency(G):
    """The agency with most lead tasks (Sở Nội vụ on this corpus)."""
    best = max((n for n, a in G.nodes(data=True) if a.get("kind") == "agency"),
               key=lambda n: sum(1 for _, _, k in G.in_edges(n, keys=True) if k == "lead"))
    return best


@pytest.fixture(scope="module")
def some_task(G):
    return sorted(n for n, a in G.nodes(data=True) if a.get("kind") == "task" and a.get("document") == DOC)[0]


def _html(resp):
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        names = {k.lower() for k, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "script":
            self.in_script = True
        for n in names:
            if n.startswith("on"):
                self.problems.append(f"<{tag} {n}=…> event handler attribute")
            if n == "style":
                self.problems.append(f"<{tag} style=…> inline style")
        if tag == "style":
            self.problems.append("inline <style>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append("script content")


def _assert_safe_html(body: str):
    """No inline script, no inline event handler, no inline style (the CSP forbids them)."""
    audit = _Audit()
    audit.feed(body)
    assert not audit.problems, audit.problems


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
    assert "Sở Thông tin và Truyền thông" in card
    assert f'href="/doc/{DOC}"' in card            # the source row links to its document
    assert "<mark>số hóa kết quả</mark>" in card  # matched words highlighted (phrase merged)
    assert "<mark>TTHC</mark>" in card
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
    body = _html(client.get("/search", query_string={"q": "cải cách hành chính"}))
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


# ------------------------------------------------------------------ API ----
def test_api_ask_matches_engine(client, store):
    r = client.get("/api/ask", query_string={"q": QUESTION})
    assert r.status_code == 200 and r.is_json
    assert r.get_json() == json.loads(json.dumps(Service(store, ask_cache_size=0).ask(QUESTION, k=5), ensure_ascii=False))
    r = client.get("/api/ask", query_string={"q": QUESTION, "k": 3})
    assert r.get_json() == json.loads(json.dumps(Service(store, ask_cache_size=0).ask(QUESTION, k=3)))
    data = r.get_json()
    assert {"query", "intent", "province", "answer", "results"} <= set(data)
    assert data["answer"]["agencies"] and len(data["results"]) == 3
    for res in data["results"]:
        assert res["kind"] in ("task", "assignment")
        assert {"id", "text", "lead", "support"} <= set(res["task"])
        assert {"id", "number", "province"} <= set(res["document"])


def test_api_ask_params(client):
    assert len(client.get("/api/ask", query_string={"q": QUESTION, "k": 500}).get_json()["results"]) <= 50
    for qs in [{}, {"q": "  "}, {"q": "x", "k": "abc"}, {"q": "x", "mode": "magic"}]:
        r = client.get("/api/ask", query_string=qs)
        assert r.status_code == 400 and r.is_json and r.get_json()["message"]
    assert client.get("/api/ask", query_string={"q": "x", "mode": "bm25"}).status_code == 200


def test_api_cites_matches_query_layer(client, G):
    for direction, depth in [("both", 1), ("out", 2), ("in", 1)]:
        r = client.get("/api/cites", query_string={"ref": DOC_NUMBER, "direction": direction, "depth": depth})
        assert r.status_code == 200
        assert r.get_json() == json.loads(json.dumps(kg_cites(G, DOC_NUMBER, direction, depth)))
    data = client.get("/api/cites", query_string={"ref": DOC}).get_json()
    assert data["root"]["id"] == DOC and data["nodes"] and data["edges"]
    assert {"source", "target", "type"} <= set(data["edges"][0])


def test_api_cites_errors(client):
    r = client.get("/api/cites", query_string={"ref": "999/ZZ-XYZ"})
    assert r.status_code == 404 and r.is_json
    body = r.get_json()
    assert body["message"] and "candidates" in body
    r = client.get("/api/cites", query_string={"ref": "319/ZZ"})   # digits match a real document
    assert r.status_code == 404 and any(c["id"] == DOC for c in r.get_json()["candidates"])
    for qs in [{}, {"ref": DOC, "direction": "up"}, {"ref": DOC, "depth": "x"}, {"ref": DOC, "depth": 99}]:
        r = client.get("/api/cites", query_string=qs)
        assert r.status_code == 400 and r.is_json


def test_api_extras(client, some_agency, G):
    assert client.get("/api/document", query_string={"ref": DOC_NUMBER}).get_json()["document"]["id"] == DOC
    assert client.get("/api/top", query_string={"n": 3}).status_code == 200
    assert len(client.get("/api/top", query_string={"n": 3}).get_json()) == 3
    r = client.get("/api/path", query_string={"a": DOC_NUMBER, "b": "61/2018/NĐ-CP"})
    assert r.status_code == 200 and r.get_json()["path"]
    name = G.nodes[some_agency]["name"]
    r = client.get("/api/agency", query_string={"name": name})
    assert r.status_code == 200 and r.get_json()["agencies"]
    assert client.get("/api/agency", query_string={"name": "Không có cơ quan này xyz"}).status_code == 404
    assert client.get("/api/documents").get_json()["documents"]
    assert client.get("/api/agencies").get_json()["agencies"]


def test_api_errors_are_json_and_clean(client):
    r = client.get("/api/does-not-exist")
    assert r.status_code == 404 and r.is_json and r.get_json()["error"] == "not_found"
    r = client.post("/api/ask", data={"q": "x"})
    assert r.status_code == 405 and r.is_json and "GET" in r.headers.get("Allow", "")
    r = client.post("/")
    assert r.status_code == 405 and r.mimetype == "text/html"
    r = client.get("/nope/nothing")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "Traceback" not in r.get_data(as_text=True)
    assert client.get("/nope", headers=JSON_ACCEPT).is_json


def test_openapi(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for p in ["/api/ask", "/api/cites", "/sparql", "/export.ttl", "/doc/{id}", "/healthz"]:
        assert p in spec["paths"]
    body = _html(client.get("/api"))
    assert "/api/ask" in body
    assert client.get("/api", headers=JSON_ACCEPT).get_json()["openapi"]


# ------------------------------------------------------------------ RDF ----
def test_export_formats(client):
    import rdflib
    r = client.get("/export.ttl")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    ELI = rdflib.Namespace("http://data.europa.eu/eli/ontology#")
    docs = set(g.subjects(rdflib.RDF.type, ELI.LegalResource))
    assert len(docs) >= 5
    assert any(str(o) == DOC_NUMBER for o in g.objects(None, ELI.id_local))
    for ext, mime, fmt in [("jsonld", "application/ld+json", "json-ld"), ("nt", "application/n-triples", "nt"),
                           ("rdf", "application/rdf+xml", "xml")]:
        r = client.get(f"/export.{ext}")
        assert r.status_code == 200 and r.mimetype == mime, ext
        assert len(rdflib.Graph().parse(data=r.data, format=fmt)) == len(g)
    assert client.get("/export.exe").status_code == 404
    assert client.get("/export", query_string={"format": "nt"}).mimetype == "application/n-triples"


@pytest.mark.parametrize("accept,mime,fmt", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_document_iri_content_negotiation(client, accept, mime, fmt):
    import rdflib
    r = client.get(f"/doc/{DOC}", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == mime
    assert "Accept" in r.headers.get("Vary", "")
    g = rdflib.Graph().parse(data=r.data, format=fmt)
    ELI = rdflib.Namespace("http://data.europa.eu/eli/ontology#")
    assert any(str(o) == DOC_NUMBER for o in g.objects(None, ELI.id_local))


def test_document_rdf_suffixes(client):
    assert client.get(f"/doc/{DOC}.ttl").mimetype == "text/turtle"
    assert client.get(f"/doc/{DOC}.jsonld").mimetype == "application/ld+json"
    assert client.get(f"/doc/{DOC}.nt").mimetype == "application/n-triples"
    assert client.get(f"/doc/{DOC}.rdf").mimetype == "application/rdf+xml"
    assert client.get(f"/doc/{DOC}", headers=BROWSER_ACCEPT).mimetype == "text/html"


def test_sparql_protocol(client):
    q = "PREFIX eli: <http://data.europa.eu/eli/ontology#> SELECT ?d ?n WHERE { ?d eli:id_local ?n } ORDER BY ?n"
    r = client.get("/sparql", query_string={"query": q})
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+json"
    data = json.loads(r.data)
    assert data["head"]["vars"] == ["d", "n"]
    assert any(b["n"]["value"] == DOC_NUMBER for b in data["results"]["bindings"])
    r2 = client.post("/sparql", data={"query": q})
    assert r2.status_code == 200 and json.loads(r2.data) == data
    r3 = client.post("/sparql", data=q.encode("utf-8"), content_type="application/sparql-query")
    assert r3.status_code == 200 and json.loads(r3.data) == data
    r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert json.loads(r.data)["boolean"] is True


def test_sparql_limits_and_errors(client, app):
    limit = app.config["SPARQL_LIMIT"]
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200 and len(json.loads(r.data)["results"]["bindings"]) <= limit
    for upd in ["INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }", "DELETE WHERE { ?s ?p ?o }",
                "CLEAR ALL"]:
        r = client.get("/sparql", query_string={"query": upd})
        assert r.status_code == 400 and r.is_json, upd
        r = client.post("/sparql", data={"update": upd})
        assert r.status_code == 400
    r = client.post("/sparql", data="INSERT DATA { <http://x/a> <http://x/b> 1 }",
                    content_type="application/sparql-update")
    assert r.status_code == 400
    r = client.get("/sparql", query_string={"query": "SELEC nonsense {"})
    assert r.status_code == 400 and r.get_json()["message"]
    assert client.get("/sparql").status_code == 400          # no query, not a browser
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30000})
    assert r.status_code == 413
    # the store is unchanged by refused updates
    r = client.get("/sparql", query_string={"query": "ASK { <http://x/a> <http://x/b> ?o }"})
    assert json.loads(r.data)["boolean"] is False


def test_sparql_html(client):
    body = _html(client.get("/sparql", headers=BROWSER_ACCEPT))
    assert "<textarea" in body and "SELECT" in body
    q = "PREFIX eli: <http://data.europa.eu/eli/ontology#> SELECT ?d WHERE { ?d a eli:LegalResource } LIMIT 3"
    body = _html(client.get("/sparql", query_string={"query": q}, headers=BROWSER_ACCEPT))
    assert "<table" in body and 'href="/doc/' in body
    r = client.get("/sparql", query_string={"query": "SELEC {"}, headers=BROWSER_ACCEPT)
    assert r.status_code == 400 and "Lỗi" in r.get_data(as_text=True)
    _assert_safe_html(body)


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
    assert data["counts"] == {"lead": n_lead, "support": n_support, "open": data["counts"]["open"]}
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
    from openpyxl import load_workbook
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
    assert "<svg" in body and 'class="citegraph"' in body
    assert f'href="/doc/{DOC}"' in body and 'href="/doc/vn/' in body    # nodes are links
    assert "<marker" in body
    _assert_safe_html(body)


def test_graph_json_and_svg(client, G):
    data = client.get("/graph.json", query_string={"ref": DOC_NUMBER}).get_json()
    assert data["root"]["id"] == DOC
    assert set(data["layout"]) == {n["id"] for n in data["nodes"]}
    assert client.get("/graph", query_string={"ref": DOC_NUMBER}, headers=JSON_ACCEPT).get_json()["root"]["id"] == DOC
    r = client.get("/graph.svg", query_string={"ref": DOC_NUMBER, "direction": "out"})
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    import xml.etree.ElementTree as ET
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


# ------------------------------------------------------------------ errors --
class _BrokenStore:
    data = CORPUS

    def graph(self):
        raise RuntimeError("secret internal detail /etc/shadow")

    def summary(self):
        raise RuntimeError("secret internal detail")

    def search_engine(self):
        raise RuntimeError("secret internal detail")

    def extractions(self):
        raise RuntimeError("secret internal detail")


def test_internal_errors_hide_details():
    app = create_app({"STORE": _BrokenStore(), "WARMUP": False})
    c = app.test_client()
    r = c.get("/")
    assert r.status_code == 500 and r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    assert "secret" not in body and "Traceback" not in body
    r = c.get("/api/cites", query_string={"ref": "x"})
    assert r.status_code == 500 and r.is_json and "secret" not in r.get_data(as_text=True)
    r = c.get("/api/ask", query_string={"q": "x"})
    assert r.status_code == 500 and "secret" not in r.get_data(as_text=True)
    assert c.get("/healthz").status_code == 503


class _TinyStore:
    """Two documents with the same number in two provinces: an ambiguous REF."""
    data = CORPUS

    def __init__(self):
        G = nx.MultiDiGraph()
        for prov, pid in (("Vĩnh Phúc", "vinh-phuc"), ("Tiền Giang", "tien-giang")):
            G.add_node(f"{pid}/12-kh-ubnd", kind="document", number="12/KH-UBND", type="Kế hoạch", date="2023-01-01",
                       issuer="UBND tỉnh", province=prov, title="t", in_corpus=False, source=None, conflicts=[])
        self.G = G

    def graph(self):
        return self.G

    def extractions(self):
        return []

    def summary(self):
        return {"documents": 0}


def test_ambiguous_ref_is_300_with_candidates_everywhere():
    c = create_app({"STORE": _TinyStore(), "WARMUP": False}).test_client()
    for url, qs in (("/api/cites", {"ref": "12/KH-UBND"}), ("/api/document", {"ref": "12/KH-UBND"}),
                    ("/api/path", {"a": "12/KH-UBND", "b": "tien-giang/12-kh-ubnd"}),
                    ("/graph.json", {"ref": "12/KH-UBND"}), ("/doc/12/KH-UBND.json", None)):
        r = c.get(url, query_string=qs)
        assert r.status_code == 300 and r.is_json, url
        body = r.get_json()
        assert body["error"] == "ambiguous" and body["message"], url
        assert sorted(x["id"] for x in body["candidates"]) == ["tien-giang/12-kh-ubnd", "vinh-phuc/12-kh-ubnd"]
    r = c.get("/api/cites", query_string={"ref": "12/KH-UBND Tiền Giang"})
    assert r.status_code == 200 and r.get_json()["root"]["id"] == "tien-giang/12-kh-ubnd"
    r = c.get("/doc/12/KH-UBND")
    assert r.status_code == 300 and "tien-giang/12-kh-ubnd" in r.get_data(as_text=True)


def test_create_app_without_store(monkeypatch, tmp_path):
    monkeypatch.setenv("LEGALKG_DATA", str(CORPUS))
    monkeypatch.setenv("LEGALKG_HOME", str(tmp_path / "h"))
    app = create_app({"WARMUP": False})
    assert app.config["STORE"].home == tmp_path / "h"
    assert app.config["STORE"].data == CORPUS
    assert not app.debug

"""HTTP API, RDF and SPARQL endpoints and error handling (Flask test client) on
the bundled corpus; the pages are tests/test_web.py.  The store and the app
are the session's (tests/conftest.py)."""
from __future__ import annotations

import json

import networkx as nx
import pytest

from service import Service
from service.chains import chains as kg_cites
from web import create_app

from _web import BROWSER_ACCEPT, CORPUS, DOC, DOC_NUMBER, JSON_ACCEPT, QUESTION, _assert_safe_html, _html


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
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+json", r.data[:300]
    data = json.loads(r.data)
    assert data["head"]["vars"] == ["d", "n"]
    assert any(b["n"]["value"] == DOC_NUMBER for b in data["results"]["bindings"])
    r2 = client.post("/sparql", data={"query": q})
    assert r2.status_code == 200 and json.loads(r2.data) == data
    r3 = client.post("/sparql", data=q.encode("utf-8"), content_type="application/sparql-query")
    assert r3.status_code == 200 and json.loads(r3.data) == data
    r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert json.loads(r.data)["boolean"] is True


def test_sparql_csv_and_tsv(client):
    q = "PREFIX eli: <http://data.europa.eu/eli/ontology#> SELECT ?d ?n WHERE { ?d eli:id_local ?n } ORDER BY ?n"
    r = client.get("/sparql", query_string={"query": q, "format": "csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv", r.data[:200]
    lines = r.get_data(as_text=True).split("\r\n")
    assert lines[0] == "d,n" and any(line.endswith("," + DOC_NUMBER) for line in lines)
    r = client.get("/sparql", query_string={"query": q, "format": "tsv"})
    assert r.status_code == 200 and r.mimetype == "text/tab-separated-values", r.data[:200]
    lines = r.get_data(as_text=True).split("\n")
    assert lines[0] == "?d\t?n" and any(line.startswith("<") and line.endswith(f'\t"{DOC_NUMBER}"')
                                          for line in lines)


def test_sparql_limits_and_errors(client, app):
    limit = app.config["SPARQL_LIMIT"]
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200, r.data[:300]
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

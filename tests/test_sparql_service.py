"""SPARQL through the service and the Flask app (issue 12.1): the build's
pyoxigraph store behind killable worker processes, so a query past its time
limit is really stopped and never blocks /healthz."""
from __future__ import annotations

import json
import threading
import time

import pytest

from service import Store
from tinycorpus import cli, make_corpus
from web import create_app

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
REGEX_BOMB = ('SELECT ?x WHERE { ?s ?p ?x . BIND("' + "a" * 40 + '!" AS ?y) '
              'FILTER(REGEX(CONCAT(?y, STR(?x)), "(a+)+$")) }')
BIG_FILTER = "SELECT ?s WHERE { ?s ?p ?o FILTER(" + "+".join(["1"] * 9000) + " > 0) } LIMIT 1"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    root = tmp_path_factory.mktemp("sparqlsvc")
    data, home = make_corpus(root / "c"), root / "h"
    r = cli("build", "--no-index", "--json", data=data, home=home)
    assert r.returncode == 0, r.stderr
    return data, home


@pytest.fixture(scope="module")
def app(home):
    data, h = home
    store = Store(data, h)
    store.base = "http://127.0.0.1:5999/"              # as `serve` does: not the stored base
    app = create_app({"STORE": store, "WARMUP": False, "SPARQL_TIMEOUT": 2.0})
    yield app
    store.close()


def _get(app, query, accept="application/sparql-results+json"):
    if len(query) > 4000:                               # past the URL limit: the protocol's POST
        return app.test_client().post("/sparql", data=query.encode(), content_type="application/sparql-query",
                                      headers={"Accept": accept})
    return app.test_client().get("/sparql", query_string={"query": query}, headers={"Accept": accept})


def test_select_limit_update_and_served_iris(app):
    r = _get(app, "SELECT ?d ?n WHERE { ?d eli:id_local ?n } ORDER BY ?n")
    assert r.status_code == 200
    rows = r.get_json()["results"]["bindings"]
    assert {b["n"]["value"] for b in rows} >= {"101/KH-UBND", "102/KH-UBND", "103/KH-UBND"}
    doc = next(b["d"]["value"] for b in rows if b["n"]["value"] == "101/KH-UBND")
    assert doc.startswith("http://127.0.0.1:5999/")     # IRIs under the serving base
    r = _get(app, f"ASK {{ <{doc}> eli:id_local \"101/KH-UBND\" }}")
    assert r.get_json()["boolean"] is True             # and queries may use them
    assert _get(app, "DELETE WHERE { ?s ?p ?o }").status_code == 400
    assert _get(app, "SELEC nonsense").status_code == 400
    assert _get(app, "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }").status_code == 400


def _attack_while_probing(app, query):
    out = {}

    def attack():
        t0 = time.monotonic()
        out["status"] = _get(app, query).status_code
        out["seconds"] = time.monotonic() - t0
    t = threading.Thread(target=attack)
    t.start()
    time.sleep(0.3)
    worst = 0.0
    client = app.test_client()
    while t.is_alive():
        t0 = time.monotonic()
        assert client.get("/healthz").status_code == 200
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.1)
    t.join()
    return out, worst


def test_slow_query_is_stopped_and_healthz_stays_fast(app):
    out, worst = _attack_while_probing(app, SLOW)
    assert out["status"] == 503 and out["seconds"] < 8, out
    assert worst < 1.0, worst
    # the pool recovered: an ordinary query answers
    r = _get(app, "ASK { ?s ?p ?o }")
    assert r.get_json().get("boolean") is True, r.get_json()


@pytest.mark.parametrize("query", [REGEX_BOMB, BIG_FILTER], ids=["regex", "9000-terms"])
def test_hostile_queries_do_not_block(app, query):
    out, worst = _attack_while_probing(app, query)
    assert out["status"] in (200, 400, 503) and out["seconds"] < 8, out    # answered or stopped, never hung
    assert worst < 1.0, worst


def test_cli_sparql_uses_the_store(home):
    data, h = home
    r = cli("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--json", data=data, home=h)
    assert r.returncode == 0, r.stderr
    n = int(json.loads(r.stdout)["results"]["bindings"][0]["n"]["value"])
    man = json.loads((h / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert n == man["summary"]["rdf"]["triples"]


def test_a_flood_beyond_workers_and_queue_is_refused_at_once(app):
    """More slow queries than workers + queue places: the extra ones get 503
    with Retry-After at once instead of holding a server thread each."""
    results = []

    def attack():
        t0 = time.monotonic()
        r = _get(app, SLOW)
        results.append((r.status_code, r.headers.get("Retry-After"), r.get_json(), time.monotonic() - t0))
    threads = [threading.Thread(target=attack) for _ in range(8)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    client = app.test_client()
    t0 = time.monotonic()
    assert client.get("/healthz").status_code == 200 and time.monotonic() - t0 < 1.0
    for t in threads:
        t.join(30)
    busy = [r for r in results if r[1] == "1"]
    assert busy, results
    for status, _, body, seconds in busy:
        assert status == 503 and seconds < 1.5
        assert body["retry_after"] == 1 and "nhiều truy vấn SPARQL" in body["message"]
    assert all(r[0] == 503 for r in results)                   # the admitted ones stopped at their limit
    assert _get(app, "ASK { ?s ?p ?o }").get_json().get("boolean") is True

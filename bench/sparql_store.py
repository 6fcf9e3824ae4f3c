"""rdflib in-memory store vs oxrdflib (Oxigraph) for the SPARQL endpoint.

    .venv/bin/python bench/sparql_store.py [--scale 1,10,50] [--repeat 3]

Builds the RDF export of data/corpus/*, optionally replicated ``scale`` times
(every project IRI gets a copy prefix, so the copies are disjoint), then for
each store runs in a fresh subprocess: load time, resident-memory growth
(RSS, which also counts Oxigraph's native memory) and the median time of a
few typical queries, both raw ``Graph.query`` and through ``kg.rdf.run_sparql``
(printed as raw/endpoint ms).  Needs ``pip install oxrdflib`` for the second store.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREFIXES = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX lkg: <https://legalkg.example.org/ns#>
"""

QUERIES = {
    "count_tasks": "SELECT (COUNT(?t) AS ?n) WHERE { ?t a schema:Action ; lkg:kind 'task' }",
    "corpus_docs": "SELECT ?d ?n ?title WHERE { ?d a eli:LegalResource ; eli:id_local ?n ; lkg:inCorpus true ; "
                   "eli:title ?title }",
    "implements_join": "SELECT ?plan ?n ?issuer WHERE { ?plan eli:implements ?d . ?d eli:id_local ?n . "
                       "OPTIONAL { ?plan eli:passed_by ?o . ?o skos:prefLabel ?issuer } }",
    "agency_load": "SELECT ?name (COUNT(?t) AS ?n) WHERE { ?t schema:agent ?a . ?a skos:prefLabel ?name } "
                   "GROUP BY ?name ORDER BY DESC(?n) LIMIT 20",
    "citation_closure": "SELECT DISTINCT ?a ?b WHERE { ?a (eli:cites|eli:implements|eli:based_on|eli:amends)+ ?b }",
    "text_filter": "SELECT ?t WHERE { ?t schema:description ?d FILTER(CONTAINS(LCASE(STR(?d)), 'thủ tục')) }",
}


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def build_nt(scale: int) -> bytes:
    from rdflib import Graph, URIRef
    from kg.graph import build_graph
    from kg.pipeline import extract_file
    from kg.rdf import DEFAULT_BASE, serialize, to_rdf
    files = sorted(glob.glob(str(ROOT / "data" / "corpus" / "*.txt")))
    g = to_rdf(build_graph([extract_file(Path(f)).to_json() for f in files]))
    if scale == 1:
        return serialize(g, "nt")
    keep = DEFAULT_BASE + "ns#"

    def rw(t, i):
        if isinstance(t, URIRef) and str(t).startswith(DEFAULT_BASE) and not str(t).startswith(keep):
            return URIRef(DEFAULT_BASE + f"c{i}/" + str(t)[len(DEFAULT_BASE):])
        return t

    big = Graph()
    for i in range(scale):
        for s, p, o in g:
            big.add((rw(s, i), p, rw(o, i)))
    return big.serialize(format="nt", encoding="utf-8")


def child(store: str, nt_path: str, repeat: int) -> dict:
    import rdflib
    from service.sparql import run_sparql
    before = rss_kb()
    t0 = time.perf_counter()
    g = rdflib.Graph(store=store) if store != "memory" else rdflib.Graph()
    g.parse(nt_path, format="nt")
    load = time.perf_counter() - t0
    res = {"store": store, "triples": len(g), "load_s": round(load, 3), "rss_mb": round((rss_kb() - before) / 1024, 1)}
    run_sparql(g, PREFIXES + "ASK { ?s ?p ?o }")           # warm the parser
    for name, q in QUERIES.items():
        times, ep_times, rows = [], [], None
        for _ in range(repeat):
            t = time.perf_counter()
            rows = len(list(g.query(PREFIXES + q)))
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            run_sparql(g, PREFIXES + q, limit=100_000)       # endpoint path: checks + JSON
            ep_times.append(time.perf_counter() - t)
        res[name] = {"ms": round(statistics.median(times) * 1000, 1),
                     "endpoint_ms": round(statistics.median(ep_times) * 1000, 1), "rows": rows}
    return res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="1,10,50")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("STORE", "NT"))
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.repeat)))
        return 0
    stores = ["memory"]
    try:
        import oxrdflib  # noqa: F401
        stores.append("Oxigraph")
    except ImportError:
        print("oxrdflib not installed: rdflib memory store only", file=sys.stderr)
    import tempfile
    results = []
    for scale in [int(s) for s in args.scale.split(",")]:
        data = build_nt(scale)
        with tempfile.NamedTemporaryFile(suffix=".nt", delete=False) as f:
            f.write(data)
            path = f.name
        try:
            for store in stores:
                out = subprocess.run([sys.executable, __file__, "--child", store, path, "--repeat", str(args.repeat)],
                                     capture_output=True, text=True, check=True, cwd=ROOT)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                r["scale"] = scale
                results.append(r)
                cells = "  ".join(f"{k}={v['ms']}/{v['endpoint_ms']}ms" for k, v in r.items() if isinstance(v, dict))
                print(f"scale={scale:<3} {store:<8} triples={r['triples']:<7} load={r['load_s']}s "
                      f"rss+={r['rss_mb']}MB  {cells}", flush=True)
        finally:
            os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

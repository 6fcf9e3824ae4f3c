"""Scale benchmark (issue 11): the real corpus end to end with the scale
pieces, and a synthetic large vector index.

  python bench/scale.py real --data /work/real_corpus/corpus [--limit N] [--work DIR] [--embed-limit N]
  python bench/scale.py synthetic [--n 1000000] [--kind auto|flat|hnsw|ivfpq] [--dim 384]

``real`` (resumable: extraction and embeddings are kept under --work):
  extract (process pool, all cores) → graph (kg/graphfile.py, load time vs
  pickle vs JSON+build) → passages embedded into search/vectors.py with
  search/embedder.py (count, rate) → search/vindex.py index (kind by size,
  build + query ms) → RDF into service/triplestore.py (bulk load; the
  "20 most-cited documents" query; p50 of a simple lookup) → `cites` depth 3
  on the most-cited document.  Peak RSS is printed at the end.
``synthetic``: clustered unit vectors (embedding-like), index build time,
  query p50/p95 (one query at a time, one thread), recall@10 against exact
  search on 100 queries, file size, mmap load time.
Everything prints one JSON object on stdout; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from bench.embed_speed import default_cache  # noqa: E402
from kg.graph import build_graph  # noqa: E402
from kg.graphfile import read_graph, write_graph  # noqa: E402
from kg.model import InputError  # noqa: E402
from kg.pipeline import extract_file  # noqa: E402
from kg.query import cites, most_cited  # noqa: E402
from kg.rdf import to_rdf  # noqa: E402
from kg.read import supported  # noqa: E402
from search import vindex  # noqa: E402
from search.e5model import load_embedder  # noqa: E402
from search.embedder import embed_to_store  # noqa: E402
from search.engine import passages_from  # noqa: E402
from search.vectors import open_store, text_key  # noqa: E402
from service.triplestore import OxigraphStore, build_oxigraph  # noqa: E402


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _timed(fn, n=1):
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return out, round(statistics.median(lat), 2), round(lat[max(0, int(0.95 * len(lat)) - 1)], 2)


# ----------------------------------------------------------- synthetic --

def clustered(n: int, d: int, centers: int = 2000, latent: int = 32, seed: int = 0,
              step: int = 100_000) -> np.ndarray:
    """Embedding-like unit vectors: topics in a ``latent``-dimensional space
    (sentence embeddings have a low intrinsic dimension), projected to ``d``,
    plus a little isotropic noise.  Isotropic noise in all ``d`` dimensions
    makes every point nearly equidistant, which no real embedding set is."""
    rng = np.random.default_rng(seed)
    proj = rng.standard_normal((latent, d)).astype(np.float32) / np.sqrt(latent)
    c = rng.standard_normal((centers, latent)).astype(np.float32)
    x = np.empty((n, d), dtype=np.float32)
    for i in range(0, n, step):
        m = min(step, n - i)
        z = c[rng.integers(0, centers, m)] + 0.5 * rng.standard_normal((m, latent)).astype(np.float32)
        x[i:i + m] = z @ proj + 0.05 * rng.standard_normal((m, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def synthetic(a) -> dict:
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    t = time.perf_counter()
    allv = clustered(a.n + 100, a.dim)          # queries: same distribution, not in the index
    x, q = allv[:a.n], allv[a.n:]
    out = {"n": a.n, "dim": a.dim, "generate_s": round(time.perf_counter() - t, 1)}
    log(f"generated {a.n} x {a.dim}")
    kind = None if a.kind == "auto" else a.kind
    t = time.perf_counter()
    vi = vindex.build(x, kind)
    out.update(kind=vi.kind, params=vi.params, build_s=round(time.perf_counter() - t, 1))
    log(f"built {vi.kind} in {out['build_s']} s")
    path = Path(a.work) / f"synthetic-{vi.kind}-{a.n}.faiss"
    vi.save(path)
    out["file_mb"] = round(path.stat().st_size / 2**20, 1)
    _, out["load_ms"], _ = _timed(lambda: vindex.load(path), 1)
    exact = np.argsort(-(q @ x.T), axis=1)[:, :10]
    faiss.omp_set_num_threads(1)          # serving: one thread per query
    back = vindex.load(path)
    ids = np.vstack([back.search(q[i:i + 1], 10)[1] for i in range(len(q))])
    lat = []
    for i in range(len(q)):
        _, p, _ = _timed(lambda: back.search(q[i:i + 1], 10), 1)
        lat.append(p)
    lat.sort()
    out.update(query_p50_ms=round(statistics.median(lat), 3), query_p95_ms=round(lat[94], 3),
               recall_at_10=round(vindex.recall_at_k(ids, exact), 4), peak_rss_mb=rss_mb())
    path.unlink()
    Path(str(path) + ".json").unlink()
    return out


# ---------------------------------------------------------------- real --

def _extract(args):
    path, label = args
    try:
        return extract_file(Path(path), label).to_json()
    except InputError as e:
        return {"error": str(e)}


def real(a) -> dict:
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    files = sorted(p for p in Path(a.data).rglob("*") if p.is_file() and supported(p))[: a.limit or None]
    out["files"] = len(files)
    ext_path = work / f"extractions-{len(files)}.json"
    if ext_path.exists():
        extractions = json.loads(ext_path.read_text(encoding="utf-8"))
        out["extract_s"] = "reused"
    else:
        t = time.perf_counter()
        extractions, errors = [], 0
        with ProcessPoolExecutor(os.cpu_count()) as pool:
            for i, ex in enumerate(pool.map(_extract, [(str(p), p.name) for p in files], chunksize=8)):
                if "error" in ex:
                    errors += 1
                else:
                    extractions.append(ex)
                if i % 500 == 0:
                    log(f"extract {i}/{len(files)} {i / (time.perf_counter() - t):.1f}/s")
        out["extract_s"] = round(time.perf_counter() - t, 1)
        out["extract_errors"] = errors
        ext_path.write_text(json.dumps(extractions, ensure_ascii=False), encoding="utf-8")
    js = ext_path.read_bytes()
    G, out["json_plus_build_graph_ms"], _ = _timed(lambda: build_graph(json.loads(js)))
    out.update(nodes=G.number_of_nodes(), edges=G.number_of_edges())
    gpath = work / "graph.msgpack"
    write_graph(G, gpath)
    _, out["graphfile_load_ms"], _ = _timed(lambda: read_graph(gpath), 3)
    pk = pickle.dumps(G, protocol=pickle.HIGHEST_PROTOCOL)
    _, out["pickle_load_ms"], _ = _timed(lambda: pickle.loads(pk), 3)
    out.update(graphfile_mb=round(gpath.stat().st_size / 2**20, 1), pickle_mb=round(len(pk) / 2**20, 1))
    del pk
    top = most_cited(G, 1)
    if top:
        ref = top[0].get("id") or top[0].get("number")
        _, out["cites_in_depth3_p50_ms"], out["cites_in_depth3_p95_ms"] = _timed(
            lambda: cites(G, ref, direction="in", depth=3), 20)
    recs = passages_from(extractions)
    out["passages"] = len(recs)
    texts = [r["passage"] for r in recs][: a.embed_limit or None]
    store = open_store(work / "vectors", "multilingual-e5-small", 384)
    if a.embed_limit != 0:
        model = load_embedder(default_cache() / "model")

        def prog(p):
            log(f"embed {p.done}/{p.total} {p.rate:.1f}/s eta {p.eta or 0:.0f}s")
        out["embed"] = embed_to_store(model, texts, store, device=a.device, progress=prog)
    have = [t for t in texts if t]
    present = store.lookup([text_key(t) for t in have])
    keys = [k for k in (text_key(t) for t in have) if k in present]
    if keys:
        vecs = store.get(keys)
        t = time.perf_counter()
        vi = vindex.build(vecs)
        out["vindex"] = {"kind": vi.kind, "n": vi.ntotal, "build_s": round(time.perf_counter() - t, 2)}
        _, out["vindex"]["query_p50_ms"], out["vindex"]["query_p95_ms"] = _timed(lambda: vi.search(vecs[:1], 10), 50)
    if not a.no_rdf:
        t = time.perf_counter()
        g = to_rdf(G)
        out["to_rdf_s"] = round(time.perf_counter() - t, 1)
        out["triples"] = len(g)
        dest = work / f"rdf-{time.time_ns()}"
        t = time.perf_counter()
        build_oxigraph(dest, g)
        out["oxigraph_load_s"] = round(time.perf_counter() - t, 1)
        del g
        with OxigraphStore(dest, workers=2, timeout=30) as st:
            st.warm()
            q = ("SELECT ?d (COUNT(?c) AS ?n) WHERE { ?c eli:cites ?d } GROUP BY ?d ORDER BY DESC(?n) LIMIT 20")
            _, out["sparql_top20_cited_p50_ms"], out["sparql_top20_cited_p95_ms"] = _timed(lambda: st.query_json(q), 5)
            _, out["sparql_ask_p50_ms"], _ = _timed(lambda: st.query_json("ASK { ?s ?p ?o }"), 20)
    out["peak_rss_mb"] = rss_mb()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("real")
    r.add_argument("--data", default="/work/real_corpus/corpus")
    r.add_argument("--limit", type=int, default=0, help="first N files only (0: all)")
    r.add_argument("--embed-limit", type=int, default=None, help="embed at most N passages (0: none)")
    r.add_argument("--device", default=None)
    r.add_argument("--no-rdf", action="store_true")
    r.add_argument("--work", default=str(ROOT / ".bench-scale"))
    s = sub.add_parser("synthetic")
    s.add_argument("--n", type=int, default=1_000_000)
    s.add_argument("--dim", type=int, default=384)
    s.add_argument("--kind", default="auto", choices=("auto",) + vindex.KINDS)
    s.add_argument("--work", default=str(ROOT / ".bench-scale"))
    a = ap.parse_args()
    Path(a.work).mkdir(parents=True, exist_ok=True)
    print(json.dumps(real(a) if a.cmd == "real" else synthetic(a), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scale benchmark (issue 11): the real corpus through the real build, and a
synthetic large vector index.

  python bench/scale.py real --data /work/real_corpus/corpus [--limit N] [--work DIR]
                             [--embed all|N] [--keep]
  python bench/scale.py synthetic [--n 1000000] [--kind auto|flat|hnsw|ivfpq] [--dim 384]
  python bench/scale.py incremental --home BUILT_HOME --data ITS_CORPUS [--work DIR] [--file NAME]

``real``: a cold ``legalkg build`` (a child process; its JSON progress lines
go to stderr) over the corpus: wall time, the build's own split (extract,
graph, embed+index, RDF) and the peak RSS of the build process and of its
largest extraction worker.  With ``--embed all`` the build embeds every
passage; with ``--embed N`` (default 2000) the graph/RDF build runs with
``--no-index`` and embedding is measured on an evenly spaced sample of N
passages — raw ``model.encode`` and the build's embedder on the same texts in
the same run — and extrapolated to all passages (said so in the output).
Then, serving from the built home: RSS, ``cites --direction in --depth 3``
on the most-cited decree (p50/p95 of 20), the SPARQL "20 most-cited
documents" (p50/p95 of 5, through the store's worker pool), and ``ask``
p95 over 40 distinct questions (answer cache off).  When the index holds only
the sample, ask is timed on a latency stand-in of full size: all the
passages for BM25 and a flat index of as many (random unit)
vectors — the ranking is not meaningful, the cost is.
``synthetic``: clustered unit vectors (embedding-like), index build time,
query p50/p95 (one query at a time, one thread), recall@10 against exact
search on 100 queries, file size, mmap load time.
``incremental``: a copy of a built home (``cp -a``) and of its corpus (hard
links), one build to settle, then one file removed → build, and added back
→ build: wall and CPU seconds of each (and of each step: ``steps``; the
process start, imports included, is ``outside_steps_*``), the load average,
the build's split and its RDF mode.
Everything prints one JSON object on stdout; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import faiss  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402

from search import vindex  # noqa: E402
from search.embedder import embed_to_store, prepare  # noqa: E402
from search.engine import SearchEngine  # noqa: E402
from search.index import get_model, passages_from  # noqa: E402
from search.vectors import open_store  # noqa: E402
from service import Service, Store, answer  # noqa: E402
from service.home import current_build  # noqa: E402


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

QUESTIONS = ["ai chủ trì số hóa kết quả thủ tục hành chính", "cơ quan nào phối hợp kiểm tra công vụ",
             "thời hạn hoàn thành chuyển đổi số", "Sở Nội vụ chủ trì những nhiệm vụ gì",
             "ai chủ trì cải cách hành chính năm 2024", "dịch vụ công trực tuyến toàn trình",
             "ai phụ trách đào tạo cán bộ công chức", "rà soát văn bản quy phạm pháp luật",
             "Sở Tài chính bố trí kinh phí", "cơ chế một cửa liên thông", "phòng chống tham nhũng",
             "xây dựng nông thôn mới", "bảo vệ môi trường", "an toàn thực phẩm", "phòng chống dịch bệnh",
             "quản lý đất đai", "phát triển du lịch", "giáo dục nghề nghiệp", "chăm sóc sức khỏe nhân dân",
             "an ninh trật tự"]


def corpus_of(data: Path, limit: int, work: Path) -> Path:
    if not limit:
        return data
    dest = work / f"corpus-{limit}"
    if not dest.exists():
        tmp = work / f".corpus-{limit}-{os.getpid()}"
        tmp.mkdir(parents=True)
        for p in sorted(p for p in data.iterdir() if p.is_file())[:limit]:
            try:
                os.link(p, tmp / p.name)
            except OSError:
                shutil.copyfile(p, tmp / p.name)
        tmp.rename(dest)
    return dest


def run_build(data: Path, home: Path, extra: list) -> dict:
    """A `legalkg build` child: wall time, its summary, peak RSS (main process and largest worker)."""
    cmd = [sys.executable, "-m", "cli", "--data", str(data), "--home", str(home), "build", "--json",
           "--progress", "json", *extra]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE)
    peak = {"main": 0.0, "worker": 0.0, "tree": 0.0}
    done = threading.Event()

    def poll():
        ps = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                main = ps.memory_info().rss
                kids = [c.memory_info().rss for c in ps.children(recursive=True)]
            except psutil.Error:
                break
            peak["main"] = max(peak["main"], main / 2**20)
            peak["worker"] = max([peak["worker"]] + [k / 2**20 for k in kids])
            peak["tree"] = max(peak["tree"], (main + sum(kids)) / 2**20)
            time.sleep(0.5)
    th = threading.Thread(target=poll, daemon=True)
    th.start()
    out, _ = proc.communicate()
    done.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"scale: build failed with status {proc.returncode}")
    return {"wall_s": round(time.perf_counter() - t, 1), "summary": json.loads(out),
            "peak_rss_mb": {k: round(v, 1) for k, v in peak.items()}}


def embed_sample(extractions: list, n: int, cache: Path, work: Path) -> dict:
    recs = passages_from(extractions)
    texts = [r["passage"] for r in recs]
    step = max(1, len(texts) // max(1, n))
    sample = texts[::step][:n]
    model = get_model(cache)
    t = time.perf_counter()
    model.encode(prepare(sample), batch_size=32, convert_to_numpy=True, normalize_embeddings=True,
                 show_progress_bar=False)
    raw = time.perf_counter() - t
    scratch = work / f"vectors-sample-{os.getpid()}"
    st = embed_to_store(model, sample, open_store(scratch, "sample", 384),
                        progress=lambda p: log(f"embed sample {p.done}/{p.total} {p.rate:.1f}/s"))
    shutil.rmtree(scratch, ignore_errors=True)
    rate = st["embedded"] / st["seconds"] if st["seconds"] else 0.0
    return {"passages": len(texts), "sample": len(sample), "raw_encode_per_s": round(len(sample) / raw, 2),
            "build_embedder_per_s": round(rate, 2), "ratio_vs_raw": round(rate * raw / len(sample), 3),
            "extrapolated_embed_all_s": round(len(texts) / rate, 0) if rate else None,
            "note": "embedding extrapolated from the sample (rate x all passages)"}


def _pcts(lat: list) -> tuple:
    lat = sorted(lat)
    return round(statistics.median(lat), 2), round(lat[max(0, int(round(0.95 * len(lat))) - 1)], 2)


def serving(data: Path, home: Path, full_index: bool) -> dict:
    out: dict = {}
    store = Store(data, home, auto_build=False)
    svc = Service(store, ask_cache_size=0)
    G = svc.graph()
    svc.derived()
    decrees = [d for d in svc.most_cited(200) if (d.get("type") or "") == "Nghị định"]
    top = decrees[0] if decrees else svc.most_cited(1)[0]
    out["most_cited_decree"] = {"number": top.get("number"), "in_degree": top.get("in_degree")}
    lat = []
    for _ in range(20):
        t = time.perf_counter()
        res = svc.cites(top["id"], "in", 3)
        lat.append((time.perf_counter() - t) * 1000)
    out["cites_in_depth3"] = dict(zip(("p50_ms", "p95_ms"), _pcts(lat)), nodes=len(res["nodes"]))
    q = ("PREFIX eli: <http://data.europa.eu/eli/ontology#> SELECT ?d (COUNT(?c) AS ?n) "
         "WHERE { ?c eli:cites ?d } GROUP BY ?d ORDER BY DESC(?n) LIMIT 20")
    svc.sparql("ASK { ?s ?p ?o }", timeout=60)
    lat = []
    for _ in range(5):
        t = time.perf_counter()
        svc.sparql(q, timeout=60)
        lat.append((time.perf_counter() - t) * 1000)
    out["sparql_top20_cited"] = dict(zip(("p50_ms", "p95_ms"), _pcts(lat)))
    if full_index:
        engine = store.search_engine()
    else:
        d = current_build(home)
        recs = passages_from(store.extractions())
        sample = np.random.default_rng(0).standard_normal((min(len(recs), 4096), 384)).astype(np.float32)
        sample /= np.linalg.norm(sample, axis=1, keepdims=True)
        full = np.resize(sample, (len(recs), 384))
        engine = SearchEngine(recs, vindex.build(full, "flat").index, store.cache)
        out["ask_note"] = ("latency stand-in: all passages for BM25, a flat index of as many vectors "
                           f"(build {d.name} has no full index)")
    answer.ask(engine, "khởi động", k=5)
    lat, failed = [], []
    for qq in QUESTIONS + [q + " như thế nào" for q in QUESTIONS]:     # all distinct: no cache helps
        t = time.perf_counter()
        try:
            answer.ask(engine, qq, k=5)
        except ZeroDivisionError as exc:      # search.engine.rank when every fused score is 0 (reported)
            failed.append(f"{qq}: {type(exc).__name__}")
        lat.append((time.perf_counter() - t) * 1000)
    out["ask"] = dict(zip(("p50_ms", "p95_ms"), _pcts(lat)), questions=len(lat), records=len(engine.records),
                      failed=failed)
    out["serving_rss_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
    out["graph"] = {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
    store.close()
    return out


def real(a) -> dict:
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    data = corpus_of(Path(a.data), a.limit, work)
    home = work / f"home-{a.limit or 'all'}"
    if not (a.keep or a.serving_only) and home.exists():
        shutil.rmtree(home)
    home.mkdir(mode=0o700, exist_ok=True)
    model_dir = Path(a.model_cache) / "model"
    if model_dir.exists() and not (home / "cache" / "model").exists():
        (home / "cache").mkdir(exist_ok=True)
        (home / "cache" / "model").symlink_to(model_dir.resolve(), target_is_directory=True)
    out: dict = {"data": str(data), "files": sum(1 for p in data.iterdir() if p.is_file())}
    full = a.embed == "all"
    if a.serving_only:
        out["serving"] = serving(data, home, (current_build(home) / "index" / "dense.faiss").exists())
        return out
    b = run_build(data, home, [] if full else ["--no-index"])
    s = b["summary"]
    out["cold_build"] = {"wall_s": b["wall_s"], "split_s": s["seconds"], "peak_rss_mb": b["peak_rss_mb"],
                         "documents": s["documents"], "errors": len(s["errors"]), "skipped": len(s["skipped"]),
                         "tasks": s["tasks"], "assignments": s["assignments"], "triples": s["rdf"]["triples"],
                         "embedding": s.get("embedding"), "steps": s.get("steps")}
    if not full:
        store = Store(data, home, auto_build=False)
        out["embedding_sample"] = embed_sample(store.extractions(), int(a.embed), home / "cache", work)
        store.close()
        est = out["embedding_sample"]["extrapolated_embed_all_s"] or 0
        out["cold_build"]["estimated_total_with_embedding_s"] = round(b["wall_s"] + est, 0)
    out["serving"] = serving(data, home, full)
    return out


def incremental(a) -> dict:
    work = Path(a.work) / "incremental"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    home, data = work / "home", work / "corpus"
    subprocess.run(["cp", "-a", str(a.home), str(home)], check=True)
    subprocess.run(["cp", "-al", str(a.data), str(data)], check=True)
    indexed = (Path(a.home) / "current" / "index" / "dense.faiss").exists()
    extra = [] if indexed else ["--no-index"]
    name = a.file or max((p for p in data.iterdir() if p.suffix == ".md"), key=lambda p: (p.stat().st_size < 60_000, p.stat().st_size)).name
    spare = work / name

    def timed(label):
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = run_build(data, home, extra)
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        s = r["summary"]
        cpu = round(c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime, 1)
        log(f"{label}: {r['wall_s']} s wall, {cpu} s CPU, rdf {s['rdf'].get('mode')}")
        steps = s.get("steps") or {}
        return {"wall_s": r["wall_s"], "cpu_s": cpu, "load_avg": [round(x, 2) for x in os.getloadavg()],
                # the process's start (imports) and exit: what the build's own steps do not count
                "outside_steps_wall_s": round(r["wall_s"] - sum(v["wall"] for v in steps.values()), 2),
                "outside_steps_cpu_s": round(cpu - sum(v["cpu"] for v in steps.values()), 2),
                "steps": steps, "seconds": s["seconds"], "rdf": s["rdf"], "extracted": s["extracted"],
                "documents": s["documents"], "peak_rss_mb": r["peak_rss_mb"]}
    out = {"file": name, "indexed": indexed, "settle": timed("settle")}
    os.rename(data / name, spare)
    out["remove_one"] = timed("remove one")
    os.rename(spare, data / name)
    out["add_one"] = timed("add one")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("real")
    r.add_argument("--data", default="/work/real_corpus/corpus")
    r.add_argument("--limit", type=int, default=0, help="first N files only (0: all)")
    r.add_argument("--embed", default="2000", help="'all' (the build embeds everything) or N (a sample)")
    r.add_argument("--model-cache", default=str(ROOT / ".legalkg" / "cache"),
                   help="a cache folder holding the converted model (linked into the bench home)")
    r.add_argument("--keep", action="store_true", help="keep the bench home (resume; not a cold build)")
    r.add_argument("--serving-only", action="store_true", help="only the serving figures of the kept home")
    r.add_argument("--work", default=str(ROOT / ".bench-scale"))
    s = sub.add_parser("synthetic")
    s.add_argument("--n", type=int, default=1_000_000)
    s.add_argument("--dim", type=int, default=384)
    s.add_argument("--kind", default="auto", choices=("auto",) + vindex.KINDS)
    s.add_argument("--work", default=str(ROOT / ".bench-scale"))
    i = sub.add_parser("incremental")
    i.add_argument("--home", required=True, help="a built home (copied, never written)")
    i.add_argument("--data", default="/work/real_corpus/corpus", help="the corpus it was built from")
    i.add_argument("--file", help="the corpus file removed and added back (default: a large .md)")
    i.add_argument("--keep", action="store_true")
    i.add_argument("--work", default=str(ROOT / ".bench-scale"))
    a = ap.parse_args()
    Path(a.work).mkdir(parents=True, exist_ok=True)
    run = {"real": real, "synthetic": synthetic, "incremental": incremental}[a.cmd]
    print(json.dumps(run(a), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

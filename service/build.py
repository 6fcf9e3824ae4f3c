"""One build of a home: list → extract → graph → texts → passages/embeddings →
vector index → RDF store; then one atomic pointer flip (see ``service.home``).

Incremental and resumable: every extracted file lands in ``cache/extract``
(by content hash) and every embedded passage in the vector store
(``cache/vectors``) as soon as it is done, so a build killed at any moment
loses at most the files and the one chunk in flight, and the next build picks
up from there; an unchanged file (same size and mtime as in the previous
build) is not even re-read.  Adding or removing a file re-extracts only that
file and embeds only its passages; the graph, the index and the RDF store are
rebuilt from the extractions (removed files leave nothing behind).

Nothing in a build is a pickle: extractions are JSON, the graph MessagePack
(``kg.graphfile``), vectors ``.npy`` shards + sqlite, the index FAISS, the
RDF a pyoxigraph (RocksDB) store.
"""
from __future__ import annotations

import gc
import hashlib
import importlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import orjson

from kg.fsutil import atomic_path, atomic_write
from kg.graph import build_graph
from kg.graphfile import read_graph, write_graph
from kg.lineage import find_lineage
from kg.model import InputError
from kg.rdf import DEFAULT_BASE, to_rdf
from kg.rdf.delta import full_lines
from kg.rdf.terms import new_graph
from search import embedjob, heap, records, vindex
from search import index as search_index
from search.devices import parse_device, parse_embed_precision, usable_cores
from search.vectors import open_store, text_key

from . import lineage
from .extractpool import ExtractPool
from .incremental import LINEAGE_FILE, incremental_rdf, link_dicts, write_shared
from .home import (clean_stale, current_build, list_corpus, locked, new_build_dir, pointer_target,
                   prepare_home, publish)
from .progress import NONE, Progress
from .triplestore import RemoteStore, build_oxigraph

MODEL_NAME = "multilingual-e5-small"
DIM = 384


def _embedder():
    """``search.embedder``, imported when there is something to embed (or
    ``--device cuda`` to check): it imports torch, ~2.3 s that a build adding
    or removing one file of an unindexed home would spend for nothing."""
    return importlib.import_module("search.embedder")


class Steps:
    """Wall and CPU seconds of each step of a build (``summary["steps"]``),
    with the process's resident memory at its end and its peak so far (MB):
    where a large build's memory goes, without a profiler."""

    def __init__(self):
        self.out: dict = {}
        self._t = (time.perf_counter(), time.process_time())

    def lap(self, name: str) -> None:
        w, c = time.perf_counter(), time.process_time()
        prev = self.out.get(name, {"wall": 0.0, "cpu": 0.0})
        self.out[name] = {"wall": round(prev["wall"] + w - self._t[0], 3), "cpu": round(prev["cpu"] + c - self._t[1], 3),
                          "rss_mb": heap.rss_mb(), "peak_mb": heap.peak_rss_mb()}
        self._t = (w, c)


def read_json(path: Path):
    return orjson.loads(Path(path).read_bytes())


@contextmanager
def cyclic_gc(enabled: bool):
    """Cyclic garbage collection on or off inside (as it was after).  Off
    while reading the previous build and making the new one: they allocate
    millions of objects that live to the end, and every collection rescans
    them all (measured: ~1/3 of the CPU of a one-file build of the 14k home).
    On during the extraction (forked workers would inherit it off) and the
    embedding (long; torch's temporaries); what the steps leave cyclic (the
    rdflib graphs of the RDF step) is collected once it is back on."""
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()


def remote_store(url: str, **kw) -> RemoteStore:
    """``--sparql-url``: an Oxigraph server's base URL (``/query``, ``/store``),
    or a SPARQL query endpoint ending in ``/query`` or ``/sparql`` (loaded with
    the Graph Store protocol at env LEGALKG_SPARQL_STORE_URL, or with UPDATE at
    LEGALKG_SPARQL_UPDATE_URL)."""
    u = url.rstrip("/")
    if u.endswith(("/query", "/sparql")):
        return RemoteStore(u, store_url=os.environ.get("LEGALKG_SPARQL_STORE_URL"),
                           update_url=os.environ.get("LEGALKG_SPARQL_UPDATE_URL"), **kw)
    return RemoteStore.oxigraph(u, **kw)


def canonical_order(extractions: list[dict]) -> tuple[list[dict], list[str]]:
    """Duplicate document numbers (issue 12.10): every file is kept, a warning
    names them, and the canonical one — with a header block (issuer and date
    found), then more rows, then the shallower path, then the name — is put
    last of its group, so its metadata and its ``source`` win in the graph."""
    groups: dict[str, list[int]] = {}
    for i, ex in enumerate(extractions):
        if not ex["document"]["id"].startswith("file/"):
            groups.setdefault(ex["document"]["id"], []).append(i)
    out = list(extractions)
    warnings = []
    for doc_id, idx in groups.items():
        if len(idx) < 2:
            continue
        members = [extractions[i] for i in idx]

        def rank(ex):
            d = ex["document"]
            header = int(bool(d.get("issuer")) and bool(d.get("date")))
            rows = len(ex["tasks"]) + len(ex["assignments"])
            return (header, rows, -ex["source"].count("/"), [-ord(c) for c in ex["source"]])
        best = max(members, key=rank)
        rest = [m for m in members if m is not best]
        for pos, ex in zip(idx, rest + [best]):
            out[pos] = ex
        number = best["document"].get("number") or doc_id
        warnings.append(f"duplicate document number {number}: {', '.join(m['source'] for m in members)}; "
                        f"using {best['source']}")
    return out, warnings


def sorted_ntriples(g) -> bytes:
    """``kg.rdf.serialize(g, "nt")``'s bytes (N-Triples, lines sorted) without
    its sorted copy of the graph: each line is independent of the order, so
    sorting the lines is enough (measured: the copy was most of the RDF step)."""
    data = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted(line for line in data.split("\n") if line.strip())
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


# From this many passages to embed, a build embeds in a child process that
# exits when done (``search.embedjob``: its memory never sits under the rest of
# the build); below it, in the build process, where loading the model once more
# would cost more than the memory it saves (and tests reuse one loaded model).
EMBED_IN_CHILD_FROM = 2000


def write_full_ntriples(G, base: str, links, path: Path) -> tuple[dict, Optional[dict]]:
    """Write the sorted N-Triples of ``to_rdf(G)`` to ``path`` (atomically);
    return (its prefixes, its shared part or None).  Mapped a chunk of nodes
    at a time (``kg.rdf.delta.full_lines``): on the real corpus (660k triples)
    mapping it whole added ~1.3 GB to the build, the chunks 680 MB, with
    cyclic collection on (each chunk's rdflib graph is cyclic: 1.5 GB with it
    off).  The sorted lines are written one at a time: joined and encoded,
    the 113 MB file was held twice more (a str of 2-byte characters, then its
    bytes).  Where the chunks cannot be exact, ``to_rdf`` maps the graph whole."""
    got = full_lines(G, base, links)
    if got is None:
        g = to_rdf(G, base=base, lineage=links)
        atomic_write(path, sorted_ntriples(g))
        return {p: str(ns) for p, ns in g.namespaces() if p}, None
    prefixes = {p: str(ns) for p, ns in new_graph(base).namespaces() if p}
    lines, shared = got
    del got
    ordered = sorted(lines)
    del lines                     # the set: ~90 MB of table on the real corpus
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
        for line in ordered:
            fh.write(line)
            fh.write("\n")
    return prefixes, shared


class Builder:
    """Runs one build for a ``service.store.Store``; see ``run``."""

    def __init__(self, store, *, index: bool = True, progress: Optional[Progress] = None,
                 device: Optional[str] = None, cluster: Optional[str] = None, wait: bool = False,
                 sparql_url: Optional[str] = None, workers: Optional[int] = None,
                 file_timeout: Optional[float] = None):
        self.store = store
        self.index = index
        self.progress = progress or NONE
        self.device = device
        self.cluster = cluster
        self.wait = wait
        self.sparql_url = sparql_url if sparql_url is not None else os.environ.get("LEGALKG_SPARQL_URL")
        self.workers = workers or int(os.environ.get("LEGALKG_WORKERS") or usable_cores())
        self.file_timeout = file_timeout
        self.stats: dict = {}
        self._prev_manifest: dict = {}
        self._client = None

    # ------------------------------------------------------------ run --
    def run(self) -> dict:
        try:
            if parse_device(self.device) == "cuda":         # fail at once where no CUDA device is
                _embedder().resolve_device(self.device)
        except ValueError as exc:
            raise InputError("--device", str(exc)) from None
        for name, parse in (("LEGALKG_EMBED_PRECISION", parse_embed_precision),
                            ("LEGALKG_EMBED_MALLOC", embedjob.malloc_setting)):
            try:
                parse()
            except ValueError as exc:
                raise InputError(name, str(exc)) from None
        home = prepare_home(self.store.home)
        with locked(home, wait=self.wait):
            previous = pointer_target(home)
            clean_stale(home, keep_previous=previous)
            try:
                return self._build(home, previous)
            finally:
                if self._client is not None:
                    self._client.close()

    def _client_for(self):
        if self._client is None and self.cluster:
            # distributed is imported only for --cluster: ~1 s of start-up no other build needs
            from . import cluster
            self._client = cluster.connect(self.cluster)
        return self._client

    def _build(self, home: Path, previous: Optional[str]) -> dict:
        t0 = time.perf_counter()
        timings = {}
        steps = self.steps = Steps()
        ext_cache = self.store.cache / "extract"
        ext_cache.mkdir(parents=True, exist_ok=True)
        listing = list_corpus(self.store.data)
        for s in listing.skipped:
            self.progress.note(f"skipped: {s}")
        prev_dir = current_build(home)
        with cyclic_gc(False):
            prev_files, prev_ex = self._previous(prev_dir)
        # the previous extractions are plain JSON (no cycles): out of the
        # collector's scans while it runs during the extraction
        gc.freeze()
        steps.lap("previous")
        # held by the builder, not by this frame: _index may drop them while the child embeds
        self._extracted = self._extract(listing.files, ext_cache, prev_files, prev_ex)
        del prev_files, prev_ex
        timings["extract"] = time.perf_counter() - t0
        with cyclic_gc(False):
            return self._assemble(home, previous, prev_dir, listing, t0, timings)

    def _assemble(self, home: Path, previous: Optional[str], prev_dir: Optional[Path], listing,
                  t0: float, timings: dict) -> dict:
        """Graph, texts, index and RDF of the extractions, in a new build folder, published."""
        steps = self.steps
        ext_cache = self.store.cache / "extract"
        extractions, errors, extracted, reused = self._extracted
        self._extracted = None
        extractions, dup_warnings = canonical_order(extractions)
        warnings = [w for ex in extractions for w in ex.get("warnings", [])] + dup_warnings
        steps.lap("extract")

        t = time.perf_counter()
        self._extractions = extractions
        G = build_graph(extractions)
        dups = {}
        for ex in extractions:
            dups.setdefault(ex["document"]["id"], []).append(ex["source"])
        for doc_id, sources in dups.items():
            if len(sources) > 1 and doc_id in G:
                G.nodes[doc_id]["duplicates"] = sources[:-1]
        timings["graph"] = time.perf_counter() - t
        steps.lap("graph")
        counts = {
            "documents": len(extractions),
            "attached_plans": sum(1 for e in extractions if e["document"].get("attached")),
            "graph_documents": sum(1 for _, a in G.nodes(data=True) if a.get("kind") == "document"),
            "references": sum(len(e["references"]) for e in extractions),
            "tasks": sum(len(e["tasks"]) for e in extractions),
            "assignments": sum(len(e["assignments"]) for e in extractions),
            "agencies": sum(1 for _, a in G.nodes(data=True) if a.get("kind") == "agency"),
        }
        tmp = new_build_dir(home)
        try:
            atomic_write(tmp / "extractions.json", orjson.dumps(extractions))
            steps.lap("write_extractions")
            write_graph(G, tmp / "graph.msgpack")
            steps.lap("write_graph")
            self._texts(extractions, ext_cache, tmp / "texts")
            steps.lap("texts")
            t = time.perf_counter()
            self._G = G
            del G, extractions        # _index may drop them (and read them back) around a child's embedding
            index_info = self._index(tmp) if self.index else None
            G, extractions = self._G, self._extractions
            timings["embed_index"] = time.perf_counter() - t
            steps.lap("embed_index")
            t = time.perf_counter()
            base = self.store.build_base()
            rdf_info = self._rdf(G, base, tmp, prev_dir)
            timings["rdf"] = time.perf_counter() - t
            steps.lap("rdf")
            summary = {
                "data": str(self.store.data), "home": str(self.store.home), **counts,
                "extracted": extracted, "reused": reused, "errors": errors, "warnings": warnings,
                "skipped": listing.skipped, "indexed": bool(self.index),
                "embedding": index_info, "rdf": rdf_info,
                "seconds": {k: round(v, 3) for k, v in timings.items()}, "steps": steps.out,
            }
            files = {}
            for label, path in listing.files:
                key = self._keys.get(label)
                if key:
                    st = self._stats.get(label)
                    files[label] = [st[0], st[1], key] if st else [None, None, key]
            manifest = {"version": self.store.version, "data": str(Path(self.store.data).resolve()),
                        "fingerprint": self.store.fingerprint_of(listing), "files": files, "built": time.time(),
                        "rdf_base": base, "sparql_url": self.sparql_url or None, "summary": summary}
            atomic_write(tmp / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
            final = publish(home, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        clean_stale(home, keep_previous=previous)
        steps.lap("publish")
        summary["seconds"]["total"] = round(time.perf_counter() - t0, 3)
        self.store._loaded_build(final, G, extractions)
        return summary

    # -------------------------------------------------------- extract --
    def _previous(self, prev_dir: Optional[Path]) -> tuple[dict, dict]:
        """(label → [size, mtime_ns, key], key → extraction) of the previous build."""
        self._prev_manifest = {}
        if prev_dir is None:
            return {}, {}
        try:
            man = read_json(prev_dir / "manifest.json")
            if man.get("version") != self.store.version:
                return {}, {}
            exs = read_json(prev_dir / "extractions.json")
        except (OSError, ValueError):
            return {}, {}
        self._prev_manifest = man
        return man.get("files") or {}, {ex.get("sha256"): ex for ex in exs if ex.get("sha256")}

    def _extract(self, files, ext_cache: Path, prev_files: dict, prev_ex: dict):
        version = self.store.version.encode()
        self._keys, self._stats = {}, {}
        found: dict[str, dict] = {}
        errors: list[str] = []
        todo = []
        reused = 0
        with self.progress.step("list", len(files)) as bar:
            for label, path in files:
                bar.update()
                try:
                    st = os.stat(path)
                except OSError as exc:
                    errors.append(f"{label}: cannot read: {exc.strerror or exc}")
                    continue
                self._stats[label] = (st.st_size, st.st_mtime_ns)
                pf = prev_files.get(label)
                key = pf[2] if pf and pf[0] == st.st_size and pf[1] == st.st_mtime_ns else None
                if key is None:
                    try:
                        data = Path(path).read_bytes()
                    except OSError as exc:
                        errors.append(f"{label}: cannot read: {exc.strerror or exc}")
                        continue
                    key = hashlib.sha256(data + version + label.encode()).hexdigest()
                self._keys[label] = key
                if key in prev_ex:
                    found[label] = prev_ex[key]
                    reused += 1
                    continue
                cf = ext_cache / f"{key}.json"
                if cf.exists() and (ext_cache / f"{key}.txt").exists():
                    try:
                        found[label] = read_json(cf)
                        reused += 1
                        continue
                    except (OSError, ValueError):
                        pass
                todo.append((label, path, key))
        extracted = 0
        if todo:
            with self.progress.step("extract", len(todo)) as bar:
                done_ok = []

                def on_done(label, key, err):
                    bar.update()
                    if err is None:
                        done_ok.append(label)
                if self.cluster:
                    from . import cluster          # see _client_for
                    res = cluster.extract(self._client_for(), todo, ext_cache, on_done, self.file_timeout)
                else:
                    res = ExtractPool(ext_cache, self.workers, self.file_timeout).run(todo, on_done)
                errors.extend(res["errors"])
            for label, _, key in todo:
                cf = ext_cache / f"{key}.json"
                if cf.exists():
                    found[label] = read_json(cf)
                    extracted += 1
        extractions = []
        for label, _ in files:
            ex = found.get(label)
            if ex is None:
                self._keys.pop(label, None)
                continue
            ex = dict(ex)
            ex["source"] = label
            ex["sha256"] = self._keys[label]
            extractions.append(ex)
        return extractions, sorted(errors), extracted, reused

    def _texts(self, extractions: list[dict], ext_cache: Path, dest: Path) -> None:
        """The extracted text of each file, stored with the build (hard links
        into the cache; a copy where links are not possible)."""
        dest.mkdir()
        for ex in extractions:
            src = ext_cache / f"{ex['sha256']}.txt"
            if not src.exists():
                continue
            target = dest / src.name
            if target.exists():
                continue
            try:
                os.link(src, target)
            except OSError:
                shutil.copyfile(src, target)

    # ---------------------------------------------------------- index --
    def _index(self, tmp: Path) -> dict:
        """Records, embeddings (only the missing ones) and the vector index of
        ``self._extractions`` into ``tmp/index``.  Before a child process
        embeds, the build's own large objects (extractions, graph, records:
        ~260 MB of the 14k real pages) are dropped and read back from ``tmp``
        afterwards (1.6 s), so the two processes together stay small."""
        index_dir = tmp / "index"
        index_dir.mkdir(parents=True, exist_ok=True)
        recs = search_index.passages_from(self._extractions)
        texts = [r["passage"] for r in recs]
        records.write(index_dir / records.RECORDS_FILE, recs)
        del recs
        vstore = open_store(self.store.cache / "vectors", MODEL_NAME, DIM)
        legacy = self.store.cache / "embeddings" / "e5-small.npz"
        if legacy.exists() and len(vstore) == 0:
            vstore.import_npz(legacy)
        keys = [text_key(t) for t in texts]
        missing = vstore.missing(keys)
        info = {"passages": len(keys), "embedded": 0, "reused": len(set(keys)) - len(missing)}
        if missing:
            chunk = int(os.environ.get("LEGALKG_EMBED_CHUNK") or 0) or None   # passages per write
            with self.progress.step("embed", len(missing)) as bar:
                if not self.cluster and len(missing) >= EMBED_IN_CHILD_FROM:
                    todo, job = set(missing), []
                    for text, key in zip(texts, keys):
                        if key in todo:
                            todo.discard(key)
                            job.append(text)
                    path = embedjob.write_job(self.store.cache, job, model=MODEL_NAME, dim=DIM,
                                              device=self.device, chunk=chunk)
                    del texts, todo, job
                    self._G = self._extractions = None
                    gc.collect()
                    heap.trim()
                    st = embedjob.run_job(path, progress=lambda done, total: bar.set(done))
                    self._extractions = read_json(tmp / "extractions.json")
                    self._G = read_graph(tmp / "graph.msgpack")
                else:
                    st = self._embed_here(texts, vstore, chunk, bar)
            info.update(embedded=st["embedded"], device=st["device"], precision=st["precision"],
                        rate=st["rate"], seconds=st["seconds"])
            if "allocator" in st:                # embedded in the child process
                info.update(process="child", allocator=st["allocator"])
        vecs = vstore.get(keys) if keys else None
        with self.progress.step("index", len(keys)) as bar:
            vi = vindex.build(vecs if vecs is not None else [], dim=DIM)
            vi.save(index_dir / "dense.faiss")
            bar.update(len(keys))
        info["kind"] = vi.kind
        return info

    def _embed_here(self, texts: list[str], vstore, chunk: Optional[int], bar) -> dict:
        """Embed in this process (a small change, or on the ``--cluster``)."""
        gc.collect()
        heap.trim()          # the extraction and graph steps' freed heap, before the model's
        model = search_index.get_model(self.store.cache)

        def cb(p):
            bar.set(p.done)
        with cyclic_gc(True):
            if self.cluster:
                from . import cluster          # see _client_for
                return cluster.embed(self._client_for(), model, texts, vstore, self.store.cache,
                                     device=self.device, progress=cb)
            return _embedder().embed_to_store(model, texts, vstore, device=self.device, progress=cb, chunk=chunk)

    # ------------------------------------------------------------ rdf --
    def _lineage_links(self, tmp: Path) -> list:
        """The lineage links ``Store.rdf_graph`` adds (same extractions, same vectors)."""
        index_dir = tmp / "index"
        sim = lineage.dense_similarity(index_dir) if (index_dir / "dense.faiss").exists() else None
        t = time.perf_counter()
        links = find_lineage(self._extractions, similarity=sim).links     # LineageState's, without its agenda
        self.stats["lineage_s"] = round(time.perf_counter() - t, 3)
        return links

    def _rdf(self, G, base: str, tmp: Path, prev_dir: Optional[Path] = None) -> dict:
        with self.progress.step("rdf", None) as bar:
            links = self._lineage_links(tmp)
            atomic_write(tmp / LINEAGE_FILE, json.dumps(link_dicts(links), ensure_ascii=False).encode("utf-8"))
            self.steps.lap("lineage")
            inc = self._incremental_rdf(G, links, base, tmp, prev_dir)
            if inc is not None:
                bar.update(inc["triples"])
                return {"triples": inc.pop("triples"), "store": "oxigraph", "mode": "incremental", **inc}
            with cyclic_gc(True):         # the build runs with it off; the chunks' graphs are cyclic
                prefixes, shared = write_full_ntriples(G, base or DEFAULT_BASE, links, tmp / "export.nt")
            if not self.sparql_url:
                write_shared(G, base or DEFAULT_BASE, tmp, shared)
            del shared
            n = build_oxigraph(tmp / "rdf", tmp / "export.nt", prefixes)
            bar.update(n)
            info = {"triples": n, "store": "oxigraph", "mode": "full"}
            if self.sparql_url:
                rs = remote_store(self.sparql_url, prefixes=prefixes)
                rs.load(tmp / "export.nt")
                info.update(store="remote", url=self.sparql_url)
        return info

    def _incremental_rdf(self, G, links, base: str, tmp: Path, prev_dir: Optional[Path]) -> Optional[dict]:
        """The previous build's RDF plus the change (``service.incremental``);
        None (and a note saying so) where the whole graph must be mapped."""
        if prev_dir is None or not self._prev_manifest or self.sparql_url \
                or os.environ.get("LEGALKG_INCREMENTAL") == "0":
            return None
        try:
            inc = incremental_rdf(prev_dir, self._prev_manifest, G, links, base or DEFAULT_BASE, tmp)
        except (OSError, RuntimeError, ValueError, SyntaxError) as exc:
            self.progress.note(f"rdf: incremental update failed ({exc}); mapping the whole graph")
            inc = None
        if inc is None:
            shutil.rmtree(tmp / "rdf", ignore_errors=True)
            (tmp / "export.nt").unlink(missing_ok=True)
            self.progress.note("rdf: mapping the whole graph (the previous build cannot be patched)")
        return inc

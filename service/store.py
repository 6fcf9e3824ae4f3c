"""Built artifacts under --home, read side: the build the ``current`` pointer
names (graph, extractions, search index, RDF store, extracted texts), and the
entry point of a build (``Store.build`` → ``service.build.Builder``).

Two ways to use a Store:

* the CLI (``auto_build=True``, the default): a command finds the corpus
  changed or nothing built and builds first (contract: "other commands build
  on demand");
* a server (``auto_build=False``, set by ``web.create_app``): never builds.
  GET requests are read-only; a new build made by ``legalkg build`` is picked
  up by watching the pointer (one ``readlink`` at most every
  ``watch_interval`` seconds), and the previous build keeps answering until
  the pointer flips.  Several server processes can share one home: the index
  is memory-mapped and the RDF store is opened read-only.
"""
from __future__ import annotations

import gc
import hashlib
import importlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Optional

import orjson
import rdflib

from kg.graphfile import read_graph
from kg.model import InputError
from kg.rdf import DEFAULT_BASE, to_rdf
from search import records, vindex

from .home import current_build, list_corpus, pointer_target, prepare_home
from .progress import Progress
from .sparql import rebase_query, rebase_result
from .triplestore import OxigraphStore, QueryError

from . import lineage

REPO = Path(__file__).resolve().parent.parent


def _code_version() -> str:
    """Hash of the extraction and graph code: a new version of the extractor
    invalidates cached extractions and the built graph automatically."""
    h = hashlib.sha1(b"legalkg-2")
    kg_dir = REPO / "kg"
    for path in sorted(kg_dir.rglob("*.py")):
        rel = path.relative_to(kg_dir)
        if rel.parts[0] != "rdf":                 # the RDF mapping is derived on load, not stored
            h.update(str(rel).encode() + path.read_bytes())
    for name in ("index.py", "text.py"):          # what the stored search index is made of
        path = REPO / "search" / name
        if path.exists():
            h.update(name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


EXTRACTOR_VERSION = _code_version()


class NotBuilt(LookupError):
    """Nothing (or not this part) is built in the home and this Store may not build."""


class Store:
    """The built artifacts of one corpus (``--data``) in one folder (``--home``)."""

    version = EXTRACTOR_VERSION

    def __init__(self, data: Path, home: Path, base: Optional[str] = None, auto_build: bool = True,
                 watch_interval: float = 1.0):
        self.data = Path(data)
        self.home = Path(home)
        # IRI base of the RDF export (env LEGALKG_BASE); deterministic IRIs under it
        self.base = base or os.environ.get("LEGALKG_BASE")
        self.auto_build = auto_build
        self.watch_interval = watch_interval
        self.sparql_workers = int(os.environ.get("LEGALKG_SPARQL_WORKERS") or 2)
        self._lock = threading.RLock()
        self._reset(None)
        self._checked = 0.0

    def _reset(self, build_dir: Optional[Path]) -> None:
        old = getattr(self, "_sparql", None)
        self._dir = build_dir
        self._target = build_dir.name if build_dir is not None else None
        self._graph = self._rdf = self._engine = self._extractions = self._manifest = None
        self._sparql = None
        self._texts: dict = {}
        if old is not None:
            old.close()

    # ------------------------------------------------------------ paths --
    @property
    def current(self) -> Path:
        """The build folder in use (the pointer's target; ``HOME/current`` if none)."""
        d = self._build_dir(required=False)
        return d if d is not None else self.home / "current"

    @property
    def cache(self) -> Path:
        return self.home / "cache"

    def build_base(self) -> str:
        """IRI base of the RDF stored by a build (env LEGALKG_BASE, else the default)."""
        return os.environ.get("LEGALKG_BASE") or DEFAULT_BASE

    def corpus_files(self) -> list[Path]:
        return [p for _, p in list_corpus(self.data).files]

    @staticmethod
    def fingerprint_of(listing) -> list[list]:
        out = []
        for label, p in listing.files:
            try:
                st = os.stat(p)
            except OSError:
                continue
            out.append([label, st.st_size, st.st_mtime_ns])
        return out

    def _build_dir(self, required: bool = True) -> Optional[Path]:
        """The build to read; in watch mode a moved pointer drops every cache."""
        with self._lock:
            if not self.auto_build and self._dir is not None:
                now = time.monotonic()
                if now - self._checked >= self.watch_interval:
                    self._checked = now
                    target = pointer_target(self.home)
                    if target is not None and target != self._target:
                        self._reset(None)
            if self._dir is None:
                self._target = pointer_target(self.home)
                self._dir = current_build(self.home)
                self._checked = time.monotonic()
            if self._dir is None and required:
                raise NotBuilt(f"{self.home}: nothing is built yet; run `legalkg build`")
            return self._dir

    def manifest(self) -> dict:
        with self._lock:
            if self._manifest is None:
                self._manifest = json.loads((self._build_dir() / "manifest.json").read_text(encoding="utf-8"))
            return self._manifest

    def _pointed_manifest(self) -> tuple[Optional[Path], dict]:
        """The build the pointer names now and its manifest (``(None, {})`` when
        nothing readable is built); unlike :meth:`manifest`, never cached."""
        d = current_build(self.home)
        if d is None:
            return None, {}
        try:
            return d, json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None, {}

    def is_fresh(self) -> bool:
        d, man = self._pointed_manifest()
        if d is None:
            return False
        if man.get("version") != EXTRACTOR_VERSION or man.get("data") != str(self.data.resolve()):
            return False
        return man.get("fingerprint") == self.fingerprint_of(list_corpus(self.data))

    def usable_build(self) -> bool:
        """A build of this code version with graph, index and RDF store (a
        server started on anything less builds once before listening)."""
        d, man = self._pointed_manifest()
        if d is None:
            return False
        return man.get("version") == EXTRACTOR_VERSION and all(
            (d / p).exists() for p in ("graph.msgpack", "index/dense.faiss", "rdf", "texts"))

    def ensure_built(self, index: bool = True, progress: Optional[Progress] = None) -> None:
        """Build when nothing is built, the corpus changed or (with ``index``)
        the build has no index — only when this Store may build."""
        if not self.auto_build:
            self._build_dir()
            return
        prepare_home(self.home, create=False)
        with self._lock:
            d = current_build(self.home)
            if not self.is_fresh() or (index and d is not None and not (d / "index" / "dense.faiss").exists()):
                self.build(progress=progress, index=index, wait=True)

    # ------------------------------------------------------------ build --
    def build(self, progress=False, index: bool = True, *, device: Optional[str] = None,
              cluster: Optional[str] = None, wait: bool = False, sparql_url: Optional[str] = None,
              workers: Optional[int] = None, file_timeout: Optional[float] = None) -> dict:
        """Extract (reusing cached extractions), build the graph, the texts,
        with ``index`` the search index, and the RDF store; flip the pointer.

        ``progress``: a ``Progress``, True (auto) or False.  Returns the
        summary printed by ``build --json``: ``{"data", "home", "documents",
        "attached_plans", "graph_documents", "references", "tasks",
        "assignments", "agencies", "extracted", "reused", "errors": ["file:
        problem"], "warnings", "skipped": ["name: reason"], "indexed",
        "embedding", "rdf", "seconds"}``.
        """
        # the build pulls in torch (search.embedder, 2.3 s measured): imported when a build runs
        from .build import Builder
        if progress is True:
            progress = Progress("auto")
        with self._lock:
            return Builder(self, index=index, progress=progress or None, device=device, cluster=cluster,
                           wait=wait, sparql_url=sparql_url, workers=workers, file_timeout=file_timeout).run()

    def _loaded_build(self, build_dir: Path, G, extractions: list[dict]) -> None:
        """Called by the builder after the flip: serve the new build from memory."""
        with self._lock:
            self._reset(build_dir)
            self._graph, self._extractions = G, extractions
            self._checked = time.monotonic()

    # ------------------------------------------------------------ loads --
    def _ready(self, index: bool = False) -> Path:
        if self.auto_build:
            self.ensure_built(index=index)
        return self._build_dir()

    def extractions(self) -> list[dict]:
        """The extraction JSON of every corpus file (``extract --json`` objects)."""
        with self._lock:
            d = self._ready()
            if self._extractions is None:
                self._extractions = orjson.loads((d / "extractions.json").read_bytes())
            return self._extractions

    def graph(self):
        """The knowledge graph (networkx MultiDiGraph) from ``graph.msgpack``."""
        with self._lock:
            d = self._ready()
            if self._graph is None:
                path = d / "graph.msgpack"
                if not path.exists():
                    raise NotBuilt(f"{d}: no graph.msgpack (a build from an older version); run `legalkg build`")
                self._graph = read_graph(path)
                # the loaded graph lives as long as the process: keep the cyclic GC
                # from rescanning its millions of objects on every collection
                gc.freeze()
            return self._graph

    def rdf_graph(self) -> rdflib.Graph:
        """The RDF mapping of the graph under ``self.base`` (cached; for the
        serialisation formats and SHACL)."""
        with self._lock:
            G = self.graph()
            if self._rdf is None:
                self._rdf = to_rdf(G, base=self.base or DEFAULT_BASE,
                                   lineage=lineage.state_for(self).lineage.links)
            return self._rdf

    def export_nt(self) -> Optional[bytes]:
        """The N-Triples a build stored (None if its base is not ``self.base``)."""
        d = self._ready()
        if (self.base or DEFAULT_BASE) != self.manifest().get("rdf_base"):
            return None
        p = d / "export.nt"
        return p.read_bytes() if p.exists() else None

    def search_engine(self):
        """The hybrid search engine over the built index (memory-mapped)."""
        with self._lock:
            d = self._ready(index=True)
            if self._engine is None:
                if not (d / "index" / "dense.faiss").exists():
                    raise NotBuilt(f"{d}: built without the search index; run `legalkg build`")
                recs = records.open_records(d / "index")       # read from disk row by row
                vi = vindex.load(d / "index" / "dense.faiss", mmap=True)
                # search.engine (bm25s, scipy: ~0.5 s of imports) only where a search needs it:
                # a build, SPARQL or a page of the graph does not
                engine = importlib.import_module("search.engine")
                self._engine = engine.SearchEngine(recs, vi.index, self.cache)
            return self._engine

    def summary(self) -> dict:
        """The summary of the last build (see ``build``)."""
        self._ready()
        return self.manifest()["summary"]

    def extracted_text(self, source: str) -> Optional[str]:
        """The decoded text of a corpus file as the build extracted it (what
        spans point into), never the live file: an edited file keeps showing
        the text its offsets were computed on, and scans are not re-OCR'd."""
        with self._lock:
            d = self._ready()
            if source in self._texts:
                return self._texts[source]
        key = next((ex.get("sha256") for ex in self.extractions() if ex["source"] == source), None)
        if not key:
            return None
        try:
            text = (d / "texts" / f"{key}.txt").read_bytes().decode("utf-8", "surrogatepass")
        except OSError:
            return None
        with self._lock:
            if len(self._texts) > 256:
                self._texts.clear()
            self._texts[source] = text
        return text

    # ----------------------------------------------------------- sparql --
    def sparql_store(self):
        """The SPARQL backend of the build in use: the remote endpoint it was
        loaded into (``--sparql-url``), else its pyoxigraph store (a pool of
        killable worker processes with hard timeouts)."""
        with self._lock:
            d = self._ready()
            if self._sparql is None:
                url = self.manifest().get("sparql_url")
                if url:
                    from .build import remote_store      # see build(): no torch for a query
                    prefixes = json.loads((d / "rdf" / "prefixes.json").read_text(encoding="utf-8"))
                    self._sparql = remote_store(url, prefixes=prefixes)
                else:
                    if not (d / "rdf").exists():
                        raise NotBuilt(f"{d}: no RDF store (a build from an older version); run `legalkg build`")
                    self._sparql = OxigraphStore(d / "rdf", workers=self.sparql_workers)
                    # start the worker processes now, in the background: the first queries do not wait
                    threading.Thread(target=self._sparql.warm, name="sparql-warm", daemon=True).start()
            return self._sparql

    def sparql(self, query: str, limit: int = 1000, timeout: float = 10.0) -> dict:
        """Read-only SPARQL on the build's store (QueryError ⊂ ValueError,
        QueryTimeout ⊂ TimeoutError).  IRIs under the serving base
        (``self.base``) are rewritten to the stored base and back."""
        for attempt in (1, 2):
            backend = self.sparql_store()
            stored = self.manifest().get("rdf_base") or DEFAULT_BASE
            served = self.base or DEFAULT_BASE
            try:
                res = backend.query_json(rebase_query(query, served, stored), limit=limit, timeout=timeout)
            except QueryError as exc:
                # a worker lost under us (its build replaced and removed before the
                # pointer check noticed): reopen what the pointer names, once
                if attempt == 1 and ("engine stopped" in str(exc) or "did not start" in str(exc)):
                    with self._lock:
                        self._reset(None)
                    continue
                raise
            return rebase_result(res, stored, served)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._reset(None)


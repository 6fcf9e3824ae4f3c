"""Built artifacts under --home: extraction cache (by content hash), the graph,
the search index.  Builds are incremental and atomic: everything is written to
a temporary folder and swapped in with one rename, so a crash or a bad file
never leaves a half-built state.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

import rdflib
from tqdm import tqdm

from kg.graph import build_graph
from kg.model import InputError
from kg.pipeline import extract_file
from kg.rdf import DEFAULT_BASE, to_rdf
from kg.read import supported
from search.engine import SearchEngine
from search.index import build_index

from . import lineage

REPO = Path(__file__).resolve().parent.parent

def _code_version() -> str:
    """Hash of the extraction and graph code: a new version of the extractor
    invalidates cached extractions and the built graph automatically."""
    h = hashlib.sha1(b"legalkg-1")
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


class Store:
    """The built artifacts of one corpus (``--data``) in one folder (``--home``)."""

    def __init__(self, data: Path, home: Path, base: Optional[str] = None):
        self.data = Path(data)
        self.home = Path(home)
        # IRI base of the RDF export (env LEGALKG_BASE); deterministic IRIs under it
        self.base = base or os.environ.get("LEGALKG_BASE")
        self._lock = threading.RLock()
        self._graph = None
        self._rdf = None
        self._engine = None
        self._extractions = None

    # ------------------------------------------------------------ paths --
    @property
    def current(self) -> Path:
        return self.home / "current"

    @property
    def cache(self) -> Path:
        return self.home / "cache"

    def corpus_files(self) -> list[Path]:
        if not self.data.is_dir():
            raise InputError(str(self.data), "corpus folder does not exist")
        return sorted(p for p in self.data.rglob("*") if p.is_file() and supported(p)
                      and not any(part.startswith(".") for part in p.relative_to(self.data).parts))

    def _fingerprint(self) -> list[list]:
        return [[str(p.relative_to(self.data)), p.stat().st_size, p.stat().st_mtime_ns] for p in self.corpus_files()]

    def is_fresh(self) -> bool:
        m = self.current / "manifest.json"
        if not m.exists():
            return False
        try:
            man = json.loads(m.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return man.get("data") == str(self.data.resolve()) and man.get("fingerprint") == self._fingerprint() \
            and man.get("version") == EXTRACTOR_VERSION

    def ensure_built(self, index: bool = True) -> None:
        with self._lock:
            if not self.is_fresh():
                self.build(progress=False, index=index)

    # ------------------------------------------------------------ build --
    def build(self, progress: bool = False, index: bool = True) -> dict:
        """Extract (reusing cached extractions), build the graph and, with
        ``index``, the search index; swap them in atomically.

        Returns the summary printed by ``build --json``: ``{"data", "home",
        "documents", "attached_plans", "graph_documents", "references",
        "tasks", "assignments", "agencies", "extracted", "reused", "errors":
        ["file: problem"], "warnings", "indexed"}``.
        """
        with self._lock:
            self.home.mkdir(parents=True, exist_ok=True)
            ext_cache = self.cache / "extract"
            ext_cache.mkdir(parents=True, exist_ok=True)
            files = self.corpus_files()
            extractions, errors, warnings = [], [], []
            extracted = reused = 0
            bar = _progress(len(files), "extract") if progress else None
            for p in files:
                label = str(p.relative_to(self.data))
                try:
                    data = p.read_bytes()
                except OSError as exc:
                    errors.append(f"{label}: cannot read: {exc}")
                    continue
                h = hashlib.sha256(data + EXTRACTOR_VERSION.encode() + label.encode()).hexdigest()
                cf = ext_cache / f"{h}.json"
                if cf.exists():
                    ex = json.loads(cf.read_text(encoding="utf-8"))
                    reused += 1
                else:
                    try:
                        ex = extract_file(p, label).to_json()
                    except InputError as err:
                        errors.append(str(err))
                        if bar:
                            bar.step()
                        continue
                    _atomic_write(cf, json.dumps(ex, ensure_ascii=False).encode("utf-8"))
                    extracted += 1
                ex["sha256"] = h
                extractions.append(ex)
                warnings.extend(ex.get("warnings", []))
                if bar:
                    bar.step()
            if bar:
                bar.done()
            G = build_graph(extractions)
            tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=self.home))
            os.chmod(tmp, 0o755)
            try:
                _atomic_write(tmp / "extractions.json", json.dumps(extractions, ensure_ascii=False).encode("utf-8"))
                with open(tmp / "graph.pickle", "wb") as fh:
                    pickle.dump(G, fh, protocol=pickle.HIGHEST_PROTOCOL)
                if index:
                    build_index(extractions, tmp / "index", self.cache)
                summary = {
                    "data": str(self.data), "home": str(self.home),
                    "documents": len(extractions),
                    "attached_plans": sum(1 for e in extractions if e["document"].get("attached")),
                    "graph_documents": sum(1 for _, a in G.nodes(data=True) if a.get("kind") == "document"),
                    "references": sum(len(e["references"]) for e in extractions),
                    "tasks": sum(len(e["tasks"]) for e in extractions),
                    "assignments": sum(len(e["assignments"]) for e in extractions),
                    "agencies": sum(1 for _, a in G.nodes(data=True) if a.get("kind") == "agency"),
                    "extracted": extracted, "reused": reused, "errors": errors, "warnings": warnings,
                    "indexed": bool(index),
                }
                manifest = {"version": EXTRACTOR_VERSION, "data": str(self.data.resolve()),
                            "fingerprint": self._fingerprint(), "built": time.time(), "summary": summary}
                _atomic_write(tmp / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
                # swap: current → old, tmp → current, drop old
                old = None
                if self.current.exists():
                    old = self.home / f".old-{os.getpid()}-{time.time_ns()}"
                    os.rename(self.current, old)
                os.rename(tmp, self.current)
                if old:
                    shutil.rmtree(old, ignore_errors=True)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            self._graph, self._rdf, self._engine, self._extractions = G, None, None, extractions
            return summary

    # ------------------------------------------------------------ loads --
    def extractions(self) -> list[dict]:
        """The extraction JSON of every corpus file (``extract --json`` objects)."""
        with self._lock:
            if self._extractions is None:
                self.ensure_built(index=False)
                if self._extractions is None:
                    self._extractions = json.loads((self.current / "extractions.json").read_text(encoding="utf-8"))
            return self._extractions

    def graph(self):
        """The knowledge graph (networkx MultiDiGraph), built on demand."""
        with self._lock:
            if self._graph is None:
                self.ensure_built(index=False)
                if self._graph is None:
                    with open(self.current / "graph.pickle", "rb") as fh:
                        self._graph = pickle.load(fh)
                    # the loaded graph lives as long as the process: keep the cyclic GC
                    # from rescanning its millions of objects on every collection
                    gc.freeze()
            return self._graph

    def rdf_graph(self) -> rdflib.Graph:
        """The RDF mapping of the graph under ``self.base`` (cached)."""
        with self._lock:
            if self._rdf is None:
                self._rdf = to_rdf(self.graph(), base=self.base or DEFAULT_BASE,
                                   lineage=lineage.state_for(self).lineage.links)
            return self._rdf

    def search_engine(self) -> SearchEngine:
        """The hybrid search engine over the built index (built on demand)."""
        with self._lock:
            if self._engine is None:
                self.ensure_built(index=True)
                if not (self.current / "index").exists():
                    self.build(progress=False, index=True)
                self._engine = SearchEngine.load(self.current / "index", self.cache)
            return self._engine

    def summary(self) -> dict:
        """The summary of the last build (see ``build``)."""
        self.ensure_built(index=False)
        return json.loads((self.current / "manifest.json").read_text(encoding="utf-8"))["summary"]


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    os.chmod(tmp, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class _progress:
    """A small stderr progress bar (tqdm, a dependency)."""

    def __init__(self, total: int, label: str):
        self._bar = tqdm(total=total, desc=label, file=sys.stderr, leave=False)

    def step(self):
        if self._bar:
            self._bar.update(1)

    def done(self):
        if self._bar:
            self._bar.close()

"""Per-application state: the Store plus caches derived from it.

One ``WebState`` lives in ``app.extensions['legalkg']``; nothing is global.
Every cache is keyed on the identity of the graph / search engine it was
derived from, so a rebuild of the store invalidates it.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Optional

log = logging.getLogger("legalkg.web")


class WebState:
    def __init__(self, store, ask_cache_size: int = 512):
        self.store = store
        self._lock = threading.RLock()
        self._ask_lock = threading.Lock()
        self._ask_cache: "OrderedDict[tuple, dict]" = OrderedDict()
        self._ask_cache_size = ask_cache_size
        self._ask_engine = None
        self._ask_pending: dict[tuple, threading.Event] = {}
        self._derived_for = None
        self._derived: dict = {}
        self._sources: dict[str, tuple] = {}
        self._exports: dict[str, bytes] = {}
        self._exports_for = None
        self.ask_hits = 0
        self.ask_misses = 0

    # ----------------------------------------------------------- graph --
    def graph(self):
        return self.store.graph()

    def derived(self) -> dict:
        """Indexes over the graph and the extractions, rebuilt when the graph changes."""
        G = self.graph()
        with self._lock:
            if self._derived_for is G:
                return self._derived
            exs = self.store.extractions()
            by_source = {ex["source"]: ex for ex in exs}
            by_doc = {ex["document"]["id"]: ex for ex in exs}
            agencies_by_name: dict[str, list[str]] = {}
            for n, a in G.nodes(data=True):
                if a.get("kind") == "agency":
                    for name in [a.get("name")] + list(a.get("aliases") or []):
                        if name:
                            agencies_by_name.setdefault(name, []).append(n)
            self._derived = {"by_source": by_source, "by_doc": by_doc, "agencies_by_name": agencies_by_name}
            self._derived_for = G
            self._sources.clear()
            return self._derived

    # ----------------------------------------------------------- search --
    def engine(self):
        return self.store.search_engine()

    def ask(self, question: str, k: int = 5, mode: str = "hybrid") -> dict:
        """``engine.ask`` with an LRU cache (answers depend only on the index).

        Concurrent misses on the same key compute once: the others wait for it.
        """
        engine = self.engine()
        if self._ask_cache_size <= 0:
            return engine.ask(question, k=k, mode=mode)
        key = (question, k, mode)
        while True:
            with self._ask_lock:
                if self._ask_engine is not engine:
                    self._ask_cache.clear()
                    self._ask_pending.clear()
                    self._ask_engine = engine
                hit = self._ask_cache.get(key)
                if hit is not None:
                    self._ask_cache.move_to_end(key)
                    self.ask_hits += 1
                    return hit
                pending = self._ask_pending.get(key)
                if pending is None:
                    pending = self._ask_pending[key] = threading.Event()
                    self.ask_misses += 1
                    break
            if not pending.wait(timeout=120):
                return engine.ask(question, k=k, mode=mode)
            # the computing thread finished (or failed): look again
            with self._ask_lock:
                hit = self._ask_cache.get(key)
                if hit is not None:
                    self.ask_hits += 1
                    return hit
            return engine.ask(question, k=k, mode=mode)
        try:
            res = engine.ask(question, k=k, mode=mode)
            with self._ask_lock:
                if self._ask_engine is engine:
                    self._ask_cache[key] = res
                    while len(self._ask_cache) > self._ask_cache_size:
                        self._ask_cache.popitem(last=False)
            return res
        finally:
            with self._ask_lock:
                if self._ask_pending.get(key) is pending:
                    del self._ask_pending[key]
            pending.set()

    def warm_up(self) -> None:
        try:
            self.graph()
            self.derived()
            self.engine().ask("khởi động", k=1)
        except Exception:  # noqa: BLE001 — a failed warm-up is retried by the first request
            log.exception("warm-up failed")

    # ----------------------------------------------------------- source --
    def source_text(self, source: Optional[str]) -> Optional[str]:
        """The decoded original text of a corpus file (what spans point into)."""
        if not source:
            return None
        self.derived()
        data = Path(self.store.data).resolve()
        path = (data / source).resolve()
        try:
            path.relative_to(data)
        except ValueError:
            return None
        try:
            st = path.stat()
        except OSError:
            return None
        key = (st.st_size, st.st_mtime_ns)
        with self._lock:
            hit = self._sources.get(source)
            if hit and hit[0] == key:
                return hit[1]
        try:
            from kg.read import read_file
            text = read_file(path, source).original
        except Exception:  # noqa: BLE001 — unreadable file: the page shows no text
            log.exception("cannot read %s", source)
            return None
        with self._lock:
            if len(self._sources) > 256:
                self._sources.clear()
            self._sources[source] = (key, text)
        return text

    # ----------------------------------------------------------- rdf ----
    def export(self, fmt: str) -> bytes:
        from kg.rdf import serialize
        g = self.store.rdf_graph()
        with self._lock:
            if self._exports_for is not g:
                self._exports = {}
                self._exports_for = g
            data = self._exports.get(fmt)
            if data is None:
                data = serialize(g, fmt)
                self._exports[fmt] = data
            return data

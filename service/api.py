"""The one query API: ``Service`` wraps a built ``Store`` and answers every
question the CLI, the HTTP API and the web pages ask, with caches derived from
the store.

Every cache is keyed on the identity of the graph / search engine it was
derived from, so a rebuild of the store invalidates it.  The web app keeps one
``Service`` in ``app.extensions['legalkg']``; nothing is global.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Optional

from kg.rdf import DEFAULT_BASE, document_rdf, iri_to_id, serialize

from . import ask as ask_route, chains, lineage, pages, query, sparql_examples
from .sparqlcheck import bindings_csv, bindings_tsv
from .store import Store

log = logging.getLogger("legalkg.service")


class Service:
    """Queries over one Store.  Methods return JSON-ready dicts (documented on
    the functions they delegate to) or bytes for RDF; unknown references raise
    ``query.NotFound``, ambiguous ones ``query.Ambiguous``."""

    def __init__(self, store: Store, ask_cache_size: int = 512):
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
        """The knowledge graph (for the view-model functions of ``pages``)."""
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

    def ask(self, question: str, k: int = 5, mode: str = "hybrid", offset: int = 0,
            ignore_province: bool = False, province: Optional[str] = None) -> dict:
        """``ask --json`` / ``/api/ask``: the question routed and executed
        (``service.ask.ask``), with an LRU cache (answers depend only on the
        store).  Concurrent misses on the same key compute once: the others
        wait for it."""
        engine = self.engine()
        compute = lambda: ask_route.ask(self, question, k=k, mode=mode, offset=offset,  # noqa: E731
                                        ignore_province=ignore_province, province=province)
        if self._ask_cache_size <= 0:
            return compute()
        key = (question, k, mode, offset, ignore_province, province)
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
                return compute()
            # the computing thread finished (or failed): look again
            with self._ask_lock:
                hit = self._ask_cache.get(key)
                if hit is not None:
                    self.ask_hits += 1
                    return hit
            return compute()
        try:
            res = compute()
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
            ask_route.ask(self, "khởi động", k=1)
        except Exception:  # noqa: BLE001 — a failed warm-up is retried by the first request
            log.exception("warm-up failed")

    # ----------------------------------------------------------- source --
    def source_text(self, source: Optional[str]) -> Optional[str]:
        """The text of a corpus file as the build extracted it (what spans point
        into; stored with the build, never re-read or re-OCR'd from the live file)."""
        if not source:
            return None
        return self.store.extracted_text(source)

    # ----------------------------------------------------------- rdf ----
    @property
    def base(self) -> str:
        """IRI base of the RDF mapping."""
        return getattr(self.store, "base", None) or DEFAULT_BASE

    def export(self, fmt: str) -> bytes:
        """The whole graph as RDF (turtle | jsonld | nt | xml), cached per graph;
        N-Triples straight from the build when it was made under this base."""
        G = self.graph()
        with self._lock:
            if self._exports_for is not G:
                self._exports = {}
                self._exports_for = G
            data = self._exports.get(fmt)
            if data is None and fmt == "nt":
                data = self.store.export_nt()
            if data is None:
                data = serialize(self.store.rdf_graph(), fmt)
            self._exports[fmt] = data
            return data

    def document_rdf(self, doc_id: str, fmt: str) -> bytes:
        """One document's description (``kg.rdf.document_rdf``) serialised."""
        return serialize(document_rdf(self.graph(), doc_id, base=self.base,
                                      lineage=self.lineage_state().lineage.links), fmt)

    def sparql(self, text: str, limit: int = 1000, timeout: float = 10.0) -> dict:
        """Read-only SPARQL on the build's store (pyoxigraph worker processes
        with a hard timeout, or the remote endpoint): ValueError for bad or
        updating queries, TimeoutError past ``timeout`` seconds."""
        return self.store.sparql(text, limit=limit, timeout=timeout)

    @staticmethod
    def sparql_table(result: dict, fmt: str) -> bytes:
        """A SELECT result of :meth:`sparql` as SPARQL 1.1 CSV (``fmt="csv"``)
        or TSV (``"tsv"``): the writers the stores themselves use."""
        write = bindings_csv if fmt == "csv" else bindings_tsv
        return write(result["head"]["vars"], result["results"]["bindings"])

    def sparql_examples(self) -> list[dict]:
        """The /sparql page's examples (``sparql_examples.examples``) under this graph's IRI base."""
        return sparql_examples.examples(self.base)

    def sparql_properties(self) -> list[tuple[str, str]]:
        """(CURIE, meaning) of the properties the examples use."""
        return sparql_examples.properties(self.base)

    def iri_to_id(self, iri: str) -> Optional[tuple[str, str]]:
        """(kind, node id) of an IRI this graph minted, else None."""
        return iri_to_id(iri, self.base)

    # ----------------------------------------------------------- queries --
    def cites(self, ref: str, direction: str = "both", depth: int = 1, evidence: bool = True) -> dict:
        """``cites --json``: "both" is the upward chain plus the downward chain
        only (``service.chains``)."""
        return chains.chains(self.graph(), ref, direction, depth, evidence)

    def citation_path(self, a: str, b: str) -> dict:
        """``path --json`` (see ``query.citation_path``)."""
        return query.citation_path(self.graph(), a, b)

    def most_cited(self, n: int = 10) -> list[dict]:
        """``top --json`` (see ``query.most_cited``)."""
        return query.most_cited(self.graph(), n)

    def agency_tasks(self, name: str) -> dict:
        """``agency --json`` / ``/api/agency`` (see ``query.agency_tasks``)."""
        return query.agency_tasks(self.graph(), name)

    def document_detail(self, ref: str) -> dict:
        """``/api/document`` (see ``query.document_detail``)."""
        return query.document_detail(self.graph(), ref)

    def resolve_document(self, ref: str) -> str:
        """Node id of the document ``ref`` names (NotFound / Ambiguous)."""
        return query.resolve_document(self.graph(), ref)

    def resolve_for_page(self, ref: str) -> str:
        """``resolve_document`` with the page's messages and suggestions."""
        return pages.resolve_for_page(self.graph(), ref)

    def suggest_documents(self, ref: str) -> list[dict]:
        """Doc summaries whose number or title shares the reference's digits / words."""
        return pages.suggest_documents(self.graph(), ref)

    def is_document(self, node: str) -> bool:
        G = self.graph()
        return node in G and G.nodes[node].get("kind") == "document"

    def province_name(self, node: str) -> Optional[str]:
        """The name of a province node (``province/<slug>``), None if unknown."""
        G = self.graph()
        return G.nodes[node].get("name") if node in G and G.nodes[node].get("kind") == "province" else None

    def health(self) -> dict:
        """``/healthz``: build summary counts, graph size, ask-cache hits."""
        s = self.store.summary()
        G = self.graph()
        return {"status": "ok", "documents": s.get("documents"), "graph_nodes": G.number_of_nodes(),
                "graph_edges": G.number_of_edges(), "tasks": s.get("tasks"),
                "ask_cache": {"hits": self.ask_hits, "misses": self.ask_misses}}

    # ----------------------------------------------------------- pages --
    def home(self) -> dict:
        """Home page: ``{"stats", "documents", "most_cited", "examples"}``."""
        return pages.home_view(self)

    def search(self, q: str, filters: dict, show: int = 20, page: int = 1) -> dict:
        """Search page: answer card, rows, facets, pages (see ``pages.search_view``)."""
        return pages.search_view(self, q, filters, show=show, page=page)

    def documents(self, q: str = "", scope: str = "all", doc_type: str = "", province: str = "",
                  sort: str = "cited", page: int = 1, per: int = 0) -> dict:
        """Document list: ``{"query", "scope", "type", "province", "sort", "paging", "documents", "types",
        "provinces"}`` (``per=0``: every row on one page)."""
        return pages.documents_view(self, q, scope, doc_type, province, sort, page, per)

    def agencies(self, q: str = "", province: str = "", kind: str = "", sort: str = "tasks",
                 page: int = 1, per: int = 0) -> dict:
        """Agency list: ``{"query", "province", "kind", "sort", "paging", "agencies" (with "kind_label",
        "collective", "near_duplicates"), "provinces", "kinds"}``."""
        return pages.agencies_view(self, q, province, kind, sort, page, per)

    def document(self, doc_id: str, with_text: bool = True) -> dict:
        """Document page (see ``pages.document_view``), with ``"lineage"``
        (``lineage.document_lineage``)."""
        view = pages.document_view(self, doc_id, with_text)
        view["lineage"] = self.document_lineage(doc_id)
        return view

    def agency(self, agency_id: str) -> dict:
        """Agency page: ``{"agency", "lead", "support" (query.task_row lists),
        groupings by document and deadline, "counts", "today"}``."""
        return pages.agency_view(self, agency_id)

    def task(self, task_id: str) -> dict:
        """Task / assignment page (see ``pages.task_view``), with ``"lineage"``
        (``lineage.task_lineage``)."""
        view = pages.task_view(self, task_id)
        view["lineage"] = self.task_lineage(task_id)
        return view

    # ----------------------------------------------------------- lineage --
    def lineage_state(self) -> "lineage.LineageState":
        """Lineage links and the agenda index of this build (computed once per build)."""
        return lineage.state_for(self.store)

    def lineage(self, ref: Optional[str] = None) -> dict:
        """``lineage --json`` / ``/api/lineage`` (see ``lineage.lineage_view``)."""
        return lineage.lineage_view(self.lineage_state(), self.graph(), ref)

    def task_lineage(self, task_id: str) -> dict:
        """A row's parents and its children by year (see ``lineage.task_lineage``)."""
        return lineage.task_lineage(self.lineage_state(), task_id)

    def document_lineage(self, doc_id: str) -> dict:
        """A document's coverage (see ``lineage.document_lineage``)."""
        return lineage.document_lineage(self.lineage_state(), doc_id)

    def agenda(self, agency: str, period: Optional[str] = None, start: Optional[str] = None,
               end: Optional[str] = None) -> dict:
        """``agenda --json`` / ``/api/agenda`` (see ``lineage.agenda_view``):
        ValueError for a bad period, NotFound for an unknown agency."""
        return lineage.agenda_view(self.lineage_state(), self.graph(), agency, period, start, end)

    def agenda_ics(self, agency: str, period: Optional[str] = None, start: Optional[str] = None,
                   end: Optional[str] = None) -> str:
        """The agenda as an iCalendar file (see ``lineage.agenda_ics``)."""
        return lineage.agenda_ics(self.lineage_state(), self.graph(), agency, period, start, end)

"""The change in ``to_rdf``'s triples between two graphs, without mapping
either graph whole (issue 11: adding one file to a 14k corpus re-maps only
what it touched; ``to_rdf`` of the whole graph takes ~20 s there).

``to_rdf``'s triples fall into three disjoint parts:

* **units** — what one node contributes: a document's, agency's, task's or
  assignment's own description and the triples of its out-edges (citations
  with their evidence statements, ``lkg:attachedTo``).  A unit's triples
  depend on the node's attributes and out-edges, plus its issuer (the agency
  index, global) and the province-name table (global).
* **shared** — what ``finish`` describes once for everything: document-type
  concepts, minted issuer organisations, provinces, source files, the vocabulary.
* **lineage** — the lineage links (computed by the caller over all tasks).

:func:`rdf_delta` compares the two graphs node by node (attributes and
out-edges), adds the documents whose resolved issuer changed, maps only
those dirty units in both graphs, recomputes the shared part and the lineage
triples of both, and returns the N-Triples lines to delete and to insert.
Applied to the old graph's sorted N-Triples it gives exactly what ``to_rdf``
of the new graph gives (tests/test_incremental.py checks it byte for byte).
It returns None where it cannot be local: the province-name table changed,
or an edge maps a node that is not a document as one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Optional

import networkx as nx
from rdflib import URIRef

from ..ids import slug
from ..vocab import CITATION_TYPES
from .mapping import _Builder, _kind, _sorted_edges, _sorted_links, _sorted_nodes, _text, norm_name
from .terms import DEFAULT_BASE, agency_iri, doc_iri, relation_properties, source_iri

_UNIT_KINDS = ("document", "agency", "task", "assignment")


@dataclass
class Delta:
    delete: set = field(default_factory=set)      # N-Triples lines (no newline)
    insert: set = field(default_factory=set)
    dirty: int = 0                                # units re-mapped
    shared: Optional[dict] = None                 # the new graph's shared part (``shared_part``)


def nt_lines(g) -> set:
    data = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return {line for line in data.split("\n") if line.strip()}


class _Shared(_Builder):
    """A builder that registers what ``to_rdf`` registers (types, issuers,
    provinces, sources) without emitting the units' triples; ``finish`` then
    gives the shared part."""

    def __init__(self, G: nx.MultiDiGraph, base: str, names: Optional[dict] = None):
        super().__init__(G, base)
        self.issuers: dict = {}
        # name → norm_name key, kept with the shared part: folding the few thousand
        # agency and issuer names again is most of a fresh process's registration
        self.names: dict = dict(names or {})
        self.names_used: set = set()               # what is stored: the names of this graph only
        self._norm = self._norm_cached
        self.odd: set = set()          # non-document nodes an edge maps as documents
        agencies = [n for n, a in G.nodes(data=True) if a.get("kind") == "agency"]
        self.agencies_done = set(agencies)
        self.orgs_described = {agency_iri(n, base) for n in agencies}

    def run(self, cache: Optional[dict] = None) -> dict:
        """In ``to_rdf``'s order (the first registration of a province name,
        a source path or an issuer's canonical name wins there too).  Returns
        ``{entry key: [its N-Triples lines]}`` (see :meth:`entries`); the lines
        of a key found in ``cache`` (the previous build's) are not rendered again."""
        G = self.G
        docs = set(_sorted_nodes(G, "document"))
        for n in sorted(docs, key=str):
            self._register_doc(n, G.nodes[n])
        for n in _sorted_nodes(G, "agency"):
            if self.province(G.nodes[n].get("province")) is None:
                for _, pv, k in G.out_edges(n, keys=True):
                    if k == "located_in" and _kind(G, pv) == "province":
                        self.province(pv)
                        break
        for n in _sorted_nodes(G, "province"):
            self.province(n)
        # Tasks and assignments (ensure_document of their documents), then the
        # citation / attachment edges: to_rdf registers in their sorted order,
        # but only a row or an edge that meets something new (a node not
        # described as a document, a source file not registered) registers
        # anything; one unsorted pass finds those few, and only they are
        # sorted and registered (state only grows: the others stay no-ops).
        rows = [n for n, a in G._node.items() if a.get("kind") in ("task", "assignment")
                and any(t not in docs for t in self._row_documents(n))]
        for n in sorted(rows, key=lambda n: (G._node[n]["kind"] != "task", str(n))):
            for t in self._row_documents(n):
                self._ensure(t, docs)
        for u, v, k, data in sorted(self._new_edges(docs), key=lambda e: (str(e[0]), str(e[2]), str(e[1]))):
            etype = data.get("type") or k
            if etype == "attached_to":
                self._ensure(u, docs)
                self._ensure(v, docs)
            elif etype in CITATION_TYPES and relation_properties(etype, self.base) \
                    and _kind(G, u) in ("document", None) and _kind(G, v) in ("document", None):
                self._ensure(u, docs)
                self._ensure(v, docs)
                for ev in data.get("evidence") or [{}]:
                    self.source((ev or {}).get("source"))
        return self.entries(cache or {})

    def entries(self, cache: dict) -> dict:
        """``finish``'s triples grouped by what describes them: one entry per
        document type, minted organisation, province and source file (its key
        holds everything its lines are made of), plus the type scheme and the
        vocabulary.  Entries not in ``cache`` are rendered by ``finish`` on a
        builder that holds only them; each line goes to the entry of its subject."""
        for iri, m in sorted(self.minted_orgs.items()):          # what finish registers first
            if iri not in self.orgs_described:
                self.province(m.get("province"))
        keys: dict = {}
        if self.types:
            keys[json.dumps(["scheme"])] = URIRef(self.base + "type")
        for iri, label in self.types.items():
            keys[json.dumps(["type", str(iri), label], ensure_ascii=False)] = iri
        for iri, m in self.minted_orgs.items():
            if iri not in self.orgs_described:
                p = self.province(m.get("province"))
                keys[json.dumps(["org", str(iri), m["canon"], sorted(m["names"]), m.get("kind"),
                                 str(p) if p is not None else None], ensure_ascii=False)] = iri
        for iri, name in self.provinces.items():
            keys[json.dumps(["province", str(iri), name], ensure_ascii=False)] = iri
        for iri, path in self.sources.items():
            keys[json.dumps(["source", str(iri), path], ensure_ascii=False)] = iri
        vocab = json.dumps(["vocabulary"])
        out = {k: cache[k] for k in keys if k in cache}
        if vocab in cache:
            out[vocab] = cache[vocab]
        todo = {k: iri for k, iri in keys.items() if k not in out}
        if todo or vocab not in out:
            r = _Builder(self.G, self.base)
            want = set(todo.values())
            r.types = {i: v for i, v in self.types.items() if i in want}
            r.minted_orgs = {i: m for i, m in self.minted_orgs.items() if i in want}
            r.provinces = {i: v for i, v in self.provinces.items() if i in want}
            r.sources = {i: v for i, v in self.sources.items() if i in want}
            r._province_names = self._province_names
            by_subject: dict = {}
            for line in nt_lines(r.finish(with_vocabulary=vocab not in out)):
                by_subject.setdefault(line[1:line.index(">")], []).append(line)
            subjects = {str(iri) for iri in keys.values()}
            for k, iri in todo.items():
                out[k] = sorted(by_subject.get(str(iri), ()))
            if vocab not in out:
                out[vocab] = sorted(ln for subj, lines in by_subject.items() if subj not in subjects for ln in lines)
        return out

    def _norm_cached(self, name: str) -> str:
        self.names_used.add(name)
        key = self.names.get(name)
        if key is None:
            key = self.names[name] = norm_name(name)
        return key

    def _row_documents(self, n) -> list:
        """What ``to_rdf`` calls ``ensure_document`` on for a task / assignment
        row, in its order: its document (or first ``part_of`` parent), then
        (tasks) each ``mentions`` edge's target."""
        a, succ = self.G._node[n], self.G._succ[n]
        doc = a.get("document")
        if not doc:
            parents = sorted((v for v, kd in succ.items() if "part_of" in kd), key=str)
            doc = parents[0] if parents else None
        out = [doc] if doc is not None else []
        if a.get("kind") == "task":
            out += [v for v, kd in succ.items() for k in kd if k == "mentions"]
        return out

    def _new_edges(self, docs: set) -> list:
        """The citation / attachment edges ``(u, v, key, data)`` that meet a
        node not in ``docs`` or a source file not registered yet (see :meth:`run`)."""
        nodes, base = self.G._node, self.base
        cites = {t: bool(relation_properties(t, base)) for t in CITATION_TYPES}
        known = set(self.sources.values())
        out = []
        for u, nbrs in self.G._succ.items():
            for v, kd in nbrs.items():
                for k, data in kd.items():
                    etype = data.get("type") or k
                    if etype == "attached_to":
                        if u not in docs or v not in docs:
                            out.append((u, v, k, data))
                    elif cites.get(etype) and nodes[u].get("kind") in ("document", None) \
                            and nodes[v].get("kind") in ("document", None):
                        if u not in docs or v not in docs or any(
                                (src := _text((ev or {}).get("source"))) and src not in known
                                and source_iri(src, base) not in self.sources
                                for ev in data.get("evidence") or [{}]):
                            out.append((u, v, k, data))
        return out

    def _register_doc(self, n, a) -> None:
        self.doc_type(a.get("type"))
        self.issuers[n] = self.issuer(a)
        self.province(a.get("province"))
        self.source(a.get("source"))

    def _ensure(self, n, docs: set) -> None:
        if n not in docs:                              # what ensure_document maps: a node with no data
            docs.add(n)
            self.odd.add(n)
            self._register_doc(n, self.G.nodes[n] if n in self.G else {})


class _Units(_Builder):
    """A builder that maps only the given units (``ensure_document`` never
    describes another node: in ``to_rdf`` every document is described first;
    :func:`rdf_delta` gives up where an edge maps a non-document as one)."""

    def __init__(self, G: nx.MultiDiGraph, base: str, only: set):
        super().__init__(G, base)
        self.only = only

    def ensure_document(self, n):
        return doc_iri(n, self.base)

    def run(self) -> set:
        G = self.G
        nodes = sorted((n for n in self.only if n in G), key=str)
        for n in nodes:
            kind = _kind(G, n)
            if kind == "document":
                self.document(n)
            elif kind == "agency":
                self.agency(n)
            elif kind == "task":
                self.task(n)
            elif kind == "assignment":
                self.assignment(n)
        for u, v, k, data in _sorted_edges(G, nodes):
            self.edge(u, v, data.get("type") or k, data)
        return nt_lines(self.g)


def _lineage_lines(G, base: str, links: Iterable) -> set:
    b = _Builder(G, base)
    for link in _sorted_links(links):
        b.lineage_link(link)
    return nt_lines(b.g)


def dirty_nodes(old: nx.MultiDiGraph, new: nx.MultiDiGraph) -> set:
    """Nodes added, removed, or with other attributes or out-edges."""
    out = set(old.nodes) ^ set(new.nodes)
    on, nn, osu, nsu = old.nodes, new.nodes, old._succ, new._succ
    for n in set(old.nodes) & set(new.nodes):
        if on[n] != nn[n] or osu[n] != nsu[n]:
            out.add(n)
    return out


def shared_part(G: nx.MultiDiGraph, base: str = DEFAULT_BASE, cache: Optional[dict] = None) -> dict:
    """``{"entries": {entry key: [N-Triples lines]} (the shared part, see
    ``_Shared.entries``), "issuers": {document: issuer IRI}, "provinces":
    {province name: node}, "base"}`` (JSON-ready: a build stores it so the next
    one need not recompute it from the old graph).  ``cache``: a previous
    ``shared_part``'s (same ``base``): its entries' lines are reused."""
    b = _Shared(G, base, names=(cache or {}).get("names"))
    old = (cache or {}).get("entries") if (cache or {}).get("base") == base else None
    entries = b.run(old)
    used = {name: b.names[name] for name in sorted(b.names_used)}
    return {"entries": entries, "issuers": {str(n): (str(i) if i is not None else None)
                                            for n, i in b.issuers.items()},
            "provinces": dict(b._province_names), "odd": sorted(map(str, b.odd)), "names": used, "base": base}


def shared_lines(shared: dict) -> set:
    """The N-Triples lines of a ``shared_part``."""
    return {ln for lines in shared["entries"].values() for ln in lines}


def rdf_delta(old: nx.MultiDiGraph, new: nx.MultiDiGraph, base: str = DEFAULT_BASE,
              old_lineage: Iterable = (), new_lineage: Iterable = (),
              old_shared: Optional[dict] = None) -> Optional[Delta]:
    """The lines to delete from / insert into ``to_rdf(old)``'s N-Triples to
    get ``to_rdf(new)``'s; None when a global table changed (map it whole).
    ``old_shared``: ``shared_part(old, base)`` if the caller kept it."""
    so = old_shared if old_shared and old_shared.get("base") == base and "entries" in old_shared \
        else shared_part(old, base)
    sn = shared_part(new, base, cache=so)
    if so["odd"] or sn["odd"]:
        return None
    po, pn = so["provinces"], sn["provinces"]
    if any((po.get(v) or "province/" + slug(v)) != (pn.get(v) or "province/" + slug(v)) for v in set(po) | set(pn)):
        return None
    dirty = dirty_nodes(old, new)
    io, inew = so["issuers"], sn["issuers"]
    dirty |= {n for n in set(io) | set(inew) if io.get(n) != inew.get(n)}
    dirty = {n for n in dirty if _kind(old, n) in _UNIT_KINDS or _kind(new, n) in _UNIT_KINDS
             or n not in old or n not in new}
    old_lines = _Units(old, base, dirty).run() | shared_lines(so) | _lineage_lines(old, base, old_lineage)
    new_lines = _Units(new, base, dirty).run() | shared_lines(sn) | _lineage_lines(new, base, new_lineage)
    return Delta(delete=old_lines - new_lines, insert=new_lines - old_lines, dirty=len(dirty), shared=sn)


def full_lines(G: nx.MultiDiGraph, base: str = DEFAULT_BASE, lineage: Iterable = (),
               chunk: int = 2000) -> Optional[tuple[set, dict]]:
    """``to_rdf(G, base, lineage=lineage)``'s N-Triples lines and the graph's
    ``shared_part``, mapped ``chunk`` units at a time: the lines are the same
    (the parts are disjoint and each unit's triples are local, as for
    :func:`rdf_delta`), but no rdflib graph of the whole corpus is ever held
    (660k triples of the real corpus: ~1.3 GB as one graph, the lines ~0.3 GB).
    None where the decomposition is not exact (an edge maps a node without
    data as a document): map it whole with ``to_rdf``."""
    shared = shared_part(G, base)
    if shared["odd"]:
        return None
    lines = shared_lines(shared)
    units = sorted((n for n in G if _kind(G, n) in _UNIT_KINDS), key=str)
    for i in range(0, len(units), chunk):
        lines |= _Units(G, base, set(units[i:i + chunk])).run()
    lines |= _lineage_lines(G, base, lineage)
    return lines, shared


def apply_sorted(old_nt: bytes, delta: Delta) -> bytes:
    """``old_nt`` (sorted N-Triples lines, as ``service.build`` stores them)
    with ``delta`` applied, still sorted."""
    lines = [ln for ln in old_nt.decode("utf-8").split("\n") if ln.strip() and ln not in delta.delete]
    lines = sorted(set(lines) | delta.insert)
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


__all__ = ["Delta", "apply_sorted", "dirty_nodes", "full_lines", "nt_lines", "rdf_delta", "shared_lines",
           "shared_part"]

"""The graph → RDF mapping (see ``kg.rdf`` for the vocabulary and the mapping
table).  Reads everything from the knowledge graph, including the issuer's
resolved agency (``issuer_agency`` on document nodes, set by ``kg.graph``);
nothing is re-extracted or re-resolved here.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from functools import lru_cache
from typing import Iterable, Optional

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from ..ids import slug
from ..vntext import norm_name as _norm_name
from ..vocab import CITATION_TYPES
from .terms import (DEFAULT_BASE, ELI, LINEAGE_PROPERTIES, LKG_CLASSES, LKG_PROPERTIES, LKG_SIGNATURES, ORG,
                    SCHEMA, agency_iri, assignment_iri, doc_iri, lineage_iri, lkg_terms, new_graph, province_iri,
                    relation_properties, source_iri, task_iri, type_iri)

# the same few thousand issuer / agency names, folded again for every document
norm_name = lru_cache(maxsize=131_072)(_norm_name)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text(v) -> Optional[str]:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _vi(v) -> Literal:
    return Literal(str(v).strip(), lang="vi")


def _date(v) -> Optional[Literal]:
    s = _text(v)
    if not s or not _ISO_DATE.match(s):
        return None
    try:
        _dt.date.fromisoformat(s)
    except ValueError:
        return None
    return Literal(s, datatype=XSD.date)


def _kind(G: nx.MultiDiGraph, n) -> Optional[str]:
    return G.nodes[n].get("kind") if n in G else None


def _sorted_nodes(G: nx.MultiDiGraph, kind: str) -> list:
    return sorted((n for n, a in G.nodes(data=True) if a.get("kind") == kind), key=str)


def _sorted_edges(G: nx.MultiDiGraph, nodes: Optional[Iterable] = None) -> list:
    edges = G.out_edges(nodes, keys=True, data=True) if nodes is not None else G.edges(keys=True, data=True)
    return sorted(edges, key=lambda e: (str(e[0]), str(e[2]), str(e[1])))

class _Builder:
    """Accumulates triples; remembers which organisations / concepts / provinces
    / sources were referenced so each is described exactly once."""

    def __init__(self, G: nx.MultiDiGraph, base: str):
        self.G, self.base = G, base
        self.L = lkg_terms(base)
        self.g = new_graph(base)
        self.types: dict[URIRef, str] = {}
        self.provinces: dict[URIRef, str] = {}
        self.sources: dict[URIRef, str] = {}
        self.docs_seen: set[URIRef] = set()
        self.minted_orgs: dict[URIRef, dict] = {}
        self.agencies_done: set = set()
        self.agency_refs: set = set()
        self.orgs_described: set = set()           # IRIs typed org:Organization (by ``agency``)
        self._agency_index: Optional[dict] = None
        self._province_names = {a.get("name"): n for n, a in G.nodes(data=True)
                                if a.get("kind") == "province" and a.get("name")}
        self._norm = norm_name                     # agency / issuer name → matching key

    def add(self, s, p, o):
        self.g.add((s, p, o))

    # ------------------------------------------------------ shared bits --
    def province(self, value) -> Optional[URIRef]:
        v = _text(value)
        if not v:
            return None
        if v in self.G and _kind(self.G, v) == "province":
            node = v
        else:
            node = self._province_names.get(v) or "province/" + slug(v)
        iri = province_iri(node, self.base)
        name = self.G.nodes[node].get("name") if node in self.G else None
        self.provinces.setdefault(iri, _text(name) or v)
        return iri

    def source(self, path) -> Optional[URIRef]:
        p = _text(path)
        if not p:
            return None
        iri = source_iri(p, self.base)
        self.sources.setdefault(iri, p)
        return iri

    def doc_type(self, value) -> Optional[URIRef]:
        v = _text(value)
        if not v:
            return None
        iri = type_iri(v, self.base)
        # two spellings with one slug: keep the first in sorted order as the label
        if iri not in self.types or v < self.types[iri]:
            self.types[iri] = v
        return iri

    def _agencies(self) -> dict:
        if self._agency_index is None:
            idx: dict = {}
            for n in _sorted_nodes(self.G, "agency"):
                a = self.G.nodes[n]
                for name in [a.get("name")] + list(a.get("aliases") or []):
                    if name:
                        idx.setdefault((self._norm(name), a.get("province")), n)
            self._agency_index = idx
        return self._agency_index

    def issuer(self, a: dict) -> Optional[URIRef]:
        """The issuing organisation of a document node: an agency node if one
        matches, else a minted organisation with the id ``kg.graph`` resolved
        (``issuer_agency``)."""
        name = _text(a.get("issuer"))
        if not name:
            return None
        doc_province = _text(a.get("province"))
        idx = self._agencies()
        key = self._norm(name)
        node = idx.get((key, doc_province)) or idx.get((key, None))
        res = a.get("issuer_agency") or {}
        aid = res.get("id") or ((slug(doc_province) if doc_province else "vn") + "/" + (slug(name) or "unknown"))
        canon, akind, aprov = res.get("name") or name, res.get("kind"), res.get("province", doc_province)
        if node is None and aid in self.G and _kind(self.G, aid) == "agency":
            node = aid
        if node is None:
            node = idx.get((self._norm(canon), aprov))
        if node is not None:
            self.agency_refs.add(node)
            return agency_iri(node, self.base)
        iri = agency_iri(aid, self.base)
        m = self.minted_orgs.setdefault(iri, {"names": set(), "kind": akind, "province": aprov,
                                              "canon": canon})
        m["names"].add(name)
        return iri

    # -------------------------------------------------------- documents --
    def document(self, n):
        a = self.G.nodes[n] if n in self.G else {}
        s = doc_iri(n, self.base)
        self.docs_seen.add(s)
        self.add(s, RDF.type, ELI.LegalResource)
        num = _text(a.get("number"))
        if num:
            self.add(s, ELI.id_local, Literal(num))
        t = self.doc_type(a.get("type"))
        if t is not None:
            self.add(s, ELI.type_document, t)
        d = _date(a.get("date"))
        if d is not None:
            self.add(s, ELI.date_document, d)
        elif _text(a.get("date")):
            self.add(s, self.L.dateText, Literal(_text(a.get("date"))))
        org = self.issuer(a)
        if org is not None:
            self.add(s, ELI.passed_by, org)
        title = _text(a.get("title"))
        if title:
            self.add(s, ELI.title, _vi(title))
        p = self.province(a.get("province"))
        if p is not None:
            self.add(s, self.L.province, p)
        if "in_corpus" in a:
            self.add(s, self.L.inCorpus, Literal(bool(a.get("in_corpus"))))
        src = self.source(a.get("source"))
        if src is not None:
            self.add(s, PROV.wasDerivedFrom, src)

    def ensure_document(self, n):
        """A document referred to by an edge: typed even if the node carries no data."""
        s = doc_iri(n, self.base)
        if s not in self.docs_seen:
            self.document(n)
        return s

    def edge(self, u, v, etype: str, data: dict) -> None:
        """An attachment, or a citation between documents (or cited texts
        without a node kind); other edges are mapped with their nodes."""
        if etype == "attached_to":
            self.add(self.ensure_document(u), self.L.attachedTo, self.ensure_document(v))
        elif etype in CITATION_TYPES and _kind(self.G, u) in ("document", None) \
                and _kind(self.G, v) in ("document", None):
            self.citation(u, v, etype, data)

    def citation(self, u, v, etype: str, data: dict):
        props = relation_properties(etype, self.base) if etype in CITATION_TYPES else []
        if not props:
            return
        s, o = self.ensure_document(u), self.ensure_document(v)
        for p in props:
            self.add(s, p, o)
        main = props[0]
        evidence = data.get("evidence") or [{}]
        seen = set()
        for ev in evidence:
            ev = ev or {}
            span = ev.get("span") or [None, None]
            start, end = (list(span) + [None, None])[:2]
            key = (str(ev.get("source")), start, end, str(ev.get("cue")), str(ev.get("stated_in")))
            if key in seen:
                continue
            seen.add(key)
            h = hashlib.sha1("\x1f".join([str(u), etype, str(v)] + [str(k) for k in key])
                             .encode("utf-8")).hexdigest()[:16]
            st = URIRef(self.base + "citation/" + h)
            self.add(st, RDF.type, self.L.CitationStatement)
            self.add(st, RDF.type, PROV.Entity)
            self.add(st, self.L.subject, s)
            self.add(st, self.L.predicate, main)
            self.add(st, self.L.object, o)
            src = self.source(ev.get("source"))
            if src is not None:
                self.add(st, PROV.wasDerivedFrom, src)
            if isinstance(start, int) and not isinstance(start, bool):
                self.add(st, self.L.spanStart, Literal(start, datatype=XSD.integer))
            if isinstance(end, int) and not isinstance(end, bool):
                self.add(st, self.L.spanEnd, Literal(end, datatype=XSD.integer))
            cue = _text(ev.get("cue"))
            if cue:
                self.add(st, self.L.cue, _vi(cue))
            stated = _text(ev.get("stated_in"))
            if stated:
                self.add(st, self.L.statedIn, doc_iri(stated, self.base))

    # ---------------------------------------------------------- lineage --
    def lineage_link(self, link) -> bool:
        """One lineage link (a ``kg.lineage.Link`` or its JSON dict): the
        direct property (lkg:restates | lkg:partOf | lkg:continues) between the
        two task rows, and a lkg:LineageLink node with kind, confidence and
        evidence.  Skipped unless both rows are tasks of the graph."""
        get = link.get if isinstance(link, dict) else (lambda k: getattr(link, k, None))
        child, parent, kind = get("child"), get("parent"), get("kind")
        prop = LINEAGE_PROPERTIES.get(kind)
        if prop is None or _kind(self.G, child) != "task" or _kind(self.G, parent) != "task":
            return False
        c, p = task_iri(child, self.base), task_iri(parent, self.base)
        self.add(c, self.L[prop], p)
        node = lineage_iri(child, parent, self.base)
        self.add(node, RDF.type, self.L.LineageLink)
        self.add(node, RDF.type, PROV.Entity)
        self.add(node, self.L.lineageChild, c)
        self.add(node, self.L.lineageParent, p)
        self.add(node, self.L.lineageKind, Literal(kind))
        self.add(node, self.L.lineageProperty, self.L[prop])
        conf = get("confidence")
        if isinstance(conf, (int, float)) and not isinstance(conf, bool):
            self.add(node, self.L.lineageConfidence, Literal(f"{max(0.0, min(1.0, float(conf))):.3f}",
                                                             datatype=XSD.decimal))
        ev = _text(get("evidence"))
        if ev:
            self.add(node, self.L.lineageEvidence, Literal(ev))
        return True

    # --------------------------------------------------------- agencies --
    def agency(self, n):
        if n in self.agencies_done:
            return
        self.agencies_done.add(n)
        a = self.G.nodes[n]
        s = agency_iri(n, self.base)
        self.add(s, RDF.type, ORG.Organization)
        self.orgs_described.add(s)
        name = _text(a.get("name")) or str(n)
        self.add(s, SKOS.prefLabel, _vi(name))
        for al in sorted({_text(x) for x in (a.get("aliases") or []) if _text(x)} - {name}):
            self.add(s, SKOS.altLabel, _vi(al))
        p = self.province(a.get("province"))
        if p is None:
            for _, pv, k in self.G.out_edges(n, keys=True):
                if k == "located_in" and _kind(self.G, pv) == "province":
                    p = self.province(pv)
                    break
        if p is not None:
            self.add(s, self.L.province, p)
        k = _text(a.get("agency_kind"))
        if k:
            self.add(s, self.L.agencyKind, Literal(k))

    # ------------------------------------------------------------ tasks --
    def _part_of(self, n, s, a):
        parents = sorted({v for _, v, k in self.G.out_edges(n, keys=True) if k == "part_of"}, key=str)
        doc = _text(a.get("document")) or (parents[0] if parents else None)
        if doc is not None:
            self.add(s, ELI.is_part_of, self.ensure_document(doc))

    def _agents(self, n, s):
        for _, v, k in sorted(self.G.out_edges(n, keys=True), key=lambda e: (str(e[2]), str(e[1]))):
            if _kind(self.G, v) != "agency":
                continue
            if k == "lead":
                self.add(s, SCHEMA.agent, agency_iri(v, self.base))
                self.agency_refs.add(v)
            elif k == "support":
                self.add(s, SCHEMA.participant, agency_iri(v, self.base))
                self.agency_refs.add(v)

    def task(self, n):
        a = self.G.nodes[n]
        s = task_iri(n, self.base)
        self.add(s, RDF.type, SCHEMA.Action)
        self.add(s, self.L.kind, Literal("task"))
        text = _text(a.get("text"))
        if text:
            self.add(s, SCHEMA.description, _vi(text))
        self._agents(n, s)
        d = _date(a.get("deadline_start"))
        if d is not None:
            self.add(s, SCHEMA.startTime, d)
        d = _date(a.get("deadline_end"))
        if d is not None:
            self.add(s, SCHEMA.endTime, d)
        for attr, prop in (("deadline", self.L.deadlineText), ("section", self.L.section),
                           ("section_title", self.L.sectionTitle), ("no", self.L.number),
                           ("product", self.L.product)):
            v = _text(a.get(attr))
            if v:
                self.add(s, prop, _vi(v) if attr in ("deadline", "section_title", "product") else Literal(v))
        self._part_of(n, s, a)
        for _, v, k in self.G.out_edges(n, keys=True):
            if k == "mentions":
                self.add(s, self.L.mentions, self.ensure_document(v))

    def assignment(self, n):
        a = self.G.nodes[n]
        s = assignment_iri(n, self.base)
        # not a schema:Action: `?t a schema:Action` counts exactly the table tasks
        self.add(s, RDF.type, self.L.Assignment)
        self.add(s, self.L.kind, Literal("assignment"))
        text = _text(a.get("text"))
        if text:
            self.add(s, SCHEMA.description, _vi(text))
        self._agents(n, s)
        self._part_of(n, s, a)

    # ---------------------------------------------------------- closing --
    def finish(self, with_vocabulary: bool = True) -> Graph:
        L = self.L
        for n in sorted(self.agency_refs - self.agencies_done, key=str):
            self.agency(n)
        if self.types:
            scheme = URIRef(self.base + "type")
            self.add(scheme, RDF.type, SKOS.ConceptScheme)
            self.add(scheme, SKOS.prefLabel, Literal("Loại văn bản", lang="vi"))
            self.add(scheme, SKOS.prefLabel, Literal("Document types", lang="en"))
            for iri, label in sorted(self.types.items()):
                self.add(iri, RDF.type, SKOS.Concept)
                self.add(iri, SKOS.prefLabel, _vi(label))
                self.add(iri, SKOS.inScheme, scheme)
                self.add(iri, SKOS.topConceptOf, scheme)
        for iri, m in sorted(self.minted_orgs.items()):
            if iri in self.orgs_described:
                continue
            # an issuer that no task names: an agent, not one of the graph's agencies
            # (org:Organization is exactly the extracted agencies)
            self.add(iri, RDF.type, FOAF.Agent)
            pref = m["canon"] or sorted(m["names"])[0]
            self.add(iri, SKOS.prefLabel, _vi(pref))
            for al in sorted(m["names"] - {pref}):
                self.add(iri, SKOS.altLabel, _vi(al))
            if m.get("kind"):
                self.add(iri, L.agencyKind, Literal(m["kind"]))
            p = self.province(m.get("province"))
            if p is not None:
                self.add(iri, L.province, p)
        for iri, name in sorted(self.provinces.items()):
            self.add(iri, RDF.type, L.Province)
            self.add(iri, RDFS.label, _vi(name))
        for iri, path in sorted(self.sources.items()):
            self.add(iri, RDF.type, L.SourceFile)
            self.add(iri, RDF.type, PROV.Entity)
            self.add(iri, RDFS.label, Literal(path.replace("\\", "/").rsplit("/", 1)[-1]))
            self.add(iri, L.path, Literal(path))
        if with_vocabulary:
            self.g += vocabulary(self.base)
        return self.g

def vocabulary(base: str = DEFAULT_BASE) -> Graph:
    """rdfs descriptions of the lkg: terms (see ``kg.rdf``)."""
    L = lkg_terms(base)
    g = new_graph(base)
    onto = URIRef(base + "ns")
    g.add((onto, RDF.type, OWL.Ontology))
    g.add((onto, RDFS.label, Literal("legalkg vocabulary", lang="en")))
    classes, props = LKG_CLASSES, LKG_PROPERTIES
    for name, comment in classes.items():
        g.add((L[name], RDF.type, RDFS.Class))
        g.add((L[name], RDFS.isDefinedBy, onto))
        g.add((L[name], RDFS.comment, Literal(comment, lang="en")))
    g.add((L.CitationStatement, RDFS.subClassOf, PROV.Entity))
    g.add((L.SourceFile, RDFS.subClassOf, PROV.Entity))
    for name, comment in props.items():
        g.add((L[name], RDF.type, RDF.Property))
        g.add((L[name], RDFS.isDefinedBy, onto))
        g.add((L[name], RDFS.comment, Literal(comment, lang="en")))
    g.add((L.guides, RDFS.subPropertyOf, ELI.cites))
    g.add((L.LineageLink, RDFS.subClassOf, PROV.Entity))
    prefixes = {"schema": SCHEMA, "lkg": L, "xsd": XSD, "rdf": RDF}
    curie = lambda c: prefixes[c.split(":", 1)[0]][c.split(":", 1)[1]]  # noqa: E731
    for name, (label, domain, rng) in LKG_SIGNATURES.items():
        g.add((L[name], RDFS.label, Literal(label, lang="en")))
        if domain:
            g.add((L[name], RDFS.domain, curie(domain)))
        if rng:
            g.add((L[name], RDFS.range, curie(rng)))
    return g


# --------------------------------------------------------------- export --

def to_rdf(G: nx.MultiDiGraph, base: str = DEFAULT_BASE, with_vocabulary: bool = True,
           lineage: Iterable = ()) -> Graph:
    """The whole knowledge graph as an rdflib Graph (see the module docstring).
    ``lineage``: task lineage links (``kg.lineage.Link`` or their JSON dicts),
    computed by the caller, emitted as lkg:restates / lkg:partOf /
    lkg:continues with a lkg:LineageLink node each."""
    b = _Builder(G, base)
    for n in _sorted_nodes(G, "document"):
        b.document(n)
    for n in _sorted_nodes(G, "agency"):
        b.agency(n)
    for n in _sorted_nodes(G, "province"):
        b.province(n)
    for n in _sorted_nodes(G, "task"):
        b.task(n)
    for n in _sorted_nodes(G, "assignment"):
        b.assignment(n)
    for u, v, k, data in _sorted_edges(G):
        b.edge(u, v, data.get("type") or k, data)
    for link in _sorted_links(lineage):
        b.lineage_link(link)
    return b.finish(with_vocabulary)


def _sorted_links(links: Iterable) -> list:
    key = (lambda l: (str(l.get("child")), str(l.get("parent"))) if isinstance(l, dict)
           else (str(l.child), str(l.parent)))
    return sorted(links or (), key=key)


def document_rdf(G: nx.MultiDiGraph, doc_id: str, base: str = DEFAULT_BASE, lineage: Iterable = ()) -> Graph:
    """Triples about one document: its own description and outgoing citations
    (with their evidence), its tasks and assignments, the lineage links whose
    child row is one of its tasks, and just enough about every resource they
    point to (type + label) to be readable on its own."""
    if doc_id not in G or _kind(G, doc_id) not in ("document", None):
        raise KeyError(doc_id)
    b = _Builder(G, base)
    b.document(doc_id)
    own = doc_iri(doc_id, base)
    for u, v, k, data in _sorted_edges(G, [doc_id]):
        etype = data.get("type") or k
        if etype == "attached_to":
            b.add(own, b.L.attachedTo, b.ensure_document(v))
        elif etype in CITATION_TYPES:
            b.citation(u, v, etype, data)
    parts = sorted((u for u, _, k in G.in_edges(doc_id, keys=True) if k == "part_of"), key=str)
    agencies = set()
    for n in parts:
        kind = _kind(G, n)
        if kind == "task":
            b.task(n)
        elif kind == "assignment":
            b.assignment(n)
        else:
            continue
        agencies |= {v for _, v, k in G.out_edges(n, keys=True)
                     if k in ("lead", "support") and _kind(G, v) == "agency"}
    for n in sorted(agencies, key=str):
        b.agency(n)
    own_tasks = set(parts)
    for link in _sorted_links(lineage):
        child = link.get("child") if isinstance(link, dict) else link.child
        if child in own_tasks:
            b.lineage_link(link)
    return b.finish(with_vocabulary=False)

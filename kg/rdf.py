"""RDF export of the knowledge graph (ELI + W3C ORG + schema.org + PROV-O + SKOS),
serialisation, read-only SPARQL, and per-document descriptions.

Vocabularies
------------
``eli:``     http://data.europa.eu/eli/ontology#   documents and citations
``org:``     http://www.w3.org/ns/org#             agencies (org:Organization)
``schema:``  http://schema.org/                    tasks (schema:Action); assignments use schema:description, schema:agent
``skos:``    http://www.w3.org/2004/02/skos/core#  labels; the document-type scheme
``prov:``    http://www.w3.org/ns/prov#            provenance of citations
``dcterms:`` http://purl.org/dc/terms/             dcterms:replaces
``lkg:``     ``<base>ns#``                         this project's own terms (below)

Project vocabulary ``lkg:`` (``base + "ns#"``; the terms are also described,
with rdfs:label / rdfs:comment, in every export — see ``vocabulary``):

Classes
  lkg:Province            a province; rdfs:label is its name.
  lkg:CitationStatement   one piece of evidence for one citation (a prov:Entity):
                          a reification without RDF-star.
  lkg:SourceFile          a corpus file a fact was extracted from (a prov:Entity).
Properties
  lkg:guides              document → document it guides ("hướng dẫn"); always
                          stated together with eli:cites.
  lkg:attachedTo          document → document it is attached to (a plan issued
                          with a decision).
  lkg:mentions            task → document referenced in the task text.
  lkg:province            agency / document → lkg:Province.
  lkg:agencyKind          so | ubnd | bo | central | group | party | mass_org | hdnd | other.
  lkg:inCorpus            xsd:boolean; the document's own text is in the corpus.
  lkg:kind                "task" | "assignment" on schema:Action and lkg:Assignment nodes.
  lkg:deadlineText        the deadline as written.
  lkg:section, lkg:sectionTitle, lkg:number, lkg:product
                          where a task sits in its plan's table and what it delivers.
  lkg:dateText            a document date that is not a valid ISO date, kept as text.
  lkg:subject, lkg:predicate, lkg:object
                          the citation triple a lkg:CitationStatement is evidence for
                          (lkg:predicate is the specific property, e.g. eli:amends).
  lkg:spanStart, lkg:spanEnd (xsd:integer), lkg:cue
                          character offsets in the source file and the cue phrase.
  lkg:statedIn            the document whose text states a relation between two others.
  lkg:path                a source file's path.

Mapping
-------
document     eli:LegalResource; eli:id_local (number), eli:type_document → skos:Concept
             ``base/type/<slug>`` in the scheme ``base/type``, eli:date_document xsd:date,
             eli:passed_by → org:Organization, eli:title @vi, lkg:province, lkg:inCorpus,
             prov:wasDerivedFrom the source file.
citation     based_on → eli:based_on, implements → eli:implements, amends → eli:amends,
             repeals → eli:repeals, cites → eli:cites, replaces → dcterms:replaces,
             guides → eli:cites + lkg:guides; attached_to → lkg:attachedTo.  Each piece
             of evidence is a lkg:CitationStatement (see above).
agency       org:Organization; skos:prefLabel @vi, skos:altLabel @vi, lkg:province, lkg:agencyKind.
task         schema:Action, lkg:kind "task"; schema:description @vi, schema:agent (lead),
             schema:participant (support), schema:startTime / schema:endTime xsd:date,
             lkg:deadlineText, lkg:section, lkg:sectionTitle, lkg:number, lkg:product,
             eli:is_part_of the document, lkg:mentions.
assignment   lkg:Assignment (not schema:Action, so tasks count exactly), lkg:kind "assignment"; schema:description, schema:agent,
             eli:is_part_of.

IRIs are ``base`` + ``doc/`` | ``task/`` | ``assignment/`` | ``agency/`` + the node id
(``/`` kept, every other unsafe character percent-encoded, so ``#`` → ``%23``);
provinces are ``base`` + their node id (``province/<slug>``).  Everything is
emitted in sorted order and no blank nodes are used, so output is deterministic.
"""
from __future__ import annotations

import ctypes
import datetime as _dt
import hashlib
import json
import re
import threading
from typing import Iterable, Optional
from urllib.parse import quote, unquote

import networkx as nx
import rdflib
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import FOAF, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from .ids import slug

ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("http://schema.org/")
DEFAULT_BASE = "https://legalkg.example.org/"

CITATION_PROPERTIES = {
    "based_on": ELI.based_on,
    "implements": ELI.implements,
    "amends": ELI.amends,
    "repeals": ELI.repeals,
    "cites": ELI.cites,
    "replaces": DCTERMS.replaces,
    # "guides" → eli:cites + lkg:guides (lkg:guides needs the base; see _citation_props)
}
FORMATS = {"turtle": "turtle", "ttl": "turtle", "jsonld": "json-ld", "json-ld": "json-ld",
           "nt": "nt", "ntriples": "nt", "xml": "xml", "rdfxml": "xml"}
MEDIA_TYPES = {"turtle": "text/turtle; charset=utf-8", "jsonld": "application/ld+json",
               "nt": "application/n-triples", "xml": "application/rdf+xml"}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def lkg_namespace(base: str = DEFAULT_BASE) -> Namespace:
    return Namespace(base + "ns#")


# ------------------------------------------------------------------ IRIs --

def _enc(node_id: str) -> str:
    return quote(str(node_id), safe="/-._~")


def doc_iri(doc_id: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(base + "doc/" + _enc(doc_id))


def task_iri(task_id: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(base + "task/" + _enc(task_id))


def assignment_iri(assignment_id: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(base + "assignment/" + _enc(assignment_id))


def agency_iri(agency_id: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(base + "agency/" + _enc(agency_id))


def province_iri(province: str, base: str = DEFAULT_BASE) -> URIRef:
    """From a province node id ("province/vinh-phuc") or a province name ("Vĩnh Phúc")."""
    pid = province if province.startswith("province/") else "province/" + slug(province)
    return URIRef(base + _enc(pid))


def type_iri(doc_type: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(base + "type/" + (slug(doc_type) or "unknown"))


def source_iri(path: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(base + "source/" + (slug(str(path)) or "unknown"))


def iri_to_id(iri: str, base: str = DEFAULT_BASE) -> Optional[tuple[str, str]]:
    """(kind, node id) for an IRI minted by this module, else None."""
    if not iri.startswith(base):
        return None
    rest = iri[len(base):]
    for prefix, kind in (("doc/", "document"), ("task/", "task"), ("assignment/", "assignment"),
                         ("agency/", "agency")):
        if rest.startswith(prefix):
            return kind, unquote(rest[len(prefix):])
    if rest.startswith("province/"):
        return "province", unquote(rest)
    return None


# ------------------------------------------------------------- helpers --

def _new_graph(base: str) -> Graph:
    g = Graph()
    g.bind("eli", ELI)
    g.bind("org", ORG)
    g.bind("schema", SCHEMA, override=True, replace=True)
    g.bind("skos", SKOS)
    g.bind("prov", PROV)
    g.bind("dcterms", DCTERMS)
    g.bind("xsd", XSD)
    g.bind("rdfs", RDFS)
    g.bind("lkg", lkg_namespace(base))
    return g


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


def _norm_name(s: str) -> str:
    from .vntext import search_key, fold_tones
    return re.sub(r"\s+", " ", search_key(fold_tones(s))).strip()


class _Builder:
    """Accumulates triples; remembers which organisations / concepts / provinces
    / sources were referenced so each is described exactly once."""

    def __init__(self, G: nx.MultiDiGraph, base: str):
        self.G, self.base = G, base
        self.L = lkg_namespace(base)
        self.g = _new_graph(base)
        self.types: dict[URIRef, str] = {}
        self.provinces: dict[URIRef, str] = {}
        self.sources: dict[URIRef, str] = {}
        self.docs_seen: set[URIRef] = set()
        self.minted_orgs: dict[URIRef, dict] = {}
        self.agencies_done: set = set()
        self.agency_refs: set = set()
        self._agency_index: Optional[dict] = None
        self._province_names = {a.get("name"): n for n, a in G.nodes(data=True)
                                if a.get("kind") == "province" and a.get("name")}

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
                        idx.setdefault((_norm_name(name), a.get("province")), n)
            self._agency_index = idx
        return self._agency_index

    def issuer(self, name, doc_province) -> Optional[URIRef]:
        """The issuing organisation: an agency node if one matches, else a
        minted org:Organization with the id the extractor would give it."""
        name = _text(name)
        if not name:
            return None
        idx = self._agencies()
        key = _norm_name(name)
        node = idx.get((key, doc_province)) or idx.get((key, None))
        aid = None
        try:
            from .agencies import resolve_agency
            a = resolve_agency(name, doc_province)
            aid, canon, akind, aprov = a.id, a.name, a.kind, a.province
        except Exception:  # pragma: no cover - defensive: never fail an export on a name
            canon, akind, aprov = name, None, doc_province
            aid = ((slug(doc_province) if doc_province else "vn") + "/" + (slug(name) or "unknown"))
        if node is None and aid in self.G and _kind(self.G, aid) == "agency":
            node = aid
        if node is None:
            node = idx.get((_norm_name(canon), aprov))
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
        org = self.issuer(a.get("issuer"), _text(a.get("province")))
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

    def _citation_props(self, etype: str) -> list[URIRef]:
        if etype == "guides":
            return [self.L.guides, ELI.cites]
        p = CITATION_PROPERTIES.get(etype)
        return [p] if p is not None else []

    def citation(self, u, v, etype: str, data: dict):
        props = self._citation_props(etype)
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

    # --------------------------------------------------------- agencies --
    def agency(self, n):
        if n in self.agencies_done:
            return
        self.agencies_done.add(n)
        a = self.G.nodes[n]
        s = agency_iri(n, self.base)
        self.add(s, RDF.type, ORG.Organization)
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
            if (iri, RDF.type, ORG.Organization) in self.g:
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
    """rdfs descriptions of the lkg: terms (see the module docstring)."""
    L = lkg_namespace(base)
    g = _new_graph(base)
    onto = URIRef(base + "ns")
    g.add((onto, RDF.type, OWL.Ontology))
    g.add((onto, RDFS.label, Literal("legalkg vocabulary", lang="en")))
    classes = {
        "Province": "A province of Viet Nam.",
        "CitationStatement": "Evidence for one citation between two documents (subject, predicate, "
                             "object), with the source file and character span it was read from.",
        "SourceFile": "A corpus file facts were extracted from.",
        "Assignment": "A duty assigned in prose outside the task tables ('Giao Sở Nội vụ: …').",
    }
    props = {
        "guides": "The subject document guides (hướng dẫn) the object document.",
        "attachedTo": "The subject document is attached to (issued with) the object document.",
        "mentions": "The task text references the object document.",
        "province": "The province an agency or document belongs to.",
        "agencyKind": "so | ubnd | bo | central | group | party | mass_org | hdnd | other.",
        "inCorpus": "True when the document's own text is in the corpus.",
        "kind": "task | assignment.",
        "deadlineText": "The deadline as written in the plan.",
        "section": "Section of the plan the task belongs to.",
        "sectionTitle": "Title of that section.",
        "number": "The task's number in its table.",
        "product": "The expected product of the task.",
        "dateText": "A document date that is not a valid ISO date, as text.",
        "subject": "The citing document of a citation statement.",
        "predicate": "The citation property of a citation statement.",
        "object": "The cited document of a citation statement.",
        "spanStart": "Start character offset of the evidence in the source file.",
        "spanEnd": "End character offset of the evidence in the source file.",
        "cue": "The cue phrase that gave the relation type.",
        "statedIn": "The document whose text states the relation.",
        "path": "File path of a source file.",
    }
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
    return g


# --------------------------------------------------------------- export --

def to_rdf(G: nx.MultiDiGraph, base: str = DEFAULT_BASE, with_vocabulary: bool = True) -> Graph:
    """The whole knowledge graph as an rdflib Graph (see the module docstring)."""
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
        etype = data.get("type") or k
        if etype == "attached_to":
            b.add(b.ensure_document(u), b.L.attachedTo, b.ensure_document(v))
        elif etype == "guides" or etype in CITATION_PROPERTIES:
            if _kind(G, u) in ("document", None) and _kind(G, v) in ("document", None):
                b.citation(u, v, etype, data)
    return b.finish(with_vocabulary)


def document_rdf(G: nx.MultiDiGraph, doc_id: str, base: str = DEFAULT_BASE) -> Graph:
    """Triples about one document: its own description and outgoing citations
    (with their evidence), its tasks and assignments, and just enough about
    every resource they point to (type + label) to be readable on its own."""
    if doc_id not in G or _kind(G, doc_id) not in ("document", None):
        raise KeyError(doc_id)
    b = _Builder(G, base)
    b.document(doc_id)
    own = doc_iri(doc_id, base)
    for u, v, k, data in _sorted_edges(G, [doc_id]):
        etype = data.get("type") or k
        if etype == "attached_to":
            b.add(own, b.L.attachedTo, b.ensure_document(v))
        elif etype == "guides" or etype in CITATION_PROPERTIES:
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
    return b.finish(with_vocabulary=False)


# -------------------------------------------------------- serialisation --

def serialize(g: Graph, fmt: str) -> bytes:
    """turtle | jsonld | nt | xml → bytes (UTF-8), byte-identical for the same
    set of triples (whatever the insertion order or PYTHONHASHSEED): triples are
    copied in sorted order into an insertion-ordered store first."""
    name = FORMATS.get((fmt or "").lower().strip())
    if name is None:
        raise ValueError(f"unknown RDF format {fmt!r} (use turtle, jsonld, nt or xml)")
    ordered = Graph(store="SimpleMemory")
    for prefix, ns in sorted(g.namespaces()):
        ordered.bind(prefix, ns, override=True, replace=True)
    for t in sorted(g, key=lambda t: tuple(_term_key(x) for x in t)):
        ordered.add(t)
    if name == "nt":
        data = ordered.serialize(format="nt", encoding="utf-8")
        lines = sorted(line for line in data.decode("utf-8").splitlines() if line.strip())
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    if name == "json-ld":
        ctx = {p: str(ns) for p, ns in sorted(ordered.namespaces())
               if p and p in _JSONLD_PREFIXES}
        data = ordered.serialize(format="json-ld", context=ctx, encoding="utf-8")
        doc = _canonical_json(json.loads(data))
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    return ordered.serialize(format=name, encoding="utf-8")


def _canonical_json(x, in_list: bool = False):
    """Sort JSON-LD arrays (they are unordered sets unless under @list)."""
    if isinstance(x, dict):
        return {k: _canonical_json(v, k == "@list") for k, v in x.items()}
    if isinstance(x, list):
        items = [_canonical_json(v) for v in x]
        if in_list:
            return items
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return x


_JSONLD_PREFIXES = {"eli", "org", "schema", "skos", "prov", "dcterms", "xsd", "rdfs", "rdf", "lkg", "owl"}


def _term_key(t) -> tuple:
    return (type(t).__name__, str(t), str(getattr(t, "datatype", "") or ""),
            str(getattr(t, "language", "") or ""))


# ---------------------------------------------------------------- SPARQL --

_UPDATE_KEYWORDS = re.compile(
    r"^\s*(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>)|(?:#[^\n]*))\s*", re.I)


class _Cancelled(BaseException):
    """Raised inside a query thread that ran past its timeout."""


def _strip_prologue(q: str) -> str:
    prev = None
    while prev != q:
        prev = q
        q = _PROLOGUE.sub("", q, count=1)
    return q


def _short_parse_error(e: Exception) -> str:
    msg = getattr(e, "msg", None) or str(e).splitlines()[0]
    line, col = getattr(e, "lineno", None), getattr(e, "col", None)
    where = f" at line {line}, column {col}" if line is not None else ""
    msg = re.sub(r"\s+", " ", str(msg))
    if len(msg) > 160:
        msg = msg[:157] + "..."
    return f"SPARQL syntax error{where}: {msg}"


def _walk(node):
    from rdflib.plugins.sparql.parserutils import CompValue
    stack = [node]
    seen = set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, CompValue):
            yield x
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())


def prepare_query(g: Graph, query: str):
    """Parse and check a read-only query; returns an rdflib ``Query``.
    Raises ValueError for updates, syntax errors, SERVICE and FROM clauses."""
    return _prepare(g, query)[0]


def _prepare(g: Graph, query: str):
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    if not isinstance(query, str) or not query.strip():
        raise ValueError("empty query")
    if len(query) > 100_000:
        raise ValueError("query too long (limit 100000 characters)")
    try:
        parsed = parseQuery(query)
    except Exception as e:
        is_update = bool(_UPDATE_KEYWORDS.match(_strip_prologue(query)))
        if not is_update:
            try:
                parseUpdate(query)
                is_update = True
            except Exception:
                pass
        if is_update:
            raise ValueError("read-only: SPARQL UPDATE is not allowed") from None
        raise ValueError(_short_parse_error(e)) from None
    if "datasetClause" in parsed[1]:
        raise ValueError("FROM / FROM NAMED are not supported: the query runs on the knowledge graph")
    try:
        q = translateQuery(parsed, initNs=dict(g.namespaces()))
    except Exception as e:  # unknown prefix, bad aggregate, ...
        msg = re.sub(r"\s+", " ", str(e))[:160]
        raise ValueError(f"invalid SPARQL query: {msg}") from None
    for cv in _walk(q.algebra):
        if cv.name == "ServiceGraphPattern":
            raise ValueError("SERVICE (federated query) is not allowed")
    star = parsed[1].name == "SelectQuery" and "projection" not in parsed[1]
    return q, star


def _star_order(query: str, names: list[str]) -> list[str]:
    """SELECT * projects variables in order of first appearance (rdflib: set order)."""
    pos = {}
    for m in re.finditer(r"[?$]([A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)", query):
        pos.setdefault(m.group(1), m.start())
    return sorted(names, key=lambda n: (pos.get(n, len(query)), n))


def _term_json(t) -> dict:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, rdflib.BNode):
        return {"type": "bnode", "value": str(t)}
    if isinstance(t, Literal):
        d = {"type": "literal", "value": str(t)}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype is not None and t.datatype != XSD.string:   # simple literals: no datatype
            d["datatype"] = str(t.datatype)
        return d
    return {"type": "literal", "value": str(t)}


def _native_sparql(g: Graph) -> bool:
    """Stores with their own SPARQL engine (oxrdflib's Oxigraph) take the query
    text; a pre-translated rdflib query would fall back to rdflib's evaluator."""
    return type(g.store).__module__.startswith("oxrdflib")


def _execute(g: Graph, q, limit: int, cancel: threading.Event, star_query: Optional[str] = None,
             text: Optional[str] = None) -> dict:
    if text is not None and _native_sparql(g):
        res = g.query(text)
        star_query = None                       # Oxigraph already orders SELECT * variables
    else:
        res = g.query(q)
    if res.type == "ASK":
        return {"head": {}, "boolean": bool(res.askAnswer)}
    if res.type == "SELECT":
        variables = list(res.vars or [])
        names = [str(v) for v in variables]
        if star_query is not None:
            names = _star_order(star_query, names)
        bindings = []
        truncated = False
        rows = iter(res)
        try:
            for row in rows:
                if cancel.is_set():
                    raise _Cancelled()
                if len(bindings) >= limit:
                    truncated = True
                    break
                b = {}
                for var in names:
                    val = row.get(var) if hasattr(row, "get") else None
                    if val is not None:
                        b[var] = _term_json(val)
                bindings.append(b)
        finally:
            # release the (possibly half-consumed) result stream in this thread:
            # native results (pyoxigraph) must be dropped where they were made
            rows.close()
            gen = getattr(res, "_genbindings", None)
            if gen is not None and hasattr(gen, "close"):
                gen.close()
            res._genbindings = None
        return {"head": {"vars": names}, "results": {"bindings": bindings}, "truncated": truncated}
    # CONSTRUCT / DESCRIBE
    out = res.graph if res.graph is not None else Graph()
    triples = sorted(out, key=lambda t: tuple(_term_key(x) for x in t))
    truncated = len(triples) > limit
    small = _new_graph(DEFAULT_BASE)
    for prefix, ns in g.namespaces():
        small.bind(prefix, ns, override=True, replace=True)
    for t in triples[:limit]:
        small.add(t)
    return {"turtle": serialize(small, "turtle").decode("utf-8"), "truncated": truncated,
            "triples": min(len(triples), limit)}


def _interrupt(thread: threading.Thread) -> None:
    """Best effort: raise _Cancelled inside a runaway (pure-Python) query thread."""
    if thread.ident is None or not thread.is_alive():
        return
    try:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(_Cancelled))
    except Exception:  # pragma: no cover - non-CPython
        pass


def run_sparql(g: Graph, query: str, limit: int = 1000, timeout: float = 10.0) -> dict:
    """Run a read-only SPARQL 1.1 query.

    SELECT → {"head": {"vars": [...]}, "results": {"bindings": [...]}, "truncated": bool}
    ASK    → {"head": {}, "boolean": bool}
    CONSTRUCT / DESCRIBE → {"turtle": "...", "truncated": bool, "triples": n}

    At most ``limit`` rows (or triples) are returned; the query runs in a
    worker thread and ``TimeoutError`` is raised after ``timeout`` seconds
    (the worker is then interrupted).  Updates, SERVICE and FROM raise
    ValueError, as do syntax errors.
    """
    limit = max(0, int(limit))
    q, star = _prepare(g, query)
    box: dict = {}
    cancel = threading.Event()

    def work():
        try:
            box["result"] = _execute(g, q, limit, cancel, query if star else None, query)
        except _Cancelled:
            box["cancelled"] = True
        except BaseException as e:  # reported to the caller
            box["error"] = e

    t = threading.Thread(target=work, name="sparql-query", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        cancel.set()
        _interrupt(t)
        raise TimeoutError(f"SPARQL query took longer than {timeout:g} s")
    if "error" in box:
        e = box["error"]
        if isinstance(e, (ValueError, TimeoutError)):
            raise e
        msg = re.sub(r"\s+", " ", f"{type(e).__name__}: {e}")[:200]
        raise ValueError(f"query failed: {msg}") from e
    if "result" not in box:
        raise TimeoutError(f"SPARQL query took longer than {timeout:g} s")
    return box["result"]

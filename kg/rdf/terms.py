"""IRIs and vocabulary terms of the RDF mapping (see ``kg.rdf``).

Namespaces, the closed ``lkg:`` namespace (an rdflib ``DefinedNamespace`` with
``_fail = True``: a typo raises instead of minting a new IRI), the citation
properties read from ``kg.vocab`` and the IRI scheme of every node kind.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Optional
from urllib.parse import quote, unquote

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS, XSD, DefinedNamespace

from ..ids import slug
from ..vocab import AGENCY_KINDS, RELATIONS

ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("http://schema.org/")
DEFAULT_BASE = "https://legalkg.example.org/"

# rdflib serialiser names of the export formats (and their aliases)
FORMATS = {"turtle": "turtle", "ttl": "turtle", "jsonld": "json-ld", "json-ld": "json-ld",
           "nt": "nt", "ntriples": "nt", "xml": "xml", "rdfxml": "xml"}

# The lkg: terms, with the rdfs:comment every export carries (``mapping.vocabulary``).
LKG_CLASSES = {
    "Province": "A province of Viet Nam.",
    "CitationStatement": "Evidence for one citation between two documents (subject, predicate, "
                         "object), with the source file and character span it was read from.",
    "SourceFile": "A corpus file facts were extracted from.",
    "Assignment": "A duty assigned in prose outside the task tables ('Giao Sở Nội vụ: …').",
    "LineageLink": "Evidence for one lineage link between two task rows (child row, parent row, kind, "
                   "confidence, evidence): a reification of lkg:restates / lkg:partOf / lkg:continues.",
}
LKG_PROPERTIES = {
    "guides": "The subject document guides (hướng dẫn) the object document.",
    "attachedTo": "The subject document is attached to (issued with) the object document.",
    "mentions": "The task text references the object document.",
    "province": "The province an agency or document belongs to.",
    "agencyKind": " | ".join(AGENCY_KINDS) + ".",
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
    "restates": "The subject task row restates the object row of the plan its document carries out "
                "(same task, possibly reworded or a yearly instance of a recurring row).",
    "partOf": "The subject task row is a narrowed or split portion of the object row of the plan its "
              "document carries out (one year's step toward a multi-year target, one part of a row).",
    "continues": "The subject task row continues the object row of the previous year's plan carrying out "
                 "the same programme.",
    "lineageChild": "The child task row of a lineage link.",
    "lineageParent": "The parent task row of a lineage link.",
    "lineageKind": "same | part_of | continued.",
    "lineageProperty": "The lineage property a lineage link is evidence for (lkg:restates, lkg:partOf, "
                       "lkg:continues).",
    "lineageConfidence": "Confidence of a lineage link, 0..1.",
    "lineageEvidence": "Why the rows were linked (text similarity, shared references, lead agency, "
                       "section theme, the document relation).",
}

# lineage kind (kg.lineage.KINDS) → its lkg: property
LINEAGE_PROPERTIES = {"same": "restates", "part_of": "partOf", "continued": "continues"}

# rdfs:label, rdfs:domain, rdfs:range of the terms that declare them (CURIEs)
LKG_SIGNATURES = {
    "restates": ("restates", "schema:Action", "schema:Action"),
    "partOf": ("is part of", "schema:Action", "schema:Action"),
    "continues": ("continues", "schema:Action", "schema:Action"),
    "lineageChild": ("lineage child", "lkg:LineageLink", "schema:Action"),
    "lineageParent": ("lineage parent", "lkg:LineageLink", "schema:Action"),
    "lineageKind": ("lineage kind", "lkg:LineageLink", "xsd:string"),
    "lineageProperty": ("lineage property", "lkg:LineageLink", "rdf:Property"),
    "lineageConfidence": ("lineage confidence", "lkg:LineageLink", "xsd:decimal"),
    "lineageEvidence": ("lineage evidence", "lkg:LineageLink", "xsd:string"),
    "LineageLink": ("lineage link", None, None),
}


@lru_cache(maxsize=None)
def lkg_terms(base: str = DEFAULT_BASE) -> type[DefinedNamespace]:
    """The closed ``lkg:`` namespace under ``base`` (``base + "ns#"``): only the
    terms of LKG_CLASSES / LKG_PROPERTIES exist; any other raises AttributeError."""
    return type("LKG", (DefinedNamespace,), {
        "_NS": Namespace(base + "ns#"), "_fail": True, "_warn": False,
        "__annotations__": {name: URIRef for name in (*LKG_CLASSES, *LKG_PROPERTIES)},
    })


def lkg_namespace(base: str = DEFAULT_BASE) -> Namespace:
    """The plain Namespace of the lkg: terms (for prefix bindings)."""
    return lkg_terms(base)._NS


def relation_properties(relation: str, base: str = DEFAULT_BASE) -> list[URIRef]:
    """The RDF properties of a relation (``kg.vocab``), main one first; [] if none."""
    rel = next((r for r in RELATIONS if r.name == relation), None)
    if rel is None:
        return []
    prefixes = {"eli": ELI, "dcterms": DCTERMS, "lkg": lkg_terms(base)}
    out = []
    for curie in rel.rdf:
        prefix, local = curie.split(":", 1)
        out.append(prefixes[prefix][local])
    return out


def new_graph(base: str) -> Graph:
    """An empty graph with the project's prefixes bound."""
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


@lru_cache(maxsize=4096)
def type_iri(doc_type: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(base + "type/" + (slug(doc_type) or "unknown"))


def lineage_iri(child: str, parent: str, base: str = DEFAULT_BASE) -> URIRef:
    """The lkg:LineageLink node of one (child row, parent row) link."""
    h = hashlib.sha1(f"{child}\x1f{parent}".encode("utf-8")).hexdigest()[:16]
    return URIRef(base + "lineage/" + h)


@lru_cache(maxsize=262_144)           # every document's path, then again for each citation's evidence
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

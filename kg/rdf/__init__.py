"""RDF export of the knowledge graph (ELI + W3C ORG + schema.org + PROV-O + SKOS)
and per-document descriptions.

``terms``      namespaces, the closed lkg: namespace, IRIs;
``mapping``    graph → RDF (``to_rdf``, ``document_rdf``, ``vocabulary``);
``serialize``  deterministic turtle | jsonld | nt | xml.
The read-only SPARQL endpoint is ``service.sparql``.

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
  lkg:LineageLink         one task lineage link (a prov:Entity): lkg:lineageChild,
                          lkg:lineageParent (schema:Action), lkg:lineageKind
                          ("same" | "part_of" | "continued"), lkg:lineageProperty,
                          lkg:lineageConfidence (xsd:decimal 0..1), lkg:lineageEvidence.
Properties
  lkg:restates, lkg:partOf, lkg:continues
                          task row → the row it carries out (kg.lineage kinds same,
                          part_of, continued); domain and range schema:Action.
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
lineage      passed in by the caller (``to_rdf(G, lineage=links)``): child row
             lkg:restates | lkg:partOf | lkg:continues parent row, plus a
             lkg:LineageLink ``base/lineage/<hash>`` with kind, confidence, evidence.
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

from .mapping import document_rdf, to_rdf, vocabulary
from .serialize import serialize, term_key
from .terms import (DEFAULT_BASE, ELI, FORMATS, LINEAGE_PROPERTIES, LKG_CLASSES, LKG_PROPERTIES, ORG, SCHEMA,
                    agency_iri, assignment_iri, doc_iri, iri_to_id, lineage_iri, lkg_namespace, lkg_terms, new_graph,
                    province_iri, relation_properties, source_iri, task_iri, type_iri)

__all__ = ["DEFAULT_BASE", "ELI", "FORMATS", "LINEAGE_PROPERTIES", "LKG_CLASSES", "lineage_iri", "LKG_PROPERTIES", "ORG", "SCHEMA", "agency_iri",
           "assignment_iri", "doc_iri", "document_rdf", "iri_to_id", "lkg_namespace", "lkg_terms", "new_graph",
           "province_iri", "relation_properties", "serialize", "source_iri", "task_iri", "term_key", "to_rdf",
           "type_iri", "vocabulary"]

"""The project's one vocabulary: relation types, document types, agency kinds.

Every user (extraction, graph, RDF mapping, query layer, web pages, SVG) reads
these tables; add a relation type, a document type or an agency kind here and
nowhere else (see ARCHITECTURE.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Relation:
    """One relation between two documents (edge key in the graph)."""
    name: str                   # edge key / JSON value ("based_on")
    short: str                  # short Vietnamese label ("căn cứ")
    out_label: str              # the citing document's view ("Văn bản căn cứ")
    in_label: str               # the cited document's view ("Văn bản lấy văn bản này làm căn cứ")
    rdf: tuple[str, ...]        # RDF properties, CURIEs ("eli:based_on"); empty: not exported as a citation
    color: Optional[str]        # SVG / CSS colour; None: not drawn in the citation graph
    citation: bool = True       # a citation (counts in cites/cited-by); attached_to is not


RELATIONS: tuple[Relation, ...] = (
    Relation("attached_to", "kèm theo", "Ban hành kèm theo văn bản", "Văn bản ban hành kèm theo",
             ("lkg:attachedTo",), None, citation=False),
    Relation("based_on", "căn cứ", "Văn bản căn cứ", "Văn bản lấy văn bản này làm căn cứ",
             ("eli:based_on",), "#1d4ed8"),
    Relation("implements", "thực hiện", "Văn bản được thực hiện, triển khai",
             "Văn bản triển khai, thực hiện văn bản này", ("eli:implements",), "#047857"),
    Relation("amends", "sửa đổi", "Văn bản bị sửa đổi, bổ sung", "Văn bản sửa đổi, bổ sung",
             ("eli:amends",), "#b45309"),
    Relation("replaces", "thay thế", "Văn bản bị thay thế", "Văn bản thay thế", ("dcterms:replaces",), "#b91c1c"),
    Relation("repeals", "bãi bỏ", "Văn bản bị bãi bỏ", "Văn bản bãi bỏ", ("eli:repeals",), "#7f1d1d"),
    # "guides" has no ELI sub-property: lkg:guides plus eli:cites
    Relation("guides", "hướng dẫn", "Văn bản được hướng dẫn", "Văn bản hướng dẫn",
             ("lkg:guides", "eli:cites"), "#6d28d9"),
    Relation("cites", "dẫn chiếu", "Văn bản được dẫn chiếu", "Văn bản khác dẫn chiếu", ("eli:cites",), "#6b7280"),
)
RELATION = {r.name: r for r in RELATIONS}

# Citation relations (edge keys), strongest first as listed in the contract.
CITATION_TYPES: tuple[str, ...] = tuple(r.name for r in RELATIONS if r.citation)
# relation → short Vietnamese name ("căn cứ"), attached_to included
RELATION_NAMES: dict[str, str] = {r.name: r.short for r in RELATIONS}
# (direction, relation) → heading on a document page, in display order
OUT_LABELS: dict[str, str] = {r.name: r.out_label for r in RELATIONS}
IN_LABELS: dict[str, str] = {r.name: r.in_label for r in RELATIONS}
# colours of the citation graph legend (citations only)
RELATION_COLORS: dict[str, str] = {r.name: r.color for r in RELATIONS if r.color}

# Task / assignment roles of an agency (edge keys task → agency).
ROLES: tuple[str, ...] = ("lead", "support")

# Document types recognised in headings and references (display spelling).
DOC_TYPES: tuple[str, ...] = (
    "Quyết định", "Kế hoạch", "Nghị quyết", "Nghị định", "Thông tư", "Chỉ thị", "Công văn",
    "Công điện", "Chương trình", "Đề án", "Thông báo", "Báo cáo", "Hướng dẫn", "Tờ trình",
    "Kết luận", "Quy chế", "Quy định", "Luật", "Pháp lệnh")

# Agency kinds (``kg.agencies.agency_kind``), with their Vietnamese names.
AGENCY_KINDS: dict[str, str] = {
    "so": "Sở", "ubnd": "Ủy ban nhân dân", "bo": "Bộ, cơ quan ngang bộ", "central": "Cơ quan trung ương",
    "group": "Nhóm cơ quan", "party": "Cơ quan Đảng", "mass_org": "Mặt trận, đoàn thể",
    "hdnd": "Hội đồng nhân dân", "other": "Khác",
}

# Media types of the RDF serialisations (format name → Content-Type).
RDF_MEDIA_TYPES: dict[str, str] = {
    "turtle": "text/turtle; charset=utf-8", "jsonld": "application/ld+json; charset=utf-8",
    "nt": "application/n-triples; charset=utf-8", "xml": "application/rdf+xml; charset=utf-8"}
# file suffix → format name
RDF_SUFFIXES: dict[str, str] = {"ttl": "turtle", "jsonld": "jsonld", "nt": "nt", "rdf": "xml"}

"""Example SPARQL queries for the /sparql page, and the short table of the
properties they use.  Each example says which page it mirrors; the tests run
every example and compare its rows with that page's view model.

"Cited" means every citation relation (``kg.vocab.CITATION_TYPES``: căn cứ,
thực hiện, sửa đổi, thay thế, bãi bỏ, hướng dẫn, dẫn chiếu), each with its own
RDF property (``kg.rdf.relation_properties``), so the "most cited" example
counts the same distinct citing documents as the home page.
"""
from __future__ import annotations

from kg.rdf.terms import DEFAULT_BASE, relation_properties
from kg.vocab import CITATION_TYPES, RELATION_NAMES

PREFIXES = {
    "eli": "http://data.europa.eu/eli/ontology#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "http://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _prefixes(base: str, names: tuple[str, ...]) -> str:
    known = dict(PREFIXES, lkg=base + "ns#")
    return "".join(f"PREFIX {n}: <{known[n]}>\n" for n in names)


def _curie(iri: str, base: str) -> str:
    for p, ns in dict(PREFIXES, lkg=base + "ns#").items():
        if iri.startswith(ns):
            return f"{p}:{iri[len(ns):]}"
    return f"<{iri}>"


def citation_properties(base: str = DEFAULT_BASE) -> list[tuple[str, str]]:
    """(CURIE, relation name) of every citation relation, main property of each."""
    out = []
    for rel in CITATION_TYPES:
        props = relation_properties(rel, base)
        if props:
            out.append((_curie(str(props[0]), base), rel))
    return out


def examples(base: str = DEFAULT_BASE, agency: str = "Sở Nội vụ", document: str = "61/2018/NĐ-CP",
             quarter: tuple[str, str, str] = ("quý IV/2023", "2023-10-01", "2023-12-31")) -> list[dict]:
    """[{"id", "title", "description", "mirrors", "query"}], the first one opened by default."""
    base = base or DEFAULT_BASE
    cites = " ".join(c for c, _ in citation_properties(base))
    label, q_from, q_to = quarter
    return [
        {"id": "most-cited", "title": "Văn bản được trích dẫn nhiều nhất",
         "description": "Đếm số văn bản khác dẫn chiếu tới mỗi văn bản, theo mọi loại quan hệ (căn cứ, thực hiện, "
                        "sửa đổi, thay thế, bãi bỏ, hướng dẫn, dẫn chiếu) — cùng con số với trang chủ.",
         "mirrors": "Trang chủ: “Được dẫn chiếu nhiều nhất”",
         "query": _prefixes(base, ("eli", "dcterms", "lkg")) + f"""SELECT ?doc ?number (COUNT(DISTINCT ?from) AS ?n) WHERE {{
  VALUES ?relation {{ {cites} }}
  ?from ?relation ?doc .
  FILTER(?from != ?doc)
  OPTIONAL {{ ?doc eli:id_local ?number }}
}} GROUP BY ?doc ?number ORDER BY DESC(?n) ?number LIMIT 10"""},
        {"id": "agency-tasks", "title": f"Nhiệm vụ do {agency} chủ trì",
         "description": f"Các nhiệm vụ và phân công mà cơ quan có tên “{agency}” chủ trì, kèm số hiệu văn bản và "
                        "thời hạn. Đổi tên cơ quan trong dấu ngoặc kép để tra cơ quan khác.",
         "mirrors": f"Trang cơ quan {agency}: “Nhiệm vụ chủ trì”",
         "query": _prefixes(base, ("eli", "schema", "skos", "lkg")) + f"""SELECT ?org ?agency ?task ?number ?text ?deadline WHERE {{
  ?org skos:prefLabel ?agency .
  FILTER(STR(?agency) = "{agency}")
  ?task schema:agent ?org ;
        schema:description ?text ;
        eli:is_part_of ?doc .
  OPTIONAL {{ ?doc eli:id_local ?number }}
  OPTIONAL {{ ?task lkg:deadlineText ?deadline }}
}} ORDER BY ?org ?number ?task LIMIT 200"""},
        {"id": "implementing", "title": f"Văn bản thực hiện {document}",
         "description": f"Các văn bản nói rằng chúng thực hiện, triển khai {document}.",
         "mirrors": f"Trang văn bản {document}: nhóm “Văn bản thực hiện”",
         "query": _prefixes(base, ("eli",)) + f"""SELECT ?doc ?number ?date ?title WHERE {{
  ?target eli:id_local "{document}" .
  ?doc eli:implements ?target .
  OPTIONAL {{ ?doc eli:id_local ?number }}
  OPTIONAL {{ ?doc eli:date_document ?date }}
  OPTIONAL {{ ?doc eli:title ?title }}
}} ORDER BY ?date ?number"""},
        {"id": "quarter-deadlines", "title": f"Nhiệm vụ hết hạn trong {label}",
         "description": f"Nhiệm vụ có hạn cuối từ {q_from[8:10]}/{q_from[5:7]}/{q_from[:4]} đến "
                        f"{q_to[8:10]}/{q_to[5:7]}/{q_to[:4]}, với cơ quan chủ trì.",
         "mirrors": "Trang cơ quan, nhóm theo thời hạn",
         "query": _prefixes(base, ("eli", "schema", "skos", "xsd")) + f"""SELECT ?task ?end ?agency ?number ?text WHERE {{
  ?task schema:endTime ?end ;
        schema:agent ?org ;
        schema:description ?text ;
        eli:is_part_of ?doc .
  FILTER(?end >= "{q_from}"^^xsd:date && ?end <= "{q_to}"^^xsd:date)
  ?org skos:prefLabel ?agency .
  OPTIONAL {{ ?doc eli:id_local ?number }}
}} ORDER BY ?end ?task ?agency LIMIT 500"""},
        {"id": "based-on", "title": "Văn bản căn cứ của từng văn bản",
         "description": "Mỗi văn bản và các văn bản nó lấy làm căn cứ.",
         "mirrors": "Trang văn bản: nhóm “Văn bản căn cứ”",
         "query": _prefixes(base, ("eli",)) + """SELECT ?doc ?number ?basis ?basis_number WHERE {
  ?doc eli:based_on ?basis .
  OPTIONAL { ?doc eli:id_local ?number }
  OPTIONAL { ?basis eli:id_local ?basis_number }
} ORDER BY ?number ?basis_number LIMIT 200"""},
    ]


def properties(base: str = DEFAULT_BASE) -> list[tuple[str, str]]:
    """(CURIE, meaning in Vietnamese) of the properties the examples use."""
    base = base or DEFAULT_BASE
    rows = [("eli:id_local", "số hiệu văn bản (vd. 61/2018/NĐ-CP)"), ("eli:title", "trích yếu"),
            ("eli:date_document", "ngày ban hành (xsd:date)"), ("eli:passed_by", "cơ quan ban hành"),
            ("eli:is_part_of", "nhiệm vụ → văn bản chứa nó"),
            ("schema:description", "nội dung nhiệm vụ"), ("schema:agent", "nhiệm vụ → cơ quan chủ trì"),
            ("schema:participant", "nhiệm vụ → cơ quan phối hợp"),
            ("schema:endTime", "hạn cuối của nhiệm vụ (xsd:date)"),
            ("lkg:deadlineText", "thời hạn như văn bản ghi"), ("skos:prefLabel", "tên cơ quan")]
    rows += [(c, f"quan hệ “{RELATION_NAMES[rel]}” giữa hai văn bản (văn bản dẫn → văn bản được dẫn)")
             for c, rel in citation_properties(base)]
    return rows

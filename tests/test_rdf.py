"""RDF export (ELI / ORG / schema.org / PROV-O / SKOS), serialisation,
SHACL shapes, read-only SPARQL, per-document RDF."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from kg import rdf
from kg.graph import build_graph, resolve_issuers
from kg.pipeline import extract_file
from service.sparql import run_sparql
from kg.rdf import DEFAULT_BASE, ELI, ORG, SCHEMA

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "kg" / "shapes" / "legalkg.shacl.ttl"
LKG = rdflib.Namespace(DEFAULT_BASE + "ns#")
B = DEFAULT_BASE

PLAN = "vinh-phuc/319-kh-ubnd"
DECREE = "vn/61-2018-nd-cp"
AMENDING = "vn/107-2021-nd-cp"
LAW = "law/luat-to-chuc-chinh-quyen-dia-phuong-2015"
TG_DECISION = "tien-giang/45-qd-ubnd"
TG_PLAN = "tien-giang/12-kh-ubnd"


def _ev(src, start, end, cue=None):
    return [{"source": src, "span": [start, end], "cue": cue}]


def make_graph() -> nx.MultiDiGraph:
    """Two provinces, a central decree amended by another, a law, a Vĩnh Phúc
    plan with two tasks and an assignment, a Tiền Giang decision with an
    attached plan; agencies in both provinces and one ministry."""
    G = nx.MultiDiGraph()
    G.add_node("province/vinh-phuc", kind="province", name="Vĩnh Phúc")
    G.add_node("province/tien-giang", kind="province", name="Tiền Giang")

    def doc(i, **kw):
        attrs = dict(kind="document", number=None, type=None, date=None, issuer=None, province=None,
                     title=None, in_corpus=False, source=None)
        attrs.update(kw)
        G.add_node(i, **attrs)

    doc(DECREE, number="61/2018/NĐ-CP", type="Nghị định", date="2018-04-23", issuer="Chính phủ",
        title="Về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính")
    doc(AMENDING, number="107/2021/NĐ-CP", type="Nghị định", date="2021-12-06", issuer="Chính phủ",
        title="Sửa đổi, bổ sung một số điều của Nghị định số 61/2018/NĐ-CP")
    doc(LAW, type="Luật", title="Luật Tổ chức chính quyền địa phương")
    doc(PLAN, number="319/KH-UBND", type="Kế hoạch", date="2022-12-30", issuer="UBND tỉnh Vĩnh Phúc",
        province="Vĩnh Phúc", title="Cải cách hành chính nhà nước tỉnh Vĩnh Phúc năm 2023",
        in_corpus=True, source="data/corpus/000_plan.txt")
    doc(TG_DECISION, number="45/QĐ-UBND", type="Quyết định", date="2023-01-10",
        issuer="UBND tỉnh Tiền Giang", province="Tiền Giang", title="Ban hành Kế hoạch cải cách hành chính",
        in_corpus=True, source="data/corpus/003_decision.txt")
    doc(TG_PLAN, number="12/KH-UBND", type="Kế hoạch", date="2023-01-10", province="Tiền Giang",
        title="Kế hoạch cải cách hành chính năm 2023")

    def cite(u, v, t, ev):
        G.add_edge(u, v, key=t, type=t, evidence=ev)

    cite(AMENDING, DECREE, "amends", _ev("data/corpus/000_plan.txt", 120, 140, "sửa đổi, bổ sung"))
    cite(PLAN, DECREE, "implements", _ev("data/corpus/000_plan.txt", 90, 110, "Thực hiện")
         + _ev("data/corpus/000_plan.txt", 500, 520, "triển khai"))
    cite(PLAN, LAW, "based_on", _ev("data/corpus/000_plan.txt", 10, 60, "Căn cứ"))
    cite(PLAN, AMENDING, "cites", _ev("data/corpus/000_plan.txt", 700, 720))
    cite(TG_DECISION, DECREE, "guides", _ev("data/corpus/003_decision.txt", 300, 330, "hướng dẫn"))
    cite(TG_DECISION, PLAN, "repeals", _ev("data/corpus/003_decision.txt", 400, 420, "bãi bỏ"))
    cite(AMENDING, LAW, "replaces", [])
    G.add_edge(TG_PLAN, TG_DECISION, key="attached_to", type="attached_to")

    def agency(i, name, kind, province=None, aliases=()):
        G.add_node(i, kind="agency", name=name, aliases=list(aliases), province=province, agency_kind=kind)
        if province:
            G.add_edge(i, "province/" + i.split("/")[0], key="located_in", type="located_in")

    agency("vinh-phuc/so-noi-vu", "Sở Nội vụ", "so", "Vĩnh Phúc", ["SNV", "Sở Nội vụ"])
    agency("vinh-phuc/so-tu-phap", "Sở Tư pháp", "so", "Vĩnh Phúc")
    agency("vinh-phuc/ubnd-tinh-vinh-phuc", "UBND tỉnh Vĩnh Phúc", "ubnd", "Vĩnh Phúc",
           ["Ủy ban nhân dân tỉnh Vĩnh Phúc"])
    agency("tien-giang/so-noi-vu", "Sở Nội vụ", "so", "Tiền Giang")
    agency("vn/bo-noi-vu", "Bộ Nội vụ", "bo", None)

    def task(n, lead, support, deadline, start, end):
        tid = f"{PLAN}#task-{n:03d}"
        G.add_node(tid, kind="task", text=f"Nhiệm vụ số {n}: rà soát thủ tục hành chính", section="I",
                   section_title="Cải cách thể chế", no=str(n), deadline=deadline, deadline_start=start,
                   deadline_end=end, product="Báo cáo", document=PLAN,
                   lead=[G.nodes[a]["name"] for a in lead], support=[G.nodes[a]["name"] for a in support])
        G.add_edge(tid, PLAN, key="part_of", type="part_of")
        for a in lead:
            G.add_edge(tid, a, key="lead", type="lead")
        for a in support:
            G.add_edge(tid, a, key="support", type="support")
        return tid

    t1 = task(1, ["vinh-phuc/so-noi-vu"], ["vinh-phuc/so-tu-phap", "vn/bo-noi-vu"], "Quý IV/2023",
              "2023-10-01", "2023-12-31")
    task(2, ["vinh-phuc/so-tu-phap"], [], "Thường xuyên", None, None)
    G.add_edge(t1, DECREE, key="mentions", type="mentions")
    aid = f"{PLAN}#assignment-001"
    G.add_node(aid, kind="assignment", agency="Sở Nội vụ", text="Sở Nội vụ chủ trì, theo dõi, tổng hợp.",
               document=PLAN)
    G.add_edge(aid, PLAN, key="part_of", type="part_of")
    G.add_edge(aid, "vinh-phuc/so-noi-vu", key="lead", type="lead")
    resolve_issuers(G)          # what kg.graph.build_graph does last
    return G


@pytest.fixture(scope="module")
def G():
    return make_graph()


@pytest.fixture(scope="module")
def g(G):
    return rdf.to_rdf(G)


def doc(i):
    return URIRef(B + "doc/" + i)


def _conforms(data: rdflib.Graph):
    pyshacl = pytest.importorskip("pyshacl")
    shapes = rdflib.Graph().parse(SHAPES)
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes)
    return conforms, text


# ------------------------------------------------------------ formats --

@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "nt", "xml"])
def test_round_trip_all_formats(g, fmt):
    data = rdf.serialize(g, fmt)
    assert isinstance(data, bytes) and data
    back = rdflib.Graph().parse(data=data, format=rdf.FORMATS[fmt])
    assert len(back) == len(g)
    assert set(back) == set(g)


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "nt", "xml"])
def test_serialization_is_deterministic(G, g, fmt):
    a = rdf.serialize(g, fmt)
    assert rdf.serialize(rdf.to_rdf(G), fmt) == a
    shuffled = rdflib.Graph()
    for p, ns in g.namespaces():
        shuffled.bind(p, ns, override=True, replace=True)
    for t in sorted(g, reverse=True):
        shuffled.add(t)
    assert rdf.serialize(shuffled, fmt) == a


def test_deterministic_across_hash_seeds(tmp_path):
    code = ("import sys, hashlib; sys.path.insert(0, %r); sys.path.insert(0, %r)\n"
            "from test_rdf import make_graph\nfrom kg import rdf\n"
            "g = rdf.to_rdf(make_graph())\n"
            "print(' '.join(hashlib.sha1(rdf.serialize(g, f)).hexdigest() for f in "
            "('turtle', 'jsonld', 'nt', 'xml')))") % (str(ROOT), str(ROOT / "tests"))
    outs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True, cwd=ROOT).stdout)
    assert len(outs) == 1


def test_unknown_format(g):
    with pytest.raises(ValueError):
        rdf.serialize(g, "yaml")


def test_jsonld_is_compact_json(g):
    d = json.loads(rdf.serialize(g, "jsonld"))
    assert d["@context"]["eli"] == str(ELI)
    assert "Nghị định" in rdf.serialize(g, "jsonld").decode("utf-8")   # UTF-8, not \u escapes


# ------------------------------------------------------------ mapping --

def test_documents_are_eli_legal_resources(g):
    d = doc(DECREE)
    assert (d, RDF.type, ELI.LegalResource) in g
    assert (d, ELI.id_local, Literal("61/2018/NĐ-CP")) in g
    assert (d, ELI.date_document, Literal("2018-04-23", datatype=XSD.date)) in g
    titles = list(g.objects(d, ELI.title))
    assert len(titles) == 1 and titles[0].language == "vi"
    # no number → no eli:id_local
    assert list(g.objects(doc(LAW), ELI.id_local)) == []
    assert (doc(LAW), RDF.type, ELI.LegalResource) in g
    assert (doc(PLAN), LKG.inCorpus, Literal(True)) in g
    assert (doc(PLAN), LKG.province, URIRef(B + "province/vinh-phuc")) in g


def test_document_type_is_skos_concept(g):
    t = URIRef(B + "type/nghi-dinh")
    assert (doc(DECREE), ELI.type_document, t) in g
    assert (t, RDF.type, SKOS.Concept) in g
    assert (t, SKOS.prefLabel, Literal("Nghị định", lang="vi")) in g
    scheme = next(g.objects(t, SKOS.inScheme))
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    assert (doc(LAW), ELI.type_document, URIRef(B + "type/luat")) in g


def test_issuer_is_an_agent(g):
    gov = next(g.objects(doc(DECREE), ELI.passed_by))
    assert str(gov).startswith(B + "agency/")
    # an issuer no task names is a foaf:Agent; org:Organization is exactly the agencies
    assert (gov, RDF.type, FOAF.Agent) in g and (gov, RDF.type, ORG.Organization) not in g
    assert list(g.objects(gov, SKOS.prefLabel)) == [Literal("Chính phủ", lang="vi")]
    # the plan's issuer is the existing agency node, not a second organisation
    assert (doc(PLAN), ELI.passed_by, URIRef(B + "agency/vinh-phuc/ubnd-tinh-vinh-phuc")) in g


def test_citation_properties(g):
    assert (doc(AMENDING), ELI.amends, doc(DECREE)) in g
    assert (doc(PLAN), ELI.implements, doc(DECREE)) in g
    assert (doc(PLAN), ELI.based_on, doc(LAW)) in g
    assert (doc(PLAN), ELI.cites, doc(AMENDING)) in g
    assert (doc(TG_DECISION), ELI.repeals, doc(PLAN)) in g
    assert (doc(AMENDING), DCTERMS.replaces, doc(LAW)) in g
    # guides → eli:cites + lkg:guides
    assert (doc(TG_DECISION), ELI.cites, doc(DECREE)) in g
    assert (doc(TG_DECISION), LKG.guides, doc(DECREE)) in g
    assert (doc(TG_PLAN), LKG.attachedTo, doc(TG_DECISION)) in g


def test_citation_provenance(g):
    q = """SELECT ?st ?src ?s ?e ?cue WHERE {
        ?st a lkg:CitationStatement, prov:Entity ; lkg:subject ?d ; lkg:predicate eli:amends ;
            lkg:object ?o ; prov:wasDerivedFrom ?src ; lkg:spanStart ?s ; lkg:spanEnd ?e ; lkg:cue ?cue }"""
    rows = list(g.query(q, initBindings={"d": doc(AMENDING), "o": doc(DECREE)}))
    assert len(rows) == 1
    st, src, s, e, cue = rows[0]
    assert s == Literal(120, datatype=XSD.integer) and e == Literal(140, datatype=XSD.integer)
    assert str(src) == B + "source/data-corpus-000-plan-txt"
    assert str(cue) == "sửa đổi, bổ sung"
    # two pieces of evidence → two statements; an edge without evidence still gets one
    n = lambda s, p, o: len(list(g.query(
        "SELECT ?st WHERE { ?st lkg:subject ?s ; lkg:predicate ?p ; lkg:object ?o }",
        initBindings={"s": s, "p": p, "o": o})))
    assert n(doc(PLAN), ELI.implements, doc(DECREE)) == 2
    assert n(doc(AMENDING), DCTERMS.replaces, doc(LAW)) == 1
    assert n(doc(TG_DECISION), LKG.guides, doc(DECREE)) == 1
    # every citation edge is reified
    assert len(set(g.subjects(RDF.type, LKG.CitationStatement))) == 8


def test_agencies(g):
    a = URIRef(B + "agency/vinh-phuc/so-noi-vu")
    assert (a, RDF.type, ORG.Organization) in g
    assert list(g.objects(a, SKOS.prefLabel)) == [Literal("Sở Nội vụ", lang="vi")]
    assert list(g.objects(a, SKOS.altLabel)) == [Literal("SNV", lang="vi")]   # name not repeated
    assert (a, LKG.agencyKind, Literal("so")) in g
    p = URIRef(B + "province/vinh-phuc")
    assert (a, LKG.province, p) in g
    assert (p, RDF.type, LKG.Province) in g
    assert (p, RDFS.label, Literal("Vĩnh Phúc", lang="vi")) in g
    assert list(g.objects(URIRef(B + "agency/vn/bo-noi-vu"), LKG.province)) == []


def test_tasks(g):
    t = URIRef(B + "task/vinh-phuc/319-kh-ubnd%23task-001")
    assert (t, RDF.type, SCHEMA.Action) in g
    assert (t, LKG.kind, Literal("task")) in g
    assert (t, ELI.is_part_of, doc(PLAN)) in g
    assert (t, SCHEMA.agent, URIRef(B + "agency/vinh-phuc/so-noi-vu")) in g
    assert set(g.objects(t, SCHEMA.participant)) == {URIRef(B + "agency/vinh-phuc/so-tu-phap"),
                                                     URIRef(B + "agency/vn/bo-noi-vu")}
    assert (t, SCHEMA.startTime, Literal("2023-10-01", datatype=XSD.date)) in g
    assert (t, SCHEMA.endTime, Literal("2023-12-31", datatype=XSD.date)) in g
    assert (t, LKG.deadlineText, Literal("Quý IV/2023", lang="vi")) in g
    assert (t, LKG.section, Literal("I")) in g
    assert (t, LKG.number, Literal("1")) in g
    assert (t, LKG.mentions, doc(DECREE)) in g
    desc = list(g.objects(t, SCHEMA.description))
    assert len(desc) == 1 and desc[0].language == "vi"
    t2 = URIRef(B + "task/vinh-phuc/319-kh-ubnd%23task-002")
    assert list(g.objects(t2, SCHEMA.endTime)) == []
    a = URIRef(B + "assignment/vinh-phuc/319-kh-ubnd%23assignment-001")
    assert (a, RDF.type, LKG.Assignment) in g and (a, RDF.type, SCHEMA.Action) not in g
    assert (a, LKG.kind, Literal("assignment")) in g
    assert (a, SCHEMA.agent, URIRef(B + "agency/vinh-phuc/so-noi-vu")) in g


def test_iris():
    assert str(rdf.doc_iri(DECREE)) == B + "doc/vn/61-2018-nd-cp"
    assert str(rdf.task_iri(f"{PLAN}#task-025")) == B + "task/vinh-phuc/319-kh-ubnd%23task-025"
    assert str(rdf.doc_iri("file/a b?c")) == B + "doc/file/a%20b%3Fc"
    assert rdf.iri_to_id(str(rdf.task_iri(f"{PLAN}#task-025"))) == ("task", f"{PLAN}#task-025")
    assert rdf.iri_to_id(str(rdf.doc_iri(DECREE))) == ("document", DECREE)
    other = "http://example.org/"
    assert str(rdf.to_rdf(make_graph(), base=other).value(
        predicate=ELI.id_local, object=Literal("61/2018/NĐ-CP"))) == other + "doc/vn/61-2018-nd-cp"


def test_bad_values_do_not_break_the_export():
    G = nx.MultiDiGraph()
    G.add_node("vn/1-nd-cp", kind="document", number="1/NĐ-CP", type=None, date="2018-02-30",
               issuer=None, province=None, title=None, in_corpus=False, source=None)
    G.add_node("vn/1-nd-cp#task-001", kind="task", text="x", deadline_end="2023-13-01", document="vn/1-nd-cp")
    G.add_edge("vn/2-nd-cp", "vn/1-nd-cp", key="amends", type="amends", evidence=[{"source": None,
                                                                                   "span": None, "cue": None}])
    g = rdf.to_rdf(G)
    assert list(g.objects(doc("vn/1-nd-cp"), ELI.date_document)) == []
    assert (doc("vn/1-nd-cp"), LKG.dateText, Literal("2018-02-30")) in g
    assert (doc("vn/2-nd-cp"), RDF.type, ELI.LegalResource) in g       # node without attributes
    assert _conforms(g)[0]


# -------------------------------------------------------------- SHACL --

def test_shacl_conforms(g):
    conforms, text = _conforms(g)
    assert conforms, text


def test_shacl_catches_violations(g):
    bad = rdflib.Graph()
    bad += g
    t = URIRef(B + "task/vinh-phuc/319-kh-ubnd%23task-001")
    bad.remove((t, ELI.is_part_of, None))                                     # task without document
    bad.add((URIRef(B + "agency/vn/bo-noi-vu"), SKOS.prefLabel, Literal("Bộ NV", lang="vi")))  # 2 labels
    bad.add((doc(DECREE), ELI.id_local, Literal("61/NĐ-CP")))                 # 2 numbers
    bad.add((doc(LAW), ELI.date_document, Literal("2015")))                   # not xsd:date
    conforms, text = _conforms(bad)
    assert not conforms
    for path in ("is_part_of", "prefLabel", "id_local", "date_document"):
        assert path in text


# ------------------------------------------------------------- SPARQL --

def test_sparql_counts(G, g):
    r = run_sparql(g, "SELECT (COUNT(?t) AS ?n) WHERE { ?t a schema:Action ; lkg:kind 'task' }")
    assert r["head"]["vars"] == ["n"]
    assert int(r["results"]["bindings"][0]["n"]["value"]) == 2
    r = run_sparql(g, "SELECT (COUNT(?t) AS ?n) WHERE { ?t a schema:Action }")
    assert int(r["results"]["bindings"][0]["n"]["value"]) == 2      # tasks only
    r = run_sparql(g, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a org:Organization }")
    n_agency_nodes = sum(1 for _, a in G.nodes(data=True) if a.get("kind") == "agency")
    # exactly the agency nodes; issuers no task names are foaf:Agent
    assert int(r["results"]["bindings"][0]["n"]["value"]) == n_agency_nodes
    r = run_sparql(g, """PREFIX eli: <http://data.europa.eu/eli/ontology#>
        SELECT ?d ?num WHERE { ?d a eli:LegalResource ; eli:id_local ?num } ORDER BY ?num""")
    nums = [b["num"]["value"] for b in r["results"]["bindings"]]
    assert nums == sorted(nums) and "61/2018/NĐ-CP" in nums and len(nums) == 5
    assert r["truncated"] is False


def test_sparql_json_terms(g):
    r = run_sparql(g, "SELECT ?t ?d ?date WHERE { ?x eli:title ?t ; eli:id_local '61/2018/NĐ-CP' ; "
                          "eli:date_document ?date ; eli:type_document ?d }")
    b = r["results"]["bindings"][0]
    assert b["t"]["type"] == "literal" and b["t"]["xml:lang"] == "vi"
    assert b["d"] == {"type": "uri", "value": B + "type/nghi-dinh"}
    assert b["date"]["datatype"] == str(XSD.date)
    json.dumps(r)


def test_sparql_select_star_keeps_variable_order(g):
    r = run_sparql(g, "SELECT * WHERE { ?zeta eli:amends ?alpha . ?zeta eli:id_local ?mid }")
    assert r["head"]["vars"] == ["zeta", "alpha", "mid"]


def test_sparql_ask_construct_describe(g):
    assert run_sparql(g, "ASK { ?a eli:amends ?b }") == {"head": {}, "boolean": True}
    assert run_sparql(g, "ASK { ?a eli:repeals ?a }")["boolean"] is False
    r = run_sparql(g, "CONSTRUCT { ?a eli:cites ?b } WHERE { ?a eli:cites ?b }")
    back = rdflib.Graph().parse(data=r["turtle"], format="turtle")
    assert len(back) == 2
    r = run_sparql(g, f"DESCRIBE <{B}doc/{DECREE}>")
    back = rdflib.Graph().parse(data=r["turtle"], format="turtle")
    assert (doc(DECREE), ELI.id_local, Literal("61/2018/NĐ-CP")) in back


@pytest.mark.parametrize("q", [
    "INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n# comment\nDELETE { ?s eli:title ?t } WHERE { ?s eli:title ?t }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <http://example.org/g>",
    "CREATE GRAPH <http://example.org/g>",
    "insert { ?s ?p ?o } where { ?s ?p ?o",   # broken, but still an update
])
def test_sparql_update_rejected(g, q):
    n = len(g)
    with pytest.raises(ValueError, match="read-only: SPARQL UPDATE is not allowed"):
        run_sparql(g, q)
    assert len(g) == n


@pytest.mark.parametrize("q", [
    "SELEC * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o ",
    "SELECT * WHERE { ?s nope:x ?o }",
    "",
    "SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
])
def test_sparql_bad_query(g, q):
    with pytest.raises(ValueError) as e:
        run_sparql(g, q)
    assert len(str(e.value)) < 250


def test_sparql_limit_truncates(g):
    r = run_sparql(g, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", limit=5)
    assert len(r["results"]["bindings"]) == 5 and r["truncated"] is True
    r = run_sparql(g, "SELECT ?s WHERE { ?s a org:Organization }", limit=1000)
    assert r["truncated"] is False
    r = run_sparql(g, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", limit=3)
    assert r["truncated"] is True and len(rdflib.Graph().parse(data=r["turtle"], format="turtle")) == 3


def test_sparql_timeout(g):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(TimeoutError):
        run_sparql(g, q, timeout=0.2)


# ----------------------------------------------------- per-document RDF --

def test_document_rdf(G):
    d = rdf.document_rdf(G, PLAN)
    assert (doc(PLAN), ELI.id_local, Literal("319/KH-UBND")) in d
    assert (doc(PLAN), ELI.implements, doc(DECREE)) in d
    tasks = set(d.subjects(ELI.is_part_of, doc(PLAN)))
    assert len(tasks) == 3                              # two tasks + one assignment
    # neighbours are described just enough, but their own citations are not included
    assert (doc(DECREE), RDF.type, ELI.LegalResource) in d
    assert (doc(AMENDING), ELI.amends, doc(DECREE)) not in d
    assert (doc(TG_DECISION), ELI.repeals, doc(PLAN)) not in d
    assert (URIRef(B + "agency/vinh-phuc/so-noi-vu"), SKOS.prefLabel, Literal("Sở Nội vụ", lang="vi")) in d
    assert _conforms(d)[0]
    rdflib.Graph().parse(data=rdf.serialize(d, "jsonld"), format="json-ld")
    with pytest.raises(KeyError):
        rdf.document_rdf(G, "vn/does-not-exist")


# --------------------------------------------------------- real corpus --

def test_corpus_export():
    graph_mod = pytest.importorskip("kg.graph")
    if not hasattr(graph_mod, "build_graph"):
        pytest.skip("kg.graph.build_graph not available")
    files = sorted(glob.glob(str(ROOT / "data" / "corpus" / "*.txt")))
    if not files:
        pytest.skip("no corpus")
    extractions = [extract_file(Path(f)) for f in files]
    G = graph_mod.build_graph([e.to_json() for e in extractions])
    g = rdf.to_rdf(G)
    back = rdflib.Graph().parse(data=rdf.serialize(g, "turtle"), format="turtle")
    assert len(back) == len(g)
    own = {e.document.number for e in extractions if e.document.number}
    r = run_sparql(back, "SELECT DISTINCT ?d ?n WHERE { ?d a eli:LegalResource ; eli:id_local ?n ; "
                             "lkg:inCorpus true }")
    found = {b["n"]["value"] for b in r["results"]["bindings"]}
    assert len(found & own) >= 5
    n_docs = run_sparql(back, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a eli:LegalResource }")
    assert int(n_docs["results"]["bindings"][0]["n"]["value"]) >= 5
    conforms, text = _conforms(g)
    assert conforms, text[:2000]


def test_run_sparql_on_oxigraph_store(g):
    """run_sparql passes the query text to stores with their own engine (oxrdflib)."""
    pytest.importorskip("oxrdflib")
    ox = rdflib.Graph(store="Oxigraph")
    for p, ns in g.namespaces():
        ox.bind(p, ns)
    ox += g
    q = "SELECT ?d ?n WHERE { ?d a eli:LegalResource ; eli:id_local ?n } ORDER BY ?n"
    assert run_sparql(ox, q)["results"] == run_sparql(g, q)["results"]
    assert run_sparql(ox, "SELECT * WHERE { ?s ?p ?o }", limit=4)["truncated"] is True
    with pytest.raises(ValueError, match="read-only"):
        run_sparql(ox, "CLEAR ALL")
    assert len(ox) == len(g)


def test_corpus_counts_match_extraction(tmp_path):
    """Tasks in the RDF are exactly the extracted table rows; organisations exactly the agencies."""
    exs = [extract_file(p).to_json() for p in sorted((Path(__file__).parent.parent / "data" / "corpus").glob("*.txt"))]
    G = build_graph(exs)
    g = rdf.to_rdf(G)
    n = lambda q: int(run_sparql(g, q)["results"]["bindings"][0]["n"]["value"])
    assert n("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a schema:Action }") == sum(len(e["tasks"]) for e in exs)
    assert n("SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a org:Organization }") == \
        len({a["id"] for e in exs for a in e["agencies"]})
    assert n("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a eli:LegalResource ; lkg:inCorpus true }") >= 5

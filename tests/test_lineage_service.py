"""Lineage and agendas through the service layer, the CLI and the RDF export,
on the bundled corpus (a store built without the search index: nothing here
needs the embedding model)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from cli.main import main as cli_main
from kg.rdf import lkg_terms, serialize
from service import NotFound, Service, Store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
SHAPES = ROOT / "kg" / "shapes" / "legalkg.shacl.ttl"
B = "https://legalkg.example.org/"
LKG = lkg_terms(B)
T319 = "vinh-phuc/319-kh-ubnd#task-"
T2866 = "vinh-phuc/2866-qd-ubnd#task-"
T151 = "vinh-phuc/151-kh-ubnd#task-"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    h = tmp_path_factory.mktemp("lineage-home")
    Store(CORPUS, h).build(index=False)
    return h


@pytest.fixture(scope="module")
def svc(home) -> Service:
    return Service(Store(CORPUS, home), ask_cache_size=0)


def cli(home, capsys, *args) -> tuple[int, str, str]:
    rc = cli_main(["--home", str(home), *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


# ------------------------------------------------------------ service --
def test_state_is_computed_once_per_build(svc):
    a = svc.lineage_state()
    assert svc.lineage_state() is a
    svc.store._extractions = list(svc.store.extractions())     # what a rebuild does: a new list
    assert svc.lineage_state() is not a


def test_lineage_links_shape(svc):
    res = svc.lineage()
    assert res["links"] and set(res) >= {"links", "documents", "coverage", "new", "not_carried"}
    tasks = {t["id"] for e in svc.store.extractions() for t in e["tasks"]}
    for l in res["links"]:
        assert set(l) == {"child", "parent", "kind", "confidence", "evidence"}
        assert l["kind"] in ("same", "part_of", "continued")
        assert 0 <= l["confidence"] <= 1 and l["evidence"]
        assert l["child"] in tasks and l["parent"] in tasks and l["child"] != l["parent"]


@pytest.mark.parametrize("ref, kind, touches", [
    ("319/KH-UBND", "document", "vinh-phuc/319-kh-ubnd#"),
    ("vinh-phuc/2866-qd-ubnd", "document", "vinh-phuc/2866-qd-ubnd#"),
    (T151 + "013", "task", T151 + "013"),
])
def test_lineage_of_a_reference(svc, ref, kind, touches):
    res = svc.lineage(ref)
    assert res["ref"]["kind"] == kind and res["links"]
    assert all(touches in l["child"] or touches in l["parent"] for l in res["links"])
    assert len(res["links"]) < len(svc.lineage()["links"])


@pytest.mark.parametrize("ref", ["999/KH-XYZ", "vinh-phuc/319-kh-ubnd#task-999"])
def test_lineage_unknown_reference(svc, ref):
    with pytest.raises(NotFound):
        svc.lineage(ref)


def test_task_lineage_sentence_and_children(svc):
    # a 2023 row of 319 carrying out a 2866 row (judged pair, tests/fixtures/lineage_pairs.jsonl)
    child = next(l for l in svc.lineage()["links"] if l["child"].startswith(T319) and l["parent"].startswith(T2866))
    tl = svc.task_lineage(child["child"])
    assert tl["sentence"].startswith("Nhiệm vụ này thực hiện nhiệm vụ")
    assert "2866/QĐ-UBND" in tl["sentence"]
    assert {p["parent"] for p in tl["parents"]} >= {child["parent"]}
    up = svc.task_lineage(child["parent"])
    years = [g["year"] for g in up["children_by_year"]]
    assert 2023 in years and years == sorted(years)
    assert any(l["child"] == child["child"] for g in up["children_by_year"] for l in g["links"])


def test_task_view_and_document_view_carry_lineage(svc):
    assert "lineage" in svc.task(T319 + "004")
    cov = svc.document("vinh-phuc/2866-qd-ubnd", with_text=False)["lineage"]
    plans = {c["document"]["number"]: c for c in cov["carried_by"]}
    assert "319/KH-UBND" in plans and plans["319/KH-UBND"]["total"] == 68
    assert 0 < plans["319/KH-UBND"]["carried"] < 68
    assert cov["not_carried"] and all(t["id"].startswith(T2866) for t in cov["not_carried"])
    own = svc.document("vinh-phuc/319-kh-ubnd", with_text=False)["lineage"]
    assert any(c["document"]["number"] == "2866/QĐ-UBND" for c in own["carries"])


AGENDA_CASES = [
    # (agency, period, from, to, a row that must be there (task id prefix), must not be there)
    ("Sở Nội vụ tỉnh Vĩnh Phúc", "quý IV/2023", None, None, "vinh-phuc/", "tien-giang/"),
    ("vinh-phuc/so-noi-vu", "năm 2024", None, None, T151, T319),
    ("vinh-phuc/so-noi-vu", None, "2023-01-01", "2023-03-31", "vinh-phuc/", T151),
]


@pytest.mark.parametrize("agency, period, start, end, present, absent", AGENDA_CASES)
def test_agenda(svc, agency, period, start, end, present, absent):
    res = svc.agenda(agency, period, start, end)
    assert res["count"] == len(res["rows"]) > 0
    s, e = res["from"], res["to"]
    for r in res["rows"]:
        assert s <= r["due"] <= e
        assert r["role"] in ("lead", "support") and r["sources"][0]["task_id"] == r["id"]
    ids = [r["id"] for r in res["rows"]]
    assert any(i.startswith(present) for i in ids)
    assert not any(i.startswith(absent) for i in ids)


def test_agenda_collapses_lineage(svc):
    res = svc.agenda("vinh-phuc/so-noi-vu", "năm 2023")
    collapsed = [r for r in res["rows"] if len(r["sources"]) > 1]
    assert collapsed
    links = {(l["child"], l["parent"]) for l in svc.lineage()["links"] if l["kind"] != "continued"}
    ids = {r["id"] for r in res["rows"]}
    for r in collapsed:
        for src in r["sources"][1:]:
            assert (r["id"], src["task_id"]) in links
            assert src["task_id"] not in ids          # the programme row is not listed again


@pytest.mark.parametrize("period, start, end", [("quý V/2023", None, None), ("hello", None, None),
                                                (None, "2023-13-01", None), (None, "2024-01-01", "2023-01-01"),
                                                ("quý IV/2023", "2023-01-01", None)])
def test_agenda_bad_period(svc, period, start, end):
    with pytest.raises(ValueError):
        svc.agenda("vinh-phuc/so-noi-vu", period, start, end)


@pytest.mark.parametrize("agency", ["Sở Không Tồn Tại", "x", ""])
def test_agenda_unknown_agency(svc, agency):
    with pytest.raises(NotFound):
        svc.agenda(agency, "năm 2023")


# ------------------------------------------------------------ CLI ------
CLI_JSON = [
    (["lineage", "--json"], lambda d: len(d["links"]) > 30),
    (["lineage", "319/KH-UBND", "--json"], lambda d: all("319-kh-ubnd" in l["child"] + l["parent"] for l in d["links"])),
    (["lineage", T151 + "013", "--json"], lambda d: d["links"][0]["child"] == T151 + "013"),
    (["agenda", "Sở Nội vụ tỉnh Vĩnh Phúc", "--period", "quý IV/2023", "--json"],
     lambda d: d["count"] > 0 and all("2023-10-01" <= r["due"] <= "2023-12-31" for r in d["rows"])),
    (["agenda", "vinh-phuc/so-tu-phap", "--from", "2024-01-01", "--to", "2024-12-31", "--json"],
     lambda d: all(r["due"].startswith("2024") for r in d["rows"])),
]


@pytest.mark.parametrize("args, check", CLI_JSON)
def test_cli_json(home, capsys, args, check):
    rc, out, err = cli(home, capsys, *args)
    assert rc == 0, err
    data = json.loads(out)
    assert check(data)
    if args[0] == "lineage":
        for l in data["links"]:
            assert {"child", "parent", "kind", "confidence", "evidence"} <= set(l)


CLI_TEXT = [
    (["lineage", "319/KH-UBND"], "lineage links touching vinh-phuc/319-kh-ubnd"),
    (["agenda", "vinh-phuc/so-noi-vu", "--period", "quý IV/2023"], "Sở Nội vụ — quý IV/2023"),
]


@pytest.mark.parametrize("args, expect", CLI_TEXT)
def test_cli_text(home, capsys, args, expect):
    rc, out, _ = cli(home, capsys, *args)
    assert rc == 0 and expect in out


CLI_ERRORS = [
    (["agenda", "vinh-phuc/so-noi-vu", "--period", "quý V/2023", "--json"], "quý V/2023"),
    (["agenda", "Sở Không Tồn Tại", "--period", "quý IV/2023", "--json"], "Sở Không Tồn Tại"),
    (["agenda", "vinh-phuc/so-noi-vu", "--from", "2023-02-30", "--json"], "2023-02-30"),
    (["lineage", "999/KH-XYZ", "--json"], "999/KH-XYZ"),
]


@pytest.mark.parametrize("args, named", CLI_ERRORS)
def test_cli_errors_exit_2_one_line(home, capsys, args, named):
    rc, out, err = cli(home, capsys, *args)
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and named in err


def test_cli_agenda_writes_ics(home, capsys, tmp_path):
    icalendar = pytest.importorskip("icalendar")
    f = tmp_path / "a.ics"
    rc, out, _ = cli(home, capsys, "agenda", "vinh-phuc/so-noi-vu", "--period", "năm 2023", "--ics", f, "--json")
    assert rc == 0
    cal = icalendar.Calendar.from_ical(f.read_bytes())
    assert len(cal.walk("VEVENT")) >= 1


def test_console_entry_point_subprocess(home):
    r = subprocess.run([sys.executable, "-m", "cli", "--home", str(home), "lineage", "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert set(json.loads(r.stdout)) >= {"links"}


# ------------------------------------------------------------ RDF ------
@pytest.fixture(scope="module")
def export(svc) -> rdflib.Graph:
    return rdflib.Graph().parse(data=svc.export("turtle"), format="turtle")


def test_export_has_a_property_per_lineage_kind(svc, export):
    links = svc.lineage()["links"]
    prop = {"same": LKG.restates, "part_of": LKG.partOf, "continued": LKG.continues}
    for l in links:
        c = URIRef(B + "task/" + l["child"].replace("#", "%23"))
        p = URIRef(B + "task/" + l["parent"].replace("#", "%23"))
        assert (c, prop[l["kind"]], p) in export
    assert len(set(export.subjects(RDF.type, LKG.LineageLink))) == len(links)


def test_export_sparql_lineage_with_confidence(svc, export):
    q = """PREFIX lkg: <https://legalkg.example.org/ns#>
    SELECT ?child ?parent ?kind ?conf WHERE {
      ?l a lkg:LineageLink ; lkg:lineageChild ?child ; lkg:lineageParent ?parent ;
         lkg:lineageKind ?kind ; lkg:lineageConfidence ?conf .
      ?child lkg:partOf ?parent .
    }"""
    rows = list(export.query(q))
    expected = [l for l in svc.lineage()["links"] if l["kind"] == "part_of"]
    assert len(rows) == len(expected) > 0
    assert all(str(r.kind) == "part_of" and 0 <= float(r.conf) <= 1 for r in rows)
    # the same question through the service's read-only SPARQL
    res = svc.sparql(q)
    assert len(res["results"]["bindings"]) == len(expected)


def test_vocabulary_describes_lineage_terms(export):
    from rdflib.namespace import RDFS
    S = rdflib.Namespace("http://schema.org/")
    for term in (LKG.restates, LKG.partOf, LKG.continues):
        assert (term, RDF.type, RDF.Property) in export
        assert (term, RDFS.domain, S.Action) in export and (term, RDFS.range, S.Action) in export
        assert export.value(term, RDFS.label) and export.value(term, RDFS.comment)
    assert (LKG.lineageConfidence, RDFS.range, XSD.decimal) in export


def test_lkg_namespace_stays_closed():
    with pytest.raises(AttributeError):
        LKG.restate  # noqa: B018 — a typo raises


def _validate(g):
    pyshacl = pytest.importorskip("pyshacl")
    ok, _, text = pyshacl.validate(g, shacl_graph=rdflib.Graph().parse(SHAPES))
    return ok, text


def test_export_conforms_to_shapes(export):
    ok, text = _validate(export)
    assert ok, text[:2000]


@pytest.mark.parametrize("breakage", ["confidence", "kind", "property"])
def test_shapes_catch_lineage_violations(export, breakage):
    g = rdflib.Graph()
    g += export
    link = sorted(g.subjects(RDF.type, LKG.LineageLink))[0]
    if breakage == "confidence":
        g.set((link, LKG.lineageConfidence, Literal("1.5", datatype=XSD.decimal)))
    elif breakage == "kind":
        g.set((link, LKG.lineageKind, Literal("cousin")))
    else:
        c, p = g.value(link, LKG.lineageChild), g.value(link, LKG.lineageParent)
        for prop in (LKG.restates, LKG.partOf, LKG.continues):
            g.remove((c, prop, p))
    ok, _ = _validate(g)
    assert not ok


def test_document_rdf_carries_its_rows_links(svc):
    g = rdflib.Graph().parse(data=svc.document_rdf("vinh-phuc/319-kh-ubnd", "turtle"), format="turtle")
    kids = {str(o) for o in g.objects(None, LKG.lineageChild)}
    assert kids and all("319-kh-ubnd" in k for k in kids)


def test_serialisation_is_deterministic(svc):
    g = svc.store.rdf_graph()
    assert serialize(g, "nt") == serialize(g, "nt")

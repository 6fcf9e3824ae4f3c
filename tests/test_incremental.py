"""Incremental builds (issue 11): a build derived from the previous one plus
the added / removed files gives exactly what a full build of the same corpus
gives — graph, extractions, search records, RDF (export.nt byte for byte and
the Oxigraph store), answers — and a removed file leaves nothing behind."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.graph import build_graph
from kg.pipeline import extract_file
from kg.rdf import DEFAULT_BASE, assignment_iri, task_iri, to_rdf
from kg.rdf.delta import apply_sorted, rdf_delta, shared_part
from search import records
from service import Service, Store
from service.build import canonical_order, sorted_ntriples
from service.incremental import merge_sorted

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
REAL = REPO / "tests" / "fixtures" / "real"
FILES = sorted(CORPUS.glob("*.txt"))
A, B, C = FILES[0], FILES[1], FILES[2]


# ------------------------------------------------------- the RDF delta --
@pytest.fixture(scope="module")
def extractions():
    out = []
    for f in FILES + sorted(REAL.glob("*.md"))[:12]:
        ex = extract_file(f, f.name).to_json()
        ex.update(source=f.name, sha256=f.name)
        out.append(ex)
    return out


def _mapped(exs):
    exs, _ = canonical_order(sorted(exs, key=lambda e: e["source"]))
    G = build_graph(exs)
    return G, sorted_ntriples(to_rdf(G))


@pytest.mark.parametrize("seed", range(6))
def test_rdf_delta_equals_full_mapping(extractions, seed):
    """Random before/after corpora (files added, removed, both): the old
    N-Triples patched with the delta are the new N-Triples, byte for byte."""
    rng = random.Random(seed)
    before = rng.sample(extractions, rng.randint(1, len(extractions) - 1))
    rest = [e for e in extractions if e not in before]
    after = before + rng.sample(rest, rng.randint(0, min(3, len(rest))))
    if seed % 2:
        after = [e for e in after if e not in rng.sample(before, min(2, len(before) - 1))]
    G0, nt0 = _mapped(before)
    G1, nt1 = _mapped(after)
    delta = rdf_delta(G0, G1)
    assert delta is not None
    assert apply_sorted(nt0, delta) == nt1
    assert merge_sorted(nt0, delta.delete, delta.insert) == nt1


@pytest.mark.parametrize("seed", range(4))
def test_shared_part_from_cache_equals_fresh(extractions, seed):
    """The shared part rendered with the previous build's entries as a cache
    (stored as JSON) is the one rendered from nothing; the delta made with
    the stored part equals the full mapping."""
    rng = random.Random(100 + seed)
    before = rng.sample(extractions, rng.randint(1, len(extractions) - 1))
    after = [e for e in extractions if e not in before][:3] + before[: len(before) - seed % 2]
    G0, nt0 = _mapped(before)
    G1, nt1 = _mapped(after)
    stored = json.loads(json.dumps(shared_part(G0), ensure_ascii=False))
    assert shared_part(G1, cache=stored) == shared_part(G1)
    delta = rdf_delta(G0, G1, old_shared=stored)
    assert merge_sorted(nt0, delta.delete, delta.insert) == nt1


def test_rdf_delta_with_duplicate_numbers(extractions):
    """Copies of cited documents under other names (duplicate numbers: the
    canonical file's source wins on the node, the others' evidence sources
    are registered by the citation edges) added and removed: the delta
    equals the full mapping, and the shared part is the one made from nothing."""
    citing = [e for e in extractions if e["references"]][:3]
    assert citing
    copies = []
    for i, ex in enumerate(citing):
        dup = json.loads(json.dumps(ex))
        dup.update(source=f"copy-{i}/{ex['source']}", sha256=f"copy-{i}")
        copies.append(dup)
    for before, after in ((extractions, extractions + copies), (extractions + copies, extractions),
                          (extractions + copies[:1], extractions + copies[1:])):
        G0, nt0 = _mapped(before)
        G1, nt1 = _mapped(after)
        stored = json.loads(json.dumps(shared_part(G0), ensure_ascii=False))
        assert shared_part(G1, cache=stored) == shared_part(G1)
        delta = rdf_delta(G0, G1, old_shared=stored)
        assert delta is not None and merge_sorted(nt0, delta.delete, delta.insert) == nt1


def test_rdf_delta_of_unchanged_graph_is_empty(extractions):
    G, _ = _mapped(extractions[:5])
    d = rdf_delta(G, G)
    assert d is not None and not d.delete and not d.insert and d.dirty == 0


def test_merge_sorted_keeps_order():
    old = b"<a> <p> <x> .\n<c> <p> <x> .\n"
    assert merge_sorted(old, {"<a> <p> <x> ."}, {"<b> <p> <x> .", "<d> <p> <x> ."}) == \
        b"<b> <p> <x> .\n<c> <p> <x> .\n<d> <p> <x> .\n"
    assert merge_sorted(old, {"<a> <p> <x> .", "<c> <p> <x> ."}, set()) == b""


# ------------------------------------------------------- whole builds --
def _corpus(root: Path, files) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, root / f.name)
    return root


def _triples(build: Path) -> set:
    store = ox.Store.read_only(str(build / "rdf"))
    try:
        return {str(q.triple) for q in store}
    finally:
        del store


def _outputs(store: Store) -> dict:
    d = store.current
    G = store.graph()
    nodes = sorted((str(n), json.dumps(a, sort_keys=True, ensure_ascii=False, default=repr))
                   for n, a in G.nodes(data=True))
    edges = sorted((str(u), str(v), str(k), json.dumps(a, sort_keys=True, ensure_ascii=False, default=repr))
                   for u, v, k, a in G.edges(keys=True, data=True))
    recs = (d / "index" / "records.jsonl").read_bytes() if (d / "index").exists() else None
    return {"nodes": nodes, "edges": edges, "extractions": store.extractions(), "records": recs,
            "nt": (d / "export.nt").read_bytes(), "triples": _triples(d),
            "prefixes": (d / "rdf" / "prefixes.json").read_text(encoding="utf-8"),
            "lineage": json.loads((d / "lineage.json").read_text(encoding="utf-8"))}


def _full(tmp_path: Path, name: str, files, link_model, index: bool) -> dict:
    store = Store(_corpus(tmp_path / f"data-{name}", files), link_model(tmp_path / f"home-{name}"))
    summary = store.build(index=index)
    assert summary["rdf"]["mode"] == "full"
    return {**_outputs(store), "count": summary["rdf"]["triples"]}


def _same(inc: dict, full: dict) -> None:
    for key in full:
        assert inc[key] == full[key], key


def test_add_then_remove_equals_full_build(tmp_path, link_model):
    """A+B built, C added: the incremental build equals a full build of
    A+B+C; then B removed: equals a full build of A+C."""
    data = _corpus(tmp_path / "data", [A, B])
    store = Store(data, link_model(tmp_path / "home"))
    store.build(index=False)
    shutil.copy2(C, data / C.name)
    s = store.build(index=False)
    assert s["rdf"]["mode"] == "incremental" and s["extracted"] == 1
    _same({**_outputs(store), "count": s["rdf"]["triples"]}, _full(tmp_path, "abc", [A, B, C], link_model, index=False))
    (data / B.name).unlink()
    s = store.build(index=False)
    assert s["rdf"]["mode"] == "incremental" and s["rdf"]["inserted"] == 0 and s["rdf"]["deleted"] > 0
    _same({**_outputs(store), "count": s["rdf"]["triples"]}, _full(tmp_path, "ac", [A, C], link_model, index=False))


@pytest.mark.slow
def test_incremental_with_index_answers_like_full(tmp_path, link_model):
    """With the search index: records, vectors and ask answers equal a full build's."""
    data = _corpus(tmp_path / "data", [A, C])
    store = Store(data, link_model(tmp_path / "home"))
    store.build(index=True)
    shutil.copy2(B, data / B.name)
    s = store.build(index=True)
    assert s["rdf"]["mode"] == "incremental"
    full_store = Store(_corpus(tmp_path / "data-full", [A, B, C]), link_model(tmp_path / "home-full"))
    full_store.build(index=True)
    _same(_outputs(store), _outputs(full_store))
    q = "Sở Nội vụ chủ trì nhiệm vụ gì?"
    assert Service(store).ask(q, k=5) == Service(full_store).ask(q, k=5)
    doc = next(e["document"]["id"] for e in store.extractions() if e["source"] == B.name)
    (data / B.name).unlink()
    store.build(index=True)
    recs = records.read_all(store.current / "index")
    assert recs and all(r["document"]["id"] != doc for r in recs)


def test_removed_file_leaves_nothing(tmp_path, link_model):
    """Removing a file removes its document, task and assignment nodes, its
    search rows, its triples and its stored text."""
    data = _corpus(tmp_path / "data", [A, B, C])
    store = Store(data, link_model(tmp_path / "home"))
    store.build(index=False)
    ex = next(e for e in store.extractions() if e["source"] == B.name)
    doc, key = ex["document"]["id"], ex["sha256"]
    own = {t["id"] for t in ex["tasks"]} | {a["id"] for a in ex["assignments"]}
    assert own and doc in store.graph()
    (data / B.name).unlink()
    s = store.build(index=False)
    assert s["rdf"]["mode"] == "incremental"
    G = store.graph()
    assert not own & set(G.nodes)
    assert not G.has_node(doc) or not G.nodes[doc].get("in_corpus")
    assert all(e["source"] != B.name for e in store.extractions())
    assert not (store.current / "texts" / f"{key}.txt").exists()
    nt = (store.current / "export.nt").read_text(encoding="utf-8")
    assert B.name not in nt
    triples = "\n".join(_triples(store.current))
    for t in own:
        assert f"<{task_iri(t)}>" not in triples and f"<{assignment_iri(t)}>" not in triples
    assert store.sparql(f'ASK {{ ?s ?p "{B.name}" }}')["boolean"] is False


def test_full_mapping_in_chunks_equals_to_rdf(store, tmp_path):
    """The build maps the graph a chunk of nodes at a time (no rdflib graph of
    the whole corpus): the same bytes and prefixes as ``to_rdf`` whole, for any
    chunk size and base."""
    from kg.rdf.delta import full_lines
    from service.build import write_full_ntriples
    G = store.graph()
    from service.incremental import LINEAGE_FILE
    links = json.loads((store.current / LINEAGE_FILE).read_text(encoding="utf-8"))
    assert links                                 # the bundled corpus has lineage links to map
    for base in (DEFAULT_BASE, "http://example.org/kg/"):
        g = to_rdf(G, base=base, lineage=links)
        out = tmp_path / f"{len(base)}.nt"
        prefixes, shared = write_full_ntriples(G, base, links, out)
        nt = out.read_bytes()
        assert nt == sorted_ntriples(g) and shared is not None
        assert prefixes == {p: str(ns) for p, ns in g.namespaces() if p}
        for chunk in (1, 7, 10 ** 6):
            lines, _ = full_lines(G, base, links, chunk=chunk)
            assert ("\n".join(sorted(lines)) + "\n").encode("utf-8") == nt

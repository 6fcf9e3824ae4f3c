"""Citation chains ("both" = upward + downward chain only), the layered layout
and its SVG: no overlapping boxes, labels ≥ 12 px, deterministic, escaped."""
import json
import os
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import networkx as nx
import pytest

from service.chains import chains
from kg.graph import build_graph
from kg.pipeline import extract_file
from service.chains import chains as cites
from web.graphlayout import Style, layout, overlaps, text_width
from web.graphsvg2 import relation_list, render_svg

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"


def add_doc(G, i, **kw):
    G.add_node(i, kind="document", number=kw.get("number", i.upper()), type=kw.get("type", "Kế hoạch"),
               date=kw.get("date", "2021-03-04"), province=None, title=kw.get("title"), issuer=None,
               in_corpus=kw.get("in_corpus", False))


def cite(G, a, b, rel="based_on"):
    G.add_edge(a, b, key=rel, type=rel, evidence=[])


@pytest.fixture(scope="module")
def toy():
    """r rests on a1, a2 (a1 on b1); c1, c2 rest on r (d1 on c1).
    s is a sibling (cites a1), y is cited by c1 and t cites y: none of s, y, t may show in 'both'."""
    G = nx.MultiDiGraph()
    for i in ("r", "a1", "a2", "b1", "c1", "c2", "d1", "s", "y", "t"):
        add_doc(G, i)
    cite(G, "r", "a1"); cite(G, "r", "a2", "implements"); cite(G, "a1", "b1")
    cite(G, "c1", "r", "implements"); cite(G, "c2", "r", "guides"); cite(G, "d1", "c1")
    cite(G, "s", "a1"); cite(G, "c1", "y", "cites"); cite(G, "t", "y")
    G.add_node("task-1", kind="task"); G.add_edge("task-1", "r", key="mentions", type="mentions")
    return G


@pytest.fixture(scope="module")
def corpus():
    exs = [extract_file(p).to_json() for p in sorted((ROOT / "data" / "corpus").glob("*"))]
    return build_graph(exs)


def big(n=80, seed=3):
    """n documents: a root, 20 it rests on (5 more above), the rest resting on it, with cross links."""
    rnd = random.Random(seed)
    G = nx.MultiDiGraph()
    add_doc(G, "root", number="61/2018/NĐ-CP", type="Nghị định")
    ups = [f"u{i:02d}" for i in range(20)]
    ups2 = [f"v{i:02d}" for i in range(5)]
    downs = [f"d{i:02d}" for i in range(n - 26)]
    for i in ups + ups2 + downs:
        add_doc(G, i, number=f"{rnd.randint(1, 9999)}/QĐ-UBND", type="Quyết định",
                title="Kế hoạch cải cách hành chính nhà nước giai đoạn 2021–2025 của Ủy ban")
    for u in ups:
        cite(G, "root", u, rnd.choice(["based_on", "implements", "cites"]))
    for v in ups2:
        cite(G, rnd.choice(ups), v)
    for d in downs:
        cite(G, d, "root", rnd.choice(["implements", "guides", "cites", "amends"]))
        other = rnd.choice(downs)
        if rnd.random() < 0.3 and other != d:
            cite(G, d, other, "cites")
    return G


# ---------------------------------------------------------------- chains ----
def test_both_is_the_two_chains_only(toy):
    c = chains(toy, "r", "both", 2)
    assert {n["id"] for n in c["nodes"]} == {"r", "a1", "a2", "b1", "c1", "c2", "d1"}
    assert c["level"] == {"a1": -1, "a2": -1, "b1": -2, "c1": 1, "c2": 1, "d1": 2, "r": 0}
    assert {(e["source"], e["target"]) for e in c["edges"]} == {
        ("r", "a1"), ("r", "a2"), ("a1", "b1"), ("c1", "r"), ("c2", "r"), ("d1", "c1")}
    # cites --json / /api/cites is the same two chains: no sibling s, no c1's other reference y
    assert cites(toy, "r", "both", 2) == c


@pytest.mark.parametrize("direction", ["out", "in"])
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_one_direction_is_one_chain(toy, direction, depth):
    # read off the toy graph: up r → a1, a2 → b1; down r ← c1, c2 ← d1
    want = {"out": [{"r"}, {"a1", "a2"}, {"b1"}, set()], "in": [{"r"}, {"c1", "c2"}, {"d1"}, set()]}[direction]
    a = chains(toy, "r", direction, depth)
    assert {n["id"] for n in a["nodes"]} == set().union(*want[:depth + 1])


def test_hub_document_both_depth_2(corpus):
    c = chains(corpus, "61/2018/NĐ-CP", "both", 2)
    # read off the corpus by hand: 61/2018 cites nothing; six documents rest on it
    # (two Vĩnh Phúc plans, 2704/QĐ-UBND, 45/QĐ-UBND Tiền Giang, 01/2018/TT-VPCP, 107/2021/NĐ-CP amends it),
    # and nothing new rests on those six that is not already one of them.
    assert {n["id"] for n in c["nodes"]} == {
        "vn/61-2018-nd-cp", "vinh-phuc/319-kh-ubnd", "vinh-phuc/8264-kh-ubnd", "vinh-phuc/2704-qd-ubnd",
        "tien-giang/45-qd-ubnd", "vn/01-2018-tt-vpcp", "vn/107-2021-nd-cp"}
    assert all(v >= 0 for v in c["level"].values())
    assert cites(corpus, "61/2018/NĐ-CP", "both", 2) == c       # the CLI / API agree with the page


def test_every_chain_node_is_reached_along_one_direction(corpus):
    c = chains(corpus, "vinh-phuc/319-kh-ubnd", "both", 2)
    H = nx.DiGraph((e["source"], e["target"]) for e in c["edges"])
    root = c["root"]["id"]
    for n, L in c["level"].items():
        if L < 0:
            assert nx.shortest_path_length(H, root, n) == -L
        elif L > 0:
            assert nx.shortest_path_length(H, n, root) == L


# ---------------------------------------------------------------- layout ----
def _href(direction="both", depth=2):
    return lambda n: f"/graph?ref={quote(n, safe='')}&direction={direction}&depth={depth}"


def _cases(corpus):
    return [chains(corpus, "61/2018/NĐ-CP", "both", 2), chains(corpus, "vinh-phuc/319-kh-ubnd", "both", 2),
            chains(corpus, "vinh-phuc/2704-qd-ubnd", "both", 3), chains(big(), "root", "both", 2)]


def _seg_hits_box(p, q, b, pad=1.0):
    """Liang–Barsky: does segment p-q enter the interior of box b (shrunk by pad)?"""
    x0, y0, x1, y1 = b.x + pad, b.y + pad, b.x + b.w - pad, b.y + b.h - pad
    dx, dy = q[0] - p[0], q[1] - p[1]
    lo, hi = 0.0, 1.0
    for pk, qk in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if pk == 0:
            if qk < 0:
                return False
        else:
            t = qk / pk
            if pk < 0:
                lo = max(lo, t)
            else:
                hi = min(hi, t)
    return lo < hi


def test_layout_no_overlaps_and_edges_avoid_boxes(corpus):
    for data in _cases(corpus):
        lay = layout(data)
        assert len(lay["boxes"]) == len(data["nodes"])
        assert overlaps(lay["boxes"]) == []
        for b in lay["boxes"].values():
            assert 0 <= b.x and b.x + b.w <= lay["width"] and 0 <= b.y and b.y + b.h <= lay["height"]
            for line, fs in zip(b.lines, b.font_sizes):
                assert fs >= 12 and text_width(line, fs) <= b.w
        for e in lay["edges"]:
            pts = e["points"]
            for p, q in zip(pts, pts[1:]):
                hit = [b.id for b in lay["boxes"].values()
                       if b.id not in (e["source"], e["target"]) and _seg_hits_box(p, q, b)]
                assert hit == [], (e["source"], e["target"], hit)


def test_layers_upward_above_root_downward_below(corpus):
    data = chains(corpus, "vinh-phuc/319-kh-ubnd", "both", 2)
    lay = layout(data)
    ry = lay["boxes"][lay["root"]].y
    for n, b in lay["boxes"].items():
        L = data["level"][n]
        assert (b.y < ry) if L < 0 else (b.y > ry) if L > 0 else True
    # layer 1 above root has 36 documents: wrapped into rows no wider than the limit
    st = Style()
    assert lay["width"] <= st.max_width + 2 * st.margin + 1
    assert len(lay["rows"]) > 4


def test_deterministic(corpus):
    data = chains(corpus, "vinh-phuc/319-kh-ubnd", "both", 2)
    a = str(render_svg(data, _href()))
    shuffled = dict(data, nodes=random.Random(1).sample(data["nodes"], len(data["nodes"])),
                    edges=random.Random(2).sample(data["edges"], len(data["edges"])))
    assert str(render_svg(shuffled, _href())) == a
    code = ("import sys, json; sys.path.insert(0, %r); sys.path.insert(0, %r)\n"
            "from test_graphlayout import big, _href\nfrom service.chains import chains\n"
            "from web.graphsvg2 import render_svg\nprint(render_svg(chains(big(), 'root', 'both', 2), _href()))"
            % (str(ROOT), str(ROOT / "tests")))
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONHASHSEED=s)).stdout for s in ("1", "2")}
    assert len(outs) == 1


# ------------------------------------------------------------------- svg ----
def _parse(svg: str):
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def test_svg_well_formed_labels_and_links(corpus):
    data = chains(corpus, "61/2018/NĐ-CP", "both", 2)
    root = _parse(str(render_svg(data, _href(), standalone=True)))
    vb = [float(x) for x in root.get("viewBox").split()]
    assert vb[:2] == [0, 0] and vb[2] > 0
    links = root.findall(f".//{SVG}a")
    assert len(links) == len(data["nodes"])
    for a in links:
        assert a.get("href") == _href()(a.get("data-id"))
        assert a.find(f"{SVG}title").text
    for p in root.findall(f".//{SVG}path[@class]"):
        assert p.find(f"{SVG}title") is not None
    rects = []
    for a in links:
        r = a.find(f"{SVG}rect")
        x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
        rects.append((x, y, w, h))
        for t in a.findall(f"{SVG}text"):
            fs = float(t.get("font-size"))
            assert fs >= 12
            tw = text_width(t.text, fs)
            tx = float(t.get("x"))
            assert x <= tx - tw / 2 and tx + tw / 2 <= x + w
            assert y < float(t.get("y")) <= y + h
    for i, (x, y, w, h) in enumerate(rects):
        for (x2, y2, w2, h2) in rects[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_hostile_labels_are_escaped(toy):
    G = toy.copy()
    add_doc(G, 'evil"<x>', number="<script>alert(1)</script>", title="A & B", type="<b>Luật</b>")
    cite(G, 'evil"<x>', "r", "implements")
    G.graph.clear()
    data = chains(G, "r", "both", 1)
    svg = str(render_svg(data, _href(), standalone=True))
    assert "<script" not in svg and "<b>" not in svg
    root = _parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<script>alert(1)</script>" in texts
    a = [x for x in root.iter(f"{SVG}a") if x.get("data-id") == 'evil"<x>'][0]
    assert a.get("href") == _href()('evil"<x>')


def test_relation_list_groups(corpus):
    data = chains(corpus, "vinh-phuc/319-kh-ubnd", "both", 2)
    rel = relation_list(data)
    assert rel["up"]["title"] == "Văn bản căn cứ"
    assert rel["up"]["count"] == sum(1 for v in data["level"].values() if v < 0)
    assert rel["down"]["count"] == sum(1 for v in data["level"].values() if v > 0)
    first = rel["up"]["levels"][0]
    assert first["level"] == 1
    assert all(any(r["other"]["id"] == data["root"]["id"] for r in it["relations"]) for it in first["items"])
    json.dumps(rel)  # plain data for a template or JSON

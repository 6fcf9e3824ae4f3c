"""kg/graphfile.py: exact, code-free round trip of the knowledge graph."""
import pickle
from pathlib import Path

import networkx as nx
import pytest

from kg.graph import build_graph
from kg.graphfile import MAGIC, dumps, loads, read_graph, write_graph
from kg.pipeline import extract_file

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"


def same(a, b):
    """Equal values with equal types, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def assert_identical(G, H):
    assert type(G) is type(H)
    assert same(G.graph, H.graph)
    assert list(G.nodes) == list(H.nodes)
    for n in G.nodes:
        assert same(G.nodes[n], H.nodes[n]), n
        assert list(G.adj[n]) == list(H.adj[n]), n
        if G.is_directed():
            assert list(G.pred[n]) == list(H.pred[n]), n
    kw = {"keys": True} if G.is_multigraph() else {}
    ge, he = list(G.edges(data=True, **kw)), list(H.edges(data=True, **kw))
    assert len(ge) == len(he)
    for x, y in zip(ge, he):
        assert same(x, y), x


@pytest.fixture(scope="module")
def corpus_graph():
    exs = [extract_file(p, p.name).to_json() for p in sorted(CORPUS.glob("*.txt"))]
    return build_graph(exs)


def test_corpus_graph_round_trip(tmp_path, corpus_graph):
    G = corpus_graph
    assert G.number_of_nodes() > 100 and G.number_of_edges() > 100
    path = tmp_path / "graph.msgpack"
    write_graph(G, path)
    H = read_graph(path)
    assert_identical(G, H)
    assert path.read_bytes().startswith(MAGIC)
    assert path.stat().st_size < len(pickle.dumps(G, protocol=pickle.HIGHEST_PROTOCOL)) * 1.5


def test_types_and_order_preserved():
    G = nx.MultiDiGraph(name="g", made=(1, 2))
    G.add_node("c", span=(3, 9), tags=["a", "b"], s={"x", "y"}, f=frozenset({1}), m={1: "int key", (1, 2): "tuple"})
    G.add_node(("tuple", 1), none=None, b=True, x=1.5, raw=b"\x00\xff")
    G.add_node("a")
    G.add_node("b")
    # predecessors of "c" in an order the edge listing does not reproduce
    G.add_edge("b", "c", key="cites", evidence=[{"span": (1, 2), "cue": "căn cứ"}])
    G.add_edge("a", "c", key="based_on")
    G.add_edge("a", "c", key="cites", type="cites")
    G.add_edge(("tuple", 1), "a", key=7)
    assert list(G.pred["c"]) == ["b", "a"]
    H = loads(dumps(G))
    assert_identical(G, H)
    assert isinstance(H.nodes["c"]["span"], tuple) and isinstance(H.nodes["c"]["tags"], list)
    assert list(H.pred["c"]) == ["b", "a"]
    for cls in (nx.Graph, nx.DiGraph, nx.MultiGraph):
        g = cls()
        g.add_edge("x", "y", w=(1,))
        g.add_node("z", k=[1])
        assert_identical(g, loads(dumps(g)))


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_refuses_code_and_garbage(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("n", bad=_Evil())
    with pytest.raises(TypeError, match="_Evil"):
        dumps(G)
    planted = tmp_path / "graph.msgpack"
    planted.write_bytes(pickle.dumps(nx.MultiDiGraph()))
    with pytest.raises(ValueError, match="not a legalkg graph file"):
        read_graph(planted)
    planted.write_bytes(MAGIC + b"\xc1\xc1garbage")
    with pytest.raises(ValueError, match="graph.msgpack"):
        read_graph(planted)

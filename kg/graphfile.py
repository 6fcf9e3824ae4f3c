"""The networkx graph on disk as data, never as code: MessagePack, no pickle.

``write_graph(G, path)`` / ``read_graph(path)`` round-trip a (Multi)(Di)Graph
exactly: node and edge order, edge keys, the order of each node's
predecessors, graph/node/edge attributes with their Python types (tuples stay
tuples, lists stay lists, sets stay sets, non-string dict keys stay as they
were).  Anything else (objects, functions, ...) is refused with TypeError when
writing; reading only ever builds dicts, lists, tuples, sets, str, bytes,
int, float, bool and None, so a planted file cannot run code (unlike pickle).

File layout: the 8-byte magic ``b"LKGGRF1\\n"`` then one MessagePack map
``{"directed", "multigraph", "graph", "nodes", "nattrs", "edges", "pred"}``
where edges are ``[u_index, v_index, key, attrs]`` (``key`` only for
multigraphs) and ``pred`` lists, for the few nodes whose predecessor order
differs from the order the edges re-create, that order as node indices.
"""
from __future__ import annotations

from pathlib import Path

import msgpack
import networkx as nx

from .fsutil import atomic_write

MAGIC = b"LKGGRF1\n"
_TUPLE, _SET, _FROZENSET = 1, 2, 3


def _default(obj):
    if isinstance(obj, tuple):
        return msgpack.ExtType(_TUPLE, _pack(list(obj)))
    if isinstance(obj, frozenset):
        return msgpack.ExtType(_FROZENSET, _pack(sorted(obj, key=repr)))
    if isinstance(obj, set):
        return msgpack.ExtType(_SET, _pack(sorted(obj, key=repr)))
    raise TypeError(f"cannot store a {type(obj).__name__} in the graph file")


def _pack(obj) -> bytes:
    return msgpack.packb(obj, default=_default, strict_types=True, use_bin_type=True)


def _ext_hook(code: int, data: bytes):
    items = _unpack(data)
    if code == _TUPLE:
        return tuple(items)
    if code == _SET:
        return set(items)
    if code == _FROZENSET:
        return frozenset(items)
    raise ValueError(f"unknown extension type {code} in graph file")


def _unpack(data: bytes):
    return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook, use_list=True)


def dumps(G: nx.Graph) -> bytes:
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    multi = G.is_multigraph()
    if multi:
        edges = [[index[u], index[v], k, d] for u, v, k, d in G.edges(keys=True, data=True)]
    else:
        edges = [[index[u], index[v], d] for u, v, d in G.edges(data=True)]
    pred: dict[int, list[int]] = {}
    if G.is_directed():
        rebuilt: dict = {}
        for e in edges:
            order = rebuilt.setdefault(e[1], {})
            order.setdefault(e[0], None)
        for v in nodes:
            have = [index[u] for u in G.pred[v]]
            if have != list(rebuilt.get(index[v], {})):
                pred[index[v]] = have
    doc = {"directed": G.is_directed(), "multigraph": multi, "graph": dict(G.graph),
           "nodes": nodes, "nattrs": [G.nodes[n] for n in nodes], "edges": edges, "pred": pred}
    return MAGIC + _pack(doc)


def loads(data: bytes, name: str = "graph file") -> nx.Graph:
    if not data.startswith(MAGIC):
        raise ValueError(f"{name}: not a legalkg graph file")
    try:
        doc = _unpack(memoryview(data)[len(MAGIC):])
    except (ValueError, msgpack.UnpackException) as e:
        raise ValueError(f"{name}: corrupt graph file ({e})") from None
    cls = {(True, True): nx.MultiDiGraph, (True, False): nx.DiGraph,
           (False, True): nx.MultiGraph, (False, False): nx.Graph}[(bool(doc["directed"]), bool(doc["multigraph"]))]
    G = cls()
    G.graph.update(doc["graph"])
    nodes = doc["nodes"]
    G.add_nodes_from(zip(nodes, doc["nattrs"]))
    if doc["multigraph"] and doc["directed"]:
        # straight into networkx's adjacency dicts (what add_edge does, without
        # its per-edge checks: the file was written from a valid graph)
        succ, pred = G._succ, G._pred
        for u, v, k, d in doc["edges"]:
            U, V = nodes[u], nodes[v]
            kd = succ[U].get(V)
            if kd is None:
                kd = succ[U][V] = G.edge_key_dict_factory()
                pred[V][U] = kd
            kd[k] = d
        nx._clear_cache(G)
    elif doc["multigraph"]:
        G.add_edges_from((nodes[u], nodes[v], k, d) for u, v, k, d in doc["edges"])
    else:
        G.add_edges_from((nodes[u], nodes[v], d) for u, v, d in doc["edges"])
    for vi, order in doc["pred"].items():
        inner = G._pred[nodes[vi]]
        G._pred[nodes[vi]] = {nodes[u]: inner[nodes[u]] for u in order}
    return G


def write_graph(G: nx.Graph, path: Path) -> None:
    """Atomic: written to a temporary file, fsync'ed, renamed over ``path``."""
    atomic_write(path, dumps(G))


def read_graph(path: Path) -> nx.Graph:
    path = Path(path)
    return loads(path.read_bytes(), str(path))

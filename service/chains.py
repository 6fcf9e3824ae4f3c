"""Citation chains around one document: what it rests on and what rests on it.

Edges in the graph point citing → cited (``A based_on B`` is an edge A → B).
The *upward* chain of a root follows out-edges (the documents it rests on,
then the ones those rest on, …); the *downward* chain follows in-edges (the
documents that implement, guide, amend or cite it, then their followers, …).

"Both directions" is the union of the two chains and nothing else: a document
that merely shares a parent with the root (a sibling reached by going up and
then down) is *not* included — that is what turned a hub document into a
hairball when every neighbour of every neighbour was expanded.

This is ``cites --json`` / ``/api/cites`` / the graph page alike: {root, direction, depth, nodes, edges} plus ``level``: the signed chain distance of every node
(negative upward, 0 for the root, positive downward) for layered drawing.
"""
from __future__ import annotations

import networkx as nx

from .query import NotFound, _citation_index, _summaries, resolve_document

MAX_DEPTH = 10


def _index(G: nx.MultiDiGraph) -> tuple[dict, dict]:
    """Adjacency lists of citation edges (``query._citation_index``), sorted so
    every traversal is deterministic."""
    idx = G.graph.get("_chain_index")
    if idx is None:
        idx = G.graph["_chain_index"] = tuple({n: sorted(lst, key=lambda t: (t[0], t[1])) for n, lst in adj.items()}
                                              for adj in _citation_index(G))
    return idx


def _walk(adj: dict, root: str, depth: int, incoming: bool) -> tuple[dict, dict]:
    """Breadth-first along one adjacency only: {node: distance}, {(u, v, rel): evidence}."""
    dist = {root: 0}
    edges: dict[tuple[str, str, str], list] = {}
    frontier = [root]
    for d in range(1, depth + 1):
        nxt = []
        for node in frontier:
            for other, k, ev in adj.get(node, ()):
                edges[(other, node, k) if incoming else (node, other, k)] = ev
                if other not in dist:
                    dist[other] = d
                    nxt.append(other)
        frontier = nxt
        if not frontier:
            break
    return dist, edges


def chains(G: nx.MultiDiGraph, ref: str, direction: str = "both", depth: int = 1,
           evidence: bool = True) -> dict:
    """The upward chain ("out"), the downward chain ("in") or both of them ("both")."""
    if direction not in ("out", "in", "both"):
        raise NotFound("direction must be out, in or both")
    depth = max(0, min(int(depth), MAX_DEPTH))
    root = resolve_document(G, ref)
    out_adj, in_adj = _index(G)
    up, up_edges = _walk(out_adj, root, depth, incoming=False) if direction != "in" else ({root: 0}, {})
    down, down_edges = _walk(in_adj, root, depth, incoming=True) if direction != "out" else ({root: 0}, {})
    level: dict[str, int] = {}
    for n, d in down.items():
        level[n] = d
    for n, d in up.items():
        # a document on both chains (a citation cycle) is drawn on the nearer side, upward on a tie
        if n not in level or d <= level[n]:
            level[n] = -d
    level[root] = 0
    edges = dict(up_edges)
    edges.update(down_edges)
    summaries = _summaries(G)
    nodes = [summaries[n] for n in sorted(level)]
    if evidence:
        edge_list = [{"source": u, "target": v, "type": k, "evidence": ev} for (u, v, k), ev in sorted(edges.items())]
    else:
        edge_list = [{"source": u, "target": v, "type": k} for (u, v, k) in sorted(edges)]
    return {"root": summaries[root], "direction": direction, "depth": depth, "nodes": nodes,
            "edges": edge_list, "level": {n: level[n] for n in sorted(level)}}

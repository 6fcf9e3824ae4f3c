"""Graph queries shared by the CLI, the HTTP API and the web pages.

Every function takes the knowledge graph (``Store.graph()``) and returns plain
JSON-ready dicts; the shapes are documented on each function.  Unknown
references raise ``NotFound``, references that match several documents
``Ambiguous`` (both ``LookupError``; the CLI exits 2, the web answers 404 /
300 with the candidates).
"""
from __future__ import annotations

import datetime as _dt
from typing import Optional

import networkx as nx

from kg.agencies import canonical_name
from kg.numbers import find_numbers, normalise_number
from kg.provinces import find_province
from kg.vntext import name_key, search_key
from kg.vocab import CITATION_TYPES, ROLES


class NotFound(LookupError):
    """No such document / agency / task; ``candidates`` are near misses (doc summaries)."""

    def __init__(self, message: str, candidates: Optional[list[dict]] = None):
        super().__init__(message)
        self.candidates = candidates


class Ambiguous(LookupError):
    """A reference that matches several documents; ``candidates`` are their summaries."""

    def __init__(self, ref: str, candidates: list[dict], message: Optional[str] = None):
        super().__init__(message or (f"'{ref}' matches {len(candidates)} documents: "
                                     + ", ".join(c["id"] for c in candidates) + " (use an id)"))
        self.candidates = candidates


def doc_summary(G: nx.MultiDiGraph, node: str) -> dict:
    """``{"id", "number", "type", "date", "province", "title", "issuer", "in_corpus"}``."""
    n = G.nodes[node]
    return {"id": node, "number": n.get("number"), "type": n.get("type"), "date": n.get("date"),
            "province": n.get("province"), "title": n.get("title"), "issuer": n.get("issuer"),
            "in_corpus": bool(n.get("in_corpus"))}


def resolve_document(G: nx.MultiDiGraph, ref: str) -> str:
    """The node id of the document a number or id names (a province in the
    reference narrows local numbers).  Raises NotFound / Ambiguous."""
    ref = (ref or "").strip()
    if not ref or len(ref) > 300:
        raise NotFound("document reference must be a number or id of at most 300 characters")
    if ref in G and G.nodes[ref].get("kind") == "document":
        return ref
    hits = find_numbers(ref)
    number = hits[0][2] if hits else normalise_number(ref)
    prov = find_province(ref[hits[0][1]:]) if hits else None
    cands = [n for n, a in G.nodes(data=True) if a.get("kind") == "document" and a.get("number")
             and a["number"].upper().replace("CD-", "CĐ-") == number.upper().replace("CD-", "CĐ-")]
    if prov:
        cands = [c for c in cands if G.nodes[c].get("province") == prov] or cands
    if not cands:
        raise NotFound(f"no document '{ref}' in the graph")
    if len(cands) > 1:
        raise Ambiguous(ref, [doc_summary(G, c) for c in sorted(cands)])
    return cands[0]


def _citation_index(G: nx.MultiDiGraph) -> tuple[dict, dict]:
    """Plain adjacency lists of citation edges, built once per (immutable) graph:
    traversals then cost a few dict lookups per edge instead of networkx views."""
    idx = G.graph.get("_citation_index")
    if idx is None:
        out_adj: dict[str, list] = {}
        in_adj: dict[str, list] = {}
        for u, v, k, data in G.edges(keys=True, data=True):
            if k in CITATION_TYPES:
                ev = data.get("evidence", [])
                out_adj.setdefault(u, []).append((v, k, ev))
                in_adj.setdefault(v, []).append((u, k, ev))
        idx = G.graph["_citation_index"] = (out_adj, in_adj)
    return idx


def _summaries(G: nx.MultiDiGraph) -> dict:
    cache = G.graph.get("_doc_summaries")
    if cache is None:
        cache = G.graph["_doc_summaries"] = {n: doc_summary(G, n) for n, a in G.nodes(data=True)
                                             if a.get("kind") == "document"}
    return cache


def _citation_digraph(G: nx.MultiDiGraph) -> nx.DiGraph:
    """Documents and who cites whom, relation types collapsed (paths, PageRank)."""
    out_adj, _ = _citation_index(G)
    H = nx.DiGraph()
    H.add_edges_from((u, v) for u, targets in out_adj.items() for v, _, _ in targets)
    return H


def citation_path(G: nx.MultiDiGraph, a: str, b: str) -> dict:
    """The shortest citation path between two documents, either direction.

    Returns ``{"a": doc summary, "b": doc summary, "path": [node ids] (empty
    when unconnected), "documents": [doc summary per path node]}``."""
    ra, rb = resolve_document(G, a), resolve_document(G, b)
    H = _citation_digraph(G)
    path = []
    for s, t in ((ra, rb), (rb, ra)):
        try:
            path = nx.shortest_path(H, s, t)
            break
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            continue
    return {"from": doc_summary(G, ra), "to": doc_summary(G, rb), "path": path,
            "documents": [doc_summary(G, n) for n in path]}


def most_cited(G: nx.MultiDiGraph, n: int = 10) -> list[dict]:
    """The ``n`` most-cited documents: ``[doc summary + {"in_degree",
    "pagerank"}]``, by distinct citing documents then PageRank."""
    H = _citation_digraph(G)
    if not H:
        return []
    pr = nx.pagerank(H)
    indeg = {node: len({u for u, _ in H.in_edges(node)}) for node in H}
    top = sorted(H.nodes, key=lambda x: (-indeg[x], -pr[x], x))[:n]
    return [dict(doc_summary(G, t), in_degree=indeg[t], pagerank=round(pr[t], 6)) for t in top]


def find_agencies(G: nx.MultiDiGraph, name: str) -> list[str]:
    """Sorted ids of the agencies whose name or alias matches ``name``
    (accent-insensitive, substring allowed; a province in the name narrows)."""
    key = name_key(name)
    skey = search_key(name)
    prov = find_province(name)
    out = []
    for n, a in G.nodes(data=True):
        if a.get("kind") != "agency":
            continue
        names = [a["name"]] + list(a.get("aliases", []))
        if any(name_key(x) == key or search_key(x) == skey for x in names) or \
                any(skey in search_key(x) for x in names):
            out.append(n)
    if prov:
        out = [o for o in out if G.nodes[o].get("province") == prov] or out
    return sorted(out)


def today() -> str:
    return _dt.date.today().isoformat()


def task_row(G: nx.MultiDiGraph, node: str, now: Optional[str] = None) -> dict:
    """One task or assignment as listed under an agency (``/api/agency``,
    ``agency --json`` and ``/agency/<id>.json`` alike).

    Returns ``{"id", "kind": "task" | "assignment", "text", "section",
    "section_title", "no", "deadline", "deadline_start", "deadline_end",
    "product", "lead": [names], "support": [names], "status": "open" | "past"
    | null (deadline end vs today), "document": doc summary | null}``.
    """
    t = G.nodes[node]
    doc = t.get("document")
    end = t.get("deadline_end")
    now = now or today()
    return {"id": node, "kind": t.get("kind"), "text": t.get("text"), "section": t.get("section"),
            "section_title": t.get("section_title"), "no": t.get("no"),
            "deadline": t.get("deadline"), "deadline_start": t.get("deadline_start"),
            "deadline_end": end, "product": t.get("product"),
            "lead": list(t.get("lead") or ([t.get("agency")] if t.get("agency") else [])),
            "support": list(t.get("support") or []),
            "status": None if not end else ("past" if end < now else "open"),
            "document": doc_summary(G, doc) if doc in G else None}


def agency_summary(G: nx.MultiDiGraph, aid: str) -> dict:
    """``{"id", "name", "province", "aliases", "kind"}`` of an agency node."""
    a = G.nodes[aid]
    return {"id": aid, "name": a.get("name"), "province": a.get("province"),
            "aliases": list(a.get("aliases") or []), "kind": a.get("agency_kind")}


def agency_roles(G: nx.MultiDiGraph, aid: str, now: Optional[str] = None) -> dict[str, list[dict]]:
    """``{"lead": [task_row], "support": [task_row]}`` of one agency, unsorted."""
    roles: dict[str, list[dict]] = {r: [] for r in ROLES}
    now = now or today()
    for u, _, k in G.in_edges(aid, keys=True):
        if k in roles:
            roles[k].append(task_row(G, u, now))
    return roles


def agency_tasks(G: nx.MultiDiGraph, name: str) -> dict:
    """``agency --json`` / ``GET /api/agency``: the tasks every agency matching
    ``name`` leads and supports.

    Returns ``{"query": name, "agencies": [agency summary + {"lead":
    [task_row], "support": [task_row]}]}``, rows sorted by document, deadline
    end, id.  Raises NotFound when no agency matches.
    """
    ids = find_agencies(G, canonical_name(name.strip())) if name.strip() else []
    if not ids:
        raise NotFound(f"no agency matching '{name}'", candidates=[])
    res = []
    now = today()
    for aid in ids:
        entry = agency_summary(G, aid)
        entry.update(agency_roles(G, aid, now))
        for role in ROLES:
            entry[role].sort(key=lambda x: ((x["document"] or {}).get("id") or "", x.get("deadline_end") or "9999",
                                            x["id"]))
        res.append(entry)
    return {"query": name, "agencies": res}


def document_detail(G: nx.MultiDiGraph, ref: str) -> dict:
    """``GET /api/document``: one document with its relations and rows.

    Returns ``{"document": doc summary + {"source", "signer", "attached",
    "conflicts"}, "outgoing": {relation: [doc summary]}, "incoming": {relation:
    [doc summary]}, "tasks": [task node attributes + id], "assignments": [...]}``.
    """
    node = resolve_document(G, ref)
    out_groups: dict[str, list] = {}
    in_groups: dict[str, list] = {}
    for _, v, k in G.out_edges(node, keys=True):
        if k in CITATION_TYPES:
            out_groups.setdefault(k, []).append(doc_summary(G, v))
    for u, _, k in G.in_edges(node, keys=True):
        if k in CITATION_TYPES:
            in_groups.setdefault(k, []).append(doc_summary(G, u))
    tasks = sorted((u for u, _, k in G.in_edges(node, keys=True) if k == "part_of"
                    and G.nodes[u].get("kind") == "task"))
    assigns = sorted((u for u, _, k in G.in_edges(node, keys=True) if k == "part_of"
                      and G.nodes[u].get("kind") == "assignment"))
    n = G.nodes[node]
    return {"document": dict(doc_summary(G, node), source=n.get("source"), signer=n.get("signer"),
                             attached=n.get("attached"), conflicts=n.get("conflicts", [])),
            "outgoing": {k: sorted(v, key=lambda d: d["id"]) for k, v in out_groups.items()},
            "incoming": {k: sorted(v, key=lambda d: d["id"]) for k, v in in_groups.items()},
            "tasks": [dict(G.nodes[t], id=t) for t in tasks],
            "assignments": [dict(G.nodes[a], id=a) for a in assigns]}

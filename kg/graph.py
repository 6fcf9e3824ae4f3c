"""The knowledge graph: one node per real document, typed edges with evidence.

Identity: central documents by number; local ones by number + province
(``document_id``); a corpus document and every reference to it share a node.
Conflicting metadata (same node, different dates/titles) is kept as a list of
``conflicts`` with sources, never silently merged or dropped.
"""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from .agencies import resolve_agency
from .ids import slug
from .vocab import CITATION_TYPES, ROLES

__all__ = ["CITATION_TYPES", "build_graph", "resolve_issuers"]
_DOC_FIELDS = ("number", "type", "date", "issuer", "province", "title")


def _new_doc(G: nx.MultiDiGraph, node_id: str) -> None:
    defaults = dict(kind="document", in_corpus=False, source=None, conflicts=[], **{f: None for f in _DOC_FIELDS})
    G.add_node(node_id, **{**defaults, **G.nodes.get(node_id, {})})


def _merge_doc(G: nx.MultiDiGraph, node_id: str, attrs: dict, source: str, authoritative: bool) -> None:
    if G.nodes.get(node_id, {}).get("kind") is None:      # new, or made bare by an edge to it
        _new_doc(G, node_id)
    n = G.nodes[node_id]
    for f in _DOC_FIELDS:
        v = attrs.get(f)
        if v in (None, ""):
            continue
        cur = n.get(f)
        if cur in (None, ""):
            n[f] = v
        elif cur != v and f in ("date", "title") and not (f == "title" and not authoritative):
            if authoritative:
                n["conflicts"].append({"field": f, "value": cur, "source": n.get("_from", "reference")})
                n[f] = v
            else:
                n["conflicts"].append({"field": f, "value": v, "source": source})
    if authoritative:
        n["_from"] = source


def build_graph(extractions: Iterable[dict]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    exs = list(extractions)
    # corpus documents first, so their own metadata is authoritative
    for ex in exs:
        d = ex["document"]
        _merge_doc(G, d["id"], d, ex["source"], authoritative=True)
        n = G.nodes[d["id"]]
        n["in_corpus"] = True
        n["source"] = ex["source"]
        n["signer"] = d.get("signer")
        n["attached"] = d.get("attached")
        if d.get("province"):
            pid = f"province/{slug(d['province'])}"
            G.add_node(pid, kind="province", name=d["province"])
    # a law cited without its year joins the one node of that name with a year, if unique
    yeared: dict[str, set] = {}
    for ex in exs:
        for r in ex["references"]:
            if r["number"] is None and r.get("year"):
                yeared.setdefault(r["target_id"].rsplit("-", 1)[0], set()).add(r["target_id"])
    for ex in exs:
        d = ex["document"]
        src = ex["source"]
        for r in ex["references"]:
            tid = r["target_id"]
            if r["number"] is None and not r.get("year") and len(yeared.get(tid, ())) == 1:
                tid = next(iter(yeared[tid]))
            _merge_doc(G, tid, {"number": r["number"], "type": r["type"], "date": r["date"],
                                "issuer": r["issuer"], "province": r.get("province"),
                                "title": r["title"] if r["number"] is None else r.get("title")},
                       src, authoritative=False)
            if tid == d["id"]:
                continue
            ev = {"source": src, "span": r["span"], "cue": r.get("cue")}
            if G.has_edge(d["id"], tid, key=r["relation"]):
                G.edges[d["id"], tid, r["relation"]]["evidence"].append(ev)
            else:
                G.add_edge(d["id"], tid, key=r["relation"], type=r["relation"], evidence=[ev])
        # stated relations between other documents: resolve numbers via this document's references
        by_label = {(r["number"] or r["title"]): r["target_id"] for r in ex["references"]}
        by_label[d.get("number")] = d["id"]
        for rel in ex.get("relations", []):
            s, t = by_label.get(rel["source"]), by_label.get(rel["target"])
            if s and t and s != t:
                ev = {"source": src, "span": rel.get("span"), "cue": rel.get("cue"), "stated_in": d["id"]}
                if G.has_edge(s, t, key=rel["type"]):
                    G.edges[s, t, rel["type"]]["evidence"].append(ev)
                else:
                    G.add_edge(s, t, key=rel["type"], type=rel["type"], evidence=[ev])
        att = d.get("attached")
        if att:
            # the plan issued with a decision: its own node, attached_to the decision
            pid = f"{d['id']}/{slug(att.get('type') or 'ke-hoach')}"
            G.add_node(pid, kind="document", number=None, type=att.get("type"), date=d.get("date"),
                       issuer=d.get("issuer"), province=d.get("province"), title=att.get("title"),
                       in_corpus=True, source=src, conflicts=[], attached_to=d["id"])
            G.add_edge(pid, d["id"], key="attached_to", type="attached_to",
                       evidence=[{"source": src, "span": None, "cue": "Ban hành kèm theo"}])
        for a in ex["agencies"]:
            if a["id"] not in G:
                G.add_node(a["id"], kind="agency", name=a["name"], aliases=list(a["aliases"]),
                           province=a["province"], agency_kind=a.get("kind"))
            else:
                al = set(G.nodes[a["id"]].get("aliases", [])) | set(a["aliases"])
                G.nodes[a["id"]]["aliases"] = sorted(al)
            if a["province"]:
                pid = f"province/{slug(a['province'])}"
                if pid not in G:
                    G.add_node(pid, kind="province", name=a["province"])
                if not G.has_edge(a["id"], pid, key="located_in"):
                    G.add_edge(a["id"], pid, key="located_in", type="located_in")
        name_to_id = {}
        for a in ex["agencies"]:
            name_to_id[a["name"]] = a["id"]
            for al in a["aliases"]:
                name_to_id.setdefault(al, a["id"])
        for t in ex["tasks"]:
            G.add_node(t["id"], kind="task", text=t["text"], section=t["section"],
                       section_title=t.get("section_title"), no=t["no"], deadline=t["deadline"],
                       deadline_start=(t.get("deadline_range") or [None, None])[0],
                       deadline_end=(t.get("deadline_range") or [None, None])[1],
                       product=t.get("product"), objective=t.get("objective"), document=d["id"],
                       lead=list(t["lead"]), support=list(t["support"]), span=t.get("span"),
                       references=list(t.get("references", [])))
            G.add_edge(t["id"], d["id"], key="part_of", type="part_of")
            for role in ROLES:
                for name in t[role]:
                    aid = name_to_id.get(name)
                    if aid:
                        G.add_edge(t["id"], aid, key=role, type=role)
            for num in t.get("references", []):
                target = by_label.get(num)
                if target:
                    G.add_edge(t["id"], target, key="mentions", type="mentions")
        for a in ex["assignments"]:
            G.add_node(a["id"], kind="assignment", agency=a["agency"], text=a["text"], document=d["id"],
                       span=a.get("span"))
            G.add_edge(a["id"], d["id"], key="part_of", type="part_of")
            aid = name_to_id.get(a["agency"])
            if aid:
                G.add_edge(a["id"], aid, key="lead", type="lead")
    for n, attrs in list(G.nodes(data=True)):
        attrs.pop("_from", None)
        if attrs.get("kind") is None:      # a document only a task mentions or a stated relation names
            _new_doc(G, n)
    resolve_issuers(G)
    return G


def resolve_issuers(G: nx.MultiDiGraph) -> None:
    """Resolve every document's issuer name once, into ``issuer_agency`` =
    ``{"id", "name", "kind", "province"}`` (what ``kg.agencies`` makes of it;
    the RDF mapping reads it instead of resolving names again)."""
    for n, a in G.nodes(data=True):
        if a.get("kind") != "document":
            continue
        name = str(a.get("issuer") or "").strip()
        province = str(a.get("province") or "").strip() or None
        if not name:
            continue
        try:
            ag = resolve_agency(name, province)
            a["issuer_agency"] = {"id": ag.id, "name": ag.name, "kind": ag.kind, "province": ag.province}
        except Exception:  # noqa: BLE001 - defensive: a strange name never fails a build
            a["issuer_agency"] = {"id": (slug(province) if province else "vn") + "/" + (slug(name) or "unknown"),
                                  "name": name, "kind": None, "province": province}

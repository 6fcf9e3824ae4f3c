"""View models of the web pages: plain dicts built from the graph, the
extractions and the search engine.  The same dict feeds the Jinja template and
the JSON twin (``/doc/<id>.json`` …).  Lookups that fail raise
``service.query.NotFound`` (404) or ``Ambiguous`` (300), with candidates.

Each function takes the ``service.Service`` it works for (graph, caches)."""
from __future__ import annotations

import re
from collections import Counter, OrderedDict
from typing import Optional

from kg.vntext import fold
from kg.vocab import AGENCY_KINDS, CITATION_TYPES, IN_LABELS, OUT_LABELS, ROLES
from search.rows import record_years

from .docmeta import official_links, plan_start, validity
from .query import (Ambiguous, NotFound, agency_roles, agency_summary, doc_summary, document_detail, most_cited,
                    resolve_document, today)

ALWAYS_SHOWN = {("out", "based_on"), ("out", "implements"), ("out", "amends"), ("in", "amends"),
                ("out", "replaces"), ("in", "replaces"), ("in", "guides"), ("in", "implements")}

EXAMPLES = [
    "ai chủ trì số hóa kết quả TTHC",
    "cơ quan nào phối hợp đánh giá chỉ số PAR INDEX",
    "thời hạn triển khai chỉ số hài lòng SIPAS",
    "Sở Nội vụ chủ trì những nhiệm vụ gì ở Tiền Giang",
    "nâng cao chỉ số PAPI năm 2024",
]


def doc_label(d: Optional[dict]) -> str:
    if not d:
        return ""
    return d.get("number") or d.get("title") or d.get("id") or ""


# ================================================================ search ==
def _agency_links(state, G, task_id: str, names: list[str], province: Optional[str]) -> list[dict]:
    """Names → [{name, id}] using the task's lead/support edges, else the name index."""
    ids_by_name: dict[str, str] = {}
    if task_id in G:
        for _, aid, k in G.out_edges(task_id, keys=True):
            if k in ("lead", "support") and aid in G:
                a = G.nodes[aid]
                for nm in [a.get("name")] + list(a.get("aliases") or []):
                    ids_by_name.setdefault(nm, aid)
    by_name = state.derived()["agencies_by_name"]
    out = []
    for nm in names or []:
        aid = ids_by_name.get(nm)
        if not aid:
            cands = by_name.get(nm, [])
            same = [c for c in cands if G.nodes[c].get("province") == province]
            aid = (same or cands or [None])[0]
        out.append({"name": nm, "id": aid})
    return out


FACETS = ("province", "document", "agency", "year")
PAGE_POOL = 1000


def _facet_values(r: dict) -> dict:
    d = r.get("document") or {}
    return {"province": {d.get("province") or "Trung ương"}, "document": {d.get("id")},
            "agency": set((r["task"].get("lead") or []) + (r["task"].get("support") or [])),
            "year": set(record_years(r))}


def _keeps(vals: dict, filters: dict, skip: Optional[str] = None) -> bool:
    for key in FACETS:
        want = filters.get(key)
        if key == skip or not want or (key == "province" and want == "*"):
            continue
        if (int(want) if key == "year" else want) not in vals[key]:
            return False
    return True


def _pool(res: dict) -> tuple[list, list]:
    """The rows a search page counts and filters (the matches of a task
    answer; every row of a document/relation/agency answer; none when the
    answer is 'not found') with their facet values."""
    results = res.get("results", [])
    route = res.get("route")
    matches = results[:res.get("total") or 0] if route == "task" else ([] if route == "none" else results)
    return matches, [_facet_values(r) for r in matches]


def search_view(state, q: str, filters: dict, show: int = 20, page: int = 1) -> dict:
    """The search page: the routed answer (``service.ask``), the matching rows
    (score at or above the calibrated floor; the agency's / document's rows
    for those routes; the nearest rows, marked, when the answer is 'not
    found'), facets counted with the *other* active filters applied, chips
    with labels, real totals and pages of ``show`` rows."""
    out = {"query": q, "filters": filters, "examples": EXAMPLES}
    if not q:
        return out
    # an explicit province filter (or "*", the removed question chip) replaces the question's own
    want = filters.get("province")
    res = state.ask(q, k=PAGE_POOL, ignore_province=bool(want))
    matches, vals = _pool(res)
    if want and want != "*" and not any(want in v["province"] for v in vals):
        # none of the province's rows is among the question's matches (so it has
        # no facet to count): ask within the province instead of showing nothing
        res = state.ask(q, k=PAGE_POOL, ignore_province=True, province=want)
        matches, vals = _pool(res)
    G = state.graph()
    results = res.get("results", [])
    nearest = res.get("route") == "none"
    facets = {}
    labels: dict[str, str] = {}
    for key in FACETS:
        c: Counter = Counter()
        for r, v in zip(matches, vals):
            if _keeps(v, filters, skip=key):
                for x in (sorted(v[key]) if key != "agency" else list(dict.fromkeys(
                        (r["task"].get("lead") or []) + (r["task"].get("support") or [])))):
                    c[x] += 1
                    if key == "document":
                        labels[x] = doc_label(r.get("document"))
        facets[key] = c
    filtered = [r for r, v in zip(matches, vals) if _keeps(v, filters)]
    pages = max(1, -(-len(filtered) // show))
    page = max(1, min(int(page or 1), pages))
    # 'not found': the nearest rows, within the filters the reader chose
    shown = filtered[(page - 1) * show: page * show] if not nearest else \
        [r for r in results if _keeps(_facet_values(r), filters)][:5]
    rows = []
    for r in shown:
        t, d = r["task"], r.get("document") or {}
        rows.append({"score": r.get("score"), "kind": r.get("kind"), "task": t, "document": d,
                     "nearest": bool(r.get("nearest")),
                     "lead": _agency_links(state, G, t["id"], t.get("lead") or [], d.get("province")),
                     "support": _agency_links(state, G, t["id"], t.get("support") or [], d.get("province")),
                     "in_graph": t["id"] in G})
    chips = []
    for key in FACETS:
        want = filters.get(key)
        if not want or want == "*":
            continue
        label = want
        if key == "document":
            label = labels.get(want) or (doc_label(doc_summary(G, want)) if want in G else want)
        chips.append({"key": key, "value": want, "label": label, "from_question": False})
    qprov = res.get("province")
    if qprov and not filters.get("province"):
        chips.insert(0, {"key": "province", "value": "*", "label": qprov, "from_question": True})
    active = any(v for k, v in filters.items() if k in FACETS and v and v != "*")
    out.update({
        "route": res.get("route"), "intent": res.get("intent"), "province": qprov, "engine_filters": res.get("filters"),
        "reason": res.get("reason"), "nearest": nearest,
        "answer": _card(state, G, res, filtered, active),
        "results": rows, "total": len(filtered), "matches": len(matches), "page": page, "pages": pages,
        "show": show, "chips": chips,
        "facets": {
            "province": facets["province"].most_common(),
            "document": [(i, labels.get(i) or i, c) for i, c in facets["document"].most_common()],
            "agency": facets["agency"].most_common(30),
            "year": sorted(facets["year"].items()),
        },
    })
    return out


def _card(state, G, res: dict, filtered: list[dict], active: bool) -> Optional[dict]:
    """The answer card, per route: task (who leads, who coordinates, by
    when, the source rows), document, relation, agency; None when the
    question is not answered (route none)."""
    route = res.get("route")
    ans = res.get("answer")
    if route == "none" or ans is None:
        return None
    if route == "document":
        return {"route": route, "documents": ans.get("documents", []), "text": ans.get("text")}
    if route == "relation":
        return {"route": route, "relation": ans.get("relation"), "label": _relation_label(ans.get("relation")),
                "document": ans.get("document"), "documents": ans.get("documents", []), "text": ans.get("text")}
    if route == "agency":
        return {"route": route, "agency": ans.get("agency"), "agencies": ans.get("agencies", []),
                "role": ans.get("role"), "count": ans.get("count"), "text": ans.get("text"),
                "assignments": ans.get("assignments", []), "recurring": ans.get("recurring", [])}
    if not filtered:
        return None
    card = _task_card(state, G, res, filtered, active)
    card["route"] = "task"
    return card


def _relation_label(rel: Optional[dict]) -> str:
    if not rel:
        return ""
    labels = IN_LABELS if rel.get("direction") == "in" else OUT_LABELS
    return labels.get(rel.get("type"), rel.get("type") or "")


def _task_card(state, G, res: dict, filtered: list[dict], active: bool) -> dict:
    """The task answer card: who leads, who coordinates, by when, and the source rows."""
    intent = res.get("intent") or "search"
    ans = res.get("answer") or {}
    top = filtered[0]
    if active or not ans:
        lead, support, deadline = top["task"].get("lead") or [], top["task"].get("support") or [], top["task"].get("deadline")
        source_ids = [top["task"]["id"]]
        role = "support" if intent == "support" else "lead"
        for r in filtered[1:3]:
            names = r["task"].get(role) or []
            if set(names) & set(top["task"].get(role) or []):
                source_ids.append(r["task"]["id"])
    else:
        lead, support, deadline = ans.get("lead") or [], ans.get("support") or [], ans.get("deadline")
        source_ids = []
        for a in ans.get("agencies", [])[:3]:
            for tid in a.get("task_ids", []):
                if tid not in source_ids:
                    source_ids.append(tid)
        if not source_ids:
            source_ids = [top["task"]["id"]]
    by_id = {r["task"]["id"]: r for r in filtered}
    sources = []
    for tid in source_ids[:3]:
        r = by_id.get(tid)
        if r is None:
            continue
        sources.append({"task": r["task"], "document": r.get("document") or {}, "kind": r.get("kind"),
                        "in_graph": tid in G})
    prov = (top.get("document") or {}).get("province")
    return {"intent": intent, "text": None if active else ans.get("text"),
            "lead": _agency_links(state, G, top["task"]["id"], lead, prov),
            "support": _agency_links(state, G, top["task"]["id"], support, prov),
            "deadline": deadline, "product": top["task"].get("product"), "objective": top["task"].get("objective"),
            "document": top.get("document"), "sources": sources,
            "others": [{"name": a["name"], "score": a.get("score")} for a in (ans.get("agencies") or [])[1:6]] if not active else []}


# ================================================================ home ===
def home_view(state) -> dict:
    G = state.graph()
    docs = []
    for n, a in G.nodes(data=True):
        if a.get("kind") == "document" and a.get("in_corpus") and not a.get("attached_to"):
            s = doc_summary(G, n)
            s["attached"] = [doc_summary(G, u) for u, _, k in G.in_edges(n, keys=True) if k == "attached_to"]
            s["tasks"] = sum(1 for u, _, k in G.in_edges(n, keys=True) if k == "part_of")
            s["cites_out"] = sum(1 for _, _, k in G.out_edges(n, keys=True) if k in CITATION_TYPES)
            docs.append(s)
    docs.sort(key=lambda d: (d.get("date") or "", d["id"]), reverse=True)
    try:
        summary = state.store.summary()
    except Exception:  # noqa: BLE001
        summary = {}
    stats = {"documents": summary.get("documents", len(docs)),
             "graph_documents": summary.get("graph_documents"),
             "tasks": summary.get("tasks"), "assignments": summary.get("assignments"),
             "agencies": summary.get("agencies"), "references": summary.get("references")}
    return {"stats": stats, "documents": docs, "most_cited": most_cited(G, 8), "examples": EXAMPLES}


# ================================================================ lists ==
DOC_SORTS = {"cited": "được dẫn chiếu nhiều nhất", "number": "số hiệu", "date": "ngày ban hành (mới nhất)",
             "date_asc": "ngày ban hành (cũ nhất)"}
AGENCY_SORTS = {"tasks": "nhiều nhiệm vụ nhất", "name": "tên", "lead": "chủ trì nhiều nhất",
                "support": "phối hợp nhiều nhất"}


def paginate(rows: list, page: int, per: int) -> dict:
    """{"total", "page", "pages", "per", "first", "last"} and the rows of that page (per=0: all)."""
    total = len(rows)
    if per <= 0:
        return {"total": total, "page": 1, "pages": 1, "per": total, "first": 1 if total else 0, "last": total}, rows
    pages = max(1, -(-total // per))
    page = max(1, min(page, pages))
    a = (page - 1) * per
    part = rows[a:a + per]
    return {"total": total, "page": page, "pages": pages, "per": per, "first": a + 1 if part else 0,
            "last": a + len(part)}, part


def _by_text(v) -> str:
    return fold(v or "")


def documents_view(state, q: str = "", scope: str = "all", doc_type: str = "", province: str = "",
                   sort: str = "cited", page: int = 1, per: int = 0) -> dict:
    G = state.graph()
    fq = fold(q) if q else ""
    rows, types, provinces = [], Counter(), Counter()
    for n, a in G.nodes(data=True):
        if a.get("kind") != "document":
            continue
        if scope == "corpus" and not a.get("in_corpus"):
            continue
        types[a.get("type") or "Khác"] += 1
        provinces[a.get("province") or "Trung ương"] += 1
        if doc_type and (a.get("type") or "Khác") != doc_type:
            continue
        if province and (a.get("province") or "Trung ương") != province:
            continue
        if fq and fq not in fold(" ".join(str(x) for x in (a.get("number"), a.get("title"), a.get("issuer"), n) if x)):
            continue
        s = doc_summary(G, n)
        s["cited_by"] = len({u for u, _, k in G.in_edges(n, keys=True) if k in CITATION_TYPES})
        s["cites"] = len({v for _, v, k in G.out_edges(n, keys=True) if k in CITATION_TYPES})
        rows.append(s)
    label = lambda d: _by_text(d.get("number") or d.get("title") or d["id"])
    rows.sort(key=lambda d: (not d["in_corpus"], -(d["cited_by"]), label(d), d["id"]))
    if sort == "number":
        rows.sort(key=lambda d: (label(d), d["id"]))
    elif sort in ("date", "date_asc"):
        rows.sort(key=lambda d: (d.get("date") or "", d["id"]), reverse=(sort == "date"))
        rows.sort(key=lambda d: not d.get("date"))          # undated last either way
    paging, part = paginate(rows, page, per)
    return {"query": q, "scope": scope, "type": doc_type, "province": province, "sort": sort,
            "sorts": list(DOC_SORTS.items()), "paging": paging, "documents": part,
            "types": sorted(types.items()), "provinces": sorted(provinces.items())}


_AGENCY_NOISE = re.compile(r"\b(?:tinh|thanh pho|tp|ubnd|uy ban nhan dan|va)\b")


def agency_key(name: str, province: Optional[str]) -> str:
    """Names that differ only by case, accents, punctuation, the province's name or
    'tỉnh' / 'UBND' share a key (near-duplicate agencies)."""
    k = fold(name or "")
    if province:
        k = k.replace(fold(province), " ")
    k = _AGENCY_NOISE.sub(" ", re.sub(r"[^a-z0-9 ]+", " ", k))
    return " ".join(k.split())


def agencies_view(state, q: str = "", province: str = "", kind: str = "", sort: str = "tasks",
                  page: int = 1, per: int = 0) -> dict:
    G = state.graph()
    fq = fold(q) if q else ""
    rows, provinces, kinds = [], Counter(), Counter()
    groups: dict[tuple, list[str]] = {}
    for n, a in G.nodes(data=True):
        if a.get("kind") != "agency":
            continue
        groups.setdefault((a.get("province"), agency_key(a.get("name"), a.get("province"))), []).append(n)
        provinces[a.get("province") or "Trung ương"] += 1
        if province and (a.get("province") or "Trung ương") != province:
            continue
        kinds[a.get("agency_kind") or "other"] += 1
        if kind and (a.get("agency_kind") or "other") != kind:
            continue
        if fq and fq not in fold(" ".join([a.get("name") or ""] + list(a.get("aliases") or []))):
            continue
        roles = Counter(k for _, _, k in G.in_edges(n, keys=True) if k in ("lead", "support"))
        rows.append({"id": n, "name": a.get("name"), "province": a.get("province"), "kind": a.get("agency_kind"),
                     "kind_label": AGENCY_KINDS.get(a.get("agency_kind") or "other"),
                     "collective": a.get("agency_kind") == "group",
                     "aliases": list(a.get("aliases") or []), "lead": roles.get("lead", 0),
                     "support": roles.get("support", 0)})
    for r in rows:
        same = groups.get((r["province"], agency_key(r["name"], r["province"])), [])
        r["near_duplicates"] = [{"id": o, "name": G.nodes[o].get("name")} for o in sorted(same) if o != r["id"]]
    rows.sort(key=lambda r: (-(r["lead"] + r["support"]), _by_text(r["name"]), r["id"]))
    if sort == "name":
        rows.sort(key=lambda r: (_by_text(r["name"]), r["id"]))
    elif sort in ("lead", "support"):
        rows.sort(key=lambda r: -r[sort])
    paging, part = paginate(rows, page, per)
    return {"query": q, "province": province, "kind": kind, "sort": sort, "sorts": list(AGENCY_SORTS.items()),
            "paging": paging, "agencies": part, "provinces": sorted(provinces.items()),
            "kinds": [(k, AGENCY_KINDS.get(k, k), kinds[k]) for k in AGENCY_KINDS if kinds.get(k)]}


# ================================================================ document ==
def resolve_for_page(G, ref: str) -> str:
    """The document a page reference names; NotFound / Ambiguous carry the
    message shown on the page and the candidates to choose from."""
    try:
        return resolve_document(G, ref)
    except Ambiguous as exc:
        raise Ambiguous(ref, exc.candidates, f"'{ref}' ứng với nhiều văn bản; hãy chọn một") from None
    except NotFound:
        raise NotFound(f"Không tìm thấy văn bản '{ref[:80]}'", candidates=suggest_documents(G, ref)) from None


def suggest_documents(G, ref: str, n: int = 8) -> list[dict]:
    """Documents whose number or title shares the reference's digits / words."""
    key = fold(ref or "")
    digits = re.findall(r"\d+", key)
    out = []
    for node, a in G.nodes(data=True):
        if a.get("kind") != "document":
            continue
        hay = fold(" ".join(x for x in (a.get("number"), a.get("title"), node) if x))
        if digits and all(re.search(r"(?<!\d)" + d + r"(?!\d)", hay) for d in digits[:2]):
            out.append(node)
        elif not digits and len(key) >= 4 and key in hay:
            out.append(node)
    return [doc_summary(G, x) for x in sorted(out)[:n]]


def _evidence(state, ev_list: list[dict]) -> list[dict]:
    by_source = state.derived()["by_source"]
    by_doc = state.derived()["by_doc"]
    out = []
    for ev in ev_list or []:
        src = ev.get("source")
        ex = by_source.get(src)
        span = ev.get("span") or [None, None]
        item = {"doc_id": ex["document"]["id"] if ex else None, "start": span[0], "end": span[1],
                "cue": ev.get("cue"), "stated_in": ev.get("stated_in"),
                "doc_label": doc_label(ex["document"]) if ex else None}
        if ev.get("stated_in") and ev["stated_in"] in by_doc:
            item["stated_in_label"] = doc_label(by_doc[ev["stated_in"]]["document"])
        text = state.source_text(src) if ex and span[0] is not None else None
        if text is not None and span[1] is not None and 0 <= span[0] <= span[1] <= len(text):
            item["snippet"] = snippet(text, span[0], span[1])
        out.append(item)
    return out


def document_view(state, doc_id: str, with_text: bool = True) -> dict:
    G = state.graph()
    if doc_id not in G or G.nodes[doc_id].get("kind") != "document":
        raise NotFound(f"Không tìm thấy văn bản '{doc_id[:80]}'", candidates=suggest_documents(G, doc_id))
    detail = document_detail(G, doc_id)
    groups = {}
    for _, v, k, data in G.out_edges(doc_id, keys=True, data=True):
        if k in CITATION_TYPES:
            groups.setdefault(("out", k), []).append({"document": doc_summary(G, v),
                                                       "evidence": _evidence(state, data.get("evidence"))})
    for u, _, k, data in G.in_edges(doc_id, keys=True, data=True):
        if k in CITATION_TYPES:
            groups.setdefault(("in", k), []).append({"document": doc_summary(G, u),
                                                      "evidence": _evidence(state, data.get("evidence"))})
    # a plan issued together with a decision ("ban hành kèm theo")
    for _, v, k in G.out_edges(doc_id, keys=True):
        if k == "attached_to":
            groups.setdefault(("out", "attached_to"), []).append({"document": doc_summary(G, v), "evidence": []})
    for u, _, k in G.in_edges(doc_id, keys=True):
        if k == "attached_to":
            groups.setdefault(("in", "attached_to"), []).append({"document": doc_summary(G, u), "evidence": []})

    def pack(direction, labels):
        out = []
        for k, label in labels.items():
            items = sorted(groups.get((direction, k), []),
                           key=lambda x: (x["document"].get("date") or "", doc_label(x["document"])))
            if items or (direction, k) in ALWAYS_SHOWN:
                out.append({"relation": k, "label": label, "items": items})
        return out

    ex = state.derived()["by_doc"].get(doc_id)
    node = G.nodes[doc_id]
    tasks = []
    for t in detail["tasks"]:
        tasks.append(dict(t, anchor=t["id"].split("#", 1)[-1],
                          lead_links=_agency_links(state, G, t["id"], t.get("lead") or [], node.get("province")),
                          support_links=_agency_links(state, G, t["id"], t.get("support") or [], node.get("province"))))
    assignments = []
    for a in detail["assignments"]:
        assignments.append(dict(a, anchor=a["id"].split("#", 1)[-1],
                                lead_links=_agency_links(state, G, a["id"], [a.get("agency")] if a.get("agency") else [],
                                                         node.get("province"))))
    view = {
        "document": detail["document"],
        "outgoing_groups": pack("out", OUT_LABELS),
        "incoming_groups": pack("in", IN_LABELS),
        "outgoing": detail["outgoing"], "incoming": detail["incoming"],
        "tasks": tasks, "assignments": assignments,
        "references": (ex or {}).get("references", []),
        "relations": (ex or {}).get("relations", []),
        "counts": {"outgoing": sum(len(v) for v in detail["outgoing"].values()),
                   "incoming": sum(len(v) for v in detail["incoming"].values()),
                   "tasks": len(tasks), "assignments": len(assignments)},
        "today": today(),
    }
    parent = node.get("attached_to")
    view["attached_to"] = doc_summary(G, parent) if parent in G else None
    text = state.source_text(node.get("source")) if node.get("source") else None
    view["text_start"] = 0
    if parent in G and not tasks:
        # an attached plan shares its decision's file, and the table rows were read as the
        # decision's: show the plan's own part of the text and those rows
        pdetail = document_detail(G, parent)
        view["tasks"] = [dict(t, anchor=t["id"].split("#", 1)[-1],
                              lead_links=_agency_links(state, G, t["id"], t.get("lead") or [], node.get("province")),
                              support_links=_agency_links(state, G, t["id"], t.get("support") or [],
                                                          node.get("province")))
                         for t in pdetail["tasks"]]
        view["tasks_from"] = doc_summary(G, parent)
        view["counts"]["tasks"] = len(view["tasks"])
        if text:
            view["text_start"] = plan_start(text, node.get("title"), [t.get("span") for t in view["tasks"]])
    view["text"] = text if with_text else None
    view["status"] = validity(G, doc_id, text if node.get("in_corpus") else None, node.get("date"))
    eff = view["status"]["effective"]
    if eff and eff["span"][0] < view["text_start"]:
        view["status"]["effective"] = None      # the decision's statement, not the plan's
    view["official_links"] = official_links(node) if not node.get("in_corpus") else []
    return view


# ================================================================ agency ==
def dmy(date: Optional[str]) -> str:
    """'2023-12-31' → '31/12/2023' (the way every page, tooltip and download writes a date)."""
    if not date or len(date) < 10:
        return date or ""
    return f"{date[8:10]}/{date[5:7]}/{date[:4]}"


def _deadline_group(end: Optional[str]) -> tuple[str, str]:
    """A deadline group is named by its end date: 'Hạn cuối 31/12/2023'."""
    if not end or len(end) < 10:
        return ("9999", "Không ghi thời hạn")
    return (end, f"Hạn cuối {dmy(end)}")


def agency_view(state, agency_id: str) -> dict:
    G = state.graph()
    if agency_id not in G or G.nodes[agency_id].get("kind") != "agency":
        raise NotFound(f"Không tìm thấy cơ quan '{agency_id[:80]}'")
    now = today()
    roles = agency_roles(G, agency_id, now)
    for k in ROLES:
        roles[k].sort(key=lambda x: (x.get("deadline_end") or "9999", x["id"]))

    def by_document(items):
        groups: "OrderedDict[str, dict]" = OrderedDict()
        for it in sorted(items, key=lambda x: ((x["document"] or {}).get("date") or "", (x["document"] or {}).get("id") or ""),
                         reverse=True):
            did = (it["document"] or {}).get("id") or ""
            groups.setdefault(did, {"document": it["document"], "tasks": []})["tasks"].append(it)
        for g in groups.values():
            g["tasks"].sort(key=lambda x: (x.get("deadline_end") or "9999", x["id"]))
        return list(groups.values())

    def by_deadline(items):
        groups: dict[str, dict] = {}
        for it in items:
            key, label = _deadline_group(it.get("deadline_end"))
            groups.setdefault(key, {"key": key, "label": label, "ended": key != "9999" and key < now,
                                    "tasks": []})["tasks"].append(it)
        return [groups[k] for k in sorted(groups)]

    return {"agency": agency_summary(G, agency_id),
            "lead": roles["lead"], "support": roles["support"],
            "lead_by_document": by_document(roles["lead"]), "support_by_document": by_document(roles["support"]),
            "lead_by_deadline": by_deadline(roles["lead"]), "support_by_deadline": by_deadline(roles["support"]),
            "counts": {"lead": len(roles["lead"]), "support": len(roles["support"]),
                       # deadline status only: the corpus never says whether a task was done
                       "open": sum(1 for r in roles["lead"] + roles["support"] if r["status"] == "open"),
                       "ended": sum(1 for r in roles["lead"] + roles["support"] if r["status"] == "past"),
                       "no_deadline": sum(1 for r in roles["lead"] + roles["support"] if r["status"] is None)},
            "today": now}


# ================================================================ task ===
def task_view(state, task_id: str) -> dict:
    G = state.graph()
    if task_id not in G or G.nodes[task_id].get("kind") not in ("task", "assignment"):
        raise NotFound(f"Không tìm thấy nhiệm vụ '{task_id[:80]}'")
    t = dict(G.nodes[task_id])
    doc_id = t.get("document")
    doc = doc_summary(G, doc_id) if doc_id in G else None
    prov = (doc or {}).get("province")
    lead = t.get("lead") or ([t["agency"]] if t.get("agency") else [])
    mentions = [doc_summary(G, v) for _, v, k in G.out_edges(task_id, keys=True) if k == "mentions"]
    siblings = sorted(u for u, _, k in G.in_edges(doc_id, keys=True)
                      if k == "part_of" and G.nodes[u].get("kind") == t.get("kind")) if doc_id in G else []
    i = siblings.index(task_id) if task_id in siblings else -1
    view = {"task": dict(t, id=task_id, lead=lead), "document": doc,
            "lead_links": _agency_links(state, G, task_id, lead, prov),
            "support_links": _agency_links(state, G, task_id, t.get("support") or [], prov),
            "mentions": mentions,
            "previous": siblings[i - 1] if i > 0 else None,
            "next": siblings[i + 1] if 0 <= i < len(siblings) - 1 else None,
            "anchor": task_id.split("#", 1)[-1], "today": today()}
    excerpt = None
    span = t.get("span")
    src = G.nodes[doc_id].get("source") if doc_id in G else None
    text = state.source_text(src)
    if text is not None and span and 0 <= span[0] <= span[1] <= len(text):
        ex = state.derived()["by_doc"].get(doc_id) or {}
        refs = []
        for r in ex.get("references", []):
            for m in r.get("mentions") or []:
                if span[0] <= m[0] and m[1] <= span[1]:
                    refs.append(dict(r, _m=m))
        excerpt = {"start": span[0], "end": span[1], "text": text[span[0]:span[1]], "refs": refs}
    view["excerpt"] = excerpt
    return view


def snippet(text: str, start: int, end: int, width: int = 140) -> dict:
    """Context around [start, end): {'before', 'match', 'after'} plain strings."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    a = max(0, start - width)
    b = min(len(text), end + width)
    if a > 0:
        sp = text.find(" ", a, start)
        a = sp + 1 if sp != -1 else a
    if b < len(text):
        sp = text.rfind(" ", end, b)
        b = sp if sp != -1 else b
    clean = lambda s: re.sub(r"\s+", " ", s)
    return {"before": ("… " if a > 0 else "") + clean(text[a:start]).lstrip(),
            "match": clean(text[start:end]),
            "after": clean(text[end:b]).rstrip() + (" …" if b < len(text) else "")}

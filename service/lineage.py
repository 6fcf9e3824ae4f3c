"""Task lineage and agency agendas over a built store.

``state_for(store)`` computes the lineage (``kg.lineage.find_lineage``) and the
agenda index (``kg.agenda.AgendaIndex``) once per build and keeps them on the
store, keyed by the identity of the store's loaded extractions (a rebuild
loads a new list, so the state is recomputed): a self-contained hook that
needs nothing from the build itself.

The view functions return the JSON-ready dicts that ``Service.lineage``,
``Service.agenda``, ``Service.task_lineage`` and ``Service.document_lineage``
hand to the CLI, the HTTP API and the pages alike.
"""
from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Callable, Optional

import faiss

from kg.agenda import Agenda, AgendaIndex, Line
from kg.ics import to_ics
from kg.lineage import Lineage, find_lineage
from kg.periods import document_years, parse_period, period_from_dates
from kg.agencies import canonical_name
from kg.provinces import find_province
from kg.vntext import search_key

from search import records

from .query import NotFound, find_agencies, resolve_document

KIND_VI = {"same": "thực hiện (giữ nguyên)", "part_of": "thực hiện một phần", "continued": "tiếp nối"}
VIA_VI = {"implements": "thực hiện trực tiếp", "chain": "thực hiện qua văn bản trung gian",
          "shared-source": "cùng thực hiện một kế hoạch", "sibling": "kế hoạch năm trước"}

_LOCK = threading.Lock()


class LineageState:
    """Lineage links, coverage and the agenda index of one build."""

    def __init__(self, extractions: list[dict], similarity: Optional[Callable] = None):
        t = time.perf_counter()
        self.extractions = extractions
        self.lineage: Lineage = find_lineage(extractions, similarity=similarity)
        self.agenda_index = AgendaIndex(extractions, self.lineage.links)
        self.docs = {e["document"]["id"]: e["document"] for e in extractions}
        self.tasks: dict[str, tuple[dict, dict]] = {}
        for e in extractions:
            for t_ in e.get("tasks", []):
                self.tasks[t_["id"]] = (t_, e["document"])
        self.by_child = defaultdict(list)
        self.by_parent = defaultdict(list)
        for l in self.lineage.links:
            self.by_child[l.child].append(l)
            self.by_parent[l.parent].append(l)
        self.years = {i: document_years(d) for i, d in self.docs.items()}
        self.dense = similarity is not None
        self.seconds = round(time.perf_counter() - t, 3)

    # ------------------------------------------------------------ pieces --
    def doc_summary(self, doc_id: str) -> dict:
        d = self.docs.get(doc_id) or {}
        return {"id": doc_id, "number": d.get("number"), "type": d.get("type"), "date": d.get("date"),
                "province": d.get("province"), "title": d.get("title"),
                "years": list(self.years.get(doc_id, ()))}

    def task_summary(self, task_id: str) -> dict:
        t, d = self.tasks.get(task_id, ({}, {}))
        return {"id": task_id, "section": t.get("section"), "section_title": t.get("section_title"),
                "no": t.get("no"), "text": t.get("text"), "deadline": t.get("deadline"),
                "lead": list(t.get("lead") or []), "support": list(t.get("support") or []),
                "document": self.doc_summary(d["id"]) if d else None}

    def doc_of(self, task_id: str) -> Optional[str]:
        hit = self.tasks.get(task_id)
        return hit[1]["id"] if hit else None


def dense_similarity(index_dir: Path) -> Optional[Callable]:
    """A similarity function for ``kg.lineage.find_lineage`` from the e5 passage
    vectors a build already computed (``index/dense.faiss`` + ``records.jsonl``,
    one passage per task): (child ids, parent ids) → cosine matrix, None for
    rows without a vector.  None when the index is absent or unreadable (no
    model is loaded here)."""
    index_dir = Path(index_dir)
    try:
        recs = records.open_records(index_dir)
        index = faiss.read_index(str(index_dir / "dense.faiss"))
        vectors = index.reconstruct_n(0, index.ntotal)
    except (OSError, ValueError, RuntimeError):
        return None
    row = {r["task"]["id"]: i for i, r in enumerate(recs) if r.get("kind") == "task" and i < len(vectors)}

    def similarity(child_ids, parent_ids):
        if not all(i in row for i in child_ids) or not all(i in row for i in parent_ids):
            return None
        return vectors[[row[i] for i in child_ids]] @ vectors[[row[i] for i in parent_ids]].T

    return similarity


def state_for(store) -> LineageState:
    """The lineage state of the store's current build (computed once per build;
    with the build's e5 passage vectors when its search index exists)."""
    exs = store.extractions()
    index_dir = store.current / "index"
    has_index = (index_dir / "dense.faiss").exists()
    with _LOCK:
        st = getattr(store, "_lineage_state", None)
        if st is None or st.extractions is not exs or st.dense != has_index:
            similarity = dense_similarity(index_dir) if has_index else None
            st = LineageState(exs, similarity)
            st.dense = similarity is not None and has_index
            store._lineage_state = st
        return st


# ================================================================ lineage ===
def lineage_view(st: LineageState, G, ref: Optional[str] = None) -> dict:
    """``lineage --json`` / ``GET /api/lineage``: ``{"links": [{"child",
    "parent", "kind", "confidence", "evidence"}], "documents": [document
    links], "coverage": [...], "new": [task ids], "not_carried": [task ids]}``
    — all of it without ``ref``; with a task id, the links touching that row;
    with a document number or id, the links touching its rows and its coverage.
    Raises NotFound / Ambiguous for an unknown reference."""
    lin = st.lineage
    if not ref:
        return dict(lin.to_json(), ref=None)
    ref = ref.strip()
    if ref in st.tasks:
        links = [l for l in lin.links if ref in (l.child, l.parent)]
        return {"ref": {"kind": "task", "id": ref, "document": st.doc_of(ref)},
                "links": [l.to_json() for l in links], "documents": [], "coverage": [],
                "new": [ref] if ref in lin.new else [], "not_carried": [ref] if ref in lin.not_carried else []}
    if "#" in ref:
        raise NotFound(f"no task '{ref[:80]}' in the corpus")
    doc_id = resolve_document(G, ref)
    rows = {t["id"] for e in st.extractions if e["document"]["id"] == doc_id for t in e.get("tasks", [])}
    links = [l for l in lin.links if l.child in rows or l.parent in rows]
    return {"ref": {"kind": "document", "id": doc_id, "number": (st.docs.get(doc_id) or {}).get("number")},
            "links": [l.to_json() for l in links],
            "documents": [d.to_json() for d in lin.documents if doc_id in (d.child, d.parent)],
            "coverage": [c.to_json() for c in lin.coverage if doc_id in (c.child_doc, c.parent_doc)],
            "new": [t for t in lin.new if t in rows], "not_carried": [t for t in lin.not_carried if t in rows]}


def _ref_text(st: LineageState, task_id: str) -> str:
    t = st.task_summary(task_id)
    d = t["document"] or {}
    where = f"nhiệm vụ {t['no']}" if t.get("no") else "nhiệm vụ"
    if t.get("section"):
        where += f" (mục {t['section']})"
    label = " ".join(x for x in ((d.get("type") or "").strip(), d.get("number") or d.get("id") or "") if x)
    return f"{where} của {label}".strip()


def task_lineage(st: LineageState, task_id: str) -> dict:
    """A row's lineage for its page: ``{"parents": [link + "task"], "sentence":
    "Nhiệm vụ này thực hiện nhiệm vụ … của Quyết định 2866/QĐ-UBND", "children_by_year":
    [{"year", "document", "links": [link + "task"]}], "status": "new" | "not_carried" | null}``."""
    parents = []
    for l in sorted(st.by_child.get(task_id, ()), key=lambda x: (-x.confidence, x.parent)):
        parents.append(dict(l.to_json(), kind_label=KIND_VI[l.kind], task=st.task_summary(l.parent),
                            label=_ref_text(st, l.parent)))
    sentence = None
    carried = [p for p in parents if p["kind"] != "continued"]
    cont = [p for p in parents if p["kind"] == "continued"]
    if carried:
        sentence = "Nhiệm vụ này thực hiện " + "; ".join(p["label"] for p in carried)
    if cont:
        sentence = (sentence + ". " if sentence else "") + "Tiếp nối " + "; ".join(p["label"] for p in cont)
    groups: dict[tuple, list] = defaultdict(list)
    for l in st.by_parent.get(task_id, ()):
        cd = st.doc_of(l.child)
        ys = st.years.get(cd, ())
        year = ys[0] if len(ys) == 1 else None
        groups[(year if year is not None else 9999, cd)].append(
            dict(l.to_json(), kind_label=KIND_VI[l.kind], task=st.task_summary(l.child)))
    children = [{"year": None if y == 9999 else y, "document": st.doc_summary(cd),
                 "links": sorted(ls, key=lambda x: (-x["confidence"], x["child"]))}
                for (y, cd), ls in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))]
    status = "new" if task_id in st.lineage.new else ("not_carried" if task_id in st.lineage.not_carried else None)
    return {"task": task_id, "parents": parents, "sentence": sentence, "children_by_year": children,
            "status": status}


def document_lineage(st: LineageState, doc_id: str) -> dict:
    """A document's coverage for its page: ``{"carried_by": [{"document",
    "via", "carried", "total", "share", "not_carried": [task summaries]}]`` (the
    yearly plans carrying this programme's rows), ``"carries": [...]`` (the
    programmes this plan carries rows of, with its own "new" rows),
    ``"not_carried": [task summaries]`` (rows no plan picks up)}``."""
    lin = st.lineage
    carried_by, carries = [], []
    for c in lin.coverage:
        item = {"via": c.via, "via_label": VIA_VI.get(c.via, c.via), "carried": c.carried, "total": c.total,
                "share": round(c.carried / c.total, 3) if c.total else None}
        if c.parent_doc == doc_id:
            carried_by.append(dict(item, document=st.doc_summary(c.child_doc),
                                   not_carried=[st.task_summary(t) for t in c.not_carried],
                                   new=len(c.new)))
        if c.child_doc == doc_id:
            carries.append(dict(item, document=st.doc_summary(c.parent_doc),
                                new=[st.task_summary(t) for t in c.new]))
    key = lambda x: (x["document"].get("years") or [9999], x["document"]["id"])  # noqa: E731
    carried_by.sort(key=key)
    carries.sort(key=key)
    rows = [t["id"] for e in st.extractions if e["document"]["id"] == doc_id for t in e.get("tasks", [])]
    row_set = set(rows)
    return {"document": doc_id, "carried_by": carried_by, "carries": carries,
            "not_carried": [st.task_summary(t) for t in lin.not_carried if t in row_set],
            "new": [t for t in lin.new if t in row_set],
            "links": sum(1 for l in lin.links if l.child in row_set or l.parent in row_set)}


# ================================================================ agenda ====
def parse_window(period: Optional[str], start: Optional[str], end: Optional[str]) -> tuple[date, date, str]:
    """(start, end, label) from ``period`` ('quý IV/2023') or ISO from/to
    (either may be open); no period at all: every deadline.  ValueError
    naming the argument when it is not a period."""
    if period and (start or end):
        raise ValueError("give either a period or from/to, not both")
    if period:
        s, e = parse_period(period)
        return s, e, period.strip()
    if start or end:
        s, e = period_from_dates(start, end)
        return s, e, f"{start or '…'} – {end or '…'}"
    return date.min, date.max, "mọi thời hạn"


def resolve_agency(st: LineageState, G, agency: str) -> list[str]:
    """Agency ids a name, alias or id names; a province in the name ('Sở Nội
    vụ tỉnh Vĩnh Phúc') narrows to that province.  NotFound when none."""
    agency = (agency or "").strip()
    if not agency:
        raise NotFound("agency name or id is empty")
    ix = st.agenda_index
    prov = find_province(agency)
    names = [agency]
    if prov:
        bare = _PROVINCE_WORDS.sub(" ", search_key(agency).replace(search_key(prov), " ")).strip(" ,-")
        names.append(bare)
    ids: list[str] = []
    for name in names:
        ids = ix.resolve(name)
        if not ids and len(search_key(name).strip()) >= 4:     # a name part ('nội vụ'), never one letter
            ids = [i for i in find_agencies(G, canonical_name(name)) if i in ix.names]
        if ids:
            break
    if prov and ids:
        ids = [i for i in ids if (G.nodes[i].get("province") if i in G else None) == prov] or ids
    if not ids:
        raise NotFound(f"no agency matching '{agency[:80]}'")
    return ids


_PROVINCE_WORDS = re.compile(r"\b(?:tinh|thanh pho|tp\.?)\s*$")


def _row(st: LineageState, line: Line) -> dict:
    t, d = st.tasks.get(line.task_id, ({}, {}))
    out = {"id": line.task_id}
    out.update(line.to_json())
    out.update({"section": t.get("section"), "no": t.get("no"), "lead": list(t.get("lead") or []),
                "support": list(t.get("support") or []), "product": t.get("product"),
                "document": {"id": d.get("id"), "number": d.get("number"), "province": d.get("province")}})
    return out


def agenda_view(st: LineageState, G, agency: str, period: Optional[str] = None, start: Optional[str] = None,
                end: Optional[str] = None) -> dict:
    """``agenda --json`` / ``GET /api/agenda``: ``{"agency": {"id", "ids",
    "name"}, "period", "from", "to", "rows": [agenda row], "groups": [{"period",
    "task_ids"}], "ongoing": [agenda row], "count"}``; an agenda row is
    ``{"id", "task_id", "text", "role", "deadline", "kind", "due", "period",
    "recurrence", "sources": [{"task_id", "document_id", "document_number",
    "deadline"}], "last_year", "section", "no", "lead", "support", "product",
    "document"}`` (a yearly row and the programme row it restates are one row
    with both sources).  ValueError for a bad period, NotFound for an unknown agency."""
    s, e, label = parse_window(period, start, end)
    ag = agenda_object(st, G, agency, s, e)
    out = ag.to_json()
    out["agency"] = dict(out["agency"], province=(G.nodes[ag.agency["id"]].get("province")
                                                  if ag.agency["id"] in G else None))
    out["period"] = label
    out["rows"] = [_row(st, l) for l in ag.due]
    out["ongoing"] = [_row(st, l) for l in ag.ongoing]
    out["count"] = len(out["rows"])
    return out


def agenda_object(st: LineageState, G, agency: str, start: date, end: date) -> Agenda:
    ids = resolve_agency(st, G, agency)
    return st.agenda_index.agenda_for(ids, start, end)


def agenda_ics(st: LineageState, G, agency: str, period: Optional[str] = None, start: Optional[str] = None,
               end: Optional[str] = None) -> str:
    """The agenda as iCalendar text (``kg.ics.to_ics``): one all-day event per
    dated row, one recurring event (RRULE) per 'hằng năm' / 'hằng quý' row."""
    s, e, label = parse_window(period, start, end)
    ag = agenda_object(st, G, agency, s, e)
    return to_ics(ag.due, calendar_name=f"{ag.agency['name']} — {label}")

"""Route execution: ``ask --json`` / ``/api/ask`` for every kind of question.

``search.route.route`` says what kind of question it is and what it names;
this module executes it on the graph and the search engine (the recipe is in
``search/route.py``'s docstring) and returns the one dict the CLI, the API and
the search page share:

``{"query", "route": task|document|relation|agency|none, "intent",
"province", "filters": {"year", "number", "document", "period"}, "mode",
"answer": {...} | null, "reason" (route none), "results": [{"score",
"kind", "task", "document", "nearest"?}], "total", "offset"}``

* ``document``: ``answer.documents`` = doc summaries best first; results =
  the document's rows (rows that mention it, for a cited-only document);
* ``relation``: ``answer.relation`` = ``{"type", "direction"}``,
  ``answer.document`` = the named one, ``answer.documents`` = related
  documents, each with ``evidence`` (the sentence that states it);
* ``agency``: ``answer.agency`` = ``{"id", "name"}``, ``answer.role``,
  ``answer.count``; results = every matching row;
* ``task``: ``answer`` as ``service.answer.answer``;
* ``none``: ``answer`` null, ``reason``; results = the nearest rows, each
  marked ``"nearest": true``.
"""
from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Optional

from kg.periods import document_years, due_dates, parse_deadline
from kg.vntext import compact_spaces, search_key
from kg.vocab import CITATION_TYPES
from search.finders import DocumentRef, year_period
from search.glossary import agency_aliases
from search.route import Route, route as route_question
from search.text import syllables

from . import absent, answer as wording
from .docref import TITLE_STOP, resolve, resolve_named, resolve_title, whole_title
from .query import doc_summary, find_agencies

NOT_FOUND = "Không tìm thấy nhiệm vụ phù hợp trong kho văn bản"
MAX_ROWS = 1000
SCOPE_MARGIN = 0.2       # an agency question's title scope: lead of the best title's coverage by the phrase
SCOPE_MIN = 0.45         # … and the least share of the scope phrase's words its title must hold
# keywords, not a question ("cải cách hành chính"), stated word for word in this many rows: a search to
# list, whatever the probability of its best row (every row is about it, none stands out)
BROAD_ROWS = 3


def ask(svc, question: str, k: int = 5, mode: str = "hybrid", offset: int = 0,
        ignore_province: bool = False, province: Optional[str] = None) -> dict:
    """See the module docstring; ``ignore_province`` drops the province the
    question names (the search page's removable chip); ``province`` scopes
    the question to that province instead (the search page's province
    filter: rows are ranked within it, not cut from another province's top)."""
    if not isinstance(question, str):
        raise ValueError("question must be text")
    engine = svc.engine()
    r = route_question(question[:2000])
    q = engine.prepare(question)
    if ignore_province or province:
        r = dataclasses.replace(r, province=province or None)
        q.province = province or None
    out = {"query": question, "route": r.kind, "intent": q.intent if r.kind == "task" else r.intent,
           "province": r.province or q.province,
           "filters": {"year": r.year or q.year, "number": (r.document.number if r.document else None) or q.number,
                       "document": None, "period": _period(r)},
           "mode": mode, "offset": max(0, int(offset))}
    if r.kind == "none":
        return _abstain(out, engine, q, k, mode, offset, _reason_text(r.reason))
    G = svc.graph()
    if r.kind == "task" and r.intent == "search":
        whole = whole_title(G, engine, question, r)
        if whole:                             # the question is a document's title, written out
            r = dataclasses.replace(r, kind="document", rule="document:whole-title")
            out["route"] = "document"
            return _document(svc, G, engine, r, q, out, k, mode, offset, ids=[whole])
    if r.kind in ("task", "agency") or r.rule == "document:title":
        why = absent.missing(G, engine, r, question)
        if why:
            return _abstain(out, engine, q, k, mode, offset, why)
    if r.kind == "document":
        res = _document(svc, G, engine, r, q, out, k, mode, offset)
        if res is not None:
            return res
        if r.rule != "document:title":
            ref = r.document.text if r.document else question
            return _abstain(out, engine, q, k, mode, offset, f"Không có văn bản '{ref}' trong kho văn bản")
        why = absent.missing_title(G, engine, question)
        if why:
            return _abstain(out, engine, q, k, mode, offset, why)
        out["route"] = "task"                 # a 'Kế hoạch …' question that names no title: rank rows
    elif r.kind == "relation":
        return _relation(svc, G, engine, r, q, out, k, mode, offset)
    elif r.kind == "agency":
        province = (r.agency.province if r.agency else None) or r.province
        if province and not engine.filter_ids("province", province):
            # "Sở Nội vụ tỉnh Bắc Ninh chủ trì …": not another province's Sở Nội vụ
            return _abstain(out, engine, q, k, mode, offset, wording.no_province_text(province), nearest=False)
        res = _agency(G, engine, r, q, out, k, mode, offset)
        if res is not None:
            return res
        out["route"] = "task"
    return _task(G, engine, r, q, out, k, mode, offset)


# ------------------------------------------------------------------ task

def task_scope(G, engine, r: Route, q, out: Optional[dict] = None):
    """The rows a task question may be answered from and the question to rank
    them with: ``(allowed record indices or None for all, reason to abstain or
    None, query)``.  A named document in the corpus narrows to its rows, and its
    reference leaves the question's words ("Ai chủ trì số hóa trong Quyết định
    2704?" asks about "số hóa" among 2704's rows); a number nobody has →
    abstain; a cited-only text leaves every row (rows anywhere may carry it out),
    stays a word of the question, and puts the rows citing it first
    (``Query.cited``)."""
    allowed = None
    if r.document is not None and r.kind != "document":
        ids = resolve(G, r.document)
        if not ids and r.document.number:
            return None, f"Không có văn bản {r.document.number} trong kho văn bản", q
        corpus = [i for i in ids if G.nodes[i].get("in_corpus")]
        if corpus:
            allowed = set(engine.filter_ids("document", corpus[0]))
            if q.province:
                allowed &= engine.filter_ids("province", q.province)
            if out is not None:
                out["filters"]["document"] = corpus[0]
            allowed = allowed or None
            q = _without_reference(engine, r, q) if allowed else q
        elif ids:
            # not a filter (no row belongs to it), but the rows that cite it answer first (engine.citing_rows_first)
            q.number, q.cited = None, G.nodes[ids[0]].get("number")
    if allowed is None:
        allowed = engine.question_filter(q)
    if q.province and allowed == set():
        return set(), wording.no_province_text(q.province), q
    return allowed, None, q


def _without_reference(engine, r: Route, q):
    """``q`` prepared again without the document reference the scope already holds."""
    s, e = r.document.span
    rest = compact_spaces(r.question[:s] + " " + r.question[e:])
    if not re.search(r"\w", rest):
        return q
    q2 = engine.prepare(rest)
    q2.province = q.province
    return q2


def _task(G, engine, r: Route, q, out: dict, k: int, mode: str, offset: int) -> dict:
    allowed, why, q = task_scope(G, engine, r, q, out)
    if why:
        return _abstain(out, engine, q, k, mode, offset, why, nearest=allowed != set())
    res = engine.rank(q.text, k=k, mode=mode, offset=offset, allowed=allowed, query=q)
    out["intent"] = res["intent"]
    broad = q.intent == "search" and q.content and (res.get("phrase_rows") or 0) >= BROAD_ROWS
    # "Ai chủ trì số hóa trong Quyết định 2704?": within the one document named, a row holding the whole topic
    # answers it, however short (and common) the topic is
    scoped = bool(out["filters"].get("document")) and q.content and (res.get("phrase_rows") or 0) >= 1
    if not res["results"] or (res["best"] < engine.calibration.threshold and not broad and not scoped):
        return _abstain(out, engine, q, k, mode, offset, "Không có dòng nào đủ gần với câu hỏi", res=res)
    out["route"] = "task"
    out["answer"] = wording.answer(res["intent"], res["results"]) if offset == 0 else \
        wording.answer(res["intent"], engine.rank(q.text, k=3, mode=mode, allowed=allowed, query=q)["results"])
    out["results"] = res["results"]
    out["total"] = res["total"]
    return out


def _abstain(out: dict, engine, q, k: int, mode: str, offset: int, reason: str, res: Optional[dict] = None,
             nearest: bool = True) -> dict:
    out.update(route="none", answer=None, reason=reason)
    if res is None and nearest and q.content:
        res = engine.rank(q.text, k=k, mode=mode, offset=offset, query=q)
    rows = (res or {}).get("results", []) if nearest else []
    out["results"] = [dict(x, nearest=True) for x in rows]
    out["total"] = 0
    return out


def _reason_text(reason: Optional[str]) -> str:
    return {"empty question": "Câu hỏi trống",
            "no Vietnamese or known English word": "Câu hỏi không có từ tiếng Việt hay tiếng Anh nào",
            "mostly not words": "Câu hỏi phần lớn không phải từ tiếng Việt hay tiếng Anh"}.get(
        reason or "", reason or NOT_FOUND)


def _period(r: Route) -> Optional[dict]:
    return {"text": r.period.text, "start": r.period.start, "end": r.period.end} if r.period else None


# ------------------------------------------------------------------ documents

def _summary(G, n: str) -> dict:
    s = doc_summary(G, n)
    return {k: s.get(k) for k in ("id", "number", "type", "date", "province", "title", "issuer", "in_corpus")}


def _document(svc, G, engine, r: Route, q, out: dict, k: int, mode: str, offset: int,
              ids: Optional[list[str]] = None) -> Optional[dict]:
    if not ids:
        ids = (resolve_title(G, engine, r) or resolve_named(G, engine, r.document)
               or resolve_title(G, engine, r, cited=True)) if r.rule == "document:title" \
            else resolve(G, r.document) or (resolve_named(G, engine, r.document) if not r.document.number else [])
    if not ids:
        return None
    docs = [_summary(G, n) for n in ids[:10]]
    top = docs[0]
    out["filters"]["document"] = top["id"]
    out["answer"] = {"documents": docs,
                     "text": f"{top.get('type') or 'Văn bản'} {top.get('number') or ''}".strip()
                     + (f": {top['title']}" if top.get("title") else "")}
    rows = engine.filter_ids("document", top["id"])
    if not rows:                                   # cited only: the rows that mention it
        rows = {i for u, _, kk in G.in_edges(top["id"], keys=True) if kk == "mentions"
                for i in engine.by_id.get(u, [])}
    _rows_out(engine, q, rows, out, k, mode, offset)
    return out


def _rows_out(engine, q, rows: set[int], out: dict, k: int, mode: str, offset: int,
              all_rows: bool = False) -> None:
    if not rows:
        out["results"], out["total"] = [], 0
        return
    if q.content:
        sc = engine.score(q, rows, mode)
        order = engine.dedupe([i for i in sc.order if i in rows])
        prob = sc.prob
    else:
        order = engine.dedupe(engine.in_document_order(rows))
        prob = {i: 1.0 for i in order}
    out["total"] = len(order)
    picked = order[offset:] if all_rows else order[offset:offset + max(1, k)]
    out["results"] = [engine.result(i, prob.get(i, 0.0)) for i in picked[:MAX_ROWS]]


# ------------------------------------------------------------------ relations

def _evidence_sentence(svc, ev: dict) -> Optional[str]:
    text = svc.source_text(ev.get("source"))
    span = ev.get("span") or [None, None]
    if text is None or span[0] is None or not (0 <= span[0] <= span[1] <= len(text)):
        return None
    a = max(text.rfind("\n", 0, span[0]) + 1, span[0] - 300)
    b = text.find("\n", span[1])
    b = min(b if b != -1 else len(text), span[1] + 300)
    return re.sub(r"\s+", " ", text[a:b]).strip(" ;,") or None


def _relation(svc, G, engine, r: Route, q, out: dict, k: int, mode: str, offset: int) -> dict:
    ids = resolve(G, r.document) if (r.document.number or r.document.serial) else \
        (resolve_named(G, engine, r.document) or resolve_title(G, engine, dataclasses.replace(r, question=r.document.text)))
    if not ids:
        return _abstain(out, engine, q, k, mode, offset, f"Không có văn bản '{r.document.text}' trong kho văn bản")
    node = ids[0]
    types = CITATION_TYPES if r.relation == "cites" else (r.relation,)
    # what a document itself rests on is stated before its rows; a row that carries out a text is
    # one of the text's implementations, not the document's basis
    own = r.direction == "out" and r.relation in ("based_on", "implements")
    end = _preamble_end(svc, G, node) if own else None
    found = _related(G, node, r.direction, types, end)
    relation = r.relation
    if not found and r.relation == "based_on" and r.direction == "out":
        found = _related(G, node, r.direction, ("implements",), end)   # a plan's basis is what it carries out
    if r.relation == "implements" and r.direction == "in":
        found = _merge(found, _row_implementations(G, node))
    kinds = r.related_types or ((r.related_type,) if r.related_type else ())
    if kinds:
        found = [x for x in found if any(_of_type(G, x[0], t) for t in kinds)] or found
    docs = []
    for other, kind, evs in found:
        s = _summary(G, other)
        sentence = next((x for x in ((ev.get("text") if ev.get("row") else _evidence_sentence(svc, ev))
                                     for ev in evs) if x), None)
        docs.append(dict(s, relation=kind, evidence=sentence))
    named = _summary(G, node)
    out["filters"]["document"] = node
    out["answer"] = {"relation": {"type": relation, "direction": r.direction}, "document": named,
                     "documents": docs, "text": _relation_text(named, relation, r.direction, docs)}
    rows = {i for u, _, kk in G.in_edges(node, keys=True) if kk == "mentions" for i in engine.by_id.get(u, [])}
    _rows_out(engine, q, rows, out, k, mode, offset)
    return out


def _of_type(G, n: str, doc_type: str) -> bool:
    """A document of that type, or one that issues it ('Quyết định … về việc ban hành Kế hoạch …' is a plan)."""
    a = G.nodes[n]
    return a.get("type") == doc_type or f"ban hanh {search_key(doc_type)}" in search_key(a.get("title") or "")


def _related(G, node: str, direction: str, types, preamble_end: Optional[int] = None) -> list[tuple[str, str, list]]:
    """(document, relation, evidence) on ``node``'s edges of ``types``; with
    ``preamble_end``, only relations the document states before that offset
    (its own basis, not what its rows mention)."""
    edges = G.out_edges(node, keys=True, data=True) if direction == "out" else G.in_edges(node, keys=True, data=True)
    seen: dict[str, tuple] = {}
    for u, v, kind, data in edges:
        other = v if direction == "out" else u
        evs = data.get("evidence") or []
        if preamble_end is not None and evs and all(
                not ev.get("stated_in") and ev.get("span") and ev["span"][0] >= preamble_end for ev in evs):
            continue
        if kind in types and other != node and other not in seen:
            seen[other] = (other, kind, evs)
    return sorted(seen.values(), key=lambda x: (G.nodes[x[0]].get("date") or "", x[0]))


# (a heading may carry markdown marks: "## I. MỤC ĐÍCH", "**Điều 1.**")
_BODY_START = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*)?(?:QUYẾT ĐỊNH\s*:|I[.\-–]\s|PHẦN I\b|Điều 1\b"
                         r"|MỤC (?:ĐÍCH|TIÊU)\b)", re.M)


def _preamble_end(svc, G, doc: str) -> Optional[int]:
    """Where a document's body starts (its 'Căn cứ' / 'Thực hiện' lines come
    before): the first 'QUYẾT ĐỊNH:', 'I.', 'Điều 1' heading, else its first row."""
    text = svc.source_text(G.nodes[doc].get("source"))
    if text:
        m = _BODY_START.search(text, 40)
        if m:
            return m.start()
    rows = sorted(G.nodes[u]["span"][0] for u, _, k in G.in_edges(doc, keys=True)
                  if k == "part_of" and G.nodes[u].get("span"))
    return rows[0] if rows else None


# 'Triển khai, thực hiện (hiệu quả) Kế hoạch số ' right before the number
_IMPLEMENT_CUE = re.compile(r"\b(?:thuc hien|trien khai|thi hanh)[\s,]*(?:thuc hien\s+)?(?:(?:co\s+)?hieu qua\s+)?"
                            r"(?:cac\s+)?(?:ke hoach|nghi dinh|nghi quyet|quyet dinh|thong tu|chi thi|chuong trinh"
                            r"|de an|luat)\s+(?:so\s+)?$")


def _row_implementations(G, node: str) -> list[tuple[str, str, list]]:
    """Documents with a task row that mentions ``node`` and says it carries it out
    ('Triển khai, thực hiện Kế hoạch số …'); the row is the evidence."""
    out = []
    for u, _, k in G.in_edges(node, keys=True):
        if k != "mentions":
            continue
        t = G.nodes[u]
        doc = t.get("document")
        text = search_key(t.get("text") or "")
        serial = ((G.nodes[node].get("number") or "").split("/") or [""])[0]
        at = [m.start() for m in re.finditer(rf"(?<!\d){re.escape(serial)}(?=/)", text)] if serial else []
        # a document that names ``node`` as its legal basis ("Căn cứ …") rests on it: a row of it carrying
        # ``node`` out is that basis at work, not a further implementation
        declared_basis = doc in G and G.has_edge(doc, node, key="based_on")
        if doc in G and doc != node and not declared_basis and any(_direct_cue(text, a) for a in at):
            out.append((doc, "implements", [{"row": u, "text": t.get("text")}]))
    return out


# what precedes a cue that continues another document's title: "… Kế hoạch số 255/KH-UBND ngày 12/10/2021
# [triển khai Nghị quyết số 06/2021/NQ-HĐND]" (the row carries out 255, 255 carries out the resolution)
_NESTED_BEFORE = re.compile(r"(?:\bve|\d+/[a-z0-9/\-]+(?:\s+ngay\s+\d{1,2}/\d{1,2}/\d{4})?(?:\s+cua\s+[a-z ]{2,40}?)?)"
                            r"[\s,]*(?:tiep tuc\s+)?$")


def _direct_cue(text: str, at: int) -> bool:
    """A cue right before the number, not inside another text's title ('… về triển khai thực hiện NĐ …',
    '… Kế hoạch số 255/KH-UBND ngày 12/10/2021 triển khai NQ …'); ``text`` is folded (search_key)."""
    window = text[max(0, at - 80):at]
    m = _IMPLEMENT_CUE.search(window)
    return bool(m) and not _NESTED_BEFORE.search(window[:m.start()])


def _merge(a: list, b: list) -> list:
    seen = {x[0] for x in a}
    return a + [x for x in b if x[0] not in seen and not seen.add(x[0])]


def _relation_text(named: dict, relation: str, direction: str, docs: list[dict]) -> str:
    label = named.get("number") or named.get("title") or named["id"]
    if not docs:
        return f"Không tìm thấy văn bản có quan hệ '{relation}' với {label} trong đồ thị."
    return f"{len(docs)} văn bản ({relation}, {'đến' if direction == 'in' else 'từ'} {label})"


# ------------------------------------------------------------------ agencies

def _agency(G, engine, r: Route, q, out: dict, k: int, mode: str, offset: int) -> Optional[dict]:
    ag = r.agency
    ids = _agency_nodes(G, ag.name, r.province)
    province = ag.province or r.province
    if province:
        ids = [a for a in ids if G.nodes[a].get("province") == province] or ids
    if not ids:
        return None
    roles = ("lead", "support") if r.role == "any" else (r.role,)
    doc_ids: list[str] = []
    if r.document is not None:
        doc_ids = [d for d in resolve(G, r.document) if G.nodes[d].get("in_corpus")][:1]
    else:
        doc_ids = _titled_scope(G, engine, r, province)
    if doc_ids:
        out["filters"]["document"] = doc_ids[0]
    elif r.period is None and r.document is None:
        # "Năm 2024 Sở GD&ĐT chủ trì bao nhiêu việc": with no document named, the year is when the rows fall due
        r = dataclasses.replace(r, period=year_period(r.question))
        out["filters"]["period"] = _period(r)
    per_agency: dict[str, set[int]] = {}
    duties: dict[str, dict] = {}
    recurring: dict[str, dict] = {}
    for aid in ids:
        tasks = {u for u, _, kk in G.in_edges(aid, keys=True) if kk in roles}
        rows = set()
        for t in tasks:
            for i in engine.by_id.get(t, [])[:1]:
                rec = engine.records[i]
                d = rec["document"]
                if doc_ids and d.get("id") not in doc_ids and G.nodes[t].get("document") not in doc_ids:
                    continue
                if province and d.get("province") != province:
                    continue
                due = _due_in(G, t, r.period.start, r.period.end) if r.period else "due"
                if due is None:
                    continue
                if due == "recurring":            # "Hàng năm": listed apart, not counted as due in the period
                    recurring.setdefault(t, {"id": t, "text": rec["task"]["text"], "deadline": G.nodes[t].get("deadline"),
                                             "document": d})
                    continue
                if rec["kind"] != "task":         # prose duties are listed apart: count = table rows
                    duties.setdefault(t, {"id": t, "text": rec["task"].get("assignment_text") or rec["task"]["text"],
                                          "document": d})
                    continue
                rows.add(i)
        per_agency[aid] = rows
    if r.about:
        # "… về số hóa": only the rows on that subject count; none → say so, not every row of the agency
        on_subject = _rows_about(engine, r.about, set().union(*per_agency.values()))
        per_agency = {a: v & on_subject for a, v in per_agency.items()}
        about = {t for t in (*duties, *recurring) if not on_subject.isdisjoint(engine.by_id.get(t, ()))}
        duties = {t: d for t, d in duties.items() if t in about}
        recurring = {t: d for t, d in recurring.items() if t in about}
        if not any(per_agency.values()):
            name = G.nodes[ids[0]].get("name")
            return _abstain(out, engine, q, k, mode, offset,
                            f"Không tìm thấy nhiệm vụ nào của {name} về “{r.about}” trong kho văn bản")
    best = max(ids, key=lambda a: (len(per_agency[a]), G.nodes[a].get("province") == "Vĩnh Phúc", a))
    rows = set().union(*per_agency.values())
    out["province"] = province
    out["answer"] = {"agency": {"id": best, "name": G.nodes[best].get("name")},
                     "agencies": [{"id": a, "name": G.nodes[a].get("name"), "province": G.nodes[a].get("province"),
                                   "count": len(per_agency[a])} for a in ids],
                     "role": r.role, "count": len(rows), "about": r.about, "assignments": list(duties.values()),
                     "recurring": list(recurring.values()),
                     "text": _agency_text(G.nodes[best].get("name"), r.role, len(rows), r, len(recurring))}
    _rows_out(engine, q if r.topic else _no_topic(q), rows, out, k, mode, offset, all_rows=True)
    return out


def _agency_nodes(G, name: str, province: Optional[str]) -> list[str]:
    """The graph's agencies a canonical name stands for: by name (exact first),
    plus those written as one of its glossary aliases ("Tòa án tỉnh" beside
    "Tòa án nhân dân tỉnh" in one plan); a name ending in 'tỉnh' finds the plan's
    own wording with the province's name ("Kho bạc nhà nước Tiền Giang")."""
    ids = find_agencies(G, name)
    generic = re.sub(r"\s+tỉnh$", "", name)
    if not ids and generic != name and len(generic.split()) >= 3:
        ids = find_agencies(G, generic + (f" {province}" if province else "")) or find_agencies(G, generic)
    aliases = {search_key(a) for a, lang, canon in agency_aliases() if canon == name and lang == "vi"}
    aliases.discard(search_key(name))
    by_key = _agencies_by_key(G)
    same = [n for k in aliases for n in by_key.get(k, ())]
    ids = sorted(set(ids) | set(same))
    exact = [a for a in ids if G.nodes[a].get("name") == name or a in same]
    return exact or ids


def _agencies_by_key(G) -> dict[str, list[str]]:
    """Folded agency name → its nodes, built once per (immutable) graph."""
    idx = G.graph.get("_ask_agencies_by_key")
    if idx is None:
        idx = {}
        for n, a in G.nodes(data=True):
            if a.get("kind") == "agency":
                idx.setdefault(search_key(a.get("name") or ""), []).append(n)
        G.graph["_ask_agencies_by_key"] = idx
    return idx


def _rows_about(engine, subject: str, rows: set[int]) -> set[int]:
    """The rows a subject phrase matches: calibrated score of the phrase as a
    question at or above the match floor (the rule of every total)."""
    if not rows:
        return set()
    sc = engine.score(engine.prepare(subject), rows)
    return {i for i in rows if sc.prob.get(i, 0.0) >= engine.calibration.floor}


# "… trong kế hoạch CCHC 2023", "… in the 2021-2025 reform plan": the phrase after the last 'in' names a
# document by its type and title words
# "trong <phrase>" up to a comma or the end: at the start ("Trong kế hoạch PAPI 2024, Sở …") or the end
_SCOPE_PREPOSITIONS = r"trong|thuộc|theo|in|under|of"
_SCOPE_PHRASE = re.compile(rf"(?:^|\s|\()(?:{_SCOPE_PREPOSITIONS})\s+"
                           rf"((?:(?!\s(?:{_SCOPE_PREPOSITIONS})\s)[^,;:?!()])+)", re.I)
_LEADING_PREPOSITIONS = re.compile(rf"^(?:(?:{_SCOPE_PREPOSITIONS})\s+)+", re.I)
_POSSESSIVE_S = re.compile(r"(?<=\w)['’]s\b", re.I)
# the types a plan is issued as, as a scope phrase names them
_PLAN_TYPES_VI = r"kế hoạch|ke hoach|chương trình|chuong trinh|đề án|de an"
_SCOPE_TYPE = re.compile(rf"\b(?:{_PLAN_TYPES_VI}|plan|programme|program|scheme)\b", re.I)
_SCOPE_OPENING = re.compile(rf"^\s*(?:{_PLAN_TYPES_VI})\s+(?!số\b|so\b|\d)", re.I)
_SCOPE_VERB_TAIL = re.compile(r"(?:[\s,:]+(?:giao|giao cho|yêu cầu|phân công|cho|thì|đã|có|assigns?|gives?|tells?|asks?))*"
                              r"[\s,:]*$", re.I)


def _titled_scope(G, engine, r: Route, province: Optional[str]) -> list[str]:
    """The one in-corpus document an agency question names by type and title
    words ('trong kế hoạch CCHC 2023, …', '… in Vinh Phuc's 2024 PAPI plan'),
    else nothing (several equally good titles: no filter rather than a guess)."""
    phrases = [m.group(1) for m in _SCOPE_PHRASE.finditer(r.question)]
    if r.agency is not None and _SCOPE_OPENING.match(r.question):
        # "Kế hoạch CCHC giai đoạn 2021-2025 của Vĩnh Phúc giao Sở Tài chính …": the words before the agency
        phrases.append(_SCOPE_VERB_TAIL.sub("", r.question[:r.agency.span[0]]))
    for phrase in phrases:
        # "in charge of under Vinh Phuc's … plan": the second preposition is not a title word
        phrase = _LEADING_PREPOSITIONS.sub("", _POSSESSIVE_S.sub(" ", phrase).strip())
        if not _SCOPE_TYPE.search(phrase):
            continue
        sub = dataclasses.replace(r, question=phrase, province=province or r.province,
                                  document=DocumentRef(text=phrase))
        ids = resolve_title(G, engine, sub, least=SCOPE_MIN)
        if len(ids) > 1:
            # titles that hold the phrase equally: the one the phrase covers best ('kế hoạch CCHC 2023' is
            # 'Kế hoạch cải cách hành chính năm 2023', not 'Kế hoạch kiểm soát TTHC, cải cách TTHC … 2023')
            words = set(syllables(engine.prepare(sub.question).dense)) | set(syllables(phrase))
            share = {n: _covered(G.nodes[n].get("title") or "", words, G.nodes[n].get("province")) for n in ids}
            ids = sorted(ids, key=lambda n: -share[n])
            if share[ids[0]] - share[ids[1]] < SCOPE_MARGIN:
                continue
        if ids:
            return ids[:1]
    return []


def _covered(title: str, words: set, province: Optional[str] = None) -> float:
    """Share of a title's own words (generic and province words aside) among ``words``."""
    skip = TITLE_STOP | absent.TITLE_GENERIC | set(syllables(province or ""))
    s = [w for w in syllables(title) if w not in skip]
    return sum(1 for w in s if w in words) / len(s) if s else 0.0


def _no_topic(q):
    q2 = type(q)(**{**q.__dict__, "content": []})
    return q2


def _due_in(G, task: str, start: str, end: str) -> Optional[str]:
    """``"due"`` when the row's own deadline falls in [start, end], ``"recurring"``
    when only a recurrence does ("Hàng năm" is due in 2021 too, but a question
    about the tasks "có thời hạn năm 2021" means the ones dated 2021), else None."""
    t = G.nodes[task]
    doc = G.nodes[t["document"]] if t.get("document") in G else {}
    rng = parse_deadline(t.get("deadline"), int(doc["date"][:4]) if (doc.get("date") or "")[:4].isdigit() else None)
    s, e = date.fromisoformat(start), date.fromisoformat(end)
    years = document_years(doc, [rng])
    hit = [p for p in (rng.parts if rng.kind == "multiple" else (rng,))
           if any(s <= d <= e for d in due_dates(p, years))]
    if not hit:
        return None
    return "due" if any(not p.recurrence for p in hit) else "recurring"


def _agency_text(name: str, role: str, n: int, r: Route, recurring: int = 0) -> str:
    verb = {"lead": "chủ trì", "support": "phối hợp", "any": "chủ trì hoặc phối hợp"}[role]
    scope = []
    if r.document is not None:
        scope.append(f"trong {r.document.text}")
    if r.about:
        scope.append(f"về “{r.about}”")
    if r.period is not None:
        scope.append("đến hạn " + re.sub(r"^(?:(?:đến|thời)\s+)?hạn\s+", "", r.period.text, flags=re.I))
    extra = f" (và {recurring} nhiệm vụ định kỳ)" if recurring else ""
    return f"{name} {verb} {n} nhiệm vụ" + (" " + ", ".join(scope) if scope else "") + extra

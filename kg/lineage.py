"""Task lineage: which row of a programme each row of an implementing plan
carries out.

Two levels:

1. Documents.  A corpus document C *carries out* a corpus document P when C
   cites P as implemented (or as its basis), directly or through a chain of
   corpus documents; or — weaker — when both implement the same local plan,
   they are of the same province, and P is a multi-year programme whose years
   cover C's.  Two single-year plans carrying out the same programme are
   *siblings*; the later one continues the earlier one.
2. Rows.  For each related pair, every child row is scored against every
   parent row: TF-IDF cosine (syllable uni/bigrams and character 4-grams,
   years removed), plus shared references, same/related lead agency and
   matching section theme.  A child row links to its best parent row(s)
   above a threshold; the kind is ``continued`` between siblings, ``same``
   when the texts restate each other, ``part_of`` when the child narrows or
   splits the parent.

Input is the extractions as ``extract --json`` prints them (dicts), or
``Extraction`` objects.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

import numpy as np

from . import numbers as N
from .periods import document_years, parse_deadline
from .rowsim import (TfIdf, char_features, document_frequencies, lead_match, word_features)
from .vntext import compact_spaces, fold_tones

KINDS = ("same", "part_of", "continued")
PARENT_RELATIONS = ("implements", "based_on", "cites")

# thresholds on the combined row score (text similarity plus evidence bonuses)
THRESHOLD = 0.44
MIN_TEXT = 0.38              # text similarity a link needs on its own
MIN_TEXT_SHARED_REFS = 0.25  # ... when the two rows cite the same document
MULTI_PARENT_MARGIN = 0.10
SAME_TEXT = 0.8
SAME_TEXT_CONTAINED = 0.6
SAME_OBJECTIVE = 0.6         # child restates the parent row's objective ("Mục tiêu") -> same
# dense rescue (only with an injected similarity): a candidate below MIN_TEXT is
# kept when its text is at least DENSE_MIN_TEXT and the parent is the child's
# best dense match in that document, DENSE_Z standard deviations above the mean
DENSE_MIN_TEXT = 0.25
DENSE_Z = 2.5
DENSE_BONUS = 0.12
# optional dense similarity: (child task ids, parent task ids) -> [child, parent] cosine
# matrix, or None when it has no vectors for them (injected by the service layer)
Similarity = Callable[[Sequence[str], Sequence[str]], Optional[np.ndarray]]
DOC_PRIOR = {"implements": 1.0, "chain": 0.95, "shared-source": 0.9, "sibling": 0.9}


@dataclass(frozen=True)
class DocLink:
    child: str           # document id
    parent: str
    via: str             # implements | chain | shared-source | sibling
    evidence: str

    def to_json(self) -> dict:
        return {"child": self.child, "parent": self.parent, "via": self.via, "evidence": self.evidence}


@dataclass(frozen=True)
class Link:
    child: str           # task id
    parent: str
    kind: str
    confidence: float
    evidence: str

    def to_json(self) -> dict:
        return {"child": self.child, "parent": self.parent, "kind": self.kind,
                "confidence": round(self.confidence, 3), "evidence": self.evidence}


@dataclass(frozen=True)
class Coverage:
    parent_doc: str
    child_doc: str
    via: str
    carried: int                      # parent rows picked up by the child document
    total: int
    not_carried: tuple[str, ...]      # parent task ids
    new: tuple[str, ...]              # child task ids with no parent in this parent document

    def to_json(self) -> dict:
        return {"parent_doc": self.parent_doc, "child_doc": self.child_doc, "via": self.via,
                "carried": self.carried, "total": self.total,
                "not_carried": list(self.not_carried), "new": list(self.new)}


@dataclass(frozen=True)
class Lineage:
    links: tuple[Link, ...]
    documents: tuple[DocLink, ...]
    coverage: tuple[Coverage, ...]
    new: tuple[str, ...]              # rows of implementing plans with no parent at all
    not_carried: tuple[str, ...]      # programme rows no implementing plan picks up

    def parents(self, task_id: str) -> list[Link]:
        return [l for l in self.links if l.child == task_id]

    def children(self, task_id: str) -> list[Link]:
        return [l for l in self.links if l.parent == task_id]

    def to_json(self) -> dict:
        return {"links": [l.to_json() for l in self.links],
                "documents": [d.to_json() for d in self.documents],
                "coverage": [c.to_json() for c in self.coverage],
                "new": list(self.new), "not_carried": list(self.not_carried)}


def as_dicts(extractions: Iterable) -> list[dict]:
    return [e.to_json() if hasattr(e, "to_json") else e for e in extractions]


# ---------------------------------------------------------------- documents
def _years(e: dict) -> tuple[int, ...]:
    return document_years(e["document"], (parse_deadline(t.get("deadline")) for t in e.get("tasks", [])))


def document_links(extractions: Sequence[dict]) -> list[DocLink]:
    """Parent/child relations between corpus documents that hold task rows."""
    docs = {e["document"]["id"]: e for e in extractions if e.get("tasks")}
    all_ids = {e["document"]["id"] for e in extractions}
    years = {i: _years(e) for i, e in docs.items()}
    number = {e["document"]["id"]: e["document"].get("number") or e["document"]["id"] for e in extractions}
    cites: dict[str, dict[str, str]] = defaultdict(dict)      # doc -> {target id: relation}
    for e in extractions:
        src = e["document"]["id"]
        for r in e.get("references", []):
            if r.get("relation") in PARENT_RELATIONS and r.get("target_id") != src:
                cites[src].setdefault(r["target_id"], r["relation"])

    def later_or_same(c: str, p: str) -> bool:
        dc, dp = docs[c]["document"].get("date"), docs[p]["document"].get("date")
        return not (dc and dp and dc < dp)

    out: dict[tuple[str, str], DocLink] = {}
    for c in docs:
        for p in docs:
            if c == p or not later_or_same(c, p):
                continue
            rel = cites[c].get(p)
            if rel in ("implements", "based_on") or (rel == "cites" and _covers(years[p], years[c])):
                out[(c, p)] = DocLink(c, p, "implements", f"{number[c]} {_REL_VI[rel]} {number[p]}")
                continue
            mids = [x for x in cites[c] if x in all_ids and x not in (c, p)
                    and cites[x].get(p) in ("implements", "based_on")]
            if mids:
                out[(c, p)] = DocLink(c, p, "chain", f"{number[c]} → {number[mids[0]]} → {number[p]}")
                continue
            prov_c, prov_p = docs[c]["document"].get("province"), docs[p]["document"].get("province")
            if not prov_c or prov_c != prov_p or not _covers(years[p], years[c]) or len(years[p]) < 2:
                continue
            shared = [x for x in cites[c] if cites[p].get(x) == "implements" and cites[c][x] == "implements"]
            local = [x for x in shared if not x.startswith(("vn/", "law/"))]
            if local or len(shared) >= 2:
                names = ", ".join(sorted(_num(x) for x in (local or shared)))
                out[(c, p)] = DocLink(c, p, "shared-source",
                                      f"{number[c]} and programme {number[p]} both carry out {names}")
    # siblings: single-year plans carrying out one programme; the next year's continues the last one
    kids: dict[str, list[str]] = defaultdict(list)
    for (c, p) in list(out):
        kids[p].append(c)
    for p, cs in kids.items():
        for c in cs:
            yc = years[c]
            if not yc or len(yc) > 1:
                continue
            earlier = [s for s in cs if s != c and years[s] and len(years[s]) == 1 and years[s][0] < yc[0]]
            if not earlier:
                continue
            last = max(years[s][0] for s in earlier)
            for s in earlier:
                if years[s][0] == last and (c, s) not in out:
                    out[(c, s)] = DocLink(c, s, "sibling",
                                          f"{number[c]} ({yc[0]}) and {number[s]} ({last}) both carry out {number[p]}")
    return sorted(out.values(), key=lambda d: (d.child, d.parent))


# the parent builds or issues something (a plan, a scheme), the child carries it out:
# the implementation stage of what the parent builds is part of it, not a restatement
_BUILD = re.compile(r"^(?:tham mưu (?:cho ubnd tỉnh )?)?(?:nghiên cứu )?(?:ban hành|xây dựng|trình)\b")
_CARRY = re.compile(r"^(?:tiếp tục )?(?:tổ chức )?(?:triển khai|thực hiện)\b")


def _verb_key(text: str) -> str:
    return compact_spaces(fold_tones(text or "")).strip(" -–•+*.:;").lower()


def builds_then_carries(child_text: str, parent_text: str) -> bool:
    """'Ban hành / Xây dựng Kế hoạch X' (parent) → 'Triển khai Kế hoạch X' (child)."""
    return bool(_BUILD.match(_verb_key(parent_text))) and bool(_CARRY.match(_verb_key(child_text)))


_REL_VI = {"implements": "thực hiện", "based_on": "căn cứ", "cites": "dẫn chiếu"}


def _num(target_id: str) -> str:
    return target_id.split("/", 1)[-1].upper()


def _covers(outer: Sequence[int], inner: Sequence[int]) -> bool:
    return bool(outer and inner) and set(inner) <= set(outer) and len(outer) >= len(inner)


# ---------------------------------------------------------------- rows
def _local_refs(task: dict) -> set[str]:
    return {r for r in task.get("references") or () if r}


def _pair_scores(child: list[dict], parent: list[dict], feats: dict, df_w: Counter, df_c: Counter, n: int):
    rows = child + parent
    wf = [feats[t["id"]][0] for t in rows]
    cf = [feats[t["id"]][1] for t in rows]
    W, C = TfIdf(wf, df_w, n), TfIdf(cf, df_c, n)
    ci, pi = slice(0, len(child)), slice(len(child), len(rows))
    text = 0.5 * W.cosine(ci, pi) + 0.5 * C.cosine(ci, pi)
    p_in_c = W.containment(pi, ci).T          # [child, parent]: parent's terms present in child
    secs = [word_features(t.get("section_title") or "") for t in rows]
    S = TfIdf(secs, None, None) if any(secs) else None
    sec = S.cosine(ci, pi) if S is not None else np.zeros_like(text)
    return text, p_in_c, sec


def _score(text: float, sec: float, c: dict, p: dict, dense_z: Optional[float] = None) -> tuple[float, list[str]]:
    """Combined score, or -1 when the texts are too far apart to link.
    ``dense_z``: set when the parent is the child's best dense (e5) match in
    its document, that many standard deviations above the mean."""
    ev = [f"text {text:.2f}"]
    s = text
    rc, rp = _local_refs(c), _local_refs(p)
    shared = rc & rp
    floor = MIN_TEXT_SHARED_REFS if shared else MIN_TEXT
    if dense_z is not None and dense_z >= DENSE_Z and DENSE_MIN_TEXT <= text < floor:
        # rescue only: a pair the wording alone would drop; never reorders pairs it keeps
        floor = DENSE_MIN_TEXT
        s += DENSE_BONUS
        ev.append(f"best dense match (e5, z {dense_z:.1f})")
    if text < floor:
        return -1.0, ev
    if shared:
        s += 0.15
        ev.append("shared references " + ", ".join(sorted(shared)))
    elif rc and any(N.is_local(x) for x in rc) and any(N.is_local(x) for x in rp):
        s -= 0.25     # each names its own plan: two different tasks however alike the wording
        ev.append("different plans referenced")
    elif any(N.is_local(x) for x in rp):
        s -= 0.04     # the parent names a specific plan the child does not
    lm, why = lead_match(c.get("lead") or (), p.get("lead") or ())
    s += 0.08 * (lm - 0.3)
    if why:
        ev.append(why)
    if sec >= 0.5:
        s += 0.04
        ev.append("same section theme")
    return s, ev


def _dense_best(similarity: Optional[Similarity], child: list[dict], parent: list[dict]):
    """Per child row: (index of its best dense match among the parent rows, z
    of that match against the child's similarities to all of them); None
    without a similarity function or vectors."""
    if similarity is None or not child or len(parent) < 3:
        return None
    m = similarity([t["id"] for t in child], [t["id"] for t in parent])
    if m is None:
        return None
    m = np.asarray(m, dtype=np.float64)
    best = m.argmax(axis=1)
    sd = m.std(axis=1)
    sd[sd == 0] = 1.0
    z = (m[np.arange(len(child)), best] - m.mean(axis=1)) / sd
    return [(int(b), float(x)) for b, x in zip(best, z)]


def _objective_sim(c: dict, p: dict, df_w: Counter, df_c: Counter, n: int) -> float:
    """Text similarity of the child row to the parent row's objective ("Mục tiêu" column)."""
    obj = p.get("objective")
    if not obj:
        return 0.0
    a, b = c.get("text") or "", obj
    W = TfIdf([word_features(a), word_features(b)], df_w, n)
    C = TfIdf([char_features(a), char_features(b)], df_c, n)
    one, two = slice(0, 1), slice(1, 2)
    return float(0.5 * W.cosine(one, two)[0, 0] + 0.5 * C.cosine(one, two)[0, 0])


def find_lineage(extractions: Iterable, threshold: float = THRESHOLD,
                 similarity: Optional[Similarity] = None) -> Lineage:
    ex = as_dicts(extractions)
    dlinks = document_links(ex)
    by_id = {e["document"]["id"]: e for e in ex}
    involved = {d.child for d in dlinks} | {d.parent for d in dlinks}
    all_rows = [t for i in sorted(involved) for t in by_id[i]["tasks"]]
    feats = {t["id"]: (word_features(t.get("text") or ""), char_features(t.get("text") or ""))
             for t in all_rows}
    df_w, n = document_frequencies(f[0] for f in feats.values())
    df_c, _ = document_frequencies(f[1] for f in feats.values())

    links: list[Link] = []
    coverage: list[Coverage] = []
    for d in dlinks:
        child, parent = by_id[d.child]["tasks"], by_id[d.parent]["tasks"]
        text, p_in_c, sec = _pair_scores(child, parent, feats, df_w, df_c, n)
        prior = DOC_PRIOR[d.via]
        dense = _dense_best(similarity, child, parent)
        found: list[tuple[int, int, float, list[str]]] = []
        for a, c in enumerate(child):
            scored = []
            for b, p in enumerate(parent):
                if text[a, b] < min(MIN_TEXT_SHARED_REFS, DENSE_MIN_TEXT):
                    continue
                z = dense[a][1] if dense is not None and dense[a][0] == b else None
                s, ev = _score(float(text[a, b]), float(sec[a, b]), c, p, z)
                if s < 0:
                    continue
                scored.append((s, b, ev))
            if not scored:
                continue
            best = max(x[0] for x in scored)
            if best < threshold:
                continue
            for s, b, ev in scored:
                if s >= threshold and s >= best - MULTI_PARENT_MARGIN:
                    found.append((a, b, s, ev))
        per_parent = Counter(b for _, b, _, _ in found)
        for a, b, s, ev in found:
            t = float(text[a, b])
            obj = _objective_sim(child[a], parent[b], df_w, df_c, n)
            if d.via == "sibling":
                kind = "continued"
            elif obj >= SAME_OBJECTIVE:
                kind = "same"
                ev.append(f"restates the parent's objective ({obj:.2f})")
            elif builds_then_carries(child[a].get("text") or "", parent[b].get("text") or ""):
                kind = "part_of"
                ev.append("carries out what the parent row builds")
            elif t >= SAME_TEXT or (t >= SAME_TEXT_CONTAINED and p_in_c[a, b] >= 0.85
                                    and per_parent[b] == 1):
                kind = "same"
            else:
                kind = "part_of"
                if per_parent[b] > 1:
                    ev.append(f"parent split into {per_parent[b]} rows")
            conf = max(0.0, min(1.0, prior * (0.5 + 0.5 * min(1.0, s))))
            ev.append(f"document: {d.evidence}")
            links.append(Link(child[a]["id"], parent[b]["id"], kind, conf, "; ".join(ev)))
        carried = {b for _, b, _, _ in found}
        linked_children = {a for a, _, _, _ in found}
        coverage.append(Coverage(d.parent, d.child, d.via, len(carried), len(parent),
                                 tuple(p["id"] for b, p in enumerate(parent) if b not in carried),
                                 tuple(c["id"] for a, c in enumerate(child) if a not in linked_children)))

    has_parent = {l.child for l in links}
    picked = {l.parent for l in links if l.kind != "continued"}
    child_docs = {d.child for d in dlinks}
    programme_docs = {d.parent for d in dlinks if d.via != "sibling"}
    new = tuple(t["id"] for i in sorted(child_docs) for t in by_id[i]["tasks"] if t["id"] not in has_parent)
    not_carried = tuple(t["id"] for i in sorted(programme_docs) for t in by_id[i]["tasks"]
                        if t["id"] not in picked)
    links.sort(key=lambda l: (l.child, -l.confidence, l.parent))
    return Lineage(tuple(links), tuple(dlinks), tuple(coverage), new, not_carried)


def links_touching(lin: Lineage, ref: str, extractions: Iterable) -> list[Link]:
    """Links touching REF: a task id, or a document number / id (any of its rows)."""
    ex = as_dicts(extractions)
    ids = {ref}
    key = ref.replace(" ", "").lower()
    for e in ex:
        doc = e["document"]
        if key in ((doc.get("number") or "").lower(), doc["id"].lower()):
            ids.update(t["id"] for t in e.get("tasks", []))
    return [l for l in lin.links if l.child in ids or l.parent in ids]

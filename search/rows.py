"""What the ranking keeps of every search record, taken in one pass.

The records themselves may live on disk (``search.records``): the engine reads
each one once when it starts and keeps only compact tables of what questions
filter, group and order by — token ids, the task id, the document's
province / number / id, a year window, the document order — plus the counts
that pick the accented spelling of an unaccented question.
"""
from __future__ import annotations

import re
from array import array
from datetime import date
from typing import Optional

import numpy as np

from kg.vntext import has_marks, search_key

from .text import tokens

_WORD = re.compile(r"[^\W\d_]+")

# question words are rare in plans: never 'nạo' for 'nao'
_QUESTION_WORDS = {"nao": "nào", "gi": "gì", "dau": "đâu", "bao gio": "bao giờ", "khi nao": "khi nào",
                   "the nao": "thế nào", "bao nhieu": "bao nhiêu", "la gi": "là gì", "o dau": "ở đâu"}


def record_years(r: dict) -> set[int]:
    """The years a search record covers, for year facets: its deadline range
    (at most 20 years), else its document's year."""
    rng = r["task"].get("deadline_range")
    if rng and rng[0] and rng[1]:
        try:
            a, b = int(rng[0][:4]), int(rng[1][:4])
            if 0 <= b - a <= 20:
                return set(range(a, b + 1))
        except ValueError:
            pass
    date = (r.get("document") or {}).get("date") or ""
    return {int(date[:4])} if date[:4].isdigit() else set()


def year_window(r: dict) -> tuple[int, int]:
    """The years the question filter "năm 2024" lets through, as [lo, hi]: a
    row whose deadline range covers the year, or, without a range, a document
    issued that year or the year before (plans for a year are issued in the
    preceding one) — broader than ``record_years`` on purpose.  (1, 0): none."""
    rng = r["task"].get("deadline_range")
    if rng and rng[0]:
        try:
            lo = int(rng[0][:4])
            return lo, int(rng[1][:4]) if rng[1] else lo
        except ValueError:
            return 1, 0
    date = (r.get("document") or {}).get("date") or ""
    return (int(date[:4]), int(date[:4]) + 1) if date[:4].isdigit() else (1, 0)


def deadline_days(r: dict) -> tuple[int, int]:
    """A record's deadline span (``deadline_range``) as proleptic ordinals
    [lo, hi], for a question's span of months; (0, -1) when it has none."""
    rng = r["task"].get("deadline_range")
    if rng and rng[0] and rng[1]:
        try:
            return date.fromisoformat(rng[0]).toordinal(), date.fromisoformat(rng[1]).toordinal()
        except ValueError:
            pass
    return 0, -1


def matches(r: dict, key: str, value) -> bool:
    """The reference meaning of a filter (the engine answers it from tables)."""
    d = r.get("document") or {}
    if key == "province":
        return d.get("province") == value
    if key == "number":
        return (d.get("number") or "").upper() == str(value).upper()
    if key == "document":
        return d.get("id") == value
    lo, hi = year_window(r)
    return lo <= int(value) <= hi


def document_key(r: dict) -> tuple:
    """A row's place in its document: document id, section, row number, task id."""
    t, d = r["task"], r.get("document") or {}
    no = t.get("no") or ""
    return (d.get("id") or "", t.get("section") or "", int(no) if no.isdigit() else 10 ** 6, t["id"])


class AccentCounts:
    """Folded word / word pair → its most frequent accented spelling in the passages."""

    def __init__(self):
        self.counts: dict[str, int] = {}         # accented word / pair → occurrences

    def add(self, passage: str) -> None:
        counts = self.counts
        words = [w.lower() for w in _WORD.findall(passage)]
        marked = [has_marks(w) for w in words]
        for j, w in enumerate(words):
            if marked[j]:
                counts[w] = counts.get(w, 0) + 1
            if j + 1 < len(words) and (marked[j] or marked[j + 1]):
                gram = w + " " + words[j + 1]
                counts[gram] = counts.get(gram, 0) + 1

    def table(self) -> dict[str, str]:
        best: dict[str, tuple[int, str]] = {}
        for gram, c in self.counts.items():      # one fold per distinct spelling, not per occurrence
            k = search_key(gram)
            cur = best.get(k)
            if cur is None or (c, gram) > cur:
                best[k] = (c, gram)
        table = {k: g for k, (_, g) in best.items()}
        table.update(_QUESTION_WORDS)
        return table


def accent_table(records) -> dict[str, str]:
    acc = AccentCounts()
    for r in records:
        acc.add(r["passage"])
    return acc.table()


class RowTables:
    """Filled by ``add(i, record)`` for every record in order."""

    def __init__(self):
        self.vocab: dict[str, int] = {}
        self.ids: list = []                      # token ids per passage (array 'i')
        self.by_id: dict[str, list[int]] = {}    # task id → its rows
        self.group: list[int] = []               # row → number of its task id
        self.groups: dict[str, dict] = {"province": {}, "number": {}, "document": {}}
        self.year_lo = array("i")
        self.year_hi = array("i")
        self.due_lo = array("i")                 # deadline span as day ordinals (``deadline_days``)
        self.due_hi = array("i")
        self._year_min: Optional[int] = None     # of record_years over the rows so far
        self._year_max: Optional[int] = None
        self._doc_keys: list[tuple] = []
        self.accents = AccentCounts()

    def add(self, i: int, r: dict) -> None:
        vocab = self.vocab
        passage = r["passage"]
        self.ids.append(array("i", [vocab.setdefault(t, len(vocab)) for t in tokens(passage)]))
        self.accents.add(passage)
        tid = r["task"]["id"]
        rows = self.by_id.get(tid)
        if rows is None:
            rows = self.by_id[tid] = []
        rows.append(i)
        self.group.append(len(self.by_id) - 1 if len(rows) == 1 else self.group[rows[0]])
        d = r.get("document") or {}
        g = self.groups
        g["province"].setdefault(d.get("province"), []).append(i)
        g["number"].setdefault((d.get("number") or "").upper(), []).append(i)
        g["document"].setdefault(d.get("id"), []).append(i)
        lo, hi = year_window(r)
        self.year_lo.append(lo)
        self.year_hi.append(hi)
        lo, hi = deadline_days(r)
        self.due_lo.append(lo)
        self.due_hi.append(hi)
        ys = record_years(r)
        if ys:
            lo, hi = min(ys), max(ys)
            self._year_min = lo if self._year_min is None else min(self._year_min, lo)
            self._year_max = hi if self._year_max is None else max(self._year_max, hi)
        self._doc_keys.append(document_key(r))

    def year_span(self) -> Optional[tuple[int, int]]:
        return None if self._year_min is None else (self._year_min, self._year_max)

    def document_order(self) -> np.ndarray:
        """Row → its rank in document order (``document_key``)."""
        keys, self._doc_keys = self._doc_keys, []
        order = sorted(range(len(keys)), key=keys.__getitem__)
        rank = np.empty(len(keys), dtype=np.int64)
        rank[order] = np.arange(len(keys), dtype=np.int64)
        return rank

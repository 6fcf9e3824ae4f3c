"""Agency agendas: an agency's rows across documents, due in a window,
grouped by deadline period, with lineage collapsed (a programme row and the
yearly row that restates it are one line listing both sources).

``AgendaIndex`` precomputes, per agency id, its rows with parsed deadlines,
validity years and due dates, so one query only walks that agency's rows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional, Sequence

from .lineage import Link, as_dicts
from .periods import (DeadlineRange, document_years, due_dates, is_ongoing, ongoing_overlaps,
                      parse_deadline)
from .vntext import name_key, search_key

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Source:
    task_id: str
    document_id: str
    document_number: Optional[str]
    deadline: Optional[str]

    def to_json(self) -> dict:
        return {"task_id": self.task_id, "document_id": self.document_id,
                "document_number": self.document_number, "deadline": self.deadline}


@dataclass(frozen=True)
class Line:
    task_id: str                     # the most specific row (the yearly one when collapsed)
    text: str
    role: str                        # lead | support
    deadline: Optional[str]
    kind: str                        # DeadlineRange kind
    due: Optional[date]              # None for ongoing lines
    period: str                      # 'Quý IV/2023', 'Thường xuyên', ...
    recurrence: Optional[str]
    sources: tuple[Source, ...]      # this row first, then collapsed lineage rows
    last_year: Optional[int] = None  # last validity year of the row's document (recurrence bound)

    def to_json(self) -> dict:
        return {"task_id": self.task_id, "text": self.text, "role": self.role,
                "deadline": self.deadline, "kind": self.kind,
                "due": self.due.isoformat() if self.due else None, "period": self.period,
                "recurrence": self.recurrence, "sources": [s.to_json() for s in self.sources],
                "last_year": self.last_year}


@dataclass(frozen=True)
class Agenda:
    agency: dict                     # {"id", "name"} (ids: every id the name resolved to)
    start: date
    end: date
    due: tuple[Line, ...]
    ongoing: tuple[Line, ...]

    def groups(self) -> list[tuple[str, list[Line]]]:
        out: dict[str, list[Line]] = {}
        for line in self.due:
            out.setdefault(line.period, []).append(line)
        return list(out.items())

    def to_json(self) -> dict:
        return {"agency": self.agency,
                "from": self.start.isoformat() if self.start != date.min else None,
                "to": self.end.isoformat() if self.end != date.max else None,
                "rows": [l.to_json() for l in self.due],
                "groups": [{"period": p, "task_ids": [l.task_id for l in ls]} for p, ls in self.groups()],
                "ongoing": [l.to_json() for l in self.ongoing]}


@dataclass(frozen=True)
class _Entry:
    task: dict
    doc: dict
    role: str
    rng: DeadlineRange
    years: tuple[int, ...]
    dues: tuple[date, ...]


def period_label(r: DeadlineRange, due: Optional[date]) -> str:
    if is_ongoing(r):
        return "Thường xuyên" if r.kind == "ongoing" else f"Từ {r.start:%d/%m/%Y}"
    if due is None:
        return "Không xác định"
    if r.recurrence == "yearly":
        return f"Hằng năm ({due.year})"
    if r.recurrence == "quarterly":
        return f"Hằng quý (Quý {ROMAN[(due.month - 1) // 3 + 1]}/{due.year})"
    if r.recurrence == "monthly":
        return f"Hằng tháng ({due.month}/{due.year})"
    if r.kind == "quarter":
        return f"Quý {ROMAN[(due.month - 1) // 3 + 1]}/{due.year}"
    if r.kind == "month":
        return f"Tháng {due.month}/{due.year}"
    if r.kind == "year":
        return f"Năm {due.year}"
    if r.kind == "before-date":
        return f"Trước {due:%d/%m/%Y}"
    if r.kind == "by-date":
        return f"Ngày {due:%d/%m/%Y}"
    if r.kind == "range" and r.start:
        return f"{r.start:%m/%Y} – {r.end:%m/%Y}"
    return f"Quý {ROMAN[(due.month - 1) // 3 + 1]}/{due.year}"


class AgendaIndex:
    def __init__(self, extractions: Iterable, links: Iterable[Link] = ()):
        ex = as_dicts(extractions)
        self.names: dict[str, str] = {}                    # agency id -> canonical name
        self.keys: dict[str, set[str]] = defaultdict(set)  # name/alias/id key -> agency ids
        self.rows: dict[str, list[_Entry]] = defaultdict(list)
        self.tasks: dict[str, tuple[dict, dict]] = {}      # task id -> (task, document)
        for e in ex:
            doc = e["document"]
            by_name: dict[str, str] = {}
            for a in e.get("agencies", []):
                self.names[a["id"]] = a["name"]
                for n in [a["name"], *a.get("aliases", [])]:
                    by_name[name_key(n)] = a["id"]
                    self.keys[name_key(n)].add(a["id"])
                    self.keys[search_key(name_key(n))].add(a["id"])
                self.keys[a["id"].lower()].add(a["id"])
            ctx = document_years(doc)
            ctx_year = ctx[0] if len(ctx) == 1 else _doc_year(doc)
            ranges = [(t, parse_deadline(t.get("deadline"), ctx_year)) for t in e.get("tasks", [])]
            years = document_years(doc, (r for _, r in ranges))
            for t, r in ranges:
                self.tasks[t["id"]] = (t, doc)
                dues = tuple(due_dates(r, years))
                for role in ("lead", "support"):
                    for n in t.get(role) or ():
                        aid = by_name.get(name_key(n))
                        if aid is None:
                            continue
                        self.rows[aid].append(_Entry(t, doc, role, r, years, dues))
        # lineage: child row -> parent rows it restates or narrows (collapsed into one line)
        self.parents: dict[str, set[str]] = defaultdict(set)
        for l in links:
            if l.kind in ("same", "part_of"):
                self.parents[l.child].add(l.parent)

    def resolve(self, agency: str) -> list[str]:
        k = name_key(agency or "")
        ids = self.keys.get(agency.strip().lower()) or self.keys.get(k) or self.keys.get(search_key(k))
        return sorted(ids or ())

    def agenda(self, agency: str, start: date, end: date) -> Agenda:
        ids = self.resolve(agency)
        if not ids:
            raise KeyError(f"unknown agency: {agency!r}")
        return self.agenda_for(ids, start, end)

    def agenda_for(self, ids: Sequence[str], start: date, end: date) -> Agenda:
        """The agenda of the agencies ``ids`` (as ``resolve`` returns them)."""
        ids = sorted(i for i in ids if i in self.names)
        if not ids:
            raise KeyError("no known agency among the ids given")
        due: list[tuple[_Entry, date]] = []
        ongoing: list[_Entry] = []
        seen: set[tuple[str, date]] = set()
        for aid in ids:
            for en in self.rows[aid]:
                if is_ongoing(en.rng):
                    if ongoing_overlaps(en.rng, start, end, en.years) and (en.task["id"], date.min) not in seen:
                        seen.add((en.task["id"], date.min))
                        ongoing.append(en)
                    continue
                for d in en.dues:
                    if start <= d <= end and (en.task["id"], d) not in seen:
                        seen.add((en.task["id"], d))
                        due.append((en, d))
        lines = self._collapse(due)
        lines.sort(key=lambda l: (l.due, l.task_id))
        on = [_line(en, None, ()) for en in ongoing]
        return Agenda({"ids": ids, "id": ids[0], "name": self.names[ids[0]]}, start, end, tuple(lines), tuple(on))

    def _collapse(self, due: Sequence[tuple[_Entry, date]]) -> list[Line]:
        """A parent row due in the window together with a row that restates or
        narrows it is absorbed into that row's line; parents are listed as
        sources of the child line either way."""
        present = {en.task["id"] for en, _ in due}
        absorbed = {p for en, _ in due for p in self.parents.get(en.task["id"], ()) if p in present}
        lines = []
        for en, d in due:
            if en.task["id"] in absorbed:
                continue
            extra = [self.tasks[p] for p in sorted(self.parents.get(en.task["id"], ())) if p in self.tasks]
            lines.append(_line(en, d, extra))
        return lines


def _line(en: _Entry, d: Optional[date], collapsed: Iterable[tuple[dict, dict]]) -> Line:
    srcs = [(en.task, en.doc), *collapsed]
    return Line(en.task["id"], en.task.get("text") or "", en.role, en.task.get("deadline"), en.rng.kind, d,
                period_label(en.rng, d), en.rng.recurrence,
                tuple(Source(t["id"], doc["id"], doc.get("number"), t.get("deadline")) for t, doc in srcs),
                max(en.years) if en.years else None)


def _doc_year(doc: dict) -> Optional[int]:
    d = doc.get("date")
    return int(d[:4]) if d else None


def agenda(extractions: Iterable, links: Iterable[Link], agency: str, start: date, end: date) -> Agenda:
    """One-off query; build an ``AgendaIndex`` once to answer many."""
    return AgendaIndex(extractions, links).agenda(agency, start, end)

"""Deadlines as typed periods, period queries, and "what is due in [from, to]".

A deadline cell as written ('Quý IV/2023', 'Trước 30/6 hằng năm', 'Thường
xuyên', '2021-2025') becomes a ``DeadlineRange``: a kind, the dates it covers
and, for recurring deadlines, the recurrence and its anchor inside the cycle.
The written text is kept for display.

Due semantics: a dated row is *due* in a window when its end date falls
inside; a recurring row is due at each occurrence (every year / quarter /
month of the years its document is valid for); ongoing rows ('thường
xuyên', 'từ quý I/2023') are never due on a date and are listed separately.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Optional, Sequence

from .vntext import compact_spaces, search_key

KINDS = ("by-date", "before-date", "month", "quarter", "half-year", "year", "range", "multiple",
         "from", "recurring-yearly", "recurring-quarterly", "recurring-monthly", "ongoing", "unknown")
RECURRENCES = ("yearly", "quarterly", "monthly")


@dataclass(frozen=True)
class DeadlineRange:
    text: Optional[str]
    kind: str
    start: Optional[date] = None
    end: Optional[date] = None
    recurrence: Optional[str] = None          # yearly | quarterly | monthly
    anchor_month: Optional[int] = None        # recurring-yearly: month of the occurrence
    anchor_day: Optional[int] = None          # day of the occurrence (None: end of month/period)
    parts: tuple["DeadlineRange", ...] = field(default=())   # kind == "multiple"

    @property
    def dated(self) -> bool:
        return self.end is not None and self.kind not in ("ongoing", "from")

    def to_json(self) -> dict:
        return {"text": self.text, "kind": self.kind,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None,
                "recurrence": self.recurrence, "anchor_month": self.anchor_month,
                "anchor_day": self.anchor_day}


# ---------------------------------------------------------------- atoms
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YSEP = r"\s*(?:/|nam|-)\s*"
_ATOM_RE = re.compile(
    r"(?P<schoolyear>nam\s*hoc\s*((?:19|20)\d{2})\s*[-–/]\s*((?:19|20)\d{2}))"
    r"|(?P<half>(?:6|sau)\s*thang\s*(dau|cuoi)\s*(?:nam)?(?:\s*((?:19|20)\d{2}))?)"
    r"|(?P<yearpart>(dau|cuoi|giua)\s*nam(?:\s*((?:19|20)\d{2}))?)"
    r"|(?P<vdate>ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})(?:\s*nam\s*((?:19|20)\d{2}))?)"
    r"|(?P<date>(?:ngay\s*)?\b(\d{1,2})\s*[/.]\s*(\d{1,2})(?:\s*[/.]\s*((?:19|20)\d{2}))?(?![\d/]))"
    r"|(?P<quarter>(?:quy|qui)\s*(iv|iii|ii|i|[1-4])\b(?:" + _YSEP + r"((?:19|20)\d{2}))?)"
    r"|(?P<qshort>\bq([1-4])(?:\s*[/-]?\s*((?:19|20)\d{2}))?\b)"
    r"|(?P<month>thang\s*(\d{1,2})\b(?:" + _YSEP + r"((?:19|20)\d{2}))?)"
    r"|(?P<bmonth>\b(\d{1,2})\s*/\s*((?:19|20)\d{2})\b)"
    r"|(?P<year>(?:nam\s*)?\b((?:19|20)\d{2})\b)")


@dataclass
class _Atom:
    kind: str                 # date | month | quarter | half-year | year | schoolyear
    a: int                    # day/month/quarter/half (1|2)/0
    b: int = 0                # month for dates
    year: Optional[int] = None
    pos: tuple[int, int] = (0, 0)
    year2: Optional[int] = None

    def bounds(self) -> Optional[tuple[date, date]]:
        y = self.year
        if y is None:
            return None
        try:
            if self.kind == "date":
                d = date(y, self.b, self.a)
                return d, d
            if self.kind == "month":
                return _month(self.a, y)
            if self.kind == "quarter":
                return _quarter(self.a, y)
            if self.kind == "half-year":
                return (date(y, 1, 1), date(y, 6, 30)) if self.a == 1 else (date(y, 7, 1), date(y, 12, 31))
            if self.kind == "schoolyear":
                return date(y, 9, 1), date(self.year2 or y + 1, 8, 31)
            return date(y, 1, 1), date(y, 12, 31)
        except ValueError:
            return None


def _month(m: int, y: int) -> tuple[date, date]:
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def _quarter(q: int, y: int) -> tuple[date, date]:
    return date(y, 3 * q - 2, 1), date(y, 3 * q, calendar.monthrange(y, 3 * q)[1])


def _int(s: Optional[str]) -> Optional[int]:
    return int(s) if s else None


def _atoms(k: str) -> list[_Atom]:
    out: list[_Atom] = []
    for m in _ATOM_RE.finditer(k):
        g = m.lastgroup
        i = _ATOM_RE.groupindex[g]
        v = [m.group(i + j) if i + j <= _ATOM_RE.groups else None for j in range(1, 4)]
        pos = m.span()
        if g == "schoolyear":
            out.append(_Atom("schoolyear", 0, 0, int(v[0]), pos, int(v[1])))
        elif g == "half":
            out.append(_Atom("half-year", 1 if v[0] == "dau" else 2, 0, _int(v[1]), pos))
        elif g == "yearpart":
            kind, a = {"dau": ("quarter", 1), "giua": ("month", 6), "cuoi": ("quarter", 4)}[v[0]]
            out.append(_Atom(kind, a, 0, _int(v[1]), pos))
        elif g in ("vdate", "date"):
            d, mo = int(v[0]), int(v[1])
            if 1 <= d <= 31 and 1 <= mo <= 12:
                out.append(_Atom("date", d, mo, _int(v[2]), pos))
        elif g == "quarter":
            out.append(_Atom("quarter", _ROMAN[v[0]], 0, _int(v[1]), pos))
        elif g == "qshort":
            out.append(_Atom("quarter", int(v[0]), 0, _int(v[1]), pos))
        elif g in ("month", "bmonth"):
            if 1 <= int(v[0]) <= 12:
                out.append(_Atom("month", int(v[0]), 0, _int(v[1]), pos))
        elif g == "year":
            out.append(_Atom("year", 0, 0, int(v[0]), pos))
    return out


_RECUR_RE = re.compile(r"\b(?:hang|moi|dinh ky hang)\s*(nam|quy|qui|thang)\b")
_ONGOING_RE = re.compile(r"thuong xuyen|lien tuc|dinh ky|dot xuat|kip thoi|hang ngay|hang tuan")
_BEFORE_RE = re.compile(r"^(?:truoc|cham nhat|han chot|han cuoi|khong muon hon|hoan thanh truoc)\b")
_BY_RE = re.compile(r"^(?:den|trong|hoan thanh trong|hoan thanh)\b")
_RANGE_SEP_RE = re.compile(r"\bden\b|\btoi\b|[-–]")
_FROM_RE = re.compile(r"(?:^|\s)(?:ngay\s+)?tu\b")


def parse_deadline(text: Optional[str], year: Optional[int] = None) -> DeadlineRange:
    """Deadline as written → ``DeadlineRange``.

    ``year`` is the context year (the document's) for deadlines written
    without one ('Quý I', 'trước 30/6').
    """
    if not text or not text.strip():
        return DeadlineRange(text, "unknown")
    k = compact_spaces(search_key(text)).strip(" .;:")
    k = k.replace("qui ", "quy ")
    rec = _RECUR_RE.search(k)
    atoms = _atoms(k)
    if rec:
        return _recurring(text, rec.group(1), atoms)
    _fill_years(atoms, year)
    head = k[:atoms[0].pos[0]] if atoms else k
    if not atoms or any(a.bounds() is None for a in atoms):
        kind = "ongoing" if _ONGOING_RE.search(k) else "unknown"
        return DeadlineRange(text, kind)
    if _ONGOING_RE.search(head) or (len(atoms) == 1 and _ONGOING_RE.search(k)):
        s, e = _span(atoms)
        return DeadlineRange(text, "ongoing", s, e)
    if len(atoms) >= 2:
        between = [k[a.pos[1]:b.pos[0]] for a, b in zip(atoms, atoms[1:])]
        if len(atoms) == 2 and (_RANGE_SEP_RE.search(between[0]) or (_FROM_RE.search(head) and "den" in between[0])):
            s, e = atoms[0].bounds()[0], atoms[1].bounds()[1]
            if s <= e:
                return DeadlineRange(text, "range", s, e)
        parts = tuple(_single(k[a.pos[0]:a.pos[1]], a, "") for a in atoms)
        s, e = _span(atoms)
        return DeadlineRange(text, "multiple", s, e, parts=parts)
    a = atoms[0]
    if _FROM_RE.search(head) and "den" not in k[a.pos[1]:]:
        return DeadlineRange(text, "from", a.bounds()[0], None)
    return _single(text, a, head)


def _single(text: str, a: _Atom, head: str) -> DeadlineRange:
    s, e = a.bounds()
    if _BEFORE_RE.search(head.strip()):
        if a.kind == "date":
            return DeadlineRange(text, "before-date", None, e)
        return DeadlineRange(text, "before-date", None, s - timedelta(days=1))
    if a.kind == "date":
        return DeadlineRange(text, "by-date", s, e)
    kind = {"schoolyear": "range"}.get(a.kind, a.kind)
    return DeadlineRange(text, kind, s, e)


def _span(atoms: Sequence[_Atom]) -> tuple[date, date]:
    b = [a.bounds() for a in atoms]
    return min(x[0] for x in b), max(x[1] for x in b)


def _fill_years(atoms: list[_Atom], year: Optional[int]) -> None:
    """'Từ quý I đến quý IV/2023': the year written once, at the end."""
    for i, a in enumerate(atoms):
        if a.year is None:
            later = next((b.year for b in atoms[i + 1:] if b.year is not None), None)
            earlier = next((b.year for b in reversed(atoms[:i]) if b.year is not None), None)
            a.year = later or earlier or year


def _recurring(text: str, unit: str, atoms: list[_Atom]) -> DeadlineRange:
    # atoms carrying a year bound the recurrence ('hằng năm, giai đoạn 2021-2025')
    years = [a.year for a in atoms if a.kind == "year" and a.year]
    s = date(min(years), 1, 1) if years else None
    e = date(max(years), 12, 31) if years else None
    anchors = [a for a in atoms if a.kind != "year"]
    if unit == "nam":
        am = ad = None
        if anchors:
            a = anchors[-1]
            if a.kind == "date":
                am, ad = a.b, a.a
            elif a.kind == "month":
                am = a.a
            elif a.kind == "quarter":
                am = 3 * a.a
            elif a.kind == "half-year":
                am = 6 * a.a
        return DeadlineRange(text, "recurring-yearly", s, e, "yearly", am, ad)
    if unit in ("quy", "qui"):
        return DeadlineRange(text, "recurring-quarterly", s, e, "quarterly")
    day = next((a.a for a in anchors if a.kind == "date"), None)
    if day is None:
        m = re.search(r"ngay\s*(\d{1,2})\b", search_key(text))
        day = int(m.group(1)) if m and 1 <= int(m.group(1)) <= 31 else None
    return DeadlineRange(text, "recurring-monthly", s, e, "monthly", None, day)


# ---------------------------------------------------------------- occurrences
def _clamp_day(y: int, m: int, d: Optional[int]) -> date:
    last = calendar.monthrange(y, m)[1]
    return date(y, m, min(d, last) if d else last)


def occurrences(r: DeadlineRange, years: Iterable[int]) -> list[date]:
    """Due dates of a recurring deadline within ``years`` (the document's
    validity years, narrowed by the deadline's own bounds)."""
    ys = sorted(set(years))
    if r.start:
        ys = [y for y in ys if y >= r.start.year]
    if r.end:
        ys = [y for y in ys if y <= r.end.year]
    out: list[date] = []
    for y in ys:
        if r.recurrence == "yearly":
            out.append(_clamp_day(y, r.anchor_month or 12, r.anchor_day))
        elif r.recurrence == "quarterly":
            out.extend(_clamp_day(y, 3 * q, None) for q in range(1, 5))
        elif r.recurrence == "monthly":
            out.extend(_clamp_day(y, m, r.anchor_day) for m in range(1, 13))
    return out


def due_dates(r: DeadlineRange, years: Iterable[int] = ()) -> list[date]:
    """Every date on which the row falls due (empty for ongoing/unknown)."""
    if r.recurrence:
        return occurrences(r, years)
    if r.kind == "multiple":
        return sorted({d for p in r.parts for d in due_dates(p, years)})
    return [r.end] if r.dated else []


def is_ongoing(r: DeadlineRange) -> bool:
    return r.kind in ("ongoing", "from")


def ongoing_overlaps(r: DeadlineRange, start: date, end: date, years: Iterable[int] = ()) -> bool:
    """An ongoing row belongs to a window when its span (or, unbounded, the
    document's validity years) overlaps it."""
    ys = sorted(set(years))
    s = r.start or (date(ys[0], 1, 1) if ys else None)
    e = r.end or (date(ys[-1], 12, 31) if ys and r.kind == "ongoing" else None)
    return (s is None or s <= end) and (e is None or e >= start)


@dataclass(frozen=True)
class Due:
    due: list            # [(row, due_date)] sorted by date
    ongoing: list        # [row]


def rows_due(rows: Iterable[tuple[object, DeadlineRange, Sequence[int]]], start: date, end: date) -> Due:
    """``rows``: (row, range, validity years).  A row is due when one of its
    due dates falls in [start, end]; ongoing rows overlapping it are listed
    separately."""
    due, ongoing = [], []
    for row, r, years in rows:
        if is_ongoing(r):
            if ongoing_overlaps(r, start, end, years):
                ongoing.append(row)
            continue
        for d in due_dates(r, years):
            if start <= d <= end:
                due.append((row, d))
    due.sort(key=lambda x: x[1])
    return Due(due, ongoing)


# ---------------------------------------------------------------- period queries
_ISO = r"(\d{4}-\d{2}-\d{2})"


def parse_period(query: str) -> tuple[date, date]:
    """'quý IV/2023', 'Q4/2023', 'tháng 10/2023', '10/2023', 'năm 2024', '2024',
    '6 tháng đầu năm 2024', '2023-10-01..2023-12-31' → (start, end).
    Raises ValueError naming the query when it is not a period."""
    q = compact_spaces(search_key(query or "")).strip()
    m = re.fullmatch(_ISO + r"\s*(?:\.\.|/|to|den|–|\s-\s)\s*" + _ISO, q)
    if m:
        return period_from_dates(m.group(1), m.group(2))
    m = re.fullmatch(r"((?:19|20)\d{2})\s*-?\s*q([1-4])", q)
    if m:
        return _quarter(int(m.group(2)), int(m.group(1)))
    m = re.fullmatch(r"((?:19|20)\d{2})-(\d{2})", q)
    if m and 1 <= int(m.group(2)) <= 12:
        return _month(int(m.group(2)), int(m.group(1)))
    rest = q
    for a in reversed(_atoms(q)):
        rest = rest[:a.pos[0]] + " " + rest[a.pos[1]:]
    leftover = set(re.findall(r"[a-z]+", rest)) - {"tu", "den", "nam", "trong"}
    r = parse_deadline(query)
    if not leftover and r.start and r.end and r.kind not in ("ongoing", "unknown") and not r.recurrence:
        return r.start, r.end
    raise ValueError(f"not a period: {query!r} (try 'quý IV/2023', 'tháng 10/2023', 'năm 2024' "
                     f"or 'YYYY-MM-DD..YYYY-MM-DD')")


def period_from_dates(start: Optional[str], end: Optional[str]) -> tuple[date, date]:
    """ISO --from/--to (either may be missing: open on that side)."""
    try:
        s = date.fromisoformat(start) if start else date.min
        e = date.fromisoformat(end) if end else date.max
    except ValueError as exc:
        raise ValueError(f"bad date in period {start!r}..{end!r}: {exc}") from None
    if s > e:
        raise ValueError(f"period starts after it ends: {start}..{end}")
    return s, e


# ---------------------------------------------------------------- document validity
_SPAN_RE = re.compile(r"\b((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})\b")
_YEAR_RE = re.compile(r"\bnam\s*((?:19|20)\d{2})\b")


def document_years(document: dict, deadlines: Iterable[DeadlineRange] = ()) -> tuple[int, ...]:
    """The years a plan is valid for: its title's 'giai đoạn 2021-2025' or
    'năm 2023'; else the years its dated rows cover; else its date's year."""
    title = compact_spaces(search_key(document.get("title") or ""))
    m = _SPAN_RE.search(title)
    if m and int(m.group(1)) <= int(m.group(2)) <= int(m.group(1)) + 15:
        return tuple(range(int(m.group(1)), int(m.group(2)) + 1))
    m = _YEAR_RE.search(title)
    if m:
        return (int(m.group(1)),)
    ys: set[int] = set()
    for r in deadlines:
        if r.start and r.end and not r.recurrence and r.end.year - r.start.year <= 15:
            ys.update(range(r.start.year, r.end.year + 1))
    if ys:
        return tuple(sorted(ys))
    d = document.get("date")
    return (int(d[:4]),) if d else ()

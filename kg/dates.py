"""Dates and deadlines: 'ngày 08/4/2020', 'ngày 08 tháng 4 năm 2020',
'Quý I/2023', 'Từ quý I đến quý IV/2023', 'Tháng 12/2023', '2021-2025'."""
from __future__ import annotations

import calendar
import re
from functools import lru_cache
from datetime import date
from typing import Optional

from .vntext import search_key

DATE_RE = re.compile(
    r"(?:ngày|ngay)\s*(\d{1,2})\s*(?:/|-|\.|\s+tháng\s+|\s+thang\s+)\s*(\d{1,2})\s*"
    r"(?:/|-|\.|\s+năm\s+|\s+nam\s+)\s*(\d{4})", re.I)
BARE_DATE_RE = re.compile(r"\b(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\b")


def iso(d: int, m: int, y: int) -> Optional[str]:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> Optional[str]:
    m = DATE_RE.search(text) or BARE_DATE_RE.search(text)
    if not m:
        return None
    return iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_Q = r"(?:quy|quí)\s*(iv|iii|ii|i|[1-4])"


def _quarter(q: int, y: int) -> tuple[str, str]:
    start = date(y, 3 * q - 2, 1)
    last_m = 3 * q
    end = date(y, last_m, calendar.monthrange(y, last_m)[1])
    return start.isoformat(), end.isoformat()


def _month(m: int, y: int) -> tuple[str, str]:
    return date(y, m, 1).isoformat(), date(y, m, calendar.monthrange(y, m)[1]).isoformat()


def normalise_deadline(text: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """Deadline as written → (start, end) ISO dates covering it, or (None, None).

    Several periods ('Quý I/2023; Quý IV/2023') give the span from the first
    start to the last end.  'Thường xuyên' / 'Theo kế hoạch' give none.
    """
    if not text:
        return None, None
    k = search_key(text)
    k = re.sub(r"\s+", " ", k)
    ranges: list[tuple[str, str]] = []
    try:
        # "từ quý I đến quý IV/2023": the year is written once, at the end
        for m in re.finditer(r"tu\s+" + _Q + r"(?:\s*/\s*(\d{4}))?\s*(?:den|-)\s*(?:het\s+)?" + _Q + r"\s*(?:/|nam)\s*(\d{4})", k):
            y2 = int(m.group(4)); y1 = int(m.group(2) or y2)
            ranges.append((_quarter(_ROMAN[m.group(1)], y1)[0], _quarter(_ROMAN[m.group(3)], y2)[1]))
        k2 = re.sub(r"tu\s+" + _Q + r".*?(?:den|-)\s*(?:het\s+)?" + _Q + r"\s*(?:/|nam)\s*\d{4}", " ", k)
        for m in re.finditer(r"tu\s+thang\s*(\d{1,2})\s*(?:/\s*(\d{4}))?\s*(?:den|-)\s*thang\s*(\d{1,2})\s*(?:/|nam)\s*(\d{4})", k2):
            y2 = int(m.group(4)); y1 = int(m.group(2) or y2)
            ranges.append((_month(int(m.group(1)), y1)[0], _month(int(m.group(3)), y2)[1]))
        k2 = re.sub(r"tu\s+thang.*?den\s+thang\s*\d{1,2}\s*(?:/|nam)\s*\d{4}", " ", k2)
        for m in re.finditer(_Q + r"\s*(?:/|nam|-)\s*(\d{4})", k2):
            ranges.append(_quarter(_ROMAN[m.group(1)], int(m.group(2))))
        k3 = re.sub(_Q + r"\s*(?:/|nam|-)\s*\d{4}", " ", k2)
        for m in re.finditer(r"\b(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\b", k3):
            d = iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if d:
                ranges.append((d, d))
        k3 = re.sub(r"\b\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}\b", " ", k3)
        for m in re.finditer(r"thang\s*(\d{1,2})\s*(?:/|nam|-)\s*(\d{4})", k3):
            mo = int(m.group(1))
            if 1 <= mo <= 12:
                ranges.append(_month(mo, int(m.group(2))))
        k4 = re.sub(r"thang\s*\d{1,2}\s*(?:/|nam|-)\s*\d{4}", " ", k3)
        for m in re.finditer(r"\b((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})\b", k4):
            ranges.append((f"{m.group(1)}-01-01", f"{m.group(2)}-12-31"))
        k5 = re.sub(r"\b(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}\b", " ", k4)
        for m in re.finditer(r"\b((?:19|20)\d{2})\b", k5):
            y = int(m.group(1))
            ranges.append((f"{y}-01-01", f"{y}-12-31"))
    except (ValueError, KeyError):
        return None, None
    if not ranges:
        return None, None
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


DEADLINE_HINT = re.compile(
    r"^(?:tu\s|den\s|truoc\s|trong\s|quy\s|quí\s|thang\s|nam\s|ngay\s|hang\s|thuong xuyen|dinh ky"
    r"|theo\s(?:ke hoach|yeu cau|quy dinh|tien do|chi dao|lo trinh)|giai doan|ngay tu|sau khi|khi co|cuoi nam|dau nam"
    r"|\d{1,2}/\d{4}|(?:19|20)\d{2}|lien tuc|kip thoi|dot\s|6 thang|nam hoc)", re.I)


@lru_cache(maxsize=20000)
def looks_like_deadline(cell: str) -> bool:
    k = search_key(cell).strip(" .;:-")
    if not k or len(k) > 90:
        return False
    if DEADLINE_HINT.match(k):
        return True
    a, b = normalise_deadline(cell)
    return a is not None and len(k) < 40

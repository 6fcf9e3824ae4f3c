"""iCalendar (RFC 5545) for agenda rows: one all-day VEVENT per dated row on
its due date; recurring rows ('hằng năm', 'hằng quý', 'hằng tháng') become one
VEVENT with an RRULE bounded by the document's validity years.

Written by hand (no dependency at run time): CRLF line ends, lines folded at
75 octets without splitting a UTF-8 character, TEXT values escaped.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Optional

from .agenda import Line

PRODID = "-//legalkg//agenda//VI"


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11: backslash, semicolon, comma, newline."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """§3.1: lines longer than 75 octets are split, continuation lines start
    with one space; never inside a multi-byte character."""
    out, cur, size = [], [], 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append("".join(cur))
            cur, size, limit = [" "], 1, 75
        cur.append(ch)
        size += n
    out.append("".join(cur))
    return "\r\n".join(out)


def _uid(task_id: str, suffix: str = "") -> str:
    return re.sub(r"[^A-Za-z0-9._#/-]", "-", task_id) + suffix + "@legalkg"


def _rrule(line: Line, first: date, last_year: Optional[int]) -> Optional[str]:
    until = f";UNTIL={last_year}1231" if last_year else ""
    if line.recurrence == "yearly":
        return f"FREQ=YEARLY;BYMONTH={first.month};BYMONTHDAY={first.day}{until}"
    if line.recurrence == "quarterly":
        return f"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1{until}" if _is_month_end(first) \
            else f"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY={first.day}{until}"
    if line.recurrence == "monthly":
        return f"FREQ=MONTHLY;BYMONTHDAY=-1{until}" if _is_month_end(first) \
            else f"FREQ=MONTHLY;BYMONTHDAY={first.day}{until}"
    return None


def _is_month_end(d: date) -> bool:
    return (d + timedelta(days=1)).month != d.month


def to_ics(lines: Iterable[Line], calendar_name: str = "legalkg", stamp: Optional[datetime] = None) -> str:
    """``lines``: agenda lines (dated ones are written; ongoing ones skipped).
    A recurring row appears once, with an RRULE from its first due date in the
    lines, until the last year its document is valid for."""
    stamp = (stamp or datetime.now(timezone.utc)).astimezone(timezone.utc)
    dtstamp = stamp.strftime("%Y%m%dT%H%M%SZ")
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
           "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(calendar_name)}"]
    done: set[str] = set()
    for line in lines:
        if line.due is None:
            continue
        if line.recurrence:
            if line.task_id in done:
                continue
            done.add(line.task_id)
            uid = _uid(line.task_id)
        else:
            uid = _uid(line.task_id, f"-{line.due:%Y%m%d}")
            if uid in done:
                continue
            done.add(uid)
        end = line.due + timedelta(days=1)
        sources = "; ".join(f"{s.document_number or s.document_id}: {s.deadline or ''}" for s in line.sources)
        desc = f"{line.text}\nThời hạn: {line.deadline or ''}\nVai trò: {line.role}\nNguồn: {sources}"
        out += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{dtstamp}",
                f"DTSTART;VALUE=DATE:{line.due:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}",
                f"SUMMARY:{escape_text(_summary(line))}", f"DESCRIPTION:{escape_text(desc)}",
                f"CATEGORIES:{escape_text(line.period)}", "TRANSP:TRANSPARENT"]
        if line.recurrence:
            rule = _rrule(line, line.due, line.last_year)
            if rule:
                out.append(f"RRULE:{rule}")
        out.append("END:VEVENT")
    out.append("END:VCALENDAR")
    return "".join(fold(l) + "\r\n" for l in out)


def _summary(line: Line) -> str:
    text = re.sub(r"\s+", " ", line.text).strip()
    return text if len(text) <= 120 else text[:117].rstrip() + "…"

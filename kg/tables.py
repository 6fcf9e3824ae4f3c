"""Stage: tables — find task tables in any layout and turn them into rows of
cells with spans.

Layouts (all reduce to ``RawRow``s, then one assembler handles headers, page
breaks, repeated headers and continuation rows):

* tab rows — one row per line, cells separated by tabs (also what the HTML
  reader produces for <tr>/<td>);
* one cell per line — each cell line starts with a tab, rows separated by
  blank lines, a cell may run over several lines;
* pipe cells — cells separated by lines holding only ``|`` (web exports);
* markdown tables — ``| a | b |`` with a ``|---|`` rule.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .vntext import search_key


@dataclass
class Cell:
    text: str
    start: int
    end: int


@dataclass
class RawRow:
    cells: list[Cell]
    start: int
    end: int
    layout: str
    leading_empty: bool = False      # tab layout: line started with a tab (continuation)


def _cell(text: str, s: int, e: int) -> Cell:
    # trim while keeping the span on the kept text
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    return Cell(body, s + lead, s + lead + len(body))


_PAGE_MARK_RE = re.compile(r"^\s*(?:-?\s*\d{1,3}\s*-?|Trang\s+\d+(?:\s*/\s*\d+)?|\d+\s*/\s*\d+|Page \d+)\s*$", re.I)
_MD_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def scan_rows(text: str) -> list[Optional[RawRow]]:
    """Tokenise the text into raw rows; ``None`` marks a line of plain prose
    (which ends a table), blank lines and page marks are skipped."""
    lines = text.split("\n")
    starts = []
    pos = 0
    for l in lines:
        starts.append(pos)
        pos += len(l) + 1
    out: list[Optional[RawRow]] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        s = starts[i]
        stripped = line.strip()
        # markdown table row
        if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
            if _MD_RULE_RE.match(stripped):
                i += 1
                continue
            cells = []
            off = line.index("|")
            parts = line[off + 1:].rstrip()
            parts = parts[:-1] if parts.endswith("|") else parts
            p = s + off + 1
            for seg in re.split(r"(?<!\\)\|", parts):
                cells.append(_cell(seg.replace("<br>", " ").replace("<br/>", " "), p, p + len(seg)))
                p += len(seg) + 1
            out.append(RawRow(cells, s, s + len(line), "markdown"))
            i += 1
            continue
        # pipe-cell layout: content lines separated by lines holding only '|'
        if stripped == "|" or (i + 1 < n and lines[i + 1].strip() == "|" and stripped and "\t" not in line):
            j = i
            cells: list[Cell] = []
            buf_start = None
            buf_end = None
            while j < n:
                lj = lines[j]
                if lj.strip() == "|":
                    if buf_start is not None:
                        cells.append(_cell(text[buf_start:buf_end], buf_start, buf_end))
                    buf_start = None
                    j += 1
                    continue
                if not lj.strip():
                    # blank line inside a pipe region: keep going if more pipes follow soon
                    if any(lines[k].strip() == "|" for k in range(j + 1, min(n, j + 3))):
                        j += 1
                        continue
                    break
                if buf_start is None:
                    buf_start = starts[j]
                buf_end = starts[j] + len(lj)
                j += 1
                # a long run of lines without '|' ends the region
                if j - i > 3 and not any(lines[k].strip() == "|" for k in range(max(i, j - 25), min(n, j + 1))):
                    break
            if buf_start is not None:
                cells.append(_cell(text[buf_start:buf_end], buf_start, buf_end))
            for c in cells:
                out.append(RawRow([c], c.start, c.end, "pipe"))
            i = max(j, i + 1)
            continue
        # one cell per line: consecutive lines starting with a single tab and no other tab
        if line.startswith("\t") and "\t" not in line[1:]:
            j = i
            cells = []
            while j < n and lines[j].strip():
                lj = lines[j]
                if lj.startswith("\t") and "\t" not in lj[1:]:
                    cells.append(_cell(lj[1:], starts[j] + 1, starts[j] + len(lj)))
                elif cells:   # a wrapped line continues the current cell
                    c = cells[-1]
                    cells[-1] = Cell((c.text + "\n" + lj.strip()).strip(), c.start, starts[j] + len(lj))
                else:
                    break
                j += 1
            if len(cells) >= 3 or (cells and out and out[-1] is not None and out[-1].layout == "cells"):
                out.append(RawRow(cells, s, starts[j - 1] + len(lines[j - 1]), "cells"))
                i = j
                continue
        if "\t" in line:
            cells = []
            p = s
            for seg in line.split("\t"):
                cells.append(_cell(seg, p, p + len(seg)))
                p += len(seg) + 1
            out.append(RawRow(cells, s, s + len(line), "tabs", leading_empty=line.startswith("\t")))
            i += 1
            continue
        if not stripped or _PAGE_MARK_RE.match(stripped):
            i += 1
            continue
        out.append(None)
        i += 1
    return out


def regroup_pipe_rows(rows: list[Optional[RawRow]]) -> list[Optional[RawRow]]:
    """Pipe layout gives one cell at a time; a row starts at a numbering cell."""
    out: list[Optional[RawRow]] = []
    cur: Optional[RawRow] = None
    for r in rows:
        if r is None or r.layout != "pipe":
            if cur:
                out.append(cur)
                cur = None
            out.append(r)
            continue
        c = r.cells[0]
        if cur is None:
            cur = RawRow([c], c.start, c.end, "pipe")
        elif is_numbering(c.text) and len(cur.cells) >= 2 or is_header_cell(c.text, "no") and len(cur.cells) >= 1:
            out.append(cur)
            cur = RawRow([c], c.start, c.end, "pipe")
        else:
            cur.cells.append(c)
            cur.end = c.end
    if cur:
        out.append(cur)
    return out


# ---------------------------------------------------------------- columns --
ROMAN_RE = re.compile(r"^(?:X{0,3})(?:IX|IV|V?I{0,3})$")
_NUMBERING_RE = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,6}|[A-Z])\s*[.):]?\s*$")


def is_numbering(s: str) -> bool:
    s = s.strip().strip("*")
    return bool(s) and bool(_NUMBERING_RE.match(s)) and (not s.isalpha() or ROMAN_RE.match(s.rstrip(".)")) is not None or len(s.rstrip(".)")) == 1)


def is_roman(s: str) -> bool:
    s = s.strip().rstrip(".):").strip()
    return bool(s) and s.isupper() and bool(ROMAN_RE.match(s))


HEADER_KINDS = [
    ("no", r"^(?:s\.?\s*tt|tt|so tt|so thu tu|stt)$"),
    ("product", r"san pham|ket qua"),
    ("lead", r"chu tri"),
    ("support", r"phoi hop"),
    ("start", r"^bat dau$|thoi gian bat dau"),
    ("end", r"^hoan thanh$|^ket thuc$"),
    ("deadline", r"thoi gian|thoi han|tien do|hoan thanh"),
    ("objective", r"muc tieu"),
    ("level", r"cap (?:ban hanh|phe duyet|trinh)|cap quyet dinh"),
    ("note", r"ghi chu|kinh phi|nguon von"),
    ("text", r"nhiem vu|noi dung|cong viec|hoat dong|giai phap|ten de an|ten nhiem vu|chi tieu"),
]
_HK = [(k, re.compile(p)) for k, p in HEADER_KINDS]


def header_kind(text: str) -> Optional[str]:
    k = re.sub(r"\s+", " ", search_key(text)).strip(" .:*")
    if not k or len(k) > 80:
        return None
    for kind, rx in _HK:
        if rx.search(k):
            return kind
    return None


def is_header_cell(text: str, kind: str) -> bool:
    return header_kind(text) == kind


def header_columns(row: RawRow) -> Optional[list[Optional[str]]]:
    kinds = [header_kind(c.text) if c.text else None for c in row.cells]
    present = {k for k in kinds if k}
    if len(present & {"text", "lead", "support", "deadline", "no", "product", "objective"}) >= 3 and \
            ("lead" in present or "text" in present):
        return kinds
    return None

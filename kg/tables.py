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
from dataclasses import dataclass
from functools import lru_cache
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
    row_break: bool = False          # pipe layout: two '|' lines in a row before this cell (a <tr> ended)


def _cell(text: str, s: int, e: int) -> Cell:
    # trim while keeping the span on the kept text
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    return Cell(body, s + lead, s + lead + len(body))


# (no two whitespace runs side by side with only optional text between them:
# that is quadratic on a long run of spaces)
_PAGE_MARK_RE = re.compile(r"^\s*(?:(?:-\s*)?\d{1,3}(?:\s*-)?|Trang\s+\d+(?:\s*/\s*\d+)?|\d+\s*/\s*\d+|Page \d+)\s*$", re.I)
_MD_RULE_RE = re.compile(r"^\s*(?:\|\s*)?:?-{3,}:?(?:\s*\|\s*:?-{3,}:?)*\s*(?:\|\s*)?$")
_RULE_LINE_RE = re.compile(r"^\s*[-=_]{5,}\s*$")


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
            breaks: set[int] = set()        # indexes of cells after a doubled '|' line
            last_pipe = False
            while j < n:
                lj = lines[j]
                if lj.strip() == "|":
                    if buf_start is None and last_pipe and cells:
                        breaks.add(len(cells))
                    last_pipe = True
                    if buf_start is not None:
                        chunk = text[buf_start:buf_end]
                        blines = chunk.split("\n")
                        if len(blines) > 12:
                            cells.append(None)          # prose between pipe blocks, not a cell
                        elif len(blines) > 1 and header_kind(blines[-1]) == "no":
                            cells.append(None)          # prose, then the table's first header cell
                            ls = buf_end - len(blines[-1])
                            cells.append(_cell(blines[-1], ls, buf_end))
                        else:
                            cells.append(_cell(chunk, buf_start, buf_end))
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
                last_pipe = False
                buf_end = starts[j] + len(lj)
                j += 1
                # a long run of lines without '|' ends the region
                if j - i > 3 and not any(lines[k].strip() == "|" for k in range(max(i, j - 25), min(n, j + 1))):
                    break
            if buf_start is not None:
                cells.append(_cell(text[buf_start:buf_end], buf_start, buf_end))
            for k, c in enumerate(cells):
                out.append(RawRow([c], c.start, c.end, "pipe", row_break=k in breaks) if c is not None else None)
            i = max(j, i + 1)
            continue
        # one cell per line: consecutive lines starting with a single tab and no other tab
        if line.startswith("\t") and "\t" not in line[1:]:
            j = i
            cells = []
            while j < n and (lines[j].strip() or lines[j] == "\t" or (
                    # a whitespace-only line inside a block (an empty wrapped line of a cell)
                    lines[j] and j + 1 < n and lines[j + 1].startswith("\t") and lines[j + 1][1:].strip()
                    and not is_numbering(lines[j + 1]))):
                lj = lines[j]
                if not lj.strip() and lj != "\t":
                    j += 1
                    continue
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


def _fixed_header(line: str) -> Optional[list[int]]:
    """Column start offsets of a space-aligned header ('STT   Nhiệm vụ   Cơ quan chủ trì …')."""
    if "\t" in line or "|" in line or "  " not in line:
        return None
    parts = [(m.start(), m.group(0)) for m in re.finditer(r"\S+(?: \S+)*", line)]
    if len(parts) < 3:
        return None
    kinds = [header_kind(t) for _, t in parts]
    if sum(1 for k in kinds if k) >= 3 and ("lead" in kinds or "text" in kinds):
        return [p for p, _ in parts]
    return None


def _split_fixed(line: str, cols: list[int], line_start: int) -> list[Cell]:
    """Cut a line at the column offsets, moving each cut to the nearest 2+-space gap."""
    cuts = [0]
    for c in cols[1:]:
        best = None
        for m in re.finditer(r"\s{2,}", line):
            e = m.end()
            if abs(e - c) <= 6 and (best is None or abs(e - c) < abs(best - c)):
                best = e
        cuts.append(best if best is not None and best > cuts[-1] else max(c, cuts[-1]))
    cuts.append(max(len(line), cuts[-1]))
    cells = []
    for a, b in zip(cuts, cuts[1:]):
        seg = line[a:b] if a < len(line) else ""
        cells.append(_cell(seg, line_start + a, line_start + min(b, len(line))))
    return cells


def scan_fixed_width(text: str, rows: list[Optional[RawRow]]) -> list[Optional[RawRow]]:
    """pdftotext -layout tables: replace prose rows inside them by cell rows."""
    lines = text.split("\n")
    if not any(_fixed_header(l) for l in lines):
        return rows
    starts, pos = [], 0
    for l in lines:
        starts.append(pos)
        pos += len(l) + 1
    by_start = {r.start: r for r in rows if r is not None}
    cols = None
    fixed: dict[int, RawRow] = {}
    for i, l in enumerate(lines):
        h = _fixed_header(l)
        if h:
            cols = h
            fixed[starts[i]] = RawRow(_split_fixed(l, cols, starts[i]), starts[i], starts[i] + len(l), "fixed")
            continue
        if cols is None:
            continue
        if not l.strip() or _RULE_LINE_RE.match(l):
            continue
        if "\t" in l or "|" in l or (len(l) - len(l.lstrip()) == 0 and not re.search(r"\s{2,}\S", l.strip())
                                        and not re.match(r"^\s*(?:\d{1,3}|[IVX]{1,5})\s", l)):
            cols = None
            continue
        cells = _split_fixed(l, cols, starts[i])
        fixed[starts[i]] = RawRow(cells, starts[i], starts[i] + len(l), "fixed", leading_empty=not cells[0].text)
    # rebuild: prose markers (None) that correspond to fixed lines are replaced
    result: list[Optional[RawRow]] = []
    for i, l in enumerate(lines):
        st = starts[i]
        if st in fixed:
            result.append(fixed[st])
        elif st in by_start:
            result.append(by_start[st])
        elif l.strip() and not _PAGE_MARK_RE.match(l.strip()) and not _RULE_LINE_RE.match(l):
            result.append(None)
    # keep rows that start mid-line (pipe/cell layouts) in order
    line_starts = set(starts)
    extra = [r for r in rows if r is not None and r.start not in line_starts]
    if extra:
        result = sorted([r for r in result if r is not None] + extra, key=lambda r: r.start)
    return result


def regroup_pipe_rows(rows: list[Optional[RawRow]]) -> list[Optional[RawRow]]:
    """Pipe layout gives one cell at a time; a row starts at a numbering cell,
    or after a doubled '|' once the row has as many cells as the region's
    first row (an unnumbered row under merged cells: '… | 2030 |' '| UBND | Đài |')."""
    out: list[Optional[RawRow]] = []
    cur: Optional[RawRow] = None
    width = 0                       # cells in the first row of the pipe region (its header)
    broke = False                   # ``cur`` was started by a doubled '|' (a <tr> of its own)
    for r in rows:
        if r is None or r.layout != "pipe":
            if cur:
                out.append(cur)
                cur = None
            width = 0
            out.append(r)
            continue
        c = r.cells[0]
        if cur is None:
            cur = RawRow([c], c.start, c.end, "pipe")
            broke = False
        elif is_numbering(c.text) and (len(cur.cells) >= 2 or broke) or is_header_cell(c.text, "no") and len(cur.cells) >= 1 \
                or r.row_break and (width and len(cur.cells) >= width or is_group_heading(cur.cells)):
            # a row of its own after a doubled '|' whose empty cells were dropped ('** **':
            # a group heading) ends at the next number; a group heading row ('D. | BỘ Y TẾ')
            # ends at its doubled '|' (the row under it may lack a number)
            heading = bool(r.row_break) and is_group_heading(cur.cells)
            broke = bool(r.row_break and (width and len(cur.cells) >= width or heading)) and not is_numbering(c.text)
            width = width or (0 if heading else len(cur.cells))
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


def is_group_heading(cells: list[Cell]) -> bool:
    """A group heading row: a number or letter, then one upper-case title
    ('D. | BỘ KHOA HỌC VÀ CÔNG NGHỆ', 'II | HẠ TẦNG SỐ')."""
    texts = [c.text for c in cells if c.text]
    if len(texts) != 2 or not is_numbering(texts[0]):
        return False
    title = texts[1].strip().strip("*").strip()
    return len(title) >= 3 and any(ch.isalpha() for ch in title) and title.upper() == title


def is_roman(s: str) -> bool:
    s = s.strip().rstrip(".):").strip()
    return bool(s) and s.isupper() and bool(ROMAN_RE.match(s))


HEADER_KINDS = [
    ("no", r"^(?:s\.?\s*t\s?t|t\s?t|so tt|so thu tu|stt)$"),
    ("product", r"san pham|ket qua"),
    ("lead", r"chu tri"),
    ("support", r"phoi hop"),
    # one column naming every agency ("Cơ quan thực hiện", "Đơn vị thực hiện", "Trách nhiệm")
    ("agency", r"^(?:co quan|don vi|bo phan|cap|to chuc)(?:,? (?:co quan|don vi|to chuc))?(?: (?:thuc hien|trien khai|phu trach|tham muu|chiu trach nhiem))?(?: chinh)?$"
               r"|^trach nhiem(?: thuc hien| trien khai)?$|^phan cong(?: thuc hien)?$"),
    ("start", r"^bat dau$|thoi gian bat dau"),
    ("end", r"^hoan thanh$|^ket thuc$"),
    ("deadline", r"thoi gian|thoi han|tien do|hoan thanh"),
    ("objective", r"muc tieu"),
    ("level", r"cap (?:ban hanh|phe duyet|trinh)|cap quyet dinh"),
    ("note", r"ghi chu|kinh phi|nguon von"),
    ("text", r"nhiem vu|noi dung|cong viec|hoat dong|giai phap|ten de an|ten nhiem vu|chi tieu"),
]
_HK = [(k, re.compile(p)) for k, p in HEADER_KINDS]


@lru_cache(maxsize=20000)
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
    filled = sum(1 for c in row.cells if c.text)
    if filled > 16 and 3 * sum(1 for k in kinds if k) < filled:
        return None             # a run of data cells (a pipe region whose rows never broke), not a header
    if len(present & {"text", "lead", "support", "deadline", "no", "product", "objective", "agency"}) >= 3 and \
            (present & {"lead", "support", "agency"} or "text" in present and present & {"deadline", "start", "end"}):
        # a task table names agencies, or gives tasks with deadlines (not a price list or a form)
        return kinds
    return None

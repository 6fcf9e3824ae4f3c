"""Pages of positioned lines and ruled tables → one text with page starts.

Shared by the PDF text-layer reader and OCR.  A page is a list of text lines
(top, bottom, text) and tables (a grid of cell texts; a merged cell's text is
already repeated in every row it spans).  ``assemble`` drops running headers,
footers and page numbers, joins a table that continues on the next page
(repeated header row dropped, a row split by the page break joined, a cell
merged down across the break keeping its value) and writes each table row as
one line of tab-separated cells, as the HTML reader does.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

CELL_BREAK = "\u2028"
# matched against a stripped line: no leading/trailing \s* (overlapping runs are quadratic)
_PAGE_NO_RE = re.compile(r"(?:[-–—]?[ \t]{0,3}\d{1,4}[ \t]{0,3}[-–—]?|(?:trang|page)[ \t]+\d{1,4}(?:[ \t]{0,3}/[ \t]{0,3}\d{1,4})?"
                         r"|\d{1,4}[ \t]{0,3}/[ \t]{0,3}\d{1,4})", re.I)
_EDGE = 2                       # lines at each end of a page that may be furniture


@dataclass
class Table:
    top: float
    bottom: float
    left: float
    right: float
    xs: tuple[float, ...]
    rows: list[list[str]]
    rowspans: list[list[int]] = field(default_factory=list)

    def spanned_last(self) -> set[int]:
        """Columns whose last-row cell is part of a cell merged over several rows."""
        out = set()
        n = len(self.rows)
        for i, row in enumerate(self.rowspans):
            for j, rs in enumerate(row):
                if rs > 1 and i + rs >= n:
                    out.add(j)
        return out


@dataclass
class Page:
    height: float
    lines: list[tuple[float, float, str]]
    tables: list[Table]
    # footnotes (OCR): written after the last page, so that a note at the foot
    # of a page does not cut a sentence or a task running on to the next page
    notes: list[tuple[float, float, str]] = field(default_factory=list)


_ITEM_RE = re.compile(r"^\s*(?:[-+•*–]|\d+[.)]|[a-zđ]\))\s")


def join_cell_lines(lines: list[str]) -> str:
    """Visual lines of a cell → its text: wrapped lines joined by a space, a
    line that starts a list item ('- ', '+ ', 'a) ') by a cell break."""
    out = ""
    for line in (l.strip() for l in lines):
        if not line:
            continue
        if not out:
            out = line
        elif _ITEM_RE.match(line):
            out += CELL_BREAK + line
        else:
            out += " " + line
    return re.sub(r"\s*\t\s*", " ", out)


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text)).strip().lower()


def _row_key(row: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(row)).strip().lower()


def _items(page: Page) -> list[tuple[float, str, object]]:
    items: list[tuple[float, str, object]] = [(t, "line", s) for t, _, s in page.lines]
    items += [(tb.top, "table", tb) for tb in page.tables]
    items.sort(key=lambda x: x[0])
    return items


def _same_columns(a: Table, b: Table) -> bool:
    if len(a.xs) != len(b.xs):
        return False
    return all(abs(x - y) <= 4 for x, y in zip(a.xs, b.xs))


def _cell(text: str) -> str:
    return unicodedata.normalize("NFC", re.sub(r"[\t\n\r]+", " ", text).strip())


def assemble(pages: list[Page]) -> tuple[str, tuple[int, ...]]:
    items = [_items(p) for p in pages]
    # running headers/footers: edge lines whose text (digits aside) recurs on many pages
    edge_keys: Counter = Counter()
    for its in items:
        keys = set()
        for pos in list(range(min(_EDGE, len(its)))) + list(range(max(0, len(its) - _EDGE), len(its))):
            if its[pos][1] == "line":
                keys.add(_key(its[pos][2]))
        edge_keys.update(keys)
    with_text = sum(1 for its in items if its)
    furniture = {k for k, n in edge_keys.items() if n >= 2 and n >= 0.5 * with_text}

    out: list[str] = []
    length = 0
    first_at: list[int | None] = [None] * len(items)   # offset of each page's first line
    page_no = 0
    row_page: list[int] = []                           # page of each row in rows_out
    prev_table: Table | None = None      # the last item of the previous page, when a table
    header: list[str] | None = None      # first row of the table now being continued
    rows_out: list[list[str]] = []       # rows of that table not yet written

    def flush():
        nonlocal length
        for r, pg in zip(rows_out, row_page):
            if any(c for c in r):
                if first_at[pg] is None:
                    first_at[pg] = length
                line = "\t".join(_cell(c) for c in r) + "\n"
                out.append(line)
                length += len(line)
        rows_out.clear()
        row_page.clear()

    def emit_line(s: str):
        nonlocal length
        s = unicodedata.normalize("NFC", s)
        if first_at[page_no] is None:
            first_at[page_no] = length
        out.append(s + "\n")
        length += len(s) + 1

    for page_no, its in enumerate(items):
        # drop furniture at the edges
        keep = []
        n = len(its)
        for pos, it in enumerate(its):
            edge = pos < _EDGE or pos >= n - _EDGE
            if edge and it[1] == "line" and (_PAGE_NO_RE.fullmatch(it[2].strip()) or _key(it[2]) in furniture):
                continue
            keep.append(it)
        for pos, (_, kind, obj) in enumerate(keep):
            if kind == "line":
                flush()
                prev_table = None
                emit_line(obj)
                continue
            tb: Table = obj
            if len(tb.xs) <= 2:                       # a framed box of text, not a table
                flush()
                prev_table = None
                for r in tb.rows:
                    if r and r[0].strip():
                        emit_line(_cell(r[0]))
                continue
            rows = [list(r) for r in tb.rows]
            spans = [list(r) for r in tb.rowspans] or [[1] * len(r) for r in rows]
            if pos == 0 and prev_table is not None and _same_columns(prev_table, tb) and rows_out:
                # continuation: drop the repeated header, join a split row, keep merged values
                while rows and header is not None and _row_key(rows[0]) == _row_key(header):
                    rows.pop(0)
                    spans.pop(0)
                merged_down = prev_table.spanned_last()
                last = rows_out[-1]
                if rows and not rows[0][0].strip() and last[0].strip():
                    first = rows.pop(0)
                    fspan = spans.pop(0)
                    for j, c in enumerate(first):
                        if c.strip() and j < len(last) and c.strip() != last[j].strip():
                            last[j] = (last[j] + " " + c).strip() if last[j] else c
                        if fspan[j] > 1 and j < len(last) and c.strip() == "":
                            for k in range(0, fspan[j] - 1):
                                if k < len(rows) and not rows[k][j].strip():
                                    rows[k][j] = last[j]
                    merged_down = set()
                for j in merged_down:
                    rs = spans[0][j] if spans and j < len(spans[0]) else 0
                    for k in range(rs):
                        if k < len(rows) and j < len(rows[k]) and not rows[k][j].strip():
                            rows[k][j] = last[j] if j < len(last) else ""
                rows_out.extend(rows)
                row_page.extend([page_no] * len(rows))
            else:
                flush()
                header = rows[0] if rows else None
                rows_out.extend(rows)
                row_page.extend([page_no] * len(rows))
            prev_table = tb
        if keep and keep[-1][1] != "table":
            prev_table = None
        if not keep:
            continue
    flush()
    for page_no, p in enumerate(pages):
        for _, _, s in p.notes:
            if s.strip() and not _PAGE_NO_RE.fullmatch(s.strip()):
                emit_line(s)
    text = "".join(out)
    starts: list[int] = []
    nxt = len(text)
    for off in reversed(first_at):          # a page with nothing starts where the next one does
        nxt = off if off is not None else nxt
        starts.append(nxt)
    return text, tuple(reversed(starts))

"""Stage: tasks — assemble task rows from the raw rows of ``tables``.

Cells are placed by what they contain (a number, an agency list, a period, a
product), not by position alone: rows whose merged cell is missing shift
their later cells, and a small alignment (dynamic programming over the
header's columns) puts each cell where it fits best.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .agencies import _HEAD_RE, _LOWER_HEAD_RE, split_agencies
from .dates import looks_like_deadline
from .prose_tasks import find_prose_tasks
from .tables import Cell, RawRow, header_columns, header_kind, is_group_heading, is_numbering, is_roman, regroup_pipe_rows, scan_fixed_width, scan_rows
from .vntext import compact_spaces, search_key


@dataclass
class TaskDraft:
    section: Optional[str]
    section_title: Optional[str]
    no: Optional[str]
    cols: dict[str, list[Cell]] = field(default_factory=dict)
    start: int = 0
    end: int = 0
    sub: bool = False
    lead_inferred: bool = False

    def add(self, kind: str, cell: Cell):
        if cell.text:
            self.cols.setdefault(kind, []).append(cell)
            self.end = max(self.end, cell.end)

    def get(self, kind: str, keep_lines: bool = False) -> Optional[str]:
        """The column's text; ``keep_lines`` keeps line breaks (agency lists
        written one per line) for the agency splitter to see."""
        cells = self.cols.get(kind)
        if not cells:
            return None
        if keep_lines:
            return "\n".join(c.text for c in cells).strip() or None
        out = ""
        for c in cells:
            t = c.text.replace("\n", " ")
            if not out:
                out = t
            elif out.endswith("-") and not out.endswith(" -"):
                out = out + t
            else:
                out = out + " " + t
        return compact_spaces(out) or None


_PRODUCT_RE = re.compile(r"^(?:[-+•]\s*)?(?:(?:các|những)\s+)?(?:kế hoạch|báo cáo|quyết định|văn bản|hội nghị|hội thảo|nghị quyết|công văn|đề án|tờ trình|thông báo|chỉ thị|quy chế|quy định|danh mục|tài liệu|phần mềm|hệ thống|cơ sở dữ liệu|chương trình|bộ chỉ số|kết quả|sản phẩm|các tin|tin, bài|hướng dẫn|biên bản|lớp|đoàn|cuộc thi|dự án|đề tài|sáng kiến|mô hình|bản đồ|ứng dụng|nền tảng|thông tư|tập huấn|hồ sơ|phương án|bộ tiêu chí|tin bài)", re.I)


@lru_cache(maxsize=20000)
def _agency_score(text: str) -> float:
    if not text:
        return 0.0
    parts = split_agencies(text)
    if not parts:
        return 0.0
    good = sum(1 for p in parts if (_HEAD_RE.match(p) or _LOWER_HEAD_RE.match(p))
               and not re.match(r"^(?:Các|Những)\s+(?!sở|cơ quan|đơn vị|ban|ngành|địa phương|huyện|xã|quận|phòng|trường|hội|doanh nghiệp|bộ|tỉnh|chủ đầu tư|cơ sở|tổ chức|đoàn thể|thành viên)", p))
    frac = good / len(parts)
    if len(text) > 250:
        frac *= 0.3
    return frac


@lru_cache(maxsize=50000)
def cell_score(text: str, kind: Optional[str]) -> float:
    if not text:
        return 0.0
    dl = looks_like_deadline(text)
    ag = _agency_score(text)
    num = is_numbering(text)
    if kind == "no":
        return 3.0 if num else -4.0
    if num:
        return -3.0
    if kind in ("deadline", "start", "end"):
        return 3.0 if dl else -2.5
    if kind in ("lead", "support"):
        return (3.0 * ag - 1.0) - (2.0 if dl and ag < 0.5 else 0) + (0.2 if kind == "lead" else 0)
    if kind == "level":
        return 1.0 if ag > 0.5 and len(text) < 60 else -0.5
    if kind == "product":
        s = 2.0 if _PRODUCT_RE.match(text) else 0.3
        return s - (1.5 if ag > 0.8 else 0) - (2.0 if dl else 0)
    if kind == "text":
        return 1.0 + (0.8 if len(text) > 50 else 0) - (1.5 if ag > 0.8 and len(text) < 80 else 0) - (2.0 if dl else 0)
    if kind == "objective":
        return 0.6 + (0.8 if len(text) > 50 else 0) - (1.5 if ag > 0.8 and len(text) < 80 else 0) - (2.0 if dl else 0)
    return 0.0


# Cost of leaving a column empty: merged (rowspan) columns are usually the
# objective or the issuing level, rarely the task text or the lead agency.
_SKIP_COST = {"objective": 0.05, "level": 0.05, "note": 0.05, "start": 0.1, "end": 0.1, "no": 0.3,
              "support": 0.3, "deadline": 0.5, "product": 0.6, "text": 1.0, "lead": 1.0}


def place_cells(cells: list[Cell], kinds: list[Optional[str]]) -> list[Optional[str]]:
    """Assign each cell a column (monotone), maximising the content fit."""
    n, m = len(cells), len(kinds)
    if n == 0:
        return []
    if n >= m:
        return list(kinds) + [None] * (n - m)
    NEG = -1e9
    best = [[NEG] * (m + 1) for _ in range(n + 1)]
    back = [[0] * (m + 1) for _ in range(n + 1)]
    for j in range(m + 1):
        best[0][j] = 0.0
    for i in range(1, n + 1):
        for j in range(i, m + 1):
            skip = best[i][j - 1] - _SKIP_COST.get(kinds[j - 1], 0.3) if j - 1 >= i else NEG
            take = best[i - 1][j - 1] + cell_score(cells[i - 1].text, kinds[j - 1]) + (0.01 if i - 1 == j - 1 else 0)
            if take >= skip:
                best[i][j], back[i][j] = take, 1
            else:
                best[i][j], back[i][j] = skip, 0
    out: list[Optional[str]] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        if back[i][j] == 1:
            out[i - 1] = kinds[j - 1]
            i -= 1
        j -= 1
    return out


# Headers of tables that name an agency per row without being task tables.
_NOT_TASK_TABLE_RE = re.compile(r"\b(?:tthc|thu tuc|trinh tu|ma so|ma ho so|ty le|tong so|bieu mau|so luong|linh vuc)\b")
# Internal procedure tables of an administrative procedure ('Quy trình nội bộ': Bước /
# Trình tự / Trách nhiệm / Thời gian), not a plan's tasks: a step column or 'Bước 1' rows,
# or a procedure heading right before a table without lead/support columns
_PROC_HEADER_RE = re.compile(r"\b(?:trinh tu|buoc|quy trinh)\b")
_STEP_RE = re.compile(r"^\s*\**\s*(?:bước|b)\s*\d{1,2}\b", re.I)
_PROC_CONTEXT_RE = re.compile(r"trình\s+tự\s+(?:thực\s+hiện|giải\s+quyết)|quy\s+trình\s+nội\s+bộ|quy\s+trình\s+điện\s+tử"
                              r"|thời\s+(?:gian|hạn)\s+giải\s+quyết(?:\s+TTHC|\s+thủ\s+tục\s+hành\s+chính)?\s*:", re.I)
# a sub-section row numbered under a roman section ('I.2 | Cơ quan nhà nước …')
_SUBSECTION_RE = re.compile(r"^\s*\**([IVX]{1,5}\.\d{1,2})\.?\**\s*$")
_NUM_PREFIX_RE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*|[IVX]{1,5})\s*[.)]\s*(?=[^\d\s/])")
_SECTION_IN_CELL_RE = re.compile(r"^\s*([IVX]{1,5})[.)]?\s+(\S.*)$", re.S)
_LETTER_RE = re.compile(r"[A-ZĐ]")


@dataclass
class ParsedTable:
    kinds: list[Optional[str]]
    tasks: list[TaskDraft]
    start: int
    end: int


def _header(row: Optional[RawRow]):
    if row is None:
        return None
    cached = getattr(row, "_hdr", False)
    if cached is False:
        cached = header_columns(row)
        row._hdr = cached
    return cached


def find_tables(text: str) -> list[ParsedTable]:
    rows = scan_fixed_width(text, regroup_pipe_rows(scan_rows(text)))
    tables: list[ParsedTable] = []
    proc_sigs: set[tuple[str, ...]] = set()
    i = 0
    while i < len(rows):
        r = rows[i]
        kinds = _header(r)
        if not kinds:
            i += 1
            continue
        header_sig = [search_key(c.text) for c in r.cells]
        kinds = list(kinds)
        if "agency" in kinds and "lead" not in kinds and (
                "text" not in kinds or _NOT_TASK_TABLE_RE.search(" | ".join(header_sig))):
            i += 1              # a catalogue of procedures or a statistics table, not tasks
            continue
        if not {"agency", "lead", "support"} & set(kinds) and _NOT_TASK_TABLE_RE.search(" | ".join(header_sig)):
            i += 1              # a procedure catalogue without any agency column
            continue
        sig = tuple(" ".join(h.split()) for h in header_sig)
        if sig in proc_sigs or _procedure_table(text, r, kinds, header_sig, rows, i):
            proc_sigs.add(sig)  # the steps of an administrative procedure (and its later tables of that shape)
            i += 1
            continue
        j = i + 1
        # a second header row: "Bắt đầu | Hoàn thành" under "Thời gian"
        if j < len(rows) and rows[j] is not None:
            sub = [header_kind(c.text) if c.text else None for c in rows[j].cells]
            if any(sub) and all(k in (None, "start", "end", "deadline") for k in sub) and \
                    all((not c.text) or header_kind(c.text) for c in rows[j].cells):
                for idx, k in enumerate(sub):
                    if k in ("start", "end") and idx < len(kinds):
                        kinds[idx] = k
                j += 1
        dl = [idx for idx, k in enumerate(kinds) if k == "deadline"]
        if len(dl) == 2 and "start" not in kinds:
            kinds[dl[0]], kinds[dl[1]] = "start", "end"
        # a single agency column: its first agency leads, the others support
        single_agency = "agency" in kinds and "lead" not in kinds and "support" not in kinds
        kinds = ["lead" if k == "agency" and "lead" not in kinds else k for k in kinds]
        kinds = ["support" if k == "agency" else k for k in kinds]
        has_no_col = "no" in kinds
        table = ParsedTable(kinds, [], r.start, r.end)
        section = section_title = None
        current: Optional[TaskDraft] = None
        while j < len(rows):
            row = rows[j]
            if row is None:
                # page furniture (running header, page number) between a page break and
                # the repeated table header: skip it when that header follows closely
                ahead = next((x for x in range(j + 1, min(len(rows), j + 5))
                              if rows[x] is not None and _header(rows[x])
                              and [search_key(c.text) for c in rows[x].cells][:3] == header_sig[:3]), None)
                if ahead is None or any(rows[x] is not None for x in range(j + 1, ahead)):
                    break
                j = ahead + 1
                continue
            hdr = _header(row)
            if hdr and [search_key(c.text) for c in row.cells][:3] == header_sig[:3]:
                j += 1
                continue                                    # repeated header after a page break
            if hdr:
                break                                       # another table
            cells = list(row.cells)
            while len(cells) > len(kinds) and not cells[-1].text:
                cells.pop()
            if has_no_col and cells and len(cells) < len(kinds) and not is_numbering(cells[0].text):
                pm = _NUM_PREFIX_RE.match(cells[0].text)
                if pm and re.fullmatch(r"\d{1,3}(?:\.\d{1,3})*", pm.group(1)):
                    c0 = cells[0]
                    cells = [Cell(pm.group(1), c0.start, c0.start + len(pm.group(1))),
                             Cell(c0.text[pm.end():], c0.start + pm.end(), c0.end)] + cells[1:]
            if not any(c.text for c in cells) or _is_column_index_row(cells):
                j += 1
                continue
            sub = _SUBSECTION_RE.match(cells[0].text)
            if sub and sum(1 for c in cells[1:] if c.text) <= 1:
                section, section_title = sub.group(1), compact_spaces(next((c.text for c in cells[1:] if c.text), ""))
                current = None
                j += 1
                continue
            if len(cells) == len(kinds) or row.layout in ("tabs", "markdown") and len(cells) > len(kinds):
                placed = list(kinds) + [None] * (len(cells) - len(kinds))
                # positional, unless content says it is badly off
                pos_fit = sum(cell_score(c.text, k) for c, k in zip(cells, placed))
                if row.leading_empty or pos_fit >= -2:
                    pass
                else:
                    placed = place_cells(cells, kinds)
            else:
                placed = place_cells(cells, kinds)
            by: dict[str, list[Cell]] = {}
            for c, k in zip(cells, placed):
                if k and c.text:
                    by.setdefault(k, []).append(c)
            no_cell = by.get("no", [None])[0]
            text_cells = by.get("text", [])
            first = cells[0].text if cells else ""
            no = no_cell.text.strip().rstrip(".):") if no_cell else None
            text_first = text_cells[0].text if text_cells else ""
            if not has_no_col:
                pm = _NUM_PREFIX_RE.match(text_first)
                if pm:
                    no = pm.group(1)
            # a section row: roman numeral (own cell or prefix), nothing but its title
            sec = None
            if no and not is_roman(no) and _SECTION_IN_CELL_RE.match(no) and is_roman(_SECTION_IN_CELL_RE.match(no).group(1)):
                mm = _SECTION_IN_CELL_RE.match(no)
                sec = (mm.group(1), compact_spaces(mm.group(2)))
                no = None
            elif no and is_roman(no) and not re.fullmatch(r"\d+", no):
                title_cells = [c.text for c in cells if c.text and c is not no_cell]
                title = title_cells[0] if title_cells else ""
                if not has_no_col:
                    title = _NUM_PREFIX_RE.sub("", title, count=1)
                sec = (no, compact_spaces(title))
            elif no and _LETTER_RE.fullmatch(no) and is_group_heading(cells):
                # a lettered group heading ('D. | BỘ KHOA HỌC VÀ CÔNG NGHỆ'): a section
                sec = (no, compact_spaces(next(c.text for c in cells if c.text and c is not no_cell).strip("* ")))
            elif not no and first and _SECTION_IN_CELL_RE.match(first) and all(
                    not c.text or c.text == cells[1].text if len(cells) > 1 else True for c in cells[1:]) \
                    and _SECTION_IN_CELL_RE.match(first).group(2).upper() == _SECTION_IN_CELL_RE.match(first).group(2) \
                    and is_roman(_SECTION_IN_CELL_RE.match(first).group(1)):
                mm = _SECTION_IN_CELL_RE.match(first)
                sec = (mm.group(1), compact_spaces(mm.group(2)))
            others = {c.text for c in cells if c.text and c is not no_cell}
            lead_txt = by.get("lead", [Cell("", 0, 0)])[0].text
            if sec and (not lead_txt or len(others) == 1 or _agency_score(lead_txt) < 0.5):
                section, section_title = sec
                current = None
                j += 1
                continue
            if no and re.fullmatch(r"\d{1,3}(?:\.\d{1,3})*", no):
                current = TaskDraft(section, section_title, no, start=row.start, end=row.start)
                for k, cs in by.items():
                    if k == "no":
                        continue
                    for c in cs:
                        if k == "text" and not has_no_col:
                            pm = _NUM_PREFIX_RE.match(c.text)
                            if pm:
                                c = Cell(c.text[pm.end():], c.start + pm.end(), c.end)
                        current.add(k, c)
                table.tasks.append(current)
                j += 1
                continue
            if current is None:
                if section and by.get("lead") and (text_cells or by.get("product") or by.get("deadline")) \
                        and _agency_score(by["lead"][0].text) >= 0.5:
                    # an unnumbered row of its own right under a section heading (a lead per section)
                    current = TaskDraft(section, section_title, None, start=row.start, end=row.start)
                    for k, cs in by.items():
                        for c in cs:
                            if k != "no":
                                current.add(k, c)
                    table.tasks.append(current)
                j += 1
                continue
            lead_cells = by.get("lead", [])
            lead_text = lead_cells[0].text if lead_cells else ""
            prev_lead = current.get("lead") or ""
            is_sub = (bool(lead_text) and _HEAD_RE.match(lead_text) is not None
                      and (not text_cells or text_first[:1].isupper())
                      # a row of its own (a lead, and a support or a product, deadline or text)
                      and bool(by.get("product") or by.get("deadline") or by.get("end") or text_cells
                               or (by.get("support") and current.cols.get("support")))
                      and bool(prev_lead) and not prev_lead.endswith((",", ";", " và"))
                      and not (text_cells and _continues(current.get("text") or "")))
            if is_sub:
                parent = current
                current = TaskDraft(parent.section, parent.section_title, parent.no, start=row.start,
                                    end=row.end, sub=True)
                # a row with its own task text is its own task; the merged cells it
                # lacks (text, objective, deadline, level) are the parent's
                inherit = ("objective", "deadline", "start", "end", "level") + (() if text_cells else ("text",))
                for k in inherit:
                    if k not in by:
                        for c in parent.cols.get(k, []):
                            current.cols.setdefault(k, []).append(c)
                for k, cs in by.items():
                    for c in cs:
                        current.add(k, c)
                table.tasks.append(current)
            else:
                for k, cs in by.items():
                    if k == "no":
                        continue
                    for c in cs:
                        current.add(k, c)
            j += 1
        table.tasks = [x for d in table.tasks for x in _split_paired(d)]
        if single_agency:
            for d in table.tasks:
                _infer_lead(d)
        table.end = max([table.end] + [t.end for t in table.tasks])
        tables.append(table)
        i = j
    prose = find_prose_tasks(text, [(t.start, t.end) for t in tables])
    for no, cols, s, e, inferred in prose:
        d = TaskDraft(None, None, no, start=s, end=e)
        for k, c in cols.items():
            d.add(k, c)
        if inferred:
            _infer_lead(d)
        tables.append(ParsedTable(["no", "text", "lead", "support", "deadline", "product"], [d], s, e))
    if prose:
        tables.sort(key=lambda t: t.start)
    return tables


def _procedure_table(text: str, r: RawRow, kinds: list, header_sig: list[str], rows: list, i: int) -> bool:
    """The steps of an administrative procedure (Bước / Trình tự … Trách nhiệm … Thời gian):
    no lead or support column, and a step column, 'Bước 1' rows or a procedure heading
    ('Trình tự thực hiện:', 'Quy trình nội bộ', 'Thời hạn giải quyết') right before it."""
    if {"lead", "support"} & set(kinds):
        return False
    if _PROC_HEADER_RE.search(" | ".join(header_sig)):
        return True
    nxt = next((x for x in rows[i + 1:i + 4] if x is not None and any(c.text for c in x.cells)), None)
    if nxt is not None and _STEP_RE.match(next(c.text for c in nxt.cells if c.text)):
        return True
    return _PROC_CONTEXT_RE.search(text, max(0, r.start - 1000), r.start) is not None


_COL_INDEX_RE = re.compile(r"\(?\d{1,2}\)?(?:\s*=\s*[\d()x*+/\s-]{1,20})?")


def _is_column_index_row(cells: list[Cell]) -> bool:
    """'1 | 2 | 3 | 4 | 8=6x7': the column numbers printed under a header."""
    texts = [c.text for c in cells if c.text]
    return len(texts) >= 3 and all(_COL_INDEX_RE.fullmatch(t) for t in texts)


_BULLET_RE = re.compile(r"^[ \t]*[-+•*][ \t]+")


def _bullets(cells: list[Cell]) -> list[Cell]:
    """The bulleted items of a cell ('- A' / '- B', each maybe wrapped over lines)."""
    items: list[Cell] = []
    for c in cells:
        pos = c.start
        for line in c.text.split("\n"):
            m = _BULLET_RE.match(line)
            if m:
                items.append(Cell(line[m.end():].strip(), pos + m.end(), pos + len(line)))
            elif items and line.strip():
                last = items[-1]
                items[-1] = Cell(last.text + " " + line.strip(), last.start, pos + len(line))
            elif line.strip():
                return []
            pos += len(line) + 1
    return items


def _split_paired(d: TaskDraft) -> list[TaskDraft]:
    """One cell holding two sub-tasks and the lead cell two agencies, one per
    line and in the same order: two tasks."""
    texts = _bullets(d.cols.get("text", []))
    leads = _bullets(d.cols.get("lead", []))
    if len(texts) < 2 or len(texts) != len(leads):
        return [d]
    out = []
    for t, l in zip(texts, leads):
        x = TaskDraft(d.section, d.section_title, d.no, {k: list(v) for k, v in d.cols.items()},
                      start=min(t.start, l.start), end=max(t.end, l.end), sub=True, lead_inferred=d.lead_inferred)
        x.cols["text"], x.cols["lead"] = [t], [l]
        out.append(x)
    return out


def _infer_lead(d: TaskDraft) -> None:
    """Single agency column: the first agency named leads, the others support."""
    d.lead_inferred = True
    cells = d.cols.get("lead")
    if not cells:
        return
    names = split_agencies(d.get("lead", keep_lines=True))
    if len(names) < 2:
        return
    first = cells[0]
    at = first.text.find(names[0])
    s = first.start + at if at >= 0 else first.start
    d.cols["lead"] = [Cell(names[0], s, s + len(names[0]) if at >= 0 else first.end)]
    d.cols.setdefault("support", []).insert(0, Cell("; ".join(names[1:]), first.start, cells[-1].end))


def _continues(text: str) -> bool:
    """Does the text look cut off (a page break inside the cell)?"""
    t = text.rstrip()
    return bool(t) and (t[-1] in ",;-(" or re.search(r"\b(?:và|của|các|về|theo|số|trên|tại|cho|với)$", t) is not None)


def deadline_text(d: TaskDraft) -> Optional[str]:
    dl = d.get("deadline")
    s, e = d.get("start"), d.get("end")
    if s and e:
        return e if search_key(s) == search_key(e) else f"{s} - {e}"
    return dl or e or s

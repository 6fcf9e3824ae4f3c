"""CSV and XLSX downloads of the tables the pages show (an agency's tasks, the
document list, the agency list).

A table is columns of a declared kind — ``text``, ``int``, ``date`` (ISO in
the view model) or ``link`` (a URL) — so each format writes real values:

* XLSX: dates are Excel dates shown dd/mm/yyyy, numbers are numbers (no
  "number stored as text"), a link is a hyperlink, and **every text cell is a
  string cell** (``t="s"``), so a hostile name such as ``=HYPERLINK(…)`` is
  shown as written and never becomes a formula.
* CSV: UTF-8 with a BOM, dates dd/mm/yyyy, formula prefixes neutralised
  (``'=…``); ``sep=";"`` gives the variant Excel opens directly with
  Vietnamese (and most European) regional settings, where ``;`` is the list
  separator.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

ROLE = {"lead": "Chủ trì", "support": "Phối hợp"}


@dataclass
class Column:
    header: str
    get: Callable[[dict], Any]
    kind: str = "text"          # text | int | date | link
    width: int = 14


@dataclass
class Table:
    title: str
    subtitle: str
    sheet: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)


def _iso_date(v) -> Optional[_dt.date]:
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v[:10]) and len(v) in (10, 19, 20, 25):
        try:
            return _dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


def _int(v) -> Optional[int]:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"\d{1,9}", v.strip()):
        return int(v.strip())
    return None


def dmy(v) -> str:
    d = _iso_date(v)
    return d.strftime("%d/%m/%Y") if d else ("" if v is None else str(v))


def _url(base: str, path: str) -> str:
    return base.rstrip("/") + path if base else path


# ------------------------------------------------------------------ tables --
def agency_table(view: dict, base: str = "") -> Table:
    a = view["agency"]
    rows = [dict(t, _role=role) for role in ("lead", "support") for t in view[role]]
    doc = lambda t: t.get("document") or {}
    cols = [
        Column("Vai trò", lambda t: ROLE[t["_role"]], width=10),
        Column("Số hiệu văn bản", lambda t: doc(t).get("number"), width=16),
        Column("Loại văn bản", lambda t: doc(t).get("type"), width=12),
        Column("Ngày ban hành", lambda t: doc(t).get("date"), "date", 12),
        Column("Tỉnh/TP", lambda t: doc(t).get("province"), width=12),
        Column("Trích yếu", lambda t: doc(t).get("title"), width=40),
        Column("Mục", lambda t: t.get("section"), width=6),
        Column("STT", lambda t: t.get("no"), "int", 6),
        Column("Nhiệm vụ", lambda t: t.get("text"), width=70),
        Column("Chủ trì", lambda t: "; ".join(t.get("lead") or []), width=30),
        Column("Phối hợp", lambda t: "; ".join(t.get("support") or []), width=30),
        Column("Thời hạn (như văn bản ghi)", lambda t: t.get("deadline"), width=20),
        Column("Hạn (từ)", lambda t: t.get("deadline_start"), "date", 12),
        Column("Hạn (đến)", lambda t: t.get("deadline_end"), "date", 12),
        Column("Sản phẩm", lambda t: t.get("product"), width=25),
        Column("Mã nhiệm vụ", lambda t: t.get("id"), width=34),
        Column("Liên kết", lambda t: _url(base, f"/{t.get('kind') or 'task'}/{t.get('id')}"), "link", 40),
    ]
    name = f"{a['name']}" + (f" ({a['province']})" if a.get("province") else "")
    sub = (f"Chủ trì: {view['counts']['lead']} · Phối hợp: {view['counts']['support']} · "
           f"Ngày xuất: {dmy(view['today'])}")
    return Table(name, sub, "Nhiệm vụ", cols, rows)


def documents_table(view: dict, base: str = "") -> Table:
    cols = [
        Column("Số hiệu", lambda d: d.get("number"), width=18),
        Column("Loại", lambda d: d.get("type"), width=12),
        Column("Ngày ban hành", lambda d: d.get("date"), "date", 12),
        Column("Tỉnh/TP", lambda d: d.get("province") or "Trung ương", width=12),
        Column("Cơ quan ban hành", lambda d: d.get("issuer"), width=24),
        Column("Trích yếu", lambda d: d.get("title"), width=50),
        Column("Có toàn văn", lambda d: "có" if d.get("in_corpus") else "không", width=8),
        Column("Được dẫn chiếu", lambda d: d.get("cited_by"), "int", 10),
        Column("Dẫn chiếu", lambda d: d.get("cites"), "int", 10),
        Column("Mã", lambda d: d.get("id"), width=28),
        Column("Liên kết", lambda d: _url(base, f"/doc/{d['id']}"), "link", 40),
    ]
    return Table("Văn bản", f"{view['paging']['total']} văn bản", "Văn bản", cols, view["documents"])


def agencies_table(view: dict, base: str = "") -> Table:
    cols = [
        Column("Cơ quan", lambda a: a.get("name"), width=40),
        Column("Tỉnh/TP", lambda a: a.get("province") or "Trung ương", width=14),
        Column("Loại", lambda a: a.get("kind_label"), width=18),
        Column("Chủ trì", lambda a: a.get("lead"), "int", 9),
        Column("Phối hợp", lambda a: a.get("support"), "int", 9),
        Column("Tên khác", lambda a: "; ".join(a.get("aliases") or []), width=30),
        Column("Có thể trùng với", lambda a: "; ".join(x["name"] or x["id"] for x in a.get("near_duplicates") or []),
               width=30),
        Column("Mã", lambda a: a.get("id"), width=30),
        Column("Liên kết", lambda a: _url(base, f"/agency/{a['id']}"), "link", 40),
    ]
    return Table("Cơ quan", f"{view['paging']['total']} cơ quan", "Cơ quan", cols, view["agencies"])


# ------------------------------------------------------------------ CSV -----
def _safe_cell(v) -> str:
    """Neutralise spreadsheet formulas (CSV injection): '=…', '+…', '-…', '@…'."""
    if v is None:
        return ""
    s = str(v)
    if s and s[0] in "=+-@\t\r":
        return "'" + s
    return s


def to_csv(table: Table, sep: str = ",") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    w.writerow([c.header for c in table.columns])
    for r in table.rows:
        out = []
        for c in table.columns:
            v = c.get(r)
            if c.kind == "date":
                v = dmy(v)
            elif c.kind == "int" and _int(v) is not None:
                v = str(_int(v))
            out.append(_safe_cell(v))
        w.writerow(out)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


# ------------------------------------------------------------------ XLSX ----
def _text(ws, row: int, col: int, value) -> None:
    """A string cell whatever the text looks like (never a formula, never a number)."""
    c = ws.cell(row=row, column=col)
    c.value = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    c.data_type = "s"


def to_xlsx(table: Table) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = table.sheet
    _text(ws, 1, 1, table.title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    _text(ws, 2, 1, table.subtitle)
    for j, col in enumerate(table.columns, start=1):
        _text(ws, 3, j, col.header)
        ws.cell(row=3, column=j).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(j)].width = col.width
    for i, r in enumerate(table.rows, start=4):
        for j, col in enumerate(table.columns, start=1):
            v = col.get(r)
            cell = ws.cell(row=i, column=j)
            if col.kind == "date" and _iso_date(v):
                cell.value = _iso_date(v)
                cell.number_format = "DD/MM/YYYY"
            elif col.kind == "int" and _int(v) is not None:
                cell.value = _int(v)
                cell.number_format = "0"
            elif col.kind == "link" and v:
                _text(ws, i, j, v)
                if re.match(r"https?://", str(v)):
                    cell.hyperlink = str(v)
                    cell.style = "Hyperlink"
            else:
                _text(ws, i, j, v)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{get_column_letter(len(table.columns))}{max(ws.max_row, 3)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

"""CSV and XLSX downloads of an agency's tasks."""
from __future__ import annotations

import csv
import io

HEADER = ["Vai trò", "Số hiệu văn bản", "Loại văn bản", "Ngày ban hành", "Tỉnh/TP", "Trích yếu", "Mục", "STT",
          "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời hạn", "Hạn (từ)", "Hạn (đến)", "Sản phẩm", "Mã nhiệm vụ"]
ROLE = {"lead": "Chủ trì", "support": "Phối hợp"}


def rows(view: dict) -> list[list]:
    out = []
    for role in ("lead", "support"):
        for t in view[role]:
            d = t.get("document") or {}
            out.append([ROLE[role], d.get("number"), d.get("type"), d.get("date"), d.get("province"), d.get("title"),
                        t.get("section"), t.get("no"), t.get("text"), "; ".join(t.get("lead") or []),
                        "; ".join(t.get("support") or []), t.get("deadline"), t.get("deadline_start"),
                        t.get("deadline_end"), t.get("product"), t.get("id")])
    return out


def _safe_cell(v):
    """Neutralise spreadsheet formulas (CSV injection): '=…', '+…', '-…', '@…'."""
    if v is None:
        return ""
    s = str(v)
    if s and s[0] in "=+-@\t\r":
        return "'" + s
    return s


def to_csv(view: dict) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    for r in rows(view):
        w.writerow([_safe_cell(c) for c in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def to_xlsx(view: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Nhiệm vụ"
    a = view["agency"]
    ws.append([f"{a['name']}" + (f" ({a['province']})" if a.get("province") else "")])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Chủ trì: {view['counts']['lead']} · Phối hợp: {view['counts']['support']} · Ngày xuất: {view['today']}"])
    ws.append(HEADER)
    for c in ws[3]:
        c.font = Font(bold=True)
    for r in rows(view):
        ws.append(["" if v is None else str(v) for v in r])
        for c in ws[ws.max_row]:
            if isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"   # text, never a formula
    widths = [10, 16, 12, 12, 12, 40, 6, 6, 70, 30, 30, 20, 11, 11, 25, 34]
    for i, wdt in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = wdt
    for row in ws.iter_rows(min_row=4):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{get_column_letter(len(HEADER))}{max(ws.max_row, 3)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

"""Lineage and agenda: the HTTP API (/api/lineage, /api/agenda[.xlsx|.ics])
and the agenda page (/agency/<id>/agenda[.json|.xlsx|.ics]).  Everything is
asked of ``service.Service`` (``lineage``, ``agenda``, ``agenda_ics``); the
task and document pages show lineage through ``_lineage_task.html`` /
``_lineage_document.html`` from the ``lineage`` key of their view models.
"""
from __future__ import annotations

import io
import re
from datetime import date

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from service import Service

from .util import ID_RE, WebError, text_param, wants_json

bp = Blueprint("lineage", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ICS = "text/calendar"
ROLE = {"lead": "Chủ trì", "support": "Phối hợp"}
HEADER = ["Hạn", "Kỳ", "Vai trò", "Nhiệm vụ", "Thời hạn (như văn bản ghi)", "Văn bản", "Mục", "STT",
          "Chủ trì", "Phối hợp", "Sản phẩm", "Nguồn (lịch sử nhiệm vụ)", "Mã nhiệm vụ"]


def state() -> Service:
    return current_app.extensions["legalkg"]


def _window() -> tuple:
    period = text_param("period", 100)
    start = text_param("from", 10)
    end = text_param("to", 10)
    return period or None, start or None, end or None


def _agenda(agency: str, window: tuple) -> dict:
    try:
        return state().agenda(agency, *window)
    except ValueError as exc:
        raise WebError(400, str(exc)[:300]) from None


def _download(agency_label: str, agency: str, window: tuple, fmt: str) -> Response:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", agency_label).strip("_") or "agenda"
    if fmt == "ics":
        try:
            body = state().agenda_ics(agency, *window)
        except ValueError as exc:
            raise WebError(400, str(exc)[:300]) from None
        return Response(body.encode("utf-8"), mimetype=ICS,
                        headers={"Content-Type": f"{ICS}; charset=utf-8",
                                 "Content-Disposition": f'attachment; filename="{name}-agenda.ics"'})
    data = _agenda(agency, window)
    return Response(agenda_xlsx(data), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}-agenda.xlsx"'})


# ------------------------------------------------------------------ API -----
@bp.route("/api/lineage")
def api_lineage():
    ref = text_param("ref", 300) or None
    return jsonify(state().lineage(ref))


@bp.route("/api/agenda")
@bp.route("/api/agenda.<fmt>", endpoint="api_agenda_file")
def api_agenda(fmt: str = "json"):
    if fmt not in ("json", "xlsx", "ics"):
        raise WebError(404, "Không có định dạng này (dùng .json, .xlsx, .ics)")
    agency = text_param("agency", 300, required=True)
    window = _window()
    if fmt != "json":
        return _download(agency, agency, window, fmt)
    return jsonify(_agenda(agency, window))


# ------------------------------------------------------------------ page ----
@bp.route("/agency/<path:agency_id>/agenda")
@bp.route("/agency/<path:agency_id>/agenda.<fmt>", endpoint="agenda_file")
def agenda_page(agency_id: str, fmt: str = ""):
    if fmt not in ("", "json", "xlsx", "ics"):
        raise WebError(404, "Không có định dạng này")
    if not ID_RE.match(agency_id):
        raise WebError(404, f"Không tìm thấy cơ quan '{agency_id[:80]}'")
    window = _window()
    if fmt in ("xlsx", "ics"):
        return _download(agency_id, agency_id, window, fmt)
    data = _agenda(agency_id, window)
    if fmt == "json" or wants_json():
        return jsonify(data)
    args = {k: v for k, v in zip(("period", "from", "to"), window) if v}
    return render_template("agenda.html", v=data, window=args,
                           json_href=url_for("lineage.agenda_file", agency_id=agency_id, fmt="json", **args),
                           xlsx_href=url_for("lineage.agenda_file", agency_id=agency_id, fmt="xlsx", **args),
                           ics_href=url_for("lineage.agenda_file", agency_id=agency_id, fmt="ics", **args))


# ------------------------------------------------------------------ XLSX ----
def agenda_xlsx(view: dict) -> bytes:
    """The agenda as a workbook: one row per agenda line, the due date a real
    date cell, every text cell a string (never a formula)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Lịch nhiệm vụ"
    a = view["agency"]
    _text_row(ws, [f"{a['name']}" + (f" ({a['province']})" if a.get("province") else "")
                   + f" — {view['period']}"])
    ws["A1"].font = Font(bold=True, size=13)
    _text_row(ws, [f"{view['count']} nhiệm vụ đến hạn · {len(view['ongoing'])} thường xuyên · "
                   f"từ {view['from'] or '…'} đến {view['to'] or '…'}"])
    _text_row(ws, HEADER)
    for c in ws[3]:
        c.font = Font(bold=True)
    for r in list(view["rows"]) + list(view["ongoing"]):
        srcs = "; ".join(f"{s['document_number'] or s['document_id']}: {s['deadline'] or ''}" for s in r["sources"])
        _text_row(ws, [None, r["period"], ROLE.get(r["role"], r["role"]), r["text"], r["deadline"],
                       (r.get("document") or {}).get("number"), r.get("section"), r.get("no"),
                       "; ".join(r.get("lead") or []), "; ".join(r.get("support") or []), r.get("product"), srcs,
                       r["id"]])
        if r.get("due"):
            cell = ws.cell(row=ws.max_row, column=1, value=date.fromisoformat(r["due"]))
            cell.number_format = "DD/MM/YYYY"
    for i, wdt in enumerate([12, 18, 10, 70, 22, 16, 6, 6, 30, 30, 25, 40, 36], start=1):
        ws.column_dimensions[get_column_letter(i)].width = wdt
    for row in ws.iter_rows(min_row=4):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{get_column_letter(len(HEADER))}{max(ws.max_row, 3)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text_row(ws, values: list) -> None:
    """Append a row of text cells: strings stay strings even when they start
    with '=' (a formula would be evaluated by the spreadsheet)."""
    ws.append([None] * len(values))
    r = ws.max_row
    for i, v in enumerate(values, start=1):
        if v is None or v == "":
            continue
        c = ws.cell(row=r, column=i)
        c.value = str(v)
        c.data_type = "s"


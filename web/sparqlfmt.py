"""SPARQL 1.1 Query Results CSV and TSV formats (W3C), from the JSON results,
and the Vietnamese wording of the SPARQL errors the service raises."""
from __future__ import annotations

import csv
import io
import re


def _csv_value(cell) -> str:
    return "" if cell is None else str(cell.get("value", ""))


def to_csv(result: dict) -> bytes:
    """SPARQL CSV: header = variable names; IRIs and literals as plain values (RFC 4180, CRLF)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    names = result["head"]["vars"]
    w.writerow(names)
    for row in result["results"]["bindings"]:
        w.writerow([_csv_value(row.get(v)) for v in names])
    return buf.getvalue().encode("utf-8")


def _escape(s: str) -> str:
    return (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t"))


def _tsv_term(cell) -> str:
    if cell is None:
        return ""
    t, v = cell.get("type"), str(cell.get("value", ""))
    if t == "uri":
        return f"<{v}>"
    if t == "bnode":
        return f"_:{v}"
    lit = f'"{_escape(v)}"'
    if cell.get("xml:lang"):
        return f"{lit}@{cell['xml:lang']}"
    if cell.get("datatype"):
        return f"{lit}^^<{cell['datatype']}>"
    return lit


def to_tsv(result: dict) -> bytes:
    """SPARQL TSV: header = ?variables; terms in Turtle / SPARQL syntax."""
    names = result["head"]["vars"]
    lines = ["\t".join("?" + v for v in names)]
    for row in result["results"]["bindings"]:
        lines.append("\t".join(_tsv_term(row.get(v)) for v in names))
    return ("\n".join(lines) + "\n").encode("utf-8")


_MESSAGES = [
    (r"^empty query", "Truy vấn trống"),
    (r"^query too long", "Truy vấn quá dài"),
    (r"^read-only", "Không được phép sửa dữ liệu (SPARQL UPDATE): điểm truy vấn chỉ đọc"),
    (r"^FROM / FROM NAMED", "Không hỗ trợ FROM / FROM NAMED: truy vấn chạy trên đồ thị tri thức"),
    (r"^SERVICE", "Không được phép truy vấn liên kết (SERVICE) tới máy chủ khác"),
    (r"^SPARQL syntax error(?: at line (\d+), column (\d+))?", "Lỗi cú pháp SPARQL{where}"),
    (r"^invalid SPARQL query: .*(?:Unknown namespace prefix|prefix) *:? *'?(\w*)", "Tiền tố chưa khai báo “{p}:” — thêm dòng PREFIX"),
    (r"^invalid SPARQL query", "Truy vấn SPARQL không hợp lệ"),
    (r"^query failed", "Truy vấn không chạy được"),
]


def vi_error(message: str) -> str:
    """The service's English message → a Vietnamese sentence, the technical detail kept after it."""
    msg = str(message or "")
    for pat, vi in _MESSAGES:
        m = re.match(pat, msg)
        if not m:
            continue
        where = ""
        if "{where}" in vi and m.groups() and m.group(1):
            where = f" ở dòng {m.group(1)}, cột {m.group(2)}"
        text = vi.format(where=where, p=(m.group(1) if m.groups() else "") or "")
        detail = msg.split(":", 1)[1].strip() if ":" in msg and "{where}" in vi else ""
        return text + (f" (chi tiết: {detail[:200]})" if detail else "")
    return "Truy vấn không chạy được" + (f" (chi tiết: {msg[:200]})" if msg else "")

"""The Vietnamese wording of the SPARQL errors the service raises (the
CSV/TSV result writers are the service's: ``Service.sparql_table``)."""
from __future__ import annotations

import re


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

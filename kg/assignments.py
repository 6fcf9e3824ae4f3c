"""Prose assignments outside tables.

Three written forms, all on a numbered (or "Giao …") item:
* colon:   ``2.1. Sở Tư pháp: Chủ trì …``, ``Giao Sở Nội vụ (cơ quan Thường trực …): …``
* heading: ``3. Văn phòng UBND tỉnh`` on its own line, its duties on the lines below;
* inline:  ``2. UBND cấp huyện có trách nhiệm …``, ``3. Giao Văn phòng UBND tỉnh theo dõi, đôn đốc …``.
The agency is kept as written (canonicalised); the duty runs to the next item.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .agencies import _HEAD_RE, canonical_name
from .vntext import compact_spaces

_NUM = r"(?:(?:\d{1,2}(?:\.\d{1,2})*|[a-zđ])[.)]\s*)"
_PREFIX = r"(?:Giao\s+(?:cho\s+)?|Đề nghị\s+|Yêu cầu\s+)?"
_VERBS = (r"có trách nhiệm|chịu trách nhiệm|chủ trì|căn cứ|xây dựng|phối hợp|tổ chức|theo dõi|hướng dẫn|"
          r"thực hiện|triển khai|tham mưu|chỉ đạo|đôn đốc|báo cáo|là cơ quan|kiểm tra|rà soát|bố trí|tăng cường|đẩy mạnh|"
          r"tham gia|giám sát|vận động|tuyên truyền|ban hành|trình|cập nhật|bảo đảm|đảm bảo|nghiên cứu|chủ động")
# Linear-time forms: the indentation is matched atomically (a lookahead
# capture, then a back-reference: no backtracking into it), and an agency
# name starts and ends on a non-space character, so a run of spaces or tabs is
# scanned once instead of once per possible split (issue 12: a line of 800
# spaces took 80 s).
_IND = r"^(?=(?P<ind>[ \t#*]*))(?P=ind)"


def _agency(most: int, end_class: str = r"[^:\s]") -> str:
    return r"(?P<agency>[^:\s][^:\n]{0,%d}?%s)" % (most - 2, end_class)


_COLON_RE = re.compile(
    r"(?m)" + _IND + _NUM + r"?(?:Điều\s+\d+\.\s*)?" + _PREFIX +
    _agency(200) + r"[ \t]*(?:(?P<paren>\([^)\n]{0,160}\))[ \t]*)?:[ \t]*(?P<rest>.*)$")
_HEADING_RE = re.compile(r"(?m)" + _IND + _NUM + _PREFIX + _agency(160, r"[^:\s*]") + r"[ \t*]*$")
_INLINE_RE = re.compile(
    r"(?m)" + _IND + _NUM + r"(?:Điều\s+\d+\.\s*)?" + _PREFIX +
    _agency(200) + r"(?<!được)(?<!,)\s+(?P<verb>" + _VERBS + r")\b(?=[^\n]{6,})")
_NEXT_ITEM_RE = re.compile(r"(?m)^[ \t#*]*(?:\d{1,2}(?:\.\d{1,2})*[.)]\s|[IVX]{1,4}\.\s|Điều\s+\d+|Nơi nhận|TM\.|KT\.|Trên đây|PHỤ LỤC|Phụ lục|[A-ZĐ][A-ZĐÀ-Ỹ ,]{12,}$)")
_NOT_AGENCY = re.compile(r"(?<!\d)\d+/|\b(?:năm|ngày)\s+\d|Mục tiêu|Yêu cầu|Nội dung|Kinh phí|Chế độ|Giải pháp|Nhiệm vụ|Căn cứ|Thời gian|Trên đây|Nơi nhận")


@dataclass
class AssignmentDraft:
    agency: str
    text: str
    start: int
    end: int


def _is_agency(name: str) -> bool:
    return bool(_HEAD_RE.match(name)) and not _NOT_AGENCY.search(name) and len(name.split()) <= 30


def _body(text: str, start: int) -> tuple[str, int]:
    nx = _NEXT_ITEM_RE.search(text, start + 1, start + 3000)
    end = min(nx.start() if nx else len(text), start + 3000)
    return text[start:end], end


_NUMBERED_LINE_RE = re.compile(r"(?<![ \t#*])[ \t#*]*(?:\d|[a-zđ][.)])")


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _line_matches(rx: re.Pattern, text: str, starts: list[int]):
    """``rx.finditer(text)`` for a pattern anchored at line starts, tried only
    at the given line starts (the engine would otherwise try every character)."""
    last_end = -1
    for s in starts:
        if s < last_end:
            continue
        m = rx.match(text, s)
        if m:
            last_end = max(m.end(), s + 1)
            yield m


def find_assignments(text: str, skip: list[tuple[int, int]]) -> list[AssignmentDraft]:
    found: dict[int, AssignmentDraft] = {}

    def in_table(pos: int) -> bool:
        return any(s <= pos < e for s, e in skip)

    def add(agency: str, line_start: int, agency_start: int, body_start: int):
        agency = re.sub(r"\s+(?:gồm|bao gồm)$", "", compact_spaces(agency).strip(" .*,;"))
        if not _is_agency(agency) or line_start in found or in_table(line_start):
            return
        body, end = _body(text, body_start)
        clean = compact_spaces(body).strip(" :")
        if re.match(r"(?:chịu trách nhiệm\s+)?thi hành\b", clean, re.I):
            return            # the execution clause of a decision, not a duty
        if len(clean) < 10:
            return
        found[line_start] = AssignmentDraft(canonical_name(agency), clean, agency_start, end)

    lines = _lines(text)
    for m in _line_matches(_COLON_RE, text, [s for s, l in lines if ":" in l or l.rstrip().endswith((".", ")"))]):
        rest = m.group("rest")
        if rest.strip() or re.match(r"\s*\n\s*[-+•]?\s*\S", text[m.end():m.end() + 200]):
            add(m.group("agency"), m.start(), m.start("agency"), m.start("rest"))
    numbered = [s for s, _ in lines if _NUMBERED_LINE_RE.match(text, s)]
    for m in _line_matches(_INLINE_RE, text, numbered):
        if m.start() in found:
            continue
        add(m.group("agency"), m.start(), m.start("agency"), m.start("verb"))
    for m in _line_matches(_HEADING_RE, text, numbered):
        if m.start() in found:
            continue
        agency, end = m.group("agency"), m.end()
        # a heading wrapped over several lines (PDF text): lower-case continuations,
        # or a short agency line right before the duties
        for _ in range(3):
            nl = text.find("\n", end + 1)
            line = text[end + 1:nl if nl != -1 else len(text)]
            after = text[nl + 1:nl + 120] if nl != -1 else ""
            if line[:1].islower() and len(line) < 90 and not re.search(r"[.;:]$", line.strip()):
                agency, end = agency + " " + line.strip(), end + 1 + len(line)
            elif (line and _HEAD_RE.match(line.strip()) and len(line) < 60 and not agency.rstrip().endswith((".", ";"))
                  and re.match(r"\s*[-+•]", after) and not re.search(r"[.;:]$", line.strip())):
                agency, end = agency + " " + line.strip(), end + 1 + len(line)
            else:
                break
        nxt = text[end + 1:end + 200].lstrip("\n")
        # the next line must be prose duty text, not another item
        if not nxt or _NEXT_ITEM_RE.match(nxt) or not re.match(r"\s*[-+•]?\s*[A-ZĐÀ-Ỹ]", nxt):
            continue
        if len(agency) > 200:
            continue
        add(agency, m.start(), m.start("agency"), end)
    return [found[k] for k in sorted(found)]

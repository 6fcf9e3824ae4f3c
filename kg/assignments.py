"""Prose assignments outside tables: 'Giao Sở Nội vụ: …', '2.1. Sở Tư pháp: Chủ trì …',
'3. Văn phòng UBND tỉnh' followed by its duties, 'Sở Nội vụ (cơ quan Thường trực …): chịu trách nhiệm …'."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .agencies import _HEAD_RE, canonical_name
from .vntext import compact_spaces

_ITEM_RE = re.compile(
    r"(?m)^[ \t#*]*(?:(?:\d{1,2}(?:\.\d{1,2})*|[a-zđ])[.)]\s*)?(?:Điều\s+\d+\.\s*)?"
    r"(?:Giao\s+(?:cho\s+)?|Đề nghị\s+)?"
    r"(?P<agency>(?:Sở|Văn phòng|VP|UBND|Ủy ban|Uỷ ban|Thanh tra|Công an|Bộ|Ban|Trung tâm|Đài|Báo|Tòa án|Toà án|Bảo hiểm|BHXH|Kho bạc|Cục|Các|Thủ trưởng|Chủ tịch|Hội|Liên đoàn|Tỉnh đoàn|Mặt trận|Cổng|Đề nghị)"
    r"[^:\n]{0,140}?)"
    r"(?P<sep>\s*(?:\([^)\n]{0,120}\))?\s*:\s*|\s*\n(?=\s*[-+•]?\s*(?:Chủ trì|Chịu trách nhiệm|Tham mưu|Phối hợp|Là cơ quan|Hướng dẫn|Theo dõi|Tổ chức|Xây dựng|Thực hiện|Triển khai|Chỉ đạo|Tăng cường|Đẩy mạnh|Căn cứ|Định kỳ|Rà soát|Tiếp tục|Báo)))")
_INLINE_DUTY_RE = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:chịu trách nhiệm|chủ trì|có trách nhiệm|tham mưu|theo dõi|đôn đốc|phối hợp)", re.I)
_DUTY_START = re.compile(r"^\s*[-+•]?\s*(?:Chủ trì|Chịu trách nhiệm|Tham mưu|Phối hợp|Là cơ quan|Hướng dẫn|Theo dõi|Tổ chức|Xây dựng|Thực hiện|Triển khai|Chỉ đạo|Tăng cường|Đẩy mạnh|Căn cứ|Định kỳ|Rà soát|Tiếp tục|Báo|Kiểm tra)", re.I)
_NEXT_ITEM_RE = re.compile(r"(?m)^[ \t#*]*(?:\d{1,2}(?:\.\d{1,2})*[.)]|[IVX]{1,4}\.|Điều\s+\d+|Nơi nhận|TM\.|KT\.|Trên đây|PHỤ LỤC|Phụ lục)")


@dataclass
class AssignmentDraft:
    agency: str
    text: str
    start: int
    end: int


def find_assignments(text: str, skip: list[tuple[int, int]]) -> list[AssignmentDraft]:
    out: list[AssignmentDraft] = []
    for m in _ITEM_RE.finditer(text):
        if any(s <= m.start() < e for s, e in skip):
            continue
        agency = compact_spaces(m.group("agency")).strip(" .*")
        agency = re.sub(r"^Đề nghị\s+", "", agency)
        if not _HEAD_RE.match(agency) or len(agency.split()) > 25:
            continue
        if re.search(r"\b(?:năm|ngày)\s+\d{4}|\d+/\d+", agency):
            continue
        body_start = m.end()
        # the duty: up to the next numbered item / heading
        nx = _NEXT_ITEM_RE.search(text, body_start + 1)
        body_end = nx.start() if nx else min(len(text), body_start + 3000)
        body_end = min(body_end, body_start + 3000)
        body = text[body_start:body_end]
        # text after a colon must read as a duty; after a newline the next line must
        if ":" in m.group("sep"):
            if not body.strip():
                continue
        elif not _DUTY_START.match(body):
            continue
        if re.match(r"^(?:Các|Thủ trưởng|Chủ tịch)\b", agency) and "\t" in body:
            continue
        clean = compact_spaces(body)
        if len(clean) < 10:
            continue
        out.append(AssignmentDraft(canonical_name(agency), clean, m.start("agency"), body_end))
    return out

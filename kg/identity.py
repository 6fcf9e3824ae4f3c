"""Document identity: type, number, date, issuer, province, title, signer.

From the header (``Số: 151/KH-UBND``, ``Vĩnh Phúc, ngày 13 tháng 6 năm 2024``)
or, when the header has no number, from an attachment caption
``(Ban hành kèm theo Quyết định số 2704/QĐ-UBND ngày … của UBND tỉnh …)``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from . import numbers as N
from .dates import DATE_RE, iso
from .provinces import canonical_province, find_province
from .vntext import compact_spaces, search_key
from .vocab import DOC_TYPES

_TYPE_KEYS = {search_key(t): t for t in DOC_TYPES}
_HEADING_RE = re.compile(r"^\s*(" + "|".join(t.upper() for t in DOC_TYPES) + r")\s*(?:[:.]?\s*$|\s+(?=\S))")
_NUMBER_LINE_RE = re.compile(r"^[\s|]*Số\s*(?:hiệu)?\s*[:.]?\s*(.{3,60}?)\s*$", re.M)
_CAPTION_RE = re.compile(
    r"\(\s*(?:Ban\s+hành\s+)?[Kk]èm\s+theo\s+(" + "|".join(DOC_TYPES) + r")\s+(?:số\s*)?[:.]?\s*"
    r"([^()]{3,60}?)\s+(ngày[^()]{5,40}?)(?:\s*(?:của|do)\s+([^()]{3,120}?))?\s*\)", re.S)
_PLACE_DATE_RE = re.compile(r"(?:^|[|\t])[\s|*]*([^\d\n,|\t*]{2,40}),\s*ngày\s*(\d{1,2})\s*(?:tháng\s*|/)\s*(\d{1,2})\s*(?:năm\s*|/)\s*(\d{4})", re.M)
_ISSUING_BODY_RE = re.compile(
    r"^(?:(?:CHỦ TỊCH|TM\.?)\s+)?(ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN|HỘI ĐỒNG NHÂN DÂN|UBND|HĐND|TỈNH ỦY|TỈNH UỶ|THÀNH ỦY)\s*\n?\s*((?:TỈNH|THÀNH PHỐ|TP\.?)\s+[^\n|]{2,40})", re.M)
_NATIONAL_RE = re.compile(r"^\s*(CHÍNH PHỦ|THỦ TƯỚNG CHÍNH PHỦ|QUỐC HỘI|ỦY BAN THƯỜNG VỤ QUỐC HỘI|VĂN PHÒNG CHÍNH PHỦ|BỘ [A-ZĐÀ-Ỹ ,]+|BAN CHẤP HÀNH TRUNG ƯƠNG)\s*$", re.M)
_SIGN_TITLE_RE = re.compile(r"^(?:KT\.\s*|TM\.\s*|Q\.\s*)?(?:PHÓ\s+)?(?:CHỦ TỊCH|THỦ TƯỚNG|BỘ TRƯỞNG|GIÁM ĐỐC|BÍ THƯ|CHÁNH VĂN PHÒNG|TRƯỞNG BAN)\s*$")
_NAME_RE = re.compile(r"^[\s*]*((?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+|[A-ZĐÀ-Ỹ]{2,})(?:\s+(?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+|[A-ZĐÀ-Ỹ]{2,})){1,4})[\s*]*$")


@dataclass
class Identity:
    number: Optional[str] = None
    type: Optional[str] = None
    date: Optional[str] = None
    issuer: Optional[str] = None
    province: Optional[str] = None
    title: Optional[str] = None
    signer: Optional[str] = None
    attached: Optional[dict] = None
    number_source: Optional[str] = None
    self_numbers: tuple = ()


def _doc_heading(lines: list[str], start: int = 0, stop: int = 120):
    for i in range(start, min(stop, len(lines))):
        m = _HEADING_RE.match(lines[i].strip(" *#|\t"))
        if m and lines[i].strip(" *#|\t").upper() == lines[i].strip(" *#|\t"):
            return i, _TYPE_KEYS[search_key(m.group(1))]
    return None, None


def _title_after(lines: list[str], i: int) -> Optional[str]:
    first = lines[i].strip(" *#|\t")
    m = _HEADING_RE.match(first)
    rest = first[m.end():].strip() if m else ""
    parts = [rest] if rest else []
    for line in lines[i + 1:i + 8]:
        s = line.strip(" *#|\t")
        if not s:
            if parts:
                break
            continue
        if re.match(r"^(Căn cứ|Thực hiện|Theo|Để|ỦY BAN|UỶ BAN|CHỦ TỊCH|BỘ TRƯỞNG|THỦ TƯỚNG|CHÍNH PHỦ|HỘI ĐỒNG|\(|I\.|1\.|-)", s) and parts:
            break
        if re.match(r"^(Căn cứ|Thực hiện)", s) and re.search(r"số\s*\d|\d+/", s):
            break
        parts.append(s)
    t = compact_spaces(" ".join(parts)) if parts else None
    return t[:400] if t else None


def find_identity(text: str) -> Identity:
    idt = Identity()
    lines = text.split("\n")
    head = "\n".join(lines[:60])
    # 1. header number
    for m in _NUMBER_LINE_RE.finditer(head):
        hits = N.find_numbers(m.group(1))
        if hits:
            idt.number = hits[0][2]
            idt.number_source = "header"
            break
    # 2. type from the first heading
    hi, htype = _doc_heading(lines)
    idt.type = htype
    # 3. date + place from the header
    pm = _PLACE_DATE_RE.search(head)
    place = None
    if pm:
        idt.date = iso(int(pm.group(2)), int(pm.group(3)), int(pm.group(4)))
        place = pm.group(1).strip(" *")
    # 4. issuing body → province / national
    body = _ISSUING_BODY_RE.search("\n".join(lines[:80]))
    national = _NATIONAL_RE.search("\n".join(lines[:15]))
    if body:
        idt.province = find_province(body.group(2))
        kind = "UBND" if "NHÂN DÂN" in body.group(1) and "ỦY BAN" in body.group(1).replace("UỶ", "ỦY") or body.group(1) == "UBND" else body.group(1)
        kind = {"HỘI ĐỒNG NHÂN DÂN": "HĐND", "TỈNH ỦY": "Tỉnh ủy", "TỈNH UỶ": "Tỉnh ủy", "THÀNH ỦY": "Thành ủy"}.get(kind, kind)
        if idt.province:
            scope = "thành phố" if "THÀNH PHỐ" in body.group(2) or "TP" in body.group(2)[:3] else "tỉnh"
            idt.issuer = f"{kind} {scope} {idt.province}" if kind in ("UBND", "HĐND") else f"{kind} {idt.province}"
    elif national:
        nm = national.group(1).strip()
        idt.issuer = nm[:1] + nm[1:].lower() if not nm.startswith("BỘ") else "Bộ " + nm[3:].strip().title()
        idt.issuer = {"Chính phủ": "Chính phủ", "Thủ tướng chính phủ": "Thủ tướng Chính phủ",
                      "Quốc hội": "Quốc hội", "Văn phòng chính phủ": "Văn phòng Chính phủ"}.get(idt.issuer, idt.issuer)
    # 5. attachment caption
    cap = _CAPTION_RE.search(text)
    if cap:
        ctype, craw, cdate, cissuer = cap.group(1), cap.group(2), cap.group(3), cap.group(4)
        hits = N.find_numbers(craw)
        cnum = hits[0][2] if hits else None
        dm = DATE_RE.search(cdate)
        cd = iso(int(dm.group(1)), int(dm.group(2)), int(dm.group(3))) if dm else None
        prov = find_province(cissuer) if cissuer else None
        if cnum:
            idt.self_numbers += (cnum,)
        if not idt.number and cnum:
            idt.number, idt.number_source = cnum, "caption"
            if ctype == "Quyết định" and htype != "Quyết định":
                # a plan issued with a decision: the file is the decision's
                idt.attached = {"type": htype or "Kế hoạch", "title": _title_after(lines, hi) if hi is not None else None}
                idt.type = "Quyết định"
            elif not idt.type:
                idt.type = ctype
            if cd:
                idt.date = cd
        if ctype == "Quyết định" and (idt.type == "Quyết định") and not idt.attached:
            # decision whose attached plan starts later in the file
            j, t2 = _attached_heading(lines, hi)
            if t2:
                idt.attached = {"type": t2, "title": _title_after(lines, j)}
        if not idt.province and prov:
            idt.province = prov
        if not idt.issuer and cissuer:
            iss = compact_spaces(cissuer)
            iss = re.sub(r"^(?:Chủ tịch|CT)\s+", "", iss)
            iss = re.sub(r"Ủy ban nhân dân|Uỷ ban nhân dân", "UBND", iss)
            if not find_province(iss) and idt.province:
                iss = f"{iss} {idt.province}"
            idt.issuer = iss
    if idt.type == "Quyết định" and not idt.attached and hi is not None:
        j, t2 = _attached_heading(lines, hi)
        if t2 and re.search(r"[Bb]an hành kèm theo|kèm theo", text):
            idt.attached = {"type": t2, "title": _title_after(lines, j)}
    if idt.number and not idt.type:
        idt.type = N.type_from_number(idt.number)
    # province fallbacks: the place of the date line for local documents
    if not idt.province and not national and idt.number and N.is_local(idt.number):
        idt.province = canonical_province(place) if place else None
        if not idt.province:
            idt.province = _most_named_province(text)
        if idt.province and not idt.issuer:
            idt.issuer = f"UBND tỉnh {idt.province}"
    if idt.number and not idt.issuer:
        idt.issuer = N.central_issuer(idt.number)
    if idt.number and not N.is_local(idt.number) and (national or N.central_issuer(idt.number)):
        idt.province = None
    if idt.issuer and idt.province and not find_province(idt.issuer) and re.match(r"^(UBND|HĐND|Ủy ban|Hội đồng)", idt.issuer):
        idt.issuer = f"{idt.issuer} {idt.province}"
    idt.title = _title_after(lines, hi) if hi is not None else None
    idt.signer = _signer(lines)
    if idt.number:
        idt.self_numbers = tuple(dict.fromkeys((idt.number,) + idt.self_numbers))
    return idt


def _attached_heading(lines, hi):
    start = (hi or 0) + 1
    while True:
        j, t = _doc_heading(lines, start, len(lines))
        if t is None:
            return None, None
        if t != "Quyết định":
            return j, t
        start = j + 1


def _most_named_province(text: str) -> Optional[str]:
    from collections import Counter
    c = Counter()
    for m in re.finditer(r"(?:tỉnh|thành phố|TỈNH|THÀNH PHỐ)\s+([A-ZĐÀ-Ỹ][^\s,.;()]*(?:\s+[A-ZĐÀ-Ỹ][^\s,.;()]*){0,3})", text):
        p = find_province(m.group(1))
        if p:
            c[p] += 1
    return c.most_common(1)[0][0] if c else None


def _signer(lines: list[str]) -> Optional[str]:
    for i, line in enumerate(lines):
        s = line.strip(" *\t|")
        if _SIGN_TITLE_RE.match(s):
            for nxt in lines[i + 1:i + 8]:
                t = nxt.strip(" *\t|")
                if not t or re.match(r"^(?:KT\.|TM\.|PHÓ|CHỦ TỊCH|\(|\d)", t) or "[" in t:
                    continue
                nm = _NAME_RE.match(t)
                if nm and not t.isupper() and len(t.split()) >= 2:
                    return nm.group(1)
                if len(t) > 40:
                    break
    return None

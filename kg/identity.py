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
from .provinces import canonical_province, find_province, local_issuer
from .vntext import compact_spaces, search_key
from .vocab import DOC_TYPES

_TYPE_KEYS = {search_key(t): t for t in DOC_TYPES}
_HEADING_RE = re.compile(r"^\s*(" + "|".join(t.upper() for t in DOC_TYPES) + r")\s*(?:[:.]?\s*$|\s+(?=\S))")
# "Số: 151/KH-UBND", "Số 151/KH-UBND", "Số:" with the number on the next line;
# "Số hiệu:" is the website's fact box (a fallback).
_NUMBER_LINE_RE = re.compile(r"^[ \t|*#]*Số[ \t]*(?P<facts>hiệu(?:[ \t]+văn[ \t]+bản)?)?[ \t]*(?P<colon>[:.])?(?P<rest>[^\n]{0,80})$",
                             re.M | re.I)
_MOTTO_RE = re.compile(r"CỘNG\s+H(?:ÒA|OÀ)\s+XÃ\s+HỘI|ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM", re.I)
_FACT_DATE_RE = re.compile(r"^[ \t|*#]*Ngày\s+ban\s+hành\s*:?[\s|*]{0,12}?(\d{1,2})/(\d{1,2})/(\d{4})", re.M)
_PASSED_RE = re.compile(r"thông\s+qua\s+ngày\s*(\d(?:[ \t]?\d)?)\s*tháng\s*(\d(?:[ \t]?\d)?)\s*năm\s*(\d{4})")
_CAPTION_RE = re.compile(
    r"\(\s*(?:Ban\s+hành\s+)?[Kk]èm\s+theo\s+(" + "|".join(DOC_TYPES) + r")\s+(?:số\s*)?[:.]?\s*"
    r"([^()]{3,60}?)\s+(ngày[^()]{5,40}?)(?:\s*(?:của|do)\s+([^()]{3,120}?))?\s*\)", re.S)
# The date of a place-date line ", ngày 13 tháng 6 năm 2024" (also "tháng 0 6",
# broken over lines); the place is found by looking back from the comma
# (``_place_date``), which keeps the search linear on runs of '|' or tabs.
_DATE_TAIL_RE = re.compile(
    r"(?:,[ \t*]*(?:\n[ \t*]*)?|(?<![ \t])(?P<nocomma>[ \t]+))ngày\s*(\d(?:[ \t]?\d)?)\s*(?:tháng\s*|/)(\d(?:[ \t]?\d)?)\s*(?:năm\s*|/)\s*(\d{4})")
_PLACE_CHARS_RE = re.compile(r"[^\d\n,|\t*]{1,41}$")
_ISSUING_BODY_RE = re.compile(
    r"^(?:(?:CHỦ TỊCH|TM\.?)\s+)?(ỦY\s+BAN\s+NHÂN\s+DÂN|UỶ\s+BAN\s+NHÂN\s+DÂN|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN|UBND|HĐND|TỈNH\s+ỦY|TỈNH\s+UỶ|THÀNH\s+ỦY)"
    r"\s*((?:TỈNH|THÀNH PHỐ|TP\.?)[ \t]+[^\n|]{2,40}(?:\n[ \t]*[A-ZĐÀ-Ỹ][A-ZĐÀ-Ỹ ]{1,24}$)?)", re.M)
_NATIONAL_RE = re.compile(r"^[^\S\n]*(CHÍNH PHỦ|THỦ TƯỚNG CHÍNH PHỦ|QUỐC HỘI|ỦY BAN THƯỜNG VỤ QUỐC HỘI|VĂN PHÒNG CHÍNH PHỦ|BỘ [A-ZĐÀ-Ỹ,]+(?: +[A-ZĐÀ-Ỹ,]+)*|BAN CHẤP HÀNH TRUNG ƯƠNG)[^\S\n]*$", re.M)
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
    h0, h1 = _header_window(text, lines)
    head = "\n".join(lines[h0:h1])
    # 1. header number
    idt.number, idt.number_source = _header_number(head)
    # 2. type from the first heading
    hi, htype = _doc_heading(lines, h0, h0 + 120)
    if hi is None and h0:
        hi, htype = _doc_heading(lines)
    idt.type = htype
    # 3. date + place from the header; a resolution's "thông qua ngày …"; the site's facts
    pd = _place_date(head)
    place = None
    if pd:
        idt.date, place = pd
    else:
        pm = _PASSED_RE.search(text)
        if pm is None:
            pm = _FACT_DATE_RE.search(text, 0, 20000)
        if pm:
            idt.date = iso(_int(pm.group(1)), _int(pm.group(2)), _int(pm.group(3)))
    # 4. issuing body → province / national
    body = _ISSUING_BODY_RE.search("\n".join(lines[h0:h0 + 80]))
    national = _NATIONAL_RE.search("\n".join(lines[h0:h0 + 30] if h0 else lines[:15]))
    if body:
        b2 = body.group(2)
        idt.province = find_province(b2.split("\n")[0]) or find_province(b2.replace("\n", " "))
        b1 = re.sub(r"\s+", " ", body.group(1))
        kind = "UBND" if "NHÂN DÂN" in b1 and "ỦY BAN" in b1.replace("UỶ", "ỦY") or b1 == "UBND" else b1
        kind = {"HỘI ĐỒNG NHÂN DÂN": "HĐND", "TỈNH ỦY": "Tỉnh ủy", "TỈNH UỶ": "Tỉnh ủy", "THÀNH ỦY": "Thành ủy"}.get(kind, kind)
        if idt.province:
            idt.issuer = local_issuer(kind, idt.province) if kind in ("UBND", "HĐND") else f"{kind} {idt.province}"
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
            idt.issuer = local_issuer("UBND", idt.province)
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


def _int(s: str) -> int:
    return int(s.replace(" ", "").replace("\t", ""))


def _header_window(text: str, lines: list[str]) -> tuple[int, int]:
    """Lines holding the official header: around the national motto (crawled
    pages put site material before it), else the first 60 lines."""
    m = _MOTTO_RE.search(text, 0, 30000)
    if not m:
        return 0, 60
    at = text.count("\n", 0, m.start())
    if at < 40:
        return 0, max(60, at + 40)
    return at - 25, at + 60


def _header_number(head: str) -> tuple[Optional[str], Optional[str]]:
    """The own number from 'Số: …' (or the next line when 'Số:' ends its line).
    A blank draft number ('Số:     /QĐ-UBND') means no own number."""
    facts = None
    lines = head.split("\n")
    offsets = []
    pos = 0
    for l in lines:
        offsets.append(pos)
        pos += len(l) + 1
    for m in _NUMBER_LINE_RE.finditer(head):
        rest = m.group("rest").strip(" \t|*")
        if not m.group("colon") and not re.match(r"\d", rest):
            continue                            # "Số lượng …", "Số liệu …"
        hits = N.find_numbers(rest) if rest else []
        if not rest:
            # the number on one of the next lines (cells closed by '|' in between)
            li = head.count("\n", 0, m.start()) + 1
            for nxt in lines[li:li + 3]:
                t = nxt.strip(" \t|*")
                if t:
                    hits = N.find_numbers(t)
                    rest = t
                    break
        if m.group("facts"):
            if hits and facts is None:
                facts = hits[0][2]
            continue
        if hits and hits[0][0] <= 3:
            return hits[0][2], "header"
        if rest and "/" in rest and re.search(r"[A-ZĐ]{2}", rest):
            return None, None                   # a blank draft: "Số:     /QĐ-UBND"
    return (facts, "chrome") if facts else (None, None)


def _place_date(head: str) -> Optional[tuple[str, str]]:
    """(date, place) of the first 'Place, ngày … tháng … năm …' whose place
    starts a line or a cell (the place: up to 40 characters, no digits)."""
    for m in _DATE_TAIL_RE.finditer(head):
        seg = _PLACE_CHARS_RE.search(head, max(0, m.start() - 41), m.start())
        if seg is None:
            continue
        core = seg.group(0).strip()
        if not 2 <= len(core) <= 40 or (m.group("nocomma") and not find_province(core)):
            continue
        k = seg.start()
        while k > 0 and head[k - 1] in " *":
            k -= 1
        if k > 0 and head[k - 1] not in "\n|\t":
            continue                            # inside a sentence: not the header's place
        if k > 0 and head[k - 1] == "\n":
            # a place broken over two lines: "Thành phố Hồ" / "Chí Minh, ngày …"
            prev = head[head.rfind("\n", 0, k - 1) + 1:k - 1].strip(" *|\t")
            if prev and len(prev) + len(core) < 40 and not re.search(r"[\d,.:;]", prev) \
                    and canonical_province(core) is None and find_province(prev + " " + core):
                core = prev + " " + core
        d = iso(_int(m.group(2)), _int(m.group(3)), _int(m.group(4)))
        if d:
            return d, core
    return None


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

"""Agencies: split the lists written in task cells, canonicalise names,
classify the kind and attach the province.

``Các sở, ban, ngành`` is one group; ``UBND cấp huyện, cấp xã`` is two levels;
``Sở Văn hóa, Thể thao và Du lịch`` is one agency.  Abbreviations
(``VP UBND``, ``Sở TT&TT``, ``Ủy ban nhân dân``) come from one table.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from .model import Agency
from .vntext import compact_spaces, fold_tones, search_key

# Field names of departments/ministries (with commas that must not split them).
FIELDS = [
    "Nội vụ", "Tư pháp", "Tài chính", "Kế hoạch và Đầu tư", "Thông tin và Truyền thông",
    "Khoa học và Công nghệ", "Giáo dục và Đào tạo", "Y tế", "Tài nguyên và Môi trường", "Xây dựng",
    "Giao thông vận tải", "Công Thương", "Nông nghiệp và Phát triển nông thôn",
    "Lao động - Thương binh và Xã hội", "Văn hóa, Thể thao và Du lịch", "Văn hóa và Thể thao", "Du lịch",
    "Ngoại vụ", "Ngoại giao", "Quy hoạch - Kiến trúc", "Nông nghiệp và Môi trường", "Dân tộc và Tôn giáo",
    "Công an", "Quốc phòng", "Văn hóa, Thể thao", "Giao thông - Xây dựng",
]
# Abbreviations → full words (applied on word boundaries, case-insensitive).
ABBREVIATIONS = [
    (r"Ủy ban nhân dân|Uỷ ban nhân dân|U\.B\.N\.D", "UBND"),
    (r"Hội đồng nhân dân", "HĐND"),
    (r"VP\s*UBND|VPUBND|VPUB", "Văn phòng UBND"),
    (r"VP\s*HĐND", "Văn phòng HĐND"),
    (r"TT\s*&\s*TT|TTTT|TT-TT|TTvàTT", "Thông tin và Truyền thông"),
    (r"KH\s*&\s*ĐT|KHĐT|KH-ĐT|KHvàĐT", "Kế hoạch và Đầu tư"),
    (r"KH\s*&\s*CN|KHCN|KH-CN", "Khoa học và Công nghệ"),
    (r"GD\s*&\s*ĐT|GDĐT|GD-ĐT", "Giáo dục và Đào tạo"),
    (r"TN\s*&\s*MT|TNMT|TN-MT", "Tài nguyên và Môi trường"),
    (r"LĐ-TB\s*&\s*XH|LĐTB\s*&\s*XH|LĐTBXH|Lao động,? Thương binh\s*(?:-|và)\s*Xã hội", "Lao động - Thương binh và Xã hội"),
    (r"VH,?\s*TT\s*&\s*DL|VHTT\s*&\s*DL|VHTTDL|Văn hóa - Thể thao và Du lịch|Văn hoá, Thể thao và Du lịch", "Văn hóa, Thể thao và Du lịch"),
    (r"NN\s*&\s*PTNT|NNPTNT|NN-PTNT", "Nông nghiệp và Phát triển nông thôn"),
    (r"GTVT", "Giao thông vận tải"),
    (r"Công thương", "Công Thương"),
    (r"Trung tâm (?:PVHCC|Phục vụ HCC|PV HCC)|TTPVHCC|TT PVHCC", "Trung tâm Phục vụ hành chính công"),
    (r"BHXH", "Bảo hiểm xã hội"),
    (r"UBMTTQ(?:\s*VN)?|Ủy ban MTTQ(?: Việt Nam)?|UB MTTQ(?: Việt Nam)?", "Ủy ban Mặt trận Tổ quốc Việt Nam"),
    (r"MTTQ(?:\s*VN)?", "Mặt trận Tổ quốc"),
    (r"Cổng TTĐT|Cổng Thông tin điện tử", "Cổng Thông tin điện tử"),
    (r"Đài PT\s*-?\s*TH|Đài PTTH|Đài Phát thanh - Truyền hình", "Đài Phát thanh và Truyền hình"),
    (r"BCH Quân sự|Bộ CHQS|BCHQS", "Bộ Chỉ huy Quân sự"),
    # a provincial or district court and procuracy are always "nhân dân" ones; plans
    # write "Tòa án tỉnh" and "Tòa án nhân dân tỉnh" for the same body
    (r"TAND|(?:Tòa|Toà) án(?=\s+(?:tỉnh|huyện|thành phố|thị xã|quận|cấp|hai cấp|các cấp)\b)", "Tòa án nhân dân"),
    (r"VKSND|Viện KSND|Viện kiểm sát(?=\s+(?:tỉnh|huyện|thành phố|thị xã|quận|cấp|hai cấp|các cấp)\b)",
     "Viện kiểm sát nhân dân"),
    (r"CCHC", "cải cách hành chính"),
    (r"TTHC", "thủ tục hành chính"),
    (r"ĐVSN", "đơn vị sự nghiệp"),
]
_ABBR_RES = [(re.compile(r"(?<![\wĐđ])(?:" + p + r")(?![\wĐđ])", re.I), r) for p, r in ABBREVIATIONS]

HEADS = (
    "Sở", "UBND", "Ủy ban", "Uỷ ban", "Văn phòng", "VP", "Các", "Cơ quan", "Đơn vị", "Thanh tra", "Công an",
    "Bộ", "Ban", "Trung tâm", "Đài", "Báo", "Tòa án", "Toà án", "Viện", "Kho bạc", "Cục", "Chi cục", "Hội",
    "Liên đoàn", "Đoàn", "Tỉnh đoàn", "Mặt trận", "MTTQ", "Bảo hiểm", "BHXH", "Ngân hàng", "Chủ tịch",
    "Thủ trưởng", "Giám đốc", "Tỉnh ủy", "Tỉnh uỷ", "Thành ủy", "HĐND", "Hội đồng", "Trường", "Bệnh viện",
    "Điện lực", "Cảnh sát", "Chính phủ", "Thủ tướng", "Cổng", "Phòng", "Đảng ủy", "Lãnh đạo", "Người đứng đầu",
    "Quốc hội", "Tổng cục", "Kiểm toán", "Hiệp hội", "Công ty", "Doanh nghiệp", "Tập đoàn", "Tổng công ty",
    "Đài Phát thanh", "Bưu điện", "Cán bộ", "Học viện", "Đại học", "Quỹ", "Nhà", "Lực lượng", "Tổ", "Kho",
    "Sở, ban", "Sở, ngành", "Địa phương", "ĐVSN", "Đơn vị sự nghiệp", "Thường trực", "Ban Thường trực", "Huyện", "Xã", "UBMTTQ", "Chi nhánh", "Trạm", "Văn phòng Chính phủ",
    "Thông tấn xã",
)
_HEAD_RE = re.compile(r"^(?:" + "|".join(sorted((re.escape(h) for h in HEADS), key=len, reverse=True)) + r")(?![\wà-ỹ])")
_LOWER_HEAD_RE = re.compile(r"^(?:các\s+(?:sở|cơ quan|đơn vị|đoàn thể|tổ chức|ban|ngành|địa phương|huyện|xã|quận|phòng|trường|hội|doanh nghiệp|bộ|tỉnh|chủ đầu tư|cơ sở)|sở|ubnd|cơ quan|đơn vị|ban|phòng|địa phương|văn phòng|thanh tra|công an|bộ|báo|đài)(?![\wà-ỹ])", re.I)

# Comma lists that are one name or one group.
_PROTECT = [
    r"(?:các\s+)?sở,\s*ban,\s*ngành(?:,\s*đoàn thể)?",
    r"(?:các\s+)?sở,\s*ngành(?:,\s*(?:đoàn thể|đơn vị))?",
    r"viện,\s*trường",
    r"(?:các\s+)?(?:cơ quan\s+)?đơn vị,\s*địa phương",
    r"(?:các\s+)?bộ,\s*(?:ngành|cơ quan ngang bộ)(?:,\s*cơ quan thuộc Chính phủ)?",
    r"(?:các\s+)?cơ quan,\s*(?:tổ chức,\s*)?đơn vị(?:,\s*(?:địa phương|doanh nghiệp))?",
    r"các\s+huyện,\s*(?:thị xã,\s*)?thành phố(?:,\s*thị xã)?",
    r"các\s+quận,\s*huyện(?:,\s*thị xã)?",
    r"các\s+xã,\s*phường,\s*thị trấn",
    r"ban,\s*ngành(?:,\s*đoàn thể)?",
    r"tỉnh,\s*thành phố(?:\s+trực thuộc\s+(?:T|t)rung ương)?",
    r"cơ quan,\s*người có thẩm quyền",
    r"Văn hóa,\s*Thể thao(?:\s+và\s+Du lịch)?",
    r"Lao động,\s*Thương binh\s*(?:và|-)\s*Xã hội",
    r"chính trị\s*-\s*xã hội",
    r"Phòng,\s*chống",
    r"giáo dục,\s*đào tạo",
    r"y tế,\s*giáo dục",
    r"báo,\s*đài|đài,\s*báo|thông tấn,\s*báo chí",
]
_PROTECT_RE = re.compile("|".join(f"(?:{p})" for p in _PROTECT), re.I)
_SEP = "\u241f"   # placeholder for a protected comma


def _protect(text: str) -> str:
    return _PROTECT_RE.sub(lambda m: m.group(0).replace(",", _SEP), text)


# A line break followed by one of these starts another agency (one agency per
# line in a cell); other line breaks are wrapped text.
_NEWLINE_HEAD_RE = re.compile(r"[\n\u2028](?=[^\S\n\u2028]*(?:" + "|".join(re.escape(h) for h in (
    "Sở", "UBND", "Ủy ban", "Uỷ ban", "Văn phòng", "Các", "Công an", "Thanh tra", "Bộ", "Ban", "Trung tâm",
    "Bưu điện", "Đài", "Báo", "Kho bạc", "Ngân hàng", "Bảo hiểm", "Cục", "Chi cục", "Tòa án", "Toà án", "Viện",
    "Hội", "Liên đoàn", "Tỉnh đoàn", "Mặt trận", "MTTQ", "Cổng", "Trường", "Bệnh viện", "Điện lực",
    "Công ty", "Tổng công ty", "HĐND", "Tỉnh ủy", "Tỉnh uỷ")) + r")(?![\wà-ỹ]))")
_VA_SPLIT_RE = re.compile(r"\s+và\s+(?=(?:" + "|".join(re.escape(h) for h in (
    "Sở", "UBND", "Ủy ban", "Uỷ ban", "Các", "các", "Văn phòng", "Công an", "Thanh tra", "Bộ", "Đài", "Báo", "Mặt trận", "MTTQ",
    "Đoàn thể", "đoàn thể", "Hội", "Ban", "cơ quan", "Cơ quan", "đơn vị", "Đơn vị")) + r")\b)")


# a duty written after the agency in the same clause ('Sở Nội vụ chủ trì tham
# mưu …', 'Các sở, ngành có liên quan theo chức năng, nhiệm vụ …'): the clause
# is cut there (lookbehind: one try per whitespace run, linear)
_DUTY_RE = re.compile(r"(?<=\S)\s+(?:chủ\s+trì|chủ\s+động|tiến\s+hành|tham\s+mưu|rà\s+soát|có\s+trách\s+nhiệm"
                      r"|theo\s+chức\s+năng|trong\s+phạm\s+vi\s+chức\s+năng)\b", re.I)
# the parent agency in brackets ('Trung tâm Dịch vụ việc làm (Sở Nội vụ)')
_TRAILING_NOTE_RE = re.compile(r"\s*\(([^()]{1,80})\)$")


# the subject of a clause ends at its duty ('Sở Nội vụ chủ trì …', 'Sở, ban, ngành … có trách nhiệm …')
_SUBJECT_END_RE = re.compile(r"(?<!\s)\s+(?:chủ\s+trì|có\s+trách\s+nhiệm|chịu\s+trách\s+nhiệm|phối\s+hợp|tham\s+mưu"
                             r"|chủ\s+động|tiến\s+hành)(?![\wà-ỹ])", re.I)
_FIELD_HEAD_RE = re.compile(r"^(?:Sở|Bộ)\s+(?:" + "|".join(sorted((re.escape(f) for f in FIELDS), key=len, reverse=True))
                            + r")(?![\wà-ỹ])", re.I)


def leading_agency(clause: str) -> Optional[str]:
    """The agency a clause starts with: up to its duty ('Sở, ban, ngành thuộc
    UBND Thành phố có trách nhiệm rà soát …'), or a department named by its
    field ('Sở Xây dựng đăng tải …' → 'Sở Xây dựng'); None if it starts otherwise."""
    s = compact_spaces(clause.replace("\n", " ")).lstrip(" -+•*")
    if not _HEAD_RE.match(s) or re.match(r"Tổ\s+chức\s+[a-zà-ỹ]", s):
        return None
    m = _SUBJECT_END_RE.search(s, 0, 200)
    if m:
        name = s[:m.start()].strip(" ,;")
        if name and not re.search(r"[.;:]", name):
            return name
    m = _FIELD_HEAD_RE.match(s)
    return m.group(0) if m else None


def _drop_parent(name: str) -> str:
    m = _TRAILING_NOTE_RE.search(name)
    return name[:m.start()] if m and m.start() and _HEAD_RE.match(m.group(1)) else name


# '… trong phạm vi chức năng, nhiệm vụ của mình và các cơ quan …': a qualifier
# between two agencies of a list (dropped; the list goes on after it)
_QUALIFIER_RE = re.compile(r"\s+(?:theo|trong\s+phạm\s+vi)\s+chức\s+năng,?\s+nhiệm\s+vụ(?:\s+(?:của\s+mình|được\s+giao|quản\s+lý))*"
                           r"(?=\s*(?:,|và\s)\s*(?:các\s|[A-ZĐ]))", re.I)


def _cut_duty(chunk: str) -> str:
    chunk = _QUALIFIER_RE.sub("", chunk)
    m = _DUTY_RE.search(chunk)
    return chunk[:m.start()] if m else chunk


# two agencies with no separator ('Sở Khoa học và Công nghệ Sở Công Thương'):
# a 'Sở'/'Bộ' head right after a word that ends a name, not after a title or
# a preposition ('Giám đốc Sở …', 'thuộc Sở …', 'Văn phòng Sở …')
_GLUED_HEAD_RE = re.compile(r"(?<=[^\W\d_])[ \t]+(?=(?:Sở|Bộ)[ \t]+[A-ZĐ])")
_NOT_NAME_END = {"đốc", "trưởng", "phòng", "tra", "của", "thuộc", "và", "với", "tại", "cho", "các", "đạo",
                 "trực", "chủ", "sở", "bộ", "ban", "theo", "từ", "đến", "về", "là", "do", "giữa"}


def _split_unseparated(text: str) -> str:
    out, last = [], 0
    for m in _GLUED_HEAD_RE.finditer(text):
        prev = text[last:m.start()].rsplit(None, 1)
        word = prev[-1].lower() if prev else ""
        if word and word not in _NOT_NAME_END and (_HEAD_RE.match(text[text.rfind(";", 0, m.start()) + 1:].lstrip(" ,"))):
            out.append(text[last:m.start()] + ";")
            last = m.end() - 1
    out.append(text[last:])
    return "".join(out)


@lru_cache(maxsize=20000)
def split_agencies(cell: Optional[str]) -> tuple[str, ...]:
    """'Sở Tư pháp, các sở, ban, ngành, UBND cấp huyện, cấp xã' →
    ['Sở Tư pháp', 'Các sở, ban, ngành', 'UBND cấp huyện', 'UBND cấp xã']."""
    if not cell:
        return ()
    text = _NEWLINE_HEAD_RE.sub("; ", cell)
    text = compact_spaces(text.replace("\n", " ").replace("\u2028", " "))
    text = re.sub(r"^\s*[-+•]\s*", "", text)
    text = re.sub(r"\s*\((?:chủ trì|phối hợp|thường trực|cơ quan thường trực)\)\s*", " ", text, flags=re.I)
    text = _protect(text)
    out: list[str] = []
    # a missing comma before "các sở/cơ quan/đơn vị" (line-wrapped cells)
    text = re.sub(r"(?<=[\wà-ỹ])\s+(?=[Cc]ác\s+(?:sở|cơ quan|đơn vị|ban, ngành)\b)(?<!và )", ", ", text)
    text = re.sub(r"\b(và|của|với|cho|thuộc|tại|đến), (?=[Cc]ác\s)", r"\1 ", text)
    text = _split_unseparated(text)
    for chunk in re.split(r"\s*[;\n]\s*|\s+-\s+(?=(?:Các|Sở|UBND|Ủy ban|Văn phòng|Công an|Thanh tra|Ban|Trung tâm|Cơ quan)\b)", text):
        chunk = _cut_duty(chunk)
        pieces = [p.strip() for p in re.split(r",\s*|\s*/\s*(?=\S)", chunk) if p.strip()]
        merged: list[str] = []
        for p in pieces:
            if merged and re.match(r"^(?:cấp|các cấp)\s", p, re.I) and not _HEAD_RE.match(p):
                # 'UBND cấp huyện, cấp xã' → inherit the head of the previous piece
                head = re.match(r"^(.*?)\s+cấp\s", merged[-1] + " ")
                merged.append((head.group(1) + " " + p) if head else p)
            elif merged and not (_HEAD_RE.match(p) or _LOWER_HEAD_RE.match(p)):
                merged[-1] = merged[-1] + ", " + p
            else:
                merged.append(p)
        # 'X và Y' where both sides are agencies
        for p in merged:
            parts = _VA_SPLIT_RE.split(p)
            if len(parts) > 1 and all(_HEAD_RE.match(x) or _LOWER_HEAD_RE.match(x) or re.match(r"^(?:đoàn thể|cơ quan|đơn vị)", x, re.I) for x in parts[1:]) \
                    and (_HEAD_RE.match(parts[0]) or _LOWER_HEAD_RE.match(parts[0])):
                out.extend(parts)
            else:
                out.append(p)
    res = []
    for p in out:
        p = _drop_parent(p.replace(_SEP, ",")).strip(" .;:,-")
        if not p or len(p) < 2:
            continue
        res.append(p[0].upper() + p[1:])
    return tuple(dict.fromkeys(res))


@lru_cache(maxsize=1)
def _field_table() -> dict[str, str]:
    # the first spelling of a key wins: 'Văn hóa và Thể thao' (the departments' official
    # name) over 'Văn hóa, Thể thao'
    out: dict[str, str] = {}
    for f in FIELDS:
        out.setdefault(_fkey(f), f)
    return out


def _fkey(s: str) -> str:
    return re.sub(r"[\s,\-&]+|\bva\b", "", search_key(s))


def canonical_name(name: str) -> str:
    """Expand abbreviations, fix the case of known department names."""
    s = compact_spaces(name)
    for rx, repl in _ABBR_RES:
        s = rx.sub(repl, s)
    s = re.sub(r"\bVăn phòng UBND UBND\b", "Văn phòng UBND", s)
    s = s[0].upper() + s[1:] if s else s
    m = re.match(r"^(Sở|Bộ)\s+(.+?)(\s+(?:tỉnh|thành phố)(?:\s+.+)?)?$", s)
    if m:
        f = _field_table().get(_fkey(m.group(2)))
        if f:
            s = f"{m.group(1)} {f}{m.group(3) or ''}"
    s = s[0].upper() + s[1:] if s else s
    return s


_CENTRAL = re.compile(r"^(?:Chính phủ|Thủ tướng Chính phủ|Văn phòng Chính phủ|Quốc hội|Ủy ban Thường vụ Quốc hội|Thanh tra Chính phủ|Kiểm toán Nhà nước|Ngân hàng Nhà nước(?: Việt Nam)?|Bộ Chính trị|Ban Bí thư|Ban Chấp hành Trung ương|Tòa án nhân dân tối cao|Viện kiểm sát nhân dân tối cao|Ủy ban Trung ương Mặt trận|Bảo hiểm xã hội Việt Nam)\b")


def agency_kind(name: str) -> str:
    if _CENTRAL.match(name):
        return "central"
    if re.match(r"^Bộ\s+(?!Chỉ huy|phận)", name):
        return "bo"
    if re.match(r"^(?:Các|Những)\s|^(?:Sở, ban, ngành|Sở, ngành|Cơ quan, đơn vị|Đơn vị|Cơ quan|Địa phương)\b|liên quan$", name):
        return "group"
    if name.startswith("Sở "):
        return "so"
    if re.match(r"^(?:UBND|Chủ tịch UBND)", name):
        return "ubnd"
    if name.startswith("HĐND"):
        return "hdnd"
    if re.match(r"^(?:Tỉnh ủy|Tỉnh uỷ|Thành ủy|Ban Thường vụ|Đảng ủy|Ban Tuyên giáo|Ban Tổ chức|Ban Dân vận)", name):
        return "party"
    if re.match(r"^(?:Mặt trận|Ủy ban Mặt trận|Hội|Đoàn|Tỉnh đoàn|Liên đoàn)", name):
        return "mass_org"
    return "other"


def agency_id(name: str, province: Optional[str]) -> str:
    scope = re.sub(r"[^a-z0-9]+", "-", search_key(province)).strip("-") if province else "vn"
    slug = re.sub(r"[^a-z0-9]+", "-", search_key(fold_tones(name))).strip("-")
    return f"{scope}/{slug}"[:160]


def resolve_agency(name: str, doc_province: Optional[str]) -> Agency:
    canon = canonical_name(name)
    kind = agency_kind(canon)
    province = None if kind in ("central", "bo") or not doc_province else doc_province
    return Agency(id=agency_id(canon, province), name=canon, kind=kind, province=province,
                  aliases=tuple(sorted({name} - {canon})))

"""Document numbers (số hiệu): recognise, normalise, classify.

Forms: 61/2018/NĐ-CP, 06/QĐ-TTg, 131/KH-UBND, 45/2019/QH14, 595/NQ-UBTVQH15,
3759/BNV-CCHC, 09/2008/NQLT-CP-UBTUMTTQVN, Party 18-NQ/TW, 49-CTr/TU …
Stray spaces, dash variants and line breaks inside a number are tolerated.
"""
from __future__ import annotations

import re
from typing import Optional

_DASH = r"[-–—‐‑]"
_SEG = r"[A-ZĐ][A-Za-zĐđ&]*\d*"            # NĐ, CP, TTg, UBND, QH14, BTTTT, CTr, TT&TT
_CODE = _SEG + r"(?:[ \t]*" + _DASH + r"[ \t\n]*" + _SEG + r")*"
# state number: 61/2018/NĐ-CP, 45 /QĐ-UBND, 1234/QĐ-\nUBND
# Both start with "(?=\d)": the scanner then rejects a non-digit position in
# one test instead of trying three look-behinds first (3x faster on real pages).
STATE_RE = re.compile(
    r"(?=\d)((?:(?<=số)|(?<=Số)|(?<![\w/.,\-–]))\d\d{0,4}(?:\.\d{1,3})?[a-z]?)[ \t]*/[ \t]*(?:((?:19|20)\d{2})[ \t]*/[ \t]*)?"
    r"(" + _CODE + r")(?![\w])")
# Party and mass-organisation numbers: 18-NQ/TW, 49-CTr/TU, 402-CV/VPĐU,
# 02-KH/BCĐTW, 459-KHHĐ/TU, 15000-CV/VPTW — "number-type/issuer".
PARTY_RE = re.compile(
    r"(?=\d)((?:(?<=số)|(?<=Số)|(?<![\w/.,]))\d\d{0,4})[ \t]*" + _DASH + r"[ \t]*([A-ZĐ][A-Za-zĐđ]{0,5})[ \t]*/[ \t]*"
    r"([A-ZĐ][A-ZĐ]{1,11}\d{0,4})(?![\w])")

# Code component → document type (first matching component wins).
CODE_TYPES = [
    ("NĐ", "Nghị định"), ("ND", "Nghị định"), ("QĐ", "Quyết định"), ("QD", "Quyết định"),
    ("NQLT", "Nghị quyết liên tịch"), ("TTLT", "Thông tư liên tịch"),
    ("NQ", "Nghị quyết"), ("KHHĐ", "Kế hoạch"), ("CTHĐ", "Chương trình"), ("TT", "Thông tư"), ("KH", "Kế hoạch"), ("CT", "Chỉ thị"),
    ("CĐ", "Công điện"), ("CD", "Công điện"), ("CTr", "Chương trình"), ("KL", "Kết luận"),
    ("TB", "Thông báo"), ("HD", "Hướng dẫn"), ("BC", "Báo cáo"), ("TTr", "Tờ trình"),
    ("L", "Luật"), ("PL", "Pháp lệnh"), ("QC", "Quy chế"), ("ĐA", "Đề án"), ("CV", "Công văn"),
    ("UBTVQH", "Nghị quyết"),
]
_TYPE_BY_CODE = dict(CODE_TYPES)
CENTRAL_ISSUERS = {
    "CP": "Chính phủ", "TTg": "Thủ tướng Chính phủ", "VPCP": "Văn phòng Chính phủ",
    "QH": "Quốc hội", "UBTVQH": "Ủy ban Thường vụ Quốc hội", "CTN": "Chủ tịch nước",
    "TW": "Ban Chấp hành Trung ương", "BNV": "Bộ Nội vụ", "BTP": "Bộ Tư pháp",
    "BTC": "Bộ Tài chính", "BKHĐT": "Bộ Kế hoạch và Đầu tư", "BTTTT": "Bộ Thông tin và Truyền thông",
    "BCA": "Bộ Công an", "BQP": "Bộ Quốc phòng", "BYT": "Bộ Y tế", "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "BTNMT": "Bộ Tài nguyên và Môi trường", "BXD": "Bộ Xây dựng", "BCT": "Bộ Công Thương",
    "BNNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn", "BLĐTBXH": "Bộ Lao động - Thương binh và Xã hội",
    "BGTVT": "Bộ Giao thông vận tải", "BKHCN": "Bộ Khoa học và Công nghệ", "BVHTTDL": "Bộ Văn hóa, Thể thao và Du lịch",
    "NHNN": "Ngân hàng Nhà nước Việt Nam", "TTCP": "Thanh tra Chính phủ", "BNG": "Bộ Ngoại giao",
    "UBTƯMTTQVN": "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam", "UBTUMTTQVN": "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
}
# Codes typed without the letter Đ (web pages, ASCII keyboards) → the official spelling.
_ASCII_CODES = {"TTG": "TTg", "CTR": "CTr", "TTR": "TTr", "CD": "CĐ", "QD": "QĐ", "ND": "NĐ", "HDND": "HĐND", "DU": "ĐU", "BCD": "BCĐ", "KHDT": "KHĐT",
                "GDDT": "GDĐT", "BKHDT": "BKHĐT", "BGDDT": "BGDĐT", "BLDTBXH": "BLĐTBXH"}


def normalise_number(raw: str) -> str:
    """'45 /QĐ-UBND' → '45/QĐ-UBND'; 'TT- BNV' → 'TT-BNV'; '–' → '-'; '209/CD-TTg' → '209/CĐ-TTg'."""
    s = re.sub(r"\s+", "", raw)
    s = re.sub(r"[–—‐‑]", "-", s)
    head, sep, code = s.rpartition("/")
    if sep and not _PARTY_HEAD_RE.match(s):
        code = "-".join(_ASCII_CODES.get(p, p) for p in code.split("-"))
        m = _GLUED_RE.match(code) if "-" not in code and head.count("/") == 1 else None
        if m and _issuer_like(m.group(2)):
            code = m.group(1) + "-" + m.group(2)        # 118/2025/NĐCP → NĐ-CP, 21/2025/TTBYT → TT-BYT
        s = head + sep + code
    return s


_GLUED_RE = re.compile(r"^(NĐ|QĐ|NQ|TT|CT|KH)([A-ZĐ][A-Za-zĐ]{1,9})$")


def _issuer_like(code: str) -> bool:
    return code in CENTRAL_ISSUERS or code.startswith(("B", "UBND", "HĐND", "S"))


_PARTY_HEAD_RE = re.compile(r"^\d+-")
# a committee's letter code ending in the legislature's number: 1691/UBDNGS15
_LEGISLATURE_CODE_RE = re.compile(r"^[A-ZĐ]{4,}1\d$")


def code_parts(number: str) -> list[str]:
    if _PARTY_HEAD_RE.match(number):            # Party: 18-NQ/TW
        head, _, org = number.partition("/")
        return [head.split("-", 1)[1], org]
    parts = number.split("/")
    code = parts[-1]
    return code.split("-")


def is_party(number: str) -> bool:
    return bool(re.match(r"^\d+-[A-Za-z]+/", number))


def type_from_number(number: str) -> Optional[str]:
    parts = code_parts(number)
    for p in parts[:1]:
        if p in _TYPE_BY_CODE:
            return _TYPE_BY_CODE[p]
        m = re.match(r"^(QH|UBTVQH)\d*$", p)
        if m:
            return "Luật" if p.startswith("QH") and len(number.split("/")) == 3 else "Nghị quyết"
    if len(parts) >= 1 and re.match(r"^QH\d+$", parts[0]):
        return "Luật"
    # code without a type component (3759/BNV-CCHC): an official letter
    if parts and not any(p in _TYPE_BY_CODE for p in parts):
        return "Công văn"
    for p in parts:
        if p in _TYPE_BY_CODE:
            return _TYPE_BY_CODE[p]
    return None


def issuer_code(number: str) -> Optional[str]:
    parts = code_parts(number)
    if is_party(number):
        return parts[-1]
    if len(parts) == 1:
        return re.sub(r"\d+$", "", parts[0]) or None
    if parts[0] in _TYPE_BY_CODE:
        return parts[1]
    return parts[0]


def is_local(number: str) -> bool:
    """Local documents are scoped by province (131/KH-UBND exists in every province)."""
    code = issuer_code(number) or ""
    if is_party(number):
        return code != "TW" and not code.endswith("TW")
    if code in CENTRAL_ISSUERS or re.match(r"^(QH|UBTVQH)\d*$", code):
        return False
    if re.match(r"^B[A-ZĐ]", code) and code not in ("BCĐ",):
        return False        # ministries: BNV, BTTTT, BKHĐT …
    return True


def central_issuer(number: str) -> Optional[str]:
    code = issuer_code(number) or ""
    code = re.sub(r"\d+$", "", code) if code.startswith(("QH", "UBTVQH")) else code
    if code in CENTRAL_ISSUERS:
        return CENTRAL_ISSUERS[code]
    for p in code_parts(number):
        if p in CENTRAL_ISSUERS:
            return CENTRAL_ISSUERS[p]
    return None


def find_numbers(text: str):
    """Yield (start, end, normalised number) for every number in ``text``."""
    hits = []
    for m in PARTY_RE.finditer(text):
        hits.append((m.start(), m.end(), normalise_number(m.group(0))))
    taken = [(s, e) for s, e, _ in hits]
    for m in STATE_RE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        code = m.group(3)
        code_n = normalise_number(code)
        # a code must carry at least one real component of 2+ letters ("KH", "NĐ")
        if not re.search(r"[A-ZĐ][A-Za-zĐđ]", code_n):
            continue
        end = m.end()
        # "Đề án 06/CP": a one-part code without a type or a year is a nickname
        if m.group(2) is None and "-" not in code_n and not re.match(r"^(QH|UBTVQH)\d+$", code_n) \
                and code_n not in ("CP", "TTg") or (m.group(2) is None and code_n in ("CP", "TTg")):
            if code_n not in _TYPE_BY_CODE and not _LEGISLATURE_CODE_RE.match(code_n):
                continue
        # trailing '-' of a code broken at a line end with nothing after it
        num = normalise_number(m.group(0)).rstrip("-")
        seq = m.group(1)
        if seq.isdigit() and int(seq) == 0:
            continue
        if "." in seq and m.group(2) is None:
            continue        # "66.2/2025/NQ-CP" carries its year; "1.2/KH" is a clause, not a number
        if seq[:1] == "0" and "." in seq:
            continue
        hits.append((m.start(), end, num))
    hits.sort()
    return hits

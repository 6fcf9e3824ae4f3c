"""Search-side text normalisation: syllables, bigrams, abbreviations.

Diacritic-insensitive ("ai chu tri" = "ai chủ trì"), tone-placement-insensitive
("hoá" = "hóa") and abbreviation-aware ("TTHC" = "thủ tục hành chính").
"""
from __future__ import annotations

import re

from kg.vntext import fold_tones, search_key

# Abbreviation → expansion (both are indexed/queried, so either form matches).
ABBREVIATIONS = {
    "tthc": "thủ tục hành chính", "cchc": "cải cách hành chính", "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân", "hdnd": "hội đồng nhân dân", "qppl": "quy phạm pháp luật",
    "vbqppl": "văn bản quy phạm pháp luật", "csdl": "cơ sở dữ liệu", "đvsn": "đơn vị sự nghiệp",
    "dvsn": "đơn vị sự nghiệp", "sncl": "sự nghiệp công lập", "hcc": "hành chính công",
    "dvc": "dịch vụ công", "bhxh": "bảo hiểm xã hội", "bhyt": "bảo hiểm y tế",
    "tt&tt": "thông tin và truyền thông", "tttt": "thông tin và truyền thông",
    "kh&đt": "kế hoạch và đầu tư", "khđt": "kế hoạch và đầu tư", "gd&đt": "giáo dục và đào tạo",
    "tn&mt": "tài nguyên và môi trường", "kh&cn": "khoa học và công nghệ", "vp": "văn phòng",
    "cntt": "công nghệ thông tin", "mttq": "mặt trận tổ quốc", "lgsp": "nền tảng tích hợp chia sẻ dữ liệu",
    "papi": "chỉ số hiệu quả quản trị và hành chính công", "sipas": "chỉ số hài lòng",
    "par": "chỉ số cải cách hành chính", "ttđt": "thông tin điện tử", "ttdt": "thông tin điện tử",
    "nđ": "nghị định", "qđ": "quyết định", "kh": "kế hoạch", "nq": "nghị quyết", "ct": "chỉ thị",
}
_ABBR_RE = re.compile(r"(?<![\w&])(" + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True)) + r")(?![\w&])", re.I)
_TOKEN_RE = re.compile(r"[a-z0-9]+")


def expand_abbreviations(text: str) -> str:
    return _ABBR_RE.sub(lambda m: m.group(0) + " " + ABBREVIATIONS[m.group(0).lower()], text)


def syllables(text: str) -> list[str]:
    return _TOKEN_RE.findall(search_key(fold_tones(expand_abbreviations(text))))


def tokens(text: str) -> list[str]:
    """Syllables plus syllable bigrams (Vietnamese words are mostly two syllables)."""
    s = syllables(text)
    return s + [f"{a}_{b}" for a, b in zip(s, s[1:])]

"""Vietnamese provinces (63 before the 2025 merger, plus post-merger names) with
diacritic-insensitive lookup so spelling slips ("Vinh Phúc") still resolve."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from .vntext import search_key

PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre",
    "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cần Thơ", "Cao Bằng",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
    "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên",
    "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Huế", "Tiền Giang",
    "Thành phố Hồ Chí Minh", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)
# centrally governed cities: their People's Committee is "UBND thành phố …"
CITIES = frozenset({"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Thành phố Hồ Chí Minh", "Huế"})
_ALIASES = {
    "tp hcm": "Thành phố Hồ Chí Minh", "tp. hcm": "Thành phố Hồ Chí Minh",
    "ho chi minh": "Thành phố Hồ Chí Minh", "tp ho chi minh": "Thành phố Hồ Chí Minh",
    "ba ria vung tau": "Bà Rịa - Vũng Tàu", "ba ria-vung tau": "Bà Rịa - Vũng Tàu",
    "dak lak": "Đắk Lắk", "dac lac": "Đắk Lắk", "dak nong": "Đắk Nông", "bac can": "Bắc Kạn",
    "thua thien - hue": "Thừa Thiên Huế", "thua thien hue": "Thừa Thiên Huế",
}


def local_issuer(kind: str, province: str) -> str:
    """'UBND tỉnh Nghệ An', 'HĐND thành phố Cần Thơ': the six centrally governed
    cities are 'thành phố' (Thành phố Hồ Chí Minh carries it in its name)."""
    if province.lower().startswith("thành phố"):
        return f"{kind} {province}"
    return f"{kind} {'thành phố' if province in CITIES else 'tỉnh'} {province}"


def _k(s: str) -> str:
    return re.sub(r"[\s\-.]+", " ", search_key(s)).strip()


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    t = {_k(p): p for p in PROVINCES}
    t.update({_k(a): p for a, p in _ALIASES.items()})
    return t


def province_pattern() -> re.Pattern:
    """Regex (on search_key text) matching any province name; longest first."""
    keys = sorted(_table(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(k).replace(r"\ ", r"[\s\-.]+") for k in keys) + r")\b")


def canonical_province(name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    key = _k(name)
    key = re.sub(r"^(tinh|thanh pho|tp)\s+", "", key)
    return _table().get(key)


@lru_cache(maxsize=1)
def province_initials() -> dict[str, str]:
    """Initials officials write for a province ("TG" Tiền Giang, "VP" Vĩnh
    Phúc, "BRVT"), folded ("ĐN" → "DN"): only those one province has, so
    "HN" (Hà Nội, Hà Nam) and "DN" (Đà Nẵng, Đồng Nai, Đắk Nông) name none."""
    seen: dict[str, set[str]] = {}
    for p in PROVINCES:
        words = _k(p).split()
        if words[:2] == ["thanh", "pho"]:
            words = words[2:]
        if len(words) >= 2:
            seen.setdefault("".join(w[0] for w in words).upper(), set()).add(p)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


@lru_cache(maxsize=1)
def _pat():
    return province_pattern()


def find_province(text: str) -> Optional[str]:
    """First province named in ``text`` (any spelling of diacritics)."""
    m = _pat().search(_k(text))
    return _table()[re.sub(r"[\s\-.]+", " ", m.group(1))] if m else None

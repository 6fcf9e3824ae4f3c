"""Legacy Vietnamese 8-bit encodings: TCVN3 (ABC, ".VnTime" fonts) and VNI
(VNI-Windows, "VNI-Times" fonts) → Unicode NFC.

Both were typed with ordinary Windows code pages, so a file (or a Word run)
arrives as Latin-1 characters: "Uû ban nh©n d©n" (TCVN3) or "UÛy ban nhaân
daân" (VNI).  TCVN3 is one byte per letter; VNI writes a base vowel followed
by a mark character.  In TCVN3 *capitals* fonts (.VnTimeH, .VnArialH, …) the
lower-case codes are drawn as capitals, so a run in such a font is
upper-cased after decoding.

Detection compares how many common Vietnamese words the text holds before and
after each conversion; nothing is converted unless a conversion clearly wins.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

# ----------------------------------------------------------------- TCVN3 ----
# Byte value (as a Latin-1 character) → Unicode.  Only capitals without tone
# marks have their own codes (0xA1–0xA7); toned capitals use a capitals font.
_TCVN3_PAIRS = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
_TCVN3 = {k: v for k, v in _TCVN3_PAIRS.items()}

# ------------------------------------------------------------------- VNI ----
# A base vowel followed by one mark character.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_VNI_MARKS = {
    "ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT,
    "â": _CIRC, "á": _CIRC + _ACUTE, "à": _CIRC + _GRAVE, "å": _CIRC + _HOOK, "ã": _CIRC + _TILDE,
    "ä": _CIRC + _DOT,
    "ê": _BREVE, "é": _BREVE + _ACUTE, "è": _BREVE + _GRAVE, "ú": _BREVE + _HOOK, "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
}
_VNI_MARKS.update({k.upper(): v for k, v in list(_VNI_MARKS.items())})
# Letters with their own code (ơ ư đ, and i/y with a tone).
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}
_VNI_SINGLE.update({k.upper(): v.upper() for k, v in list(_VNI_SINGLE.items())})
_TONE_MARKS = "ùøûõïÙØÛÕÏ"
_VNI_RE = re.compile(
    "([aeouyAEOUY])([" + "".join(_VNI_MARKS) + "])"      # vowel + mark
    "|([ôöÔÖ])([" + _TONE_MARKS + "])"                    # ơ/ư + tone
    "|([" + "".join(_VNI_SINGLE) + "])")


def _vni_sub(m: re.Match) -> str:
    if m.group(1):
        base, mark = m.group(1), _VNI_MARKS[m.group(2)]
        if mark.startswith((_CIRC, _BREVE)) and base.lower() not in ("a", "e", "o"):
            return m.group(0)          # no circumflex/breve on u, y: not VNI
        if mark.startswith(_BREVE) and base.lower() != "a":
            return m.group(0)
        return unicodedata.normalize("NFC", base + mark)
    if m.group(3):
        return unicodedata.normalize("NFC", _VNI_SINGLE[m.group(3)] + _VNI_MARKS[m.group(4)])
    return _VNI_SINGLE[m.group(5)]


def tcvn3_to_unicode(text: str, capitals: bool = False) -> str:
    out = text.translate(_TCVN3)
    if capitals:
        out = out.upper()
    return unicodedata.normalize("NFC", out)


def vni_to_unicode(text: str) -> str:
    return unicodedata.normalize("NFC", _VNI_RE.sub(_vni_sub, text))


# ------------------------------------------------------------ detection ----
_COMMON = frozenset(
    "của và các được những trong người nhân dân thực hiện theo về có năm tỉnh quyết định "
    "ủy uỷ ban đến với cho này để trên đồng không đã là một số tổ chức quản lý nhà nước "
    "kế hoạch thành phố sở phòng công tác triển khai cơ quan đơn vị địa phương".split())
_WORD_RE = re.compile(r"\w+")
# Characters that mark legacy mojibake: Latin-1 letters and symbols that do not
# occur in Vietnamese Unicode text.
_LATIN1_NOISE = re.compile(r"[\u00a1-\u00bf\u00c6\u00c7\u00cb\u00ce\u00cf\u00d1\u00d6-\u00d8\u00db\u00dc\u00de"
                           r"\u00df\u00e4-\u00e7\u00eb\u00ee\u00ef\u00f1\u00f6-\u00f8\u00fb\u00fc\u00fe]")


def _score(text: str) -> int:
    return sum(1 for w in _WORD_RE.findall(text[:200000].lower()) if w in _COMMON)


def detect(text: str) -> Optional[str]:
    """'tcvn3', 'vni' or None (already Unicode or not Vietnamese)."""
    sample = text[:200000]
    noise = len(_LATIN1_NOISE.findall(sample))
    if noise < 3 or noise < len(sample) // 400:
        return None
    base = _score(sample)
    best, best_score = None, base
    for name, fn in (("tcvn3", tcvn3_to_unicode), ("vni", vni_to_unicode)):
        s = _score(fn(sample))
        if s > best_score:
            best, best_score = name, s
    if best and best_score >= max(3, 2 * base + 2):
        return best
    return None


def fix_legacy(text: str) -> tuple[str, Optional[str]]:
    """Convert TCVN3/VNI mojibake to Unicode NFC; returns (text, encoding or None)."""
    enc = detect(text)
    if enc == "tcvn3":
        return tcvn3_to_unicode(text), enc
    if enc == "vni":
        return vni_to_unicode(text), enc
    return text, None


# ---------------------------------------------------------------- fonts ----
_TCVN3_FONT_RE = re.compile(r"^\.?vn[a-z0-9 ]", re.I)          # .VnTime, .VnArial, .VnTimeH, VnTime
_VNI_FONT_RE = re.compile(r"^vni[- ]", re.I)                     # VNI-Times, VNI-Helve


def font_encoding(font: Optional[str]) -> Optional[str]:
    """Encoding implied by a font name: 'tcvn3', 'tcvn3-caps', 'vni' or None."""
    if not font:
        return None
    f = font.strip()
    if _VNI_FONT_RE.match(f):
        return "vni"
    if _TCVN3_FONT_RE.match(f) and f.startswith("."):
        # capitals fonts end in H (.VnTimeH, .VnArialH, .VnAvantH, .VnBlackH)
        return "tcvn3-caps" if f.rstrip().endswith("H") else "tcvn3"
    return None


def convert_run(text: str, encoding: Optional[str]) -> str:
    if encoding == "tcvn3":
        return tcvn3_to_unicode(text)
    if encoding == "tcvn3-caps":
        return tcvn3_to_unicode(text, capitals=True)
    if encoding == "vni":
        return vni_to_unicode(text)
    return text

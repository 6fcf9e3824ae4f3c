"""The one normalisation module for Vietnamese keys: NFC, tone-placement
folding (hoá = hóa), diacritic stripping (đ → d), same-length folds for
highlighting and span-preserving matching, and abbreviations (TTHC ↔ thủ tục
hành chính).

Display text is always kept as written (NFC); these functions build *keys* for
comparison and search.  Every other module (extraction, search, RDF, web) folds
text with these functions and defines none of its own.
"""
from __future__ import annotations

import re
import unicodedata

# Old-style ("hoá", "thuỷ") vs new-style ("hóa", "thủy") tone placement.  We fold
# both to the new style by moving a tone mark that sits on the second vowel of
# oa/oe/uy (with nothing after it) onto the first vowel.
_TONES = "\u0301\u0300\u0309\u0303\u0323"  # sắc huyền hỏi ngã nặng



def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _build_strip_table() -> dict[int, object]:
    table: dict[int, object] = {ord("đ"): "d", ord("Đ"): "D"}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base != ch and len(base) == 1:
            table[cp] = base
    for cp in range(0x0300, 0x0370):
        table[cp] = None          # stray combining marks (NFD input)
    return table


_DIACRITICS = _build_strip_table()
# the same table as a list indexed by code point (str.translate indexes a
# list several times faster than it looks up a dict); code points past its
# end raise IndexError, which str.translate takes as "unchanged"
_DIACRITICS_LIST: list = list(range(0x3000))
for _cp, _to in _DIACRITICS.items():
    _DIACRITICS_LIST[_cp] = _to


def strip_diacritics(text: str) -> str:
    """'Sở Nội vụ' -> 'So Noi vu' (keeps case); one table lookup per character."""
    return text.translate(_DIACRITICS_LIST)


_SYLLABLE_RE = re.compile(r"\w+", re.UNICODE)
_OLD_PAIRS = ("oa", "oe", "uy")


def _fold_syllable(syl: str) -> str:
    """Move a tone mark from the second to the first vowel of a final oa/oe/uy.

    'hoá' -> 'hóa', 'thuỷ' -> 'thủy', 'khoẻ' -> 'khỏe'; 'hoàng', 'quyết' untouched
    (a consonant follows the pair, where both conventions agree).
    """
    d = unicodedata.normalize("NFD", syl.lower())
    base = "".join(c for c in d if not unicodedata.combining(c))
    tone = next((c for c in d if c in _TONES), None)
    if not tone or len(base) < 2:
        return unicodedata.normalize("NFC", d)
    tail = base[-2:]
    if tail not in _OLD_PAIRS or (tail == "uy" and base.endswith("quy")):
        return unicodedata.normalize("NFC", d)
    # rebuild: strip the tone, put it after the first vowel of the pair
    no_tone = "".join(c for c in d if c not in _TONES)
    chars = list(unicodedata.normalize("NFD", no_tone))
    # index of the first vowel of the final pair within the NFD char list
    idx = len(chars) - 1
    seen = 0
    while idx >= 0:
        if not unicodedata.combining(chars[idx]):
            seen += 1
            if seen == 2:
                break
        idx -= 1
    # skip combining marks already attached to that vowel (e.g. none for o/u)
    ins = idx + 1
    while ins < len(chars) and unicodedata.combining(chars[ins]):
        ins += 1
    chars.insert(ins, tone)
    return unicodedata.normalize("NFC", "".join(chars))


def fold_tones(text: str) -> str:
    """Lowercase + NFC + new-style tone placement, syllable by syllable."""
    text = nfc(text).lower()
    return _SYLLABLE_RE.sub(lambda m: _fold_syllable(m.group(0)), text)


def search_key(text: str) -> str:
    """Key for diacritic- and tone-placement-insensitive matching."""
    return strip_diacritics(nfc(text)).lower()


# a letter only Vietnamese writes (a vowel with a mark, or đ): accented Vietnamese, not English or typed unaccented
_VI_MARK = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)


def has_marks(text: str) -> bool:
    """True when ``text`` holds a Vietnamese letter with a mark ("số hóa", "Đà"), False for "so hoa"."""
    return _VI_MARK.search(text) is not None


_SPACES_RE = re.compile(r"\s+")


def compact_spaces(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip()


def name_key(text: str) -> str:
    """Key for matching names: folded tones, single spaces, no trailing punctuation."""
    return compact_spaces(fold_tones(text)).strip(" .;:,-")


def norm_name(text: str) -> str:
    """Key for matching organisation names across spellings: accent-free,
    tone-placement-free, lower-case, single spaces."""
    return re.sub(r"\s+", " ", search_key(fold_tones(text))).strip()


# ----------------------------------------------- same-length folds (spans) --

def _fold_char(c: str) -> str:
    """One character → its base letter, lower-case (always one char)."""
    if c in "đĐ":
        return "d"
    d = unicodedata.normalize("NFD", c)
    base = d[0] if d else c
    low = base.lower()
    return low if len(low) == 1 else base


def _lower_char(c: str) -> str:
    low = c.lower()
    return low if len(low) == 1 else c


def fold(text: str) -> str:
    """Diacritic-free lower-case key with exactly one char per input char, so
    offsets found in the key are offsets in the text."""
    return "".join(_fold_char(c) for c in text)


def lower(text: str) -> str:
    """Lower case with exactly one char per input char."""
    return "".join(_lower_char(c) for c in text)


def fold_keep_length(text: str) -> str:
    """``strip_diacritics`` + lower, one char per char even for compatibility
    characters (folded one by one, a character that folds to nothing → space)."""
    f = strip_diacritics(text).lower()
    if len(f) != len(text):
        f = "".join((strip_diacritics(c).lower() or " ")[:1] for c in text)
    return f


def tone_fold_keep_length(text: str) -> str:
    """New-style tone placement, lower case, one char per char (syllable-wise)."""
    def fix(m):
        f = fold_tones(m.group(0))
        return f if len(f) == len(m.group(0)) else m.group(0).lower()
    return _SYLLABLE_RE.sub(fix, text)


# ------------------------------------------------------------ abbreviations --

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
_ABBR_RE = re.compile(r"(?<![\w&])(" + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True))
                      + r")(?![\w&])", re.I)


def expand_abbreviations(text: str) -> str:
    """'số hóa TTHC' → 'số hóa TTHC thủ tục hành chính' (the abbreviation is kept)."""
    return _ABBR_RE.sub(lambda m: m.group(0) + " " + ABBREVIATIONS[m.group(0).lower()], text)

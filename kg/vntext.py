"""Vietnamese text helpers: NFC, tone-placement folding, diacritic stripping.

Display text is always kept as written (NFC); these functions build *keys* for
comparison and search.
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


_SPACES_RE = re.compile(r"\s+")


def compact_spaces(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip()


def name_key(text: str) -> str:
    """Key for matching names: folded tones, single spaces, no trailing punctuation."""
    return compact_spaces(fold_tones(text)).strip(" .;:,-")

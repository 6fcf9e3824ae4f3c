"""Search-side tokens: syllables and syllable bigrams of normalised text.

Diacritic-insensitive ("ai chu tri" = "ai chủ trì"), tone-placement-insensitive
("hoá" = "hóa") and abbreviation-aware ("TTHC" = "thủ tục hành chính"); the
normalisation itself is ``kg.vntext``'s.
"""
from __future__ import annotations

import re
from typing import Optional

from kg.vntext import expand_abbreviations, fold_tones, search_key

_TOKEN_RE = re.compile(r"[a-z0-9]+")
# how people ask, folded ("Xin hỏi", "Làm ơn cho biết", "Cho tôi xem", "Tìm giúp"): never a topic, title or
# task word
REQUEST_WORDS = frozenset("""xin hoi cho biet lam on vui long toi minh em chau giup tim xem tra cuu mo doc hay
can muon dang""".split())
_WORD_RE = re.compile(r"\w+")


def new_tones(text: str) -> str:
    """``text`` with new-style tone placement ("hoá" → "hóa"), case and
    everything else kept: what e5 reads must not depend on the placement
    (the BM25 tokens are folded already)."""
    def one(m: re.Match) -> str:
        w = m.group(0)
        f = fold_tones(w)
        if f == w.lower():
            return w
        return f.upper() if w.isupper() and len(w) > 1 else (f[0].upper() + f[1:] if w[0].isupper() else f)
    return _WORD_RE.sub(one, text)


def syllables(text: str) -> list[str]:
    return _TOKEN_RE.findall(search_key(fold_tones(expand_abbreviations(text))))


def tokens(text: str) -> list[str]:
    """Syllables plus syllable bigrams (Vietnamese words are mostly two syllables)."""
    s = syllables(text)
    return s + [f"{a}_{b}" for a, b in zip(s, s[1:])]


# Vietnamese numerals written as words, as lay questions write them ("giảm chừng năm phần trăm", "hai trăm bốn
# mươi bài", "chín phần mười"); the rows write digits ("5%", "240", "90%"). Keys are accent-folded, so "mười" and
# "mươi" are both "muoi": after a digit word it multiplies, alone it is ten.
_DIGITS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9}
_LAST_DIGITS = {**_DIGITS, "lam": 5}                # "mười lăm"; "hai mươi mốt": "mốt" folds to "mot", in _DIGITS
# nouns a lone digit word numbers ("lớp ba" = grade 3, "quý tư" = Q4, "nhóm năm"); not "tháng" ("tháng năm 2024")
_COUNTER_NOUNS = {"lop", "khoi", "quy", "tang", "khoa", "nhom", "hang", "top"}
_NUMBER_WORD = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)?")


def _tens(keys: list[str], j: int) -> Optional[tuple[int, int]]:
    """"D mươi [D]" or "mười [D]" at keys[j]: (value, words)."""
    if j + 1 < len(keys) and keys[j] in _DIGITS and keys[j + 1] == "muoi":
        value, n = _DIGITS[keys[j]] * 10, 2
    elif j < len(keys) and keys[j] == "muoi":
        value, n = 10, 1
    else:
        return None
    if j + n < len(keys) and keys[j + n] in _LAST_DIGITS:
        value, n = value + _LAST_DIGITS[keys[j + n]], n + 1
    return value, n


def _numeral(keys: list[str], i: int) -> tuple[int, int, bool]:
    """(value, words, compound) of the numeral at keys[i]; (0, 0, False) when there is none.
    numeral := D [trăm [linh|lẻ D | tens]] | tens"""
    t = _tens(keys, i)
    if t:
        return t[0], t[1], True
    if keys[i] not in _DIGITS:
        return 0, 0, False
    d = _DIGITS[keys[i]]
    if i + 1 < len(keys) and keys[i + 1] == "tram":
        if i + 3 < len(keys) and keys[i + 2] in ("linh", "le") and keys[i + 3] in _LAST_DIGITS:
            return d * 100 + _LAST_DIGITS[keys[i + 3]], 4, True
        t = _tens(keys, i + 2)
        return (d * 100 + t[0], 2 + t[1], True) if t else (d * 100, 2, True)
    return d, 1, False


def spoken_numbers(text: str) -> str:
    """``text`` with numerals written as words turned into digits: compound ones ("hai trăm bốn mươi" → 240,
    "mười lăm" → 15) and any before "phần trăm" / "phần mười" ("năm phần trăm" → 5%, "chín phần mười" → 90%,
    "90 phần trăm" → 90%) and a lone one after a counting noun ("lớp ba" → lớp 3). Any other lone digit word
    stays a word ("hai năm một lần", "mỗi năm")."""
    words = list(_NUMBER_WORD.finditer(text))
    keys = [search_key(m.group(0)) for m in words]
    out, last, i = [], 0, 0
    while i < len(words):
        value, n, compound = _numeral(keys, i)
        if not n and re.fullmatch(r"\d+", keys[i]):
            value, n = int(keys[i]), 1
        if not n:
            i += 1
            continue
        after = keys[i + n:i + n + 2]
        share = after in (["phan", "tram"], ["phan", "muoi"])
        counted = n == 1 and i > 0 and keys[i - 1] in _COUNTER_NOUNS and not re.fullmatch(r"\d+", keys[i])
        if share or compound or counted:
            end = words[i + n + 1 if share else i + n - 1].end()
            written = f"{value * 10 if after == ['phan', 'muoi'] else value}%" if share else str(value)
            out.append(text[last:words[i].start()] + written)
            last = end
            n += 2 if share else 0
        i += n
    return "".join(out) + text[last:]

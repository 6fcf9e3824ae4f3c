"""Conservative repair of common Tesseract (Vietnamese model) misreadings in
numbers and symbols, applied to OCR lines only (never to text from a text
layer, Word or HTML).

Each rule needs a numeric or structural context, so ordinary words are not
touched:

* ``Ð``/``ð`` (Icelandic eth) for ``Đ``/``đ`` (``23-QÐ/TW``);
* ``l``, ``I``, ``i``, ``|`` read for ``1`` and ``O``/``o`` for ``0`` inside a
  token that also holds a digit (``3l`` → ``31``, ``2O25`` → ``2025``);
* a Roman-looking day or month in a date (``ngày 3 tháng II năm`` → 11);
* a comma read for the slash of a document number before its symbol
  (``171, NQ-HĐND`` → ``171/NQ-HĐND``);
* a 7 read as a slash in a number (``1/2/KH-UBND`` → ``172/KH-UBND``: the
  middle part of a number is a four-digit year, never one or two digits);
* a tick or dot read before a line's first capital (``'Số: 172``);
* the words of a date around its numbers (``ngây 18 thảng 11 nãm 2025``);
* ``Gơ quan`` → ``Cơ quan``; a quote stuck before a bullet's first word
  (``- 'Cơ quan``); a dot between two lower-case words (``quan.có``);
* a numbered item whose number was read as a letter or sign
  (``I. Tăng cường`` → ``1. Tăng cường`` when the line is not upper case,
  since Roman-numbered headings are written in capitals; ``§.`` → ``8.``).
"""
from __future__ import annotations

import re

_ETH = str.maketrans({"\u00d0": "Đ", "\u00f0": "đ"})
# a token of digits with letters that OCR confuses with digits, at least one real digit
_MIXED_RE = re.compile(r"(?<![\w/.-])(?=[lI|Oo]?\d)[\dlIi|Oo]{2,6}(?![\w])")
_ROMAN_DATE_RE = re.compile(r"\b(ngày|tháng)([ \t]+)([IlV]{1,4})(?=[ \t]+(?:tháng|năm)\b)")
_ROMAN_DIGITS = {"I": "1", "l": "1", "II": "11", "Il": "11", "lI": "11", "ll": "11", "III": "111"}
_COMMA_SLASH_RE = re.compile(r"(?<![\d,.])(\d{1,5}(?:/\d{4})?),[ \t]?(?=[A-ZĐ]{1,8}[-–][A-ZĐ])")
# '172/KH-UBND' read '1/2/KH-UBND': a number is never 'a/b/SYMBOL' with a short middle
# part (the middle is a four-digit year), so that slash was a 7
_SLASH7_RE = re.compile(r"(?<![\d/.])(\d{1,3})/(\d{1,2})(?=/[A-ZĐ]{1,8}[-–][A-ZĐ])")
# 'Gơ quan' (no such word) for 'Cơ quan'; a quote or tick stuck before a bullet's first word
_GO_RE = re.compile(r"(?<!\w)Gơ(?=[ \t]+quan\b)")
_BULLET_TICK_RE = re.compile(r"^([ \t]*[-+•][ \t]*)['‘’`´]+(?=\w)")
# a dot read between two lower-case Vietnamese words ('cơ quan.có liên quan'; not a
# web address: a word with a diacritic on one side, no other dot in the token)
_INNER_DOT_RE = re.compile(r"(?<![\w.])([a-zà-ỹđ]{2,})\.([a-zà-ỹđ]{2,})(?![\w.])")


def _inner_dot(m: re.Match) -> str:
    if m.group(1).isascii() and m.group(2).isascii():
        return m.group(0)
    return m.group(1) + " " + m.group(2)
# the words of a date misread around its numbers ('ngây 18 thảng 11 nãm 2025')
_DATE_WORDS_RE = re.compile(r"\bng[aàáảãạâầấẩẫậ]y([ \t]+\d{1,2}[ \t]+)th[aàáảãạâ]ng([ \t]+\d{1,2}[ \t]+)n[aàáảãạăằắẳẵặâầấẩẫậ]m(?=[ \t]+\d{4}\b)")
# specks read as a tick or dot before a line's first capital ("'Số: 172/KH-UBND")
_LEAD_JUNK_RE = re.compile(r"^[ \t]*['‘’`´.,:;]+[ \t]*(?=[A-ZĐÀ-ỸẠ-Ỹ])")
_ITEM_RE = re.compile(r"^([ \t]*)([I¡|l]|§)\.([ \t]+)(?=\S)")


def _mixed(m: re.Match) -> str:
    tok = m.group(0)
    if sum(c.isdigit() for c in tok) < len(tok) / 2:
        return tok
    return tok.translate(str.maketrans({"l": "1", "I": "1", "i": "1", "|": "1", "O": "0", "o": "0"}))


def _roman(m: re.Match) -> str:
    d = _ROMAN_DIGITS.get(m.group(3))
    return m.group(1) + m.group(2) + d if d else m.group(0)


def _item(m: re.Match, line: str) -> str:
    rest = line[m.end():]
    if m.group(2) != "§" and rest.upper() == rest:
        return m.group(0)                       # "I. MỤC ĐÍCH": a Roman heading
    return m.group(1) + ("8" if m.group(2) == "§" else "1") + "." + m.group(3)


def fix_line(line: str) -> str:
    """One OCR line with number/symbol misreadings repaired."""
    s = line.translate(_ETH)
    s = _MIXED_RE.sub(_mixed, s)
    s = _ROMAN_DATE_RE.sub(_roman, s)
    s = _COMMA_SLASH_RE.sub(r"\1/", s)
    s = _SLASH7_RE.sub(r"\g<1>7\2", s)
    s = _LEAD_JUNK_RE.sub("", s)
    s = _DATE_WORDS_RE.sub(r"ngày\1tháng\2năm", s)
    s = _GO_RE.sub("Cơ", s)
    s = _BULLET_TICK_RE.sub(r"\1", s)
    s = _INNER_DOT_RE.sub(_inner_dot, s)
    m = _ITEM_RE.match(s)
    if m:
        s = _item(m, s) + s[m.end():]
    return s

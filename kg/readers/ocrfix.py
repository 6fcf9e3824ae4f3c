"""Conservative repair of common Tesseract (Vietnamese model) misreadings in
numbers and symbols, applied to OCR lines only (never to text from a text
layer, Word or HTML).

Each rule needs a numeric or structural context, so ordinary words are not
touched:

* ``Ð``/``ð`` (Icelandic eth) for ``Đ``/``đ`` (``23-QÐ/TW``);
* ``l``, ``I``, ``|`` read for ``1`` and ``O``/``o`` for ``0`` inside a
  token that also holds a digit (``3l`` → ``31``, ``2O25`` → ``2025``);
* a Roman-looking day or month in a date (``ngày 3 tháng II năm`` → 11);
* a comma read for the slash of a document number before its symbol
  (``171, NQ-HĐND`` → ``171/NQ-HĐND``);
* a numbered item whose number was read as a letter or sign
  (``I. Tăng cường`` → ``1. Tăng cường`` when the line is not upper case,
  since Roman-numbered headings are written in capitals; ``§.`` → ``8.``).
"""
from __future__ import annotations

import re

_ETH = str.maketrans({"\u00d0": "Đ", "\u00f0": "đ"})
# a token of digits with letters that OCR confuses with digits, at least one real digit
_MIXED_RE = re.compile(r"(?<![\w/.-])(?=[lI|Oo]?\d)[\dlI|Oo]{2,6}(?![\w])")
_ROMAN_DATE_RE = re.compile(r"\b(ngày|tháng)([ \t]+)([IlV]{1,4})(?=[ \t]+(?:tháng|năm)\b)")
_ROMAN_DIGITS = {"I": "1", "l": "1", "II": "11", "Il": "11", "lI": "11", "ll": "11", "III": "111"}
_COMMA_SLASH_RE = re.compile(r"(?<![\d,.])(\d{1,5}(?:/\d{4})?),[ \t]?(?=[A-ZĐ]{1,8}[-–][A-ZĐ])")
_ITEM_RE = re.compile(r"^([ \t]*)([I¡|l]|§)\.([ \t]+)(?=\S)")


def _mixed(m: re.Match) -> str:
    tok = m.group(0)
    if sum(c.isdigit() for c in tok) < len(tok) / 2:
        return tok
    return tok.translate(str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "o": "0"}))


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
    m = _ITEM_RE.match(s)
    if m:
        s = _item(m, s) + s[m.end():]
    return s

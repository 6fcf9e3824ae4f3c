"""What a question names: a document reference, agencies, a deadline period.

The finders read the question on its diacritic-free key (``search.glossary.vi_key``,
same length as the text, so every span points back into the question) and
return typed references; ``search.route`` decides what kind of question it is
from them.

* ``find_document``: a full number ("61/2018/NĐ-CP", "61/2018/nd-cp", "19-nq/tw"),
  a type and serial ("Kế hoạch 319", "QĐ2704-UBND", "decision No. 2704"), a bare
  "N/YYYY", or "văn bản số 2866 năm 2021";
* ``find_agencies``: the glossary's agency names and aliases, Vietnamese and
  English, with the province written after ("Sở Nội vụ tỉnh Tiền Giang") or as
  an English possessive ("Tien Giang's Department of Justice");
* ``find_period``: a deadline period ("quý IV/2023", "tháng 12/2023", "6 tháng đầu
  năm 2024", "Q4 2023", "by December 2023", "đến hạn năm 2023"); ``year_period``:
  the one lone year of a question as a period.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from kg.dates import normalise_deadline
from kg.numbers import CODE_TYPES, find_numbers, is_local, type_from_number
from kg.provinces import find_province
from kg.references import TYPE_WORDS
from kg.vntext import compact_spaces

from .glossary import agency_aliases, en_tokens, english_doc_types, find_phrases, vi_key, vi_tokens


@dataclass(frozen=True)
class DocumentRef:
    text: str                      # as written in the question
    number: Optional[str] = None   # full normalised number when written in full
    type: Optional[str] = None     # "Nghị định", "Kế hoạch" …
    serial: Optional[str] = None   # "61", "319"
    year: Optional[int] = None
    province: Optional[str] = None
    span: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class AgencyRef:
    name: str                      # canonical Vietnamese name (kg.agencies.canonical_name)
    text: str                      # as written
    province: Optional[str] = None
    span: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class Period:
    text: str
    start: str                     # ISO date
    end: str


@lru_cache(maxsize=1)
def _type_table() -> tuple[re.Pattern, dict]:
    words: dict[str, str] = {}
    for w, t in TYPE_WORDS:
        if t:
            words[compact_spaces(vi_key(w))] = t
    for code, t in CODE_TYPES:
        if len(code) >= 2:
            words.setdefault(vi_key(code), t)
    for w, t in english_doc_types():
        words.setdefault(w.lower(), t)
    alt = "|".join(re.escape(k).replace(r"\ ", r"\s+") + ("s?" if k.isascii() and len(k) > 3 else "")
                   for k in sorted(words, key=len, reverse=True))
    # "QĐ2704-UBND" as typed: the type glued to the number, the issuer's code after a dash
    rx = re.compile(r"(?<![\w])(?P<t>" + alt + r")\s*(?:(?:so|no|number|nr)\s+)?(?P<n>\d{1,5})"
                    r"(?:\s*/\s*(?P<y>(?:19|20)\d{2}))?(?:-[a-z]{2,6}(?:-[a-z]{2,6})?)?(?![\w/])")
    return rx, words


@lru_cache(maxsize=1)
def _type_before() -> re.Pattern:
    alt = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(_type_table()[1], key=len, reverse=True))
    return re.compile(r"(?<![\w])(?P<t>" + alt + r")s?\s+(?:(?:so|no|number|nr)\s+)?$")


_BARE_RE = re.compile(r"(?<![\w/])(?P<n>\d{1,4})\s*/\s*(?P<y>(?:19|20)\d{2})(?![\w/])")
_PHRASE_TYPE = re.compile(r"(?<![\w])(?P<t>luat|bo luat|phap lenh|nghi dinh|quyet dinh|nghi quyet|thong tu|chi thi"
                          r"|ke hoach|chuong trinh|de an|law|decree|decision|resolution|circular|directive|plan)"
                          r"\b(?!\s+(?:nao|gi)\b)")


def _type_of(word: str) -> Optional[str]:
    w = compact_spaces(word.lower())
    words = _type_table()[1]
    return words.get(w) or words.get(w[:-1] if w.endswith("s") else w)



def _upper_codes(q: str) -> str:
    """'61/2018/nd-cp' → '61/2018/ND-CP' (same length) so kg.numbers recognises it."""
    def up(m):
        s = m.group(0).upper()
        for a, b in (("TTG", "TTg"), ("CTR", "CTr"), ("TTR", "TTr")):
            s = re.sub(rf"(?<![A-Z]){a}(?![A-Z])", b, s)
        return s
    # '19-nq/tw', '49-ctr/tu': the party's numbers join serial and code with a hyphen
    return re.sub(r"(?<![\w/])\d{1,5}(?:\s*/\s*(?:(?:19|20)\d{2}\s*/\s*)?[a-zđ][\w&-]*|-[a-zđ]+/[a-zđ][\w&-]*)", up, q)


# "văn bản số 2866 năm 2021": a text of unnamed type by its serial (and year)
_GENERIC_REF = re.compile(r"(?<!\w)(?:van ban|tai lieu|document|text)\s+(?:(?:so|no|number)\.?\s+)?(?P<n>\d{1,5})"
                          r"(?:\s*/\s*|\s+(?:nam|of|from|in)\s+)?(?P<y>(?:19|20)\d{2})?(?![\w/])")


def find_document(q: str, key: str) -> Optional[DocumentRef]:
    hits = find_numbers(q) or find_numbers(_upper_codes(q))
    rx, _ = _type_table()
    partial = rx.search(key)
    if hits:
        s, e, number = hits[0]
        typ = type_from_number(number)
        before = _type_before().search(key[:s])
        if before:                            # "nghi dinh 45/2020/ND-CP": the type word is part of the reference
            s, typ = before.start(), typ or _type_of(before.group("t"))
        parts = number.split("/")
        serial = re.split(r"[-/]", number)[0]
        year = int(parts[1]) if len(parts) == 3 and re.fullmatch(r"(?:19|20)\d{2}", parts[1]) else None
        prov = find_province(q) if is_local(number) else None
        return DocumentRef(q[s:e], number, typ, serial, year, prov, (s, e))
    generic = None if partial else _GENERIC_REF.search(key)
    for m in ([partial] if partial else []) + ([generic] if generic else []) + list(_BARE_RE.finditer(key)):
        serial, y = m.group("n"), m.group("y")
        if "t" in m.groupdict():
            typ = _type_of(m.group("t"))
            if not y and re.fullmatch(r"(?:19|20)\d{2}", serial):
                continue                      # "kế hoạch 2024" is a year, not a number
        else:
            typ = None
            if int(serial) <= 12 or re.search(r"\b(?:thang|quy|qui|ngay)\s*$", key[:m.start()]):
                continue                      # "12/2023" is a month
        return DocumentRef(q[m.start():m.end()], None, typ, serial.lstrip("0") or serial,
                           int(y) if y else None, find_province(q), (m.start(), m.end()))
    return None


_PURPOSE_TAIL = re.compile(r"\s+(?:(?:da\s+)?(?:duoc|bi)\s+)?(?:(?:lam ra|ban hanh|xay dung|lap ra|lap|dua ra|soan ra|"
                           r"issued|made|drawn up|adopted|written)\s+)?(?:de|nham|voi muc dich|to|in order to)\s*$"
                           r"|\s+(?:da\s+)?(?:duoc|bi)\s*$|\s+(?:lam|as(?: (?:a|the|its|their))?)\s*$")


def _phrase_document(q: str, key: str, lo: int, hi: int) -> Optional[DocumentRef]:
    """A document named by type and title ('Luật Tổ chức chính quyền địa phương')."""
    m = _PHRASE_TYPE.search(key, lo, hi)
    if not m:
        return None
    # "Kế hoạch CCHC năm 2023 của Vĩnh Phúc được làm ra để [thực hiện …]": the verb phrase before the cue is not title
    tail = _PURPOSE_TAIL.search(key, m.end(), hi)
    end = tail.start() if tail else hi
    text = q[m.start():end].strip(" ?.!,;:")
    return DocumentRef(text, None, _type_of(m.group("t")), None, None, find_province(text),
                       (m.start(), m.start() + len(text)))


@lru_cache(maxsize=1)
def _agency_index() -> tuple[dict, dict, int]:
    vi, en = {}, {}
    for alias, lang, name in agency_aliases():
        toks = tuple(t for t, _, _ in (vi_tokens(alias) if lang == "vi" else en_tokens(alias)))
        (vi if lang == "vi" else en).setdefault(toks, name)
    return vi, en, max(len(k) for k in list(vi) + list(en))


def find_agencies(q: str) -> list[AgencyRef]:
    vi, en, n = _agency_index()
    found = [(s, e, name) for s, e, name, _ in find_phrases(vi_tokens(q), vi, n)]
    found += [(s, e, name) for s, e, name, _ in find_phrases(en_tokens(q), en, n)
              if not any(s < e2 and s2 < e for s2, e2, _ in found)]
    out = []
    for s, e, name in sorted(found):
        if _PLURAL_LOWER_SO.search(q[:s]) and re.match(r"s[oở]\s", q[s:e]):
            continue                          # "các sở xây dựng văn bản": departments drafting, not Sở Xây dựng
        prov = find_province(q[e:e + 40]) if re.match(r"\s*(?:tỉnh|tinh|thành phố|thanh pho|TP\.?|of)\s", q[e:]) else None
        if prov is None and _POSSESSIVE_BEFORE.search(q[:s]):
            prov = find_province(q[max(0, s - 40):s])      # "Tien Giang's Department of Justice"
        out.append(AgencyRef(name, q[s:e], prov, (s, e)))
    return out


_PLURAL_LOWER_SO = re.compile(r"(?:^|\s)(?:các|những|cac|nhung)\s+$")
_POSSESSIVE_BEFORE = re.compile(r"\w['’]s\s+(?:the\s+)?$")


_MONTHS = {m: i for i, m in enumerate("january february march april may june july august september october "
                                      "november december".split(), 1)}
_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": 4}
_PERIOD_RULES = [
    # (regex on key, function(match) → Vietnamese period text for kg.dates.normalise_deadline)
    (r"\btu\s+(?:quy|qui)\s*(?:iv|iii|ii|i|[1-4])\b.{0,20}?\b(?:den|toi)\s+(?:het\s+)?(?:quy|qui)\s*(?:iv|iii|ii|i|[1-4])"
     r"\s*(?:/|nam)?\s*(?:19|20)\d{2}", lambda m: re.sub(r"\s+((?:19|20)\d{2})$", r"/\1", m.group(0))),
    # a span of months: "từ tháng 5 đến tháng 11/2023", "between May and November 2023"
    (r"\btu\s+thang\s*(\d{1,2})\s*(?:/\s*((?:19|20)\d{2}))?\s*(?:den|toi|-)\s*(?:het\s+)?thang\s*(\d{1,2})"
     r"\s*(?:/|nam)?\s*((?:19|20)\d{2})",
     lambda m: f"tu thang {m.group(1)}/{m.group(2) or m.group(4)} den thang {m.group(3)}/{m.group(4)}"),
    (r"\b(?:between|from)\s+(" + "|".join(_MONTHS) + r")\s+(?:((?:19|20)\d{2})\s+)?(?:and|to|until|till|through|-)\s+("
     + "|".join(_MONTHS) + r")\s+(?:of\s+)?((?:19|20)\d{2})",
     lambda m: f"tu thang {_MONTHS[m.group(1)]}/{m.group(2) or m.group(4)} den thang {_MONTHS[m.group(3)]}/{m.group(4)}"),
    (r"\b(?:quy|qui)\s*(iv|iii|ii|i|[1-4])\s*(?:/|nam)?\s*((?:19|20)\d{2})", lambda m: f"quy {m.group(1)}/{m.group(2)}"),
    (r"\bthang\s*(\d{1,2})\s*(?:/|nam)?\s*((?:19|20)\d{2})", lambda m: f"thang {m.group(1)}/{m.group(2)}"),
    (r"\b6 thang (dau|cuoi) nam\s*((?:19|20)\d{2})",
     lambda m: f"tu thang {'1' if m.group(1) == 'dau' else '7'} den thang {'6' if m.group(1) == 'dau' else '12'}/{m.group(2)}"),
    (r"\bq([1-4])\s*/?\s*((?:19|20)\d{2})\b", lambda m: f"quy {m.group(1)}/{m.group(2)}"),
    (r"\b(first|second|third|fourth|1st|2nd|3rd|4th|last)\s+quarter\s+(?:of\s+)?((?:19|20)\d{2})",
     lambda m: f"quy {_ORD[m.group(1)]}/{m.group(2)}"),
    (r"\b(" + "|".join(_MONTHS) + r")\s+(?:of\s+)?((?:19|20)\d{2})", lambda m: f"thang {_MONTHS[m.group(1)]}/{m.group(2)}"),
    (r"\b(?:den han|han|truoc|het|cuoi|trong|hoan thanh|due|by|in|during|deadline|before|end of)\s+(?:nam\s+|the year\s+)?"
     r"((?:19|20)\d{2})\b(?!\s*/)", lambda m: f"nam {m.group(1)}"),
]
_PERIOD_RES = [(re.compile(rx), f) for rx, f in _PERIOD_RULES]


def find_period(q: str, key: str) -> Optional[Period]:
    for rx, f in _PERIOD_RES:
        m = rx.search(key)
        if m:
            start, end = normalise_deadline(f(m))
            if start:
                return Period(q[m.start():m.end()], start, end)
    return None


_LONE_YEAR = re.compile(r"(?<![\d/.-])(?:19|20)\d{2}(?![\d/]|\s*[-–]\s*\d)")


def year_period(q: str) -> Optional[Period]:
    """The one year a question names on its own ("Năm 2024 Sở … chủ trì bao nhiêu việc"), as a period; None
    when it names none, several, or a year inside a range or a number ("2021-2025", "61/2018")."""
    years = {m.group(0) for m in _LONE_YEAR.finditer(q)}
    if len(years) != 1:
        return None
    y = years.pop()
    start, end = normalise_deadline(f"năm {y}")
    return Period(f"năm {y}", start, end) if start else None

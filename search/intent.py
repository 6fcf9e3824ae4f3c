"""Question understanding: intent (lead / support / deadline / search) and
filters (province, year, document number), for accented, unaccented and
mixed Vietnamese/English questions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from kg.numbers import find_numbers
from kg.provinces import find_province, province_initials, province_pattern
from kg.vntext import search_key

from .glossary import abbreviations

# Patterns on the diacritic-free lower-case question.
_LEAD_STRONG = r"\bchu tri\b|\bwho leads\b|\bwho is leading\b|\blead agency\b"
_INTENTS = [
    ("lead", _LEAD_STRONG),
    # "who coordinates <a plan>" asks for the focal point (lead); "coordinates with" is support
    ("support", r"\bphoi hop\b|\bwho (?:supports|assists|helps)\b|\bsupport(?:ing)? agenc|\bcoordinat\w*\s+with\b"
                r"|\bcoordinating agenc|\bco-?operat(?:e|es|ed|ing)\b"),
    ("deadline", r"\bkhi nao\b|\bthoi han\b|\bbao gio\b|\bthoi gian (?:hoan thanh|thuc hien)\b|\bden khi nao\b|\bhan chot\b"
                 r"|\bhan hoan thanh\b|\bthoi diem nao\b|\bwhen\b|\bdeadline\b|\bby when\b|\bdue\b|\bluc nao\b|\bnam nao\b|\bquy nao\b|\bthang nao\b"),
    ("lead", r"\bai\b|\bcap nao\b|\bben nao\b|\bnoi nao\b|\bco quan nao\b|\bdon vi nao\b|\bso nao\b|\bphu trach\b"
             r"|\bchiu trach nhiem\b|\bwho\b|\blead(?:s|ing)?\b|\bresponsible\b|\bagency\b|\bdepartment\b|\bin charge\b"
             r"|\bdam nhiem\b|\bthuc hien boi\b|\bgiao cho\b|\b(?:co quan|don vi) thuc hien\b|\bwhich (?:office|body)\b"),
]
_STOP = re.compile(
    r"\b(?:ai|la|cap nao|ben nao|noi nao|giao cho|by when|due|department|office|han hoan thanh|thoi diem nao|thang nao|chu tri|co quan nao|don vi nao|so nao|phu trach|chiu trach nhiem|who|leads?|leading|is|are|the|"
    r"responsible for|responsible|agency|in charge of|in charge|phoi hop|khi nao|thoi han|bao gio|han chot|deadline|"
    r"when|which|what|does|do|of|for|nhiem vu|viec|cong viec|thuc hien boi|dam nhiem|tai|o|cua|nao|hoan thanh|"
    r"thoi gian|den khi nao|luc nao|tinh|thanh pho|nam|trong|va|"
    # polite openings ask nothing about the row
    r"lam on cho biet|xin cho biet|vui long cho biet|cho (?:toi|em|minh|chau) hoi|xin hoi|cho hoi|lam on|vui long"
    r"|please tell me|could you tell me|can you tell me|i would like to know|i'd like to know|please)\b")


# "ai phụ trách phối hợp với tập đoàn điện lực …": the one in charge of the coordination leads; so does the one
# who works with a partner outside the state ("ai phối hợp với EVN", "coordinates with the power corporation"): a
# plan's rows name state agencies as support, and its lead works with the company; "sở nào đứng ra" takes charge
_PARTNER = (r"(?:cac |nhung |the )?(?:tap doan|doanh nghiep|cong ty|ngan hang|evn|vnpt|viettel|nha dau tu|nha tai tro"
            r"|doi tac|to chuc quoc te|(?:power|electricity|telecom\w*) (?:corporation|company|group)|enterprises?"
            r"|compan(?:y|ies)|banks?|investors?|donors?)\b")
_LEAD_OF_SUPPORT = re.compile(r"\b(?:phu trach|chiu trach nhiem|dam nhiem|dam nhan|dau moi)\s+(?:viec\s+)?phoi hop\b"
                              rf"|\b(?:phoi hop|coordinat\w*|cooperat\w*|work\w*)\s+(?:voi|with)\s+{_PARTNER}"
                              r"|\bdung ra\b")
# English spellings of province names written as one word (kg.provinces reads "Ha Noi", "Da Nang")
_EN_PROVINCE = [(re.compile(r"\bhanoi\b", re.I), "Ha Noi"), (re.compile(r"\bdanang\b", re.I), "Da Nang"),
                (re.compile(r"\b(?:hcmc|saigon)\b", re.I), "Ho Chi Minh City")]


def _province(q: str) -> Optional[str]:
    p = find_province(q)
    if p is None:
        for rx, name in _EN_PROVINCE:
            if rx.search(q):
                return find_province(name)
        p = next(iter(_initials(q)), None)
    return p


@lru_cache(maxsize=1)
def _initials_re() -> re.Pattern:
    """A province's initials where only a place can stand: after "tỉnh" or
    "thành phố"; after "ở", "tại", "của", "in", after a department's
    abbreviation ("SNV TG", "Sở NV TG") or opening the question before a colon
    ("TG: ai …") unless the glossary reads them as an abbreviation ("KH" kế
    hoạch, "VP" văn phòng); never before a number or a symbol ("KH 319",
    "CT-TTg") nor as "VP UBND"."""
    names = "|".join(sorted(province_initials(), key=len, reverse=True))
    return re.compile(
        r"(?:(?P<strong>(?<![\w])(?i:tỉnh|tinh|thành phố|thanh pho|tp\.?)\s+)"
        r"|(?<![\w])(?i:ở|o|tại|tai|của|cua|in|of)\s+|\bS[A-ZĐ&]{1,6}\s+|\bSở\s+[A-ZĐ&]{1,6}\s+|^\s*)"
        rf"(?P<p>{names})\b(?!\s*[\d/&-])(?!\s+(?:UBND|điện tử|dien tu))")


def _initial_spans(q: str) -> list[tuple[int, int, str]]:
    """(start, end, province) of every province written as its initials."""
    out = []
    for m in _initials_re().finditer(q):
        if not m.group("strong"):
            if m.group("p").lower() in abbreviations():
                continue                          # "của KH", "ở VP": the glossary's abbreviation
            if m.start("p") == len(q) - len(q.lstrip()) and not re.match(r"\s*:", q[m.end():]):
                continue                          # opening the question: only "TG: …"
        out.append((m.start("p"), m.end("p"), province_initials()[m.group("p")]))
    return out


def _initials(q: str) -> list[str]:
    return list(dict.fromkeys(p for _, _, p in _initial_spans(q)))


def spell_out_provinces(q: str) -> str:
    """The question with provinces written as initials spelled out ("ở TG" →
    "ở Tiền Giang"): the rows write the name, and "TG" alone matches nothing."""
    for s, e, p in reversed(_initial_spans(q)):
        q = q[:s] + p + q[e:]
    return q


@dataclass
class Question:
    text: str
    intent: str
    province: Optional[str]
    year: Optional[int]
    number: Optional[str]
    topic: str


def parse_question(q: str) -> Question:
    k = search_key(q)
    intent = "lead" if _LEAD_OF_SUPPORT.search(k) else "search"
    for name, rx in _INTENTS:
        if intent == "search" and re.search(rx, k):
            intent = name
            break
    province = _province(q)
    nums = find_numbers(q)
    number = nums[0][2] if nums else None
    ym = re.search(r"(?<![\d:/.,-])(?<![:/] )(20\d{2})(?![\d:/])", q)
    year = int(ym.group(1)) if ym and not (number and ym.group(1) in number) else None
    topic = q
    for s, e, _ in reversed(nums):
        topic = topic[:s] + " " + topic[e:]
    return Question(q, intent, province, year, number, topic.strip())


@lru_cache(maxsize=1)
def _provinces_re():
    return province_pattern()


def find_provinces(q: str) -> list[str]:
    """Every province the question names (any diacritics, one-word English
    spellings like 'Hanoi'), in order, without repeats."""
    found = []
    key = re.sub(r"[\s\-.]+", " ", search_key(q))
    for m in _provinces_re().finditer(key):
        p = find_province(m.group(1))
        if p and p not in found:
            found.append(p)
    for rx, name in _EN_PROVINCE:
        p = find_province(name)
        if rx.search(q) and p not in found:
            found.append(p)
    for p in _initials(q):
        if p not in found:
            found.append(p)
    return found

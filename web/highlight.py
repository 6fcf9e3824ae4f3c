"""Safe highlighting: the text is escaped first, piece by piece, and only our
own ``<mark>`` / ``<a>`` tags are put around the matched ranges.

Matching is case-insensitive; a query word typed without diacritics matches
with or without them ("so hoa" finds "số hóa"), a word typed with diacritics
matches them exactly (so "hóa" does not light up every "hoa").  Old and new
tone placement agree ("hoá" = "hóa").  Abbreviations work both ways
("TTHC" ↔ "thủ tục hành chính").
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Optional

from markupsafe import Markup, escape

from kg.vntext import ABBREVIATIONS as _ABBR
from kg.vntext import fold, fold_tones as _new_tone, lower, tone_fold_keep_length

# Question words and very common function words: never highlighted alone.
# Accented forms are compared as typed ("quản" is not "quan"); a word typed
# without diacritics is compared with the folded forms.
_STOP_VI = {
    "ai", "gì", "nào", "là", "của", "và", "các", "những", "cho", "với", "có", "được", "trong", "theo",
    "về", "tại", "ở", "năm", "tỉnh", "thành", "phố", "chủ", "trì", "phối", "hợp", "thời", "hạn", "khi",
    "bao", "giờ", "cơ", "quan", "đơn", "vị", "nhiệm", "việc", "thực", "hiện", "hoàn", "đến", "làm", "một",
    "này", "do", "thì", "sẽ", "đã", "đang", "cần", "phải", "như", "thế", "sao", "bằng", "gi", "nao",
}
_STOP_EN = {"who", "what", "when", "which", "the", "of", "for", "is", "are", "does", "do", "in", "and", "to",
            "lead", "leads", "support", "deadline", "agency", "responsible"}
_WORD_RE = re.compile(r"[^\W_]+(?:&[^\W_]+)?", re.UNICODE)


_STOP_FOLDED = {fold(w) for w in _STOP_VI} | _STOP_EN


def is_stop(word: str) -> bool:
    low, fw = lower(word), fold(word)
    if fw != low:   # typed with diacritics: compare as typed
        return low in _STOP_VI or _new_tone(low) in _STOP_VI
    return fw in _STOP_FOLDED


def query_terms(query: str) -> list[tuple[str, bool]]:
    """Terms to highlight: (pattern text, accent-sensitive?)."""
    q = unicodedata.normalize("NFC", query or "")[:1000]
    terms: list[tuple[str, bool]] = []
    seen = set()

    def add(t: str):
        t = t.strip()
        if not t:
            return
        sensitive = fold(t) != lower(t).replace("đ", "d")
        key = (_new_tone(t) if sensitive else fold(t), sensitive)
        if key not in seen:
            seen.add(key)
            terms.append(key)

    words = _WORD_RE.findall(q)
    folded_q = " ".join(fold(w) for w in words)
    content = []        # (word, is content word) in query order
    for w in words:
        fw = fold(w)
        low = lower(w)
        if low in _ABBR or fw in _ABBR:
            if len(fw) >= 3:
                add(_ABBR.get(low) or _ABBR[fw])
                add(w)
                content.append((w, True))
            else:
                content.append((w, False))
            continue
        is_content = not is_stop(w) and (len(fw) >= 2 or fw.isdigit())
        content.append((w, is_content))
        # a lone syllable is highlighted only when it is distinctive on its own
        if is_content and (len(fw) >= 4 or fw.isdigit() or (w.isupper() and len(w) >= 2)):
            add(w)
    # Vietnamese words are mostly two syllables: adjacent content syllables as phrases
    for (a, ca), (b, cb) in zip(content, content[1:]):
        if ca and cb:
            add(f"{a} {b}")
    # expansions typed in full also light up their abbreviation
    for abbr, expansion in _ABBR.items():
        if len(abbr) >= 3 and re.search(r"(?<!\w)" + re.escape(fold(expansion)) + r"(?!\w)", folded_q):
            add(abbr.upper())
    return terms


def _ranges(text: str, terms: Iterable[tuple[str, bool]]) -> list[tuple[int, int]]:
    if not text:
        return []
    folded = fold(text)
    lowered = None
    out = []
    for term, sensitive in terms:
        if sensitive:
            if lowered is None:
                lowered = lower(tone_fold_keep_length(text))
            hay = lowered
        else:
            hay = folded
        words = term.split()
        pat = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"
        for m in re.finditer(pat, hay):
            out.append((m.start(), m.end()))
    out.sort()
    merged: list[list[int]] = []
    for s, e in out:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def highlight(text: Optional[str], query: str = "", terms: Optional[list] = None) -> Markup:
    """Escape ``text`` and wrap the query words in ``<mark>``."""
    if not text:
        return Markup("")
    text = unicodedata.normalize("NFC", text)
    if terms is None:
        terms = query_terms(query)
    spans = _ranges(text, terms) if terms else []
    parts, pos = [], 0
    for s, e in spans:
        parts.append(escape(text[pos:s]))
        parts.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        pos = e
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)


def annotate(text: str, links: list[dict], anchors: list[tuple[int, str]]) -> Markup:
    """Escape a source text and wrap reference mentions in links.

    ``links``: dicts with start, end, href, title, cls, id (overlaps dropped).
    ``anchors``: (offset, id) empty anchors placed before the character.
    """
    events = []
    last_end = -1
    for ln in sorted(links, key=lambda x: (x["start"], -x["end"])):
        s, e = int(ln["start"]), int(ln["end"])
        if s < last_end or s >= e or s < 0 or e > len(text):
            continue
        events.append((s, e, ln))
        last_end = e
    seen_ids = set()
    uniq = []
    for o, i in anchors:
        if i not in seen_ids:
            seen_ids.add(i)
            uniq.append((max(0, min(len(text), int(o))), i))
    anchors = sorted(uniq)
    parts = []
    pos = 0
    ai = 0

    def anchors_upto(limit):
        """Emit the anchors at offsets <= limit (all when limit is None)."""
        nonlocal pos, ai
        while ai < len(anchors) and (limit is None or anchors[ai][0] <= limit):
            o, aid = anchors[ai]
            o = max(o, pos)
            parts.append(escape(text[pos:o]))
            parts.append(Markup('<span class="anchor" id="%s"></span>') % aid)
            pos = o
            ai += 1

    for s, e, ln in events:
        anchors_upto(s)
        parts.append(escape(text[pos:s]))
        parts.append(Markup('<a class="%s" id="%s" href="%s" title="%s">') %
                     (ln.get("cls", "ref"), ln.get("id", f"m-{s}"), ln["href"], ln.get("title", "")))
        parts.append(escape(text[s:e]))
        parts.append(Markup("</a>"))
        pos = e
    anchors_upto(None)
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)

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


def _nest(anchors: list, n: int) -> list[tuple[int, int, str]]:
    """(start, end, id) ranges clipped into a properly nested forest (duplicate ids dropped)."""
    seen, out, stack = set(), [], []
    norm = []
    for a in anchors:
        o, e, aid = (a[0], a[0], a[1]) if len(a) == 2 else a
        if aid in seen:
            continue
        seen.add(aid)
        o = max(0, min(n, int(o)))
        norm.append((o, max(o, min(n, int(e))), aid))
    for o, e, aid in sorted(norm, key=lambda x: (x[0], -x[1], x[2])):
        while stack and stack[-1] <= o:
            stack.pop()
        if stack and e > stack[-1]:
            e = stack[-1]               # crosses its parent's end: clipped inside it
        out.append((o, e, aid))
        if e > o:
            stack.append(e)
    return out


def annotate(text: str, links: list[dict], anchors: list) -> Markup:
    """Escape a source text, wrap reference mentions in links and the text of
    each task / assignment / stated relation in an anchor that carries its id.

    ``links``: dicts with start, end, href, title, cls, id (overlapping links dropped).
    ``anchors``: (start, end, id) ranges — the ``<span class="anchor" id=…>`` holds
    exactly that text, so ``:target`` marks the row itself, never its neighbour;
    a bare (offset, id) gives an empty anchor.  Anchors nest (a crossing one is
    clipped); a link crossing an anchor's edge is split in two pieces.
    """
    n = len(text)
    kept, last_end = [], -1
    for ln in sorted(links, key=lambda x: (x["start"], -x["end"])):
        s, e = int(ln["start"]), int(ln["end"])
        if s < last_end or s >= e or s < 0 or e > n:
            continue
        kept.append((s, e, ln))
        last_end = e
    ranges = _nest(anchors, n)
    opens: dict[int, list] = {}
    closes: dict[int, int] = {}
    for o, e, aid in ranges:
        opens.setdefault(o, []).append((o, e, aid))
        closes[e] = closes.get(e, 0) + (0 if e == o else 1)
    link_at = {s: (s, e, ln) for s, e, ln in kept}
    points = sorted(set(opens) | set(closes) | {s for s, _, _ in kept} | {e for _, e, _ in kept} | {0, n})
    parts: list = []
    cur = None          # the link being written: (start, end, ln, first piece written?)
    pos = 0
    for p in points:
        if p > pos:
            parts.append(escape(text[pos:p]))
            pos = p
        if cur and cur[1] == p:
            parts.append(Markup("</a>"))
            cur = None
        anchor_edge = p in opens or closes.get(p)
        if cur and anchor_edge:
            parts.append(Markup("</a>"))          # split the link around the anchor's edge
        parts.extend(Markup("</span>") for _ in range(closes.get(p, 0)))
        for o, e, aid in opens.get(p, []):
            parts.append(Markup('<span class="anchor" id="%s">') % aid)
            if e == o:
                parts.append(Markup("</span>"))
        if p in link_at and cur is None:
            s, e, ln = link_at[p]
            cur = (s, e, ln)
            parts.append(Markup('<a class="%s" id="%s" href="%s" title="%s">')
                         % (ln.get("cls", "ref"), ln.get("id", f"m-{s}"), ln["href"], ln.get("title", "")))
        elif cur and anchor_edge:
            ln = cur[2]
            parts.append(Markup('<a class="%s" href="%s" title="%s">')
                         % (ln.get("cls", "ref"), ln["href"], ln.get("title", "")))
    if cur:
        parts.append(Markup("</a>"))
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)

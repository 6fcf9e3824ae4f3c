"""Search-side tokens: syllables and syllable bigrams of normalised text.

Diacritic-insensitive ("ai chu tri" = "ai chủ trì"), tone-placement-insensitive
("hoá" = "hóa") and abbreviation-aware ("TTHC" = "thủ tục hành chính"); the
normalisation itself is ``kg.vntext``'s.
"""
from __future__ import annotations

import re

from kg.vntext import expand_abbreviations, fold_tones, search_key

_TOKEN_RE = re.compile(r"[a-z0-9]+")
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

"""Text with an offset map back to the original source.

Cleaning removes markup and chrome and normalises Unicode, but every span we
report must point at the file as read.  ``MappedText`` carries the cleaned
text and, for each of its characters, the index of the original character it
came from.
"""
from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable, Iterable


_IDENTITY = array("l", range(1 << 16))


def _identity_offsets(n: int) -> array:
    """array('l', range(n)) as a slice (a copy in C) of a cached, doubling prefix."""
    global _IDENTITY
    if n > len(_IDENTITY):
        size = len(_IDENTITY)
        while size < n:
            size *= 2
        grown = array("l", _IDENTITY)
        grown.extend(range(len(_IDENTITY), size))
        _IDENTITY = grown
    return _IDENTITY[:n]


@dataclass(frozen=True)
class MappedText:
    text: str
    offsets: array          # len(text) + 1 ints; offsets[i] = original index of text[i]
    original: str
    pages: tuple[int, ...] = ()     # paged sources (PDF, scans): start offset of each page in ``original``
    warnings: tuple[str, ...] = ()  # what the reader could not do (pages skipped, OCR limits)

    @classmethod
    def identity(cls, original: str) -> "MappedText":
        return cls(original, _identity_offsets(len(original) + 1), original)

    def page_at(self, orig_offset: int) -> "int | None":
        """1-based page of an offset into ``original``; None for unpaged sources."""
        if not self.pages:
            return None
        return max(1, bisect_right(self.pages, orig_offset))

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the cleaned text to the original text."""
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        if end == start:
            o = self.offsets[start]
            return (o, o)
        return (self.offsets[start], self.offsets[end - 1] + 1)

    def apply(self, edits: Iterable[tuple[int, int, str]]) -> "MappedText":
        """Replace [start, end) ranges (sorted, non-overlapping) by new strings.

        Characters of a replacement map to the original position of ``start``;
        kept characters keep their mapping.
        """
        parts: list[str] = []
        offs = array("l")
        pos = 0
        text, old = self.text, self.offsets
        for start, end, repl in edits:
            if start < pos:
                continue  # overlapping edit: first one wins
            parts.append(text[pos:start])
            offs.extend(old[pos:start])
            if repl:
                parts.append(repl)
                offs.extend([old[start]] * len(repl))
            pos = end
        parts.append(text[pos:])
        offs.extend(old[pos:])
        offs.append(old[len(text)])
        return MappedText("".join(parts), offs, self.original, self.pages, self.warnings)

    def sub(self, pattern: "re.Pattern[str]", repl: "str | Callable[[re.Match], str]") -> "MappedText":
        edits = []
        for m in pattern.finditer(self.text):
            r = repl(m) if callable(repl) else m.expand(repl)
            if r != m.group(0):
                edits.append((m.start(), m.end(), r))
        return self.apply(edits) if edits else self

    def nfc(self) -> "MappedText":
        if unicodedata.is_normalized("NFC", self.text):
            return self
        # Normalise cluster by cluster (a base character and its combining marks)
        # so every output character still maps to its cluster's origin.
        edits = []
        for m in re.finditer(r".[\u0300-\u036f\u0323]+", self.text, re.S):
            s = m.group(0)
            n = unicodedata.normalize("NFC", s)
            if n != s:
                edits.append((m.start(), m.end(), n))
        mt = self.apply(edits)
        if not unicodedata.is_normalized("NFC", mt.text):  # rare compositions elsewhere
            rest = [(i, i + 1, unicodedata.normalize("NFC", c))
                    for i, c in enumerate(mt.text) if not unicodedata.is_normalized("NFC", c)]
            mt = mt.apply(rest)
        return mt

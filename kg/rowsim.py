"""Similarity between task rows: TF-IDF over syllable uni/bigrams and over
character 4-grams (numpy, no model), plus the structured signals lineage
uses as evidence — shared references, same or related lead agency, matching
section theme.

All text keys are built with kg.vntext (NFC, old/new tone placement folded),
so 'hoá' and 'hóa' are one token.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from .vntext import compact_spaces, fold_tones, search_key

# function words and plan boilerplate that carry no task content
STOP = frozenset("""
các của và trong theo đối với cho được để về tại trên là có những này một số việc nhằm đảm bảo
bảo đảm từ đến khi như đã sẽ thì mà hoặc cùng nhất năm giai đoạn tỉnh địa bàn quy định tiếp tục
thực hiện triển khai tổ chức tăng cường đẩy mạnh nâng cao hiệu quả công tác nhiệm vụ kế hoạch
""".split())
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")
GENERIC_AGENCY = re.compile(r"^(?:các|cơ quan|sở, ban|sở ban|ubnd các|ủy ban nhân dân các|đơn vị|các cơ quan)")


def tokens(text: str) -> list[str]:
    """Folded syllables, stop words and years removed."""
    t = _YEAR_RE.sub(" ", fold_tones(text or ""))
    return [w for w in _WORD_RE.findall(t) if w not in STOP and len(w) > 1]


def word_features(text: str) -> Counter:
    """Syllable unigrams and bigrams (bigrams over the unfiltered syllables,
    so 'thủ tục' and 'dịch vụ' count as words)."""
    t = _YEAR_RE.sub(" ", fold_tones(text or ""))
    syl = _WORD_RE.findall(t)
    c = Counter(w for w in syl if w not in STOP and len(w) > 1)
    for a, b in zip(syl, syl[1:]):
        if not (a in STOP and b in STOP):
            c[a + "_" + b] += 1
    return c


def char_features(text: str, n: int = 4) -> Counter:
    t = " " + compact_spaces(_YEAR_RE.sub(" ", search_key(text or ""))) + " "
    return Counter(t[i:i + n] for i in range(len(t) - n + 1))


def document_frequencies(docs: Iterable[Counter]) -> tuple[Counter, int]:
    df: Counter = Counter()
    n = 0
    for d in docs:
        df.update(d.keys())
        n += 1
    return df, n


class TfIdf:
    """TF-IDF rows over a local vocabulary (the terms of the rows given), with
    IDF from corpus-wide document frequencies; rows L2-normalised so cosine is
    a dense matrix product.  Built per pair of documents, so memory stays
    small however large the corpus."""

    def __init__(self, docs: Sequence[Counter], df: Counter | None = None, n: int | None = None):
        if df is None:
            df, n = document_frequencies(docs)
        terms = sorted({t for d in docs for t in d})
        self.vocab = {t: i for i, t in enumerate(terms)}
        idf = np.array([math.log((1 + n) / (1 + df.get(t, 0))) + 1.0 for t in terms], dtype=np.float32)
        m = np.zeros((len(docs), len(terms)), dtype=np.float32)
        for r, d in enumerate(docs):
            for t, c in d.items():
                j = self.vocab[t]
                m[r, j] = (1.0 + math.log(c)) * idf[j]
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self.matrix = m / norms
        self.raw = m

    def cosine(self, rows_a: slice, rows_b: slice) -> np.ndarray:
        return self.matrix[rows_a] @ self.matrix[rows_b].T

    def containment(self, rows_a: slice, rows_b: slice) -> np.ndarray:
        """Share of a's TF-IDF mass whose terms occur in b (asymmetric: 1.0 when
        every term of a occurs in b)."""
        a = self.raw[rows_a]
        b = (self.raw[rows_b] > 0).astype(np.float32)
        mass = a.sum(axis=1, keepdims=True)
        mass[mass == 0] = 1.0
        return (a @ b.T) / mass


def agency_key(name: str) -> str:
    return compact_spaces(fold_tones(name)).strip(" .;,")


def is_generic(name: str) -> bool:
    return bool(GENERIC_AGENCY.match(agency_key(name)))


def lead_match(a: Iterable[str], b: Iterable[str]) -> tuple[float, str]:
    """1.0 same lead; 0.6 related (one name contains the other's words, e.g.
    'Sở Giáo dục' / 'Sở Giáo dục và Đào tạo'); 0.3 when either side only names
    a generic group ('Các sở, ban, ngành'); 0 different."""
    ka = [agency_key(x) for x in a if x]
    kb = [agency_key(x) for x in b if x]
    if not ka or not kb:
        return 0.0, ""
    sa, sb = {x for x in ka if not is_generic(x)}, {x for x in kb if not is_generic(x)}
    common = sa & sb
    if common:
        return 1.0, "same lead " + ", ".join(sorted(common))
    for x in sa:
        for y in sb:
            wx, wy = set(x.split()), set(y.split())
            if len(wx & wy) >= 3 and (wx <= wy or wy <= wx):
                return 0.6, f"related lead {x} / {y}"
    if not sa or not sb:
        return 0.3, "generic lead"
    return 0.0, ""


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0

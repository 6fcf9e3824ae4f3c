"""Ranking on degenerate indexes: no ZeroDivisionError, no crash, scores in [0, 1].

Seen on a 47k-passage index with "ai chủ trì cải cách hành chính năm 2024":
every query term in (almost) every passage makes idf weights, BM25 scores and
fused scores 0; the normalisations must then give 0, not divide by it.
Tiny engines without a dense index (no model needed)."""
from __future__ import annotations

import numpy as np
import pytest

from search import engine as engine_mod
from search.engine import SearchEngine, fuse


def _rec(i: int, text: str) -> dict:
    return {"kind": "task", "passage": text,
            "task": {"id": f"vinh-phuc/1-kh-ubnd#task-{i:03d}", "text": text, "lead": ["Sở Nội vụ"],
                     "support": [], "deadline": "Năm 2024"},
            "document": {"id": "vinh-phuc/1-kh-ubnd", "number": "1/KH-UBND", "province": "Vĩnh Phúc",
                         "date": "2024-01-01"}}


QUESTION = "ai chủ trì cải cách hành chính năm 2024"
CASES = [
    ("every term in every passage", ["Chủ trì cải cách hành chính năm 2024"] * 4),
    ("one passage", ["cải cách hành chính năm 2024"]),
    ("a passage without tokens", ["", "cải cách hành chính"]),
    ("no passage has a token", ["", "?"]),
]


@pytest.mark.parametrize("name,texts", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("mode", ["hybrid", "bm25"])
def test_rank_degenerate_index(name, texts, mode):
    eng = SearchEngine([_rec(i, t) for i, t in enumerate(texts)])
    for allowed in (None, set(range(len(texts)))):
        res = eng.rank(QUESTION, k=5, mode=mode, allowed=allowed)
        assert all(0.0 <= r["score"] <= 1.0 for r in res["results"])
        assert res["total"] >= 0


def test_rank_when_every_bm25_score_is_zero(monkeypatch):
    """All idf weights 0 (bm25 gives 0 everywhere), a filtered list of rows: the
    fused scores are all 0 and the ranking still answers."""
    texts = ["cải cách hành chính năm 2024", "chủ trì cải cách hành chính", "năm 2024"]
    eng = SearchEngine([_rec(i, t) for i, t in enumerate(texts)])
    monkeypatch.setattr(eng.bm25, "get_scores", lambda toks: np.zeros(len(texts)))
    monkeypatch.setattr(engine_mod.calibrate, "idf", lambda df, n: 0.0)
    eng.idf = {t: 0.0 for t in eng.idf}
    eng.idf_oov = 0.0
    res = eng.rank(QUESTION, k=3, mode="bm25", allowed={0, 1, 2})
    assert len(res["results"]) == 3
    assert all(np.isfinite(r["score"]) for r in res["results"])


@pytest.mark.parametrize("bm,de", [
    ([(0, 0.0), (1, 0.0)], []),                    # all-zero lexical scores
    ([], [(0, 0.83), (1, 0.83)]),                  # equal cosines: zero span
    ([(0, 0.0)], [(0, 0.5)]),
])
def test_fuse_zero_denominators(bm, de):
    out = fuse(bm, de, 0.6)
    assert all(np.isfinite(v) and v >= 0 for v in out.values())


def _fuse_reference(bm, de, w):
    """The definition, one pair at a time (what the numpy version must equal)."""
    from search.engine import _ratio
    scores = {}
    if bm and w > 0:
        top = max(v for _, v in bm)
        for i, v in bm:
            scores[i] = w * _ratio(v, top)
    if de and w < 1:
        hi, lo = max(v for _, v in de), min(v for _, v in de)
        for i, v in de:
            scores[i] = scores.get(i, 0.0) + (1 - w) * _ratio(v - lo, hi - lo)
    return scores


def test_fuse_equals_its_definition_exactly():
    import random
    rng = random.Random(7)
    for _ in range(500):
        bm = [(rng.randint(0, 60), rng.choice([0.0, rng.random() * 20])) for _ in range(rng.randint(0, 40))]
        de = [(rng.randint(0, 60), rng.choice([0.83, rng.random()])) for _ in range(rng.randint(0, 25))]
        w = rng.choice([0.0, 0.4, 0.6, 1.0])
        assert list(fuse(bm, de, w).items()) == list(_fuse_reference(bm, de, w).items())   # same order, same floats

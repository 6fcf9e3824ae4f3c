"""Calibrated relevance: one logistic model turns a row's ranking features into
P(row answers the question), on one absolute scale across questions.

The coefficients live in ``data/calibration.json`` and are fitted by
``bench/fit_calibration.py`` on a split of the judged questions
(``tests/fixtures/questions_v2.jsonl``); this module only applies them.

Features of a (question, row) pair (``FEATURES``, all in [0, 1] or close):

* ``cos``       the e5 cosine of question and passage (absolute);
* ``cos_gap``   that cosine minus the cosine of the question's 50th row (how far
                the row stands out of the background);
* ``cov``       idf-weighted share of the question's content syllables the row
                contains; ``cov_bi`` the share of its syllable bigrams;
* ``cov_exp``   share of the glossary expansion terms' syllables it contains;
* ``oov``       idf-weighted share of content syllables no passage contains
                (a question about football or visas);
* ``fused``     the fused BM25+dense score, relative to the question's best;
* ``rr_bm``, ``rr_de``  reciprocal ranks in the BM25 and the dense lists;
* ``year``      1 when the question names no year or the row belongs to the
                year it names (deadline range, else the document's year), else 0;
                a span other than one calendar year ("từ tháng 5 đến tháng
                11/2023", "quý IV/2023") asks the row's deadline span to overlap it.

Question features (``Q_FEATURES``, answerability) are the best candidates'
values plus ``oov_bi`` (question bigrams no passage has), for English
questions ``en_unknown``: the share of content words the English glossary
could not render (a question about visas or Tokyo's time), and
``top_specific``: how specific the words are that the question shares with
its best rows (``specificity``: idf in a large background of legal text, not
in the corpus), and ``top_cov_exp``: the best rows' share of the glossary
expansion (a lay paraphrase — "vòi vĩnh", "quy tắc cư xử" — whose official
wording a row holds is answerable even when its own words are not there).  A near-domain question the corpus does not answer ("Ai cấp
giấy phép kinh doanh karaoke?") shares only everyday administrative words
with its rows ('giấy phép kinh doanh', 'cấp'); an answerable one, even a
paraphrase, shares at least a word or two of its topic ('rác', 'camera',
'quy tắc ứng xử') — directly or through the glossary's expansion.

The answer decision is ``score(top row) >= threshold`` (also in the JSON);
``floor`` is the score above which a row counts as a match (totals, facets).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

PATH = Path(__file__).with_name("data") / "calibration.json"
FEATURES = ("cos", "cos_gap", "cov", "cov_bi", "cov_exp", "oov", "fused", "rr_bm", "rr_de", "year")
# question-level features (answerability): from the candidates' features
Q_FEATURES = ("top_cos", "top_gap", "top_cov", "top_cov_bi", "oov", "oov_bi", "english", "english_cos", "en_unknown",
              "top_specific", "top_cov_exp")
BACKGROUND = Path(__file__).with_name("data") / "background_df.tsv.gz"   # bench/background_df.py


@dataclass(frozen=True)
class Calibration:
    """score(row) = P(the corpus answers the question) × P(this row is the
    answer | it does): two logistic models, the product on one absolute scale."""
    weights: np.ndarray          # row model, one per FEATURES
    bias: float
    q_weights: np.ndarray        # answerability model, one per Q_FEATURES
    q_bias: float
    threshold: float             # answer when the best row's score reaches this
    floor: float                 # a row "matches" at or above this
    meta: dict

    def row_probability(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 0:
            return np.zeros(0)
        return _sigmoid(X @ self.weights + self.bias)

    def answerable(self, qx: np.ndarray) -> float:
        return float(_sigmoid(np.asarray(qx) @ self.q_weights + self.q_bias))

    def probability(self, X: np.ndarray, qx: np.ndarray | None = None) -> np.ndarray:
        """Scores of the rows of ``X`` (n × len(FEATURES)); ``qx`` the
        question's Q_FEATURES (computed from ``X`` when not given)."""
        if len(X) == 0:
            return np.zeros(0)
        if qx is None:
            qx = question_features(X, english=False, oov_bi=0.0, en_unknown=0.0, specific=0.0)
        return self.row_probability(X) * self.answerable(qx)

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "weights": [round(float(w), 6) for w in self.weights],
                "bias": round(float(self.bias), 6), "q_features": list(Q_FEATURES),
                "q_weights": [round(float(w), 6) for w in self.q_weights], "q_bias": round(float(self.q_bias), 6),
                "threshold": self.threshold, "floor": self.floor, "meta": self.meta}


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def question_features(X: np.ndarray, english: bool, oov_bi: float, en_unknown: float = 0.0,
                      specific: float = 0.0) -> np.ndarray:
    """Q_FEATURES from the candidates' feature rows; ``en_unknown`` the share
    of an English question's content words that the glossary left untranslated
    (``search.glossary.ExpandedQuery.untranslated``); ``specific`` the
    ``top_specific`` of the question (``SearchEngine.score``)."""
    if len(X) == 0:
        return np.array([0, 0, 0, 0, 1, 1, float(english), 0.0, en_unknown, specific, 0.0])
    f = {n: X[:, i] for i, n in enumerate(FEATURES)}
    top_cos = float(f["cos"].max())
    return np.array([top_cos, float(f["cos_gap"].max()), float(f["cov"].max()), float(f["cov_bi"].max()),
                     float(f["oov"][0]), oov_bi, float(english), float(english) * top_cos, en_unknown, specific,
                     float(f["cov_exp"].max())])


def from_json(d: dict) -> Calibration:
    if list(d.get("features", [])) != list(FEATURES) or list(d.get("q_features", [])) != list(Q_FEATURES):
        raise ValueError(f"{PATH}: features do not match {list(FEATURES)} / {list(Q_FEATURES)}; refit")
    return Calibration(np.asarray(d["weights"], dtype=np.float64), float(d["bias"]),
                       np.asarray(d["q_weights"], dtype=np.float64), float(d["q_bias"]),
                       float(d["threshold"]), float(d["floor"]), d.get("meta", {}))


# Used only until bench/fit_calibration.py has written the fitted file.
_PRIOR = {"features": list(FEATURES), "weights": [0.0, 2.0, 0.0, 3.0, 0.5, 0.0, 9.0, 2.0, 2.0, 1.0], "bias": -12.0,
          "q_features": list(Q_FEATURES), "q_weights": [20.0, 20.0, 3.0, 2.0, -4.0, -2.0, 0.0, 0.0, -2.0, 0.0, 0.0],
          "q_bias": -18.0, "threshold": 0.05, "floor": 0.02, "meta": {"fitted": False}}


@lru_cache(maxsize=1)
def load() -> Calibration:
    if PATH.exists():
        return from_json(json.loads(PATH.read_text(encoding="utf-8")))
    return from_json(_PRIOR)


@lru_cache(maxsize=1)
def _background() -> tuple[np.ndarray, np.ndarray, int, int]:
    """The background table as (sorted 64-bit token keys, their page counts,
    pages, the least count kept): 1.2 MB of arrays, not a dict of 120,000
    strings; empty when the file is absent (every token then counts as
    specific)."""
    if not BACKGROUND.exists():
        return np.zeros(0, np.uint64), np.zeros(0, np.int32), 1, 1
    keys, counts, pages, min_df = [], [], 1, 1
    with gzip.open(BACKGROUND, "rt", encoding="utf-8") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            if k == "#pages":
                pages = int(v)
            elif k == "#min_df":
                min_df = int(v)
            elif k and not k.startswith("#"):
                keys.append(_key(k))
                counts.append(int(v))
    order = np.argsort(np.asarray(keys, dtype=np.uint64), kind="stable")
    return (np.asarray(keys, dtype=np.uint64)[order], np.asarray(counts, dtype=np.int32)[order], pages, min_df)


def _key(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def specificity(token: str) -> float:
    """How specific a search token (syllable or ``a_b`` bigram) is in legal
    text at large: its idf in the background scaled to [0, 1]; a token in
    fewer pages than the table's least count (or in none) counts as in that
    many — the top of the scale."""
    keys, counts, pages, min_df = _background()
    if pages <= 1:
        return 1.0
    k = np.uint64(_key(token))
    i = int(np.searchsorted(keys, k))
    df = int(counts[i]) if i < len(keys) and keys[i] == k else 0
    return math.log(pages / max(min_df, df)) / math.log(pages)


def idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

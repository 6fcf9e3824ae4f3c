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
* ``rr_bm``, ``rr_de``  reciprocal ranks in the BM25 and the dense lists.

The answer decision is ``score(top row) >= threshold`` (also in the JSON);
``floor`` is the score above which a row counts as a match (totals, facets).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

PATH = Path(__file__).with_name("data") / "calibration.json"
FEATURES = ("cos", "cos_gap", "cov", "cov_bi", "cov_exp", "oov", "fused", "rr_bm", "rr_de")


@dataclass(frozen=True)
class Calibration:
    weights: np.ndarray          # one per FEATURES
    bias: float
    threshold: float             # answer when the best row's probability reaches this
    floor: float                 # a row "matches" at or above this
    meta: dict

    def probability(self, X: np.ndarray) -> np.ndarray:
        """P(relevant) for each row of ``X`` (n × len(FEATURES))."""
        if len(X) == 0:
            return np.zeros(0)
        z = X @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "weights": [round(float(w), 6) for w in self.weights],
                "bias": round(float(self.bias), 6), "threshold": self.threshold, "floor": self.floor,
                "meta": self.meta}


def from_json(d: dict) -> Calibration:
    if list(d.get("features", [])) != list(FEATURES):
        raise ValueError(f"{PATH}: features {d.get('features')} do not match {list(FEATURES)}; refit")
    return Calibration(np.asarray(d["weights"], dtype=np.float64), float(d["bias"]), float(d["threshold"]),
                       float(d["floor"]), d.get("meta", {}))


# Used only until bench/fit_calibration.py has written the fitted file: a hand
# prior that trusts coverage and the dense margin.
_PRIOR = {"features": list(FEATURES), "weights": [2.0, 8.0, 4.0, 1.0, 1.0, -4.0, 1.0, 0.5, 0.5],
          "bias": -6.0, "threshold": 0.5, "floor": 0.2, "meta": {"fitted": False}}


@lru_cache(maxsize=1)
def load() -> Calibration:
    if PATH.exists():
        return from_json(json.loads(PATH.read_text(encoding="utf-8")))
    return from_json(_PRIOR)


def idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

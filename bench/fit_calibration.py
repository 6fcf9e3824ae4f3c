"""Fit the calibration of ``search/calibrate.py`` on the judged questions.

For every question that the service answers from task rows (route task, or a
title-named document that falls back to rows) the candidate rows' features are
collected (``SearchEngine.score``); a row is positive when it is a gold row of
the question (off-topic questions: every row negative).  A logistic regression
(L2) on the top candidates gives P(row answers); the answer threshold is the one
that abstains on most off-topic questions while abstaining on at most
``MAX_FALSE_ABSTAIN`` of the answerable ones; the match floor keeps 98 % of the
gold rows' scores.

Sign constraints (``ROW_SIGNS``, ``Q_SIGNS``): where the direction of a feature
is known the weight may not take the other sign — more of the question covered,
a higher cosine, a better rank never lower the probability; more of the
question unknown to the corpus never raises it.  Without them the fit gave
``cov`` and ``top_cov`` negative weights (collinear with ``cov_bi``/``fused``),
which made broad questions ("Báo cáo công tác CCHC") abstain and count few
matches.  The fit is bounded L-BFGS (scipy, a dependency of
sentence-transformers).

Fitted on every development set (questions_v2.jsonl, questions_heldout.jsonl,
since round 2, session 6, questions_v3.jsonl, questions_v4.jsonl and
questions_v5.jsonl, since session 7 questions_v6.jsonl to questions_v10.jsonl, and since
session 8 questions_v11.jsonl to questions_v18.jsonl, since session 9 questions_v19.jsonl to questions_v21.jsonl,
each an untouched set until its misses were read); never on an untouched set (questions_v22.jsonl and questions_v23.jsonl, the next ones written);
``bench/search_quality.py`` reports a 5-fold cross-validation (refitted without
each fold) — those are the honest figures, the in-sample ones are optimistic.

    python bench/fit_calibration.py [--home DIR] [--write]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search import calibrate  # noqa: E402
from search.route import route  # noqa: E402
from service import Service, Store  # noqa: E402
from service.ask import task_scope  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
QUESTIONS = FIXTURES / "questions_v2.jsonl"
HELDOUT = FIXTURES / "questions_heldout.jsonl"
# every development set (v3 on: each untouched until its misses were read); the next untouched set is never fitted on
FIT_SETS = (QUESTIONS, HELDOUT) + tuple(FIXTURES / f"questions_v{n}.jsonl" for n in range(3, 22))
# +1: the weight is >= 0, -1: <= 0, 0: free (calibrate.FEATURES / Q_FEATURES order)
ROW_SIGNS = {"cos": 1, "cos_gap": 1, "cov": 1, "cov_bi": 1, "cov_exp": 1, "oov": -1, "fused": 1, "rr_bm": 1,
             "rr_de": 1, "year": 1}
Q_SIGNS = {"top_cos": 1, "top_gap": 1, "top_cov": 1, "top_cov_bi": 1, "oov": -1, "oov_bi": -1, "english": 0,
           "english_cos": 0, "en_unknown": -1, "top_specific": 1, "top_cov_exp": 1}
TOP = 20
# 5-fold CV over the v2, heldout, v3 and v4 development sets (round 2, session 6): 0.02 -> abstention 0.937, false
# abstention 0.017; 0.025 -> 0.968 / 0.021; 0.03 -> 0.968 / 0.023 (targets: >= 0.95, <= 0.03).  Session 7, six
# development sets, with top_cov_exp: 0.015 -> 0.944 / 0.014; 0.02 -> 0.969 / 0.017; 0.025 -> 0.974 / 0.020.  An
# untouched set abstains on answerable questions more than the CV says (v6: 0.060), so the lower of the two that
# keep abstention >= 0.95 with a margin.  Session 8, sixteen sets (2,532 questions): 0.01 -> 0.949 / 0.010
# (threshold 0.099); 0.015 -> 0.971 / 0.014 (0.154); 0.02 -> 0.976 / 0.016 (0.219). First runs of v11-v16 at 0.02
# abstained on 0.016-0.047 of their answerable questions, about twice the CV, the misses just under a threshold
# that rose with every refit; 0.015 keeps abstention at 0.97 and the threshold where new paraphrases land
MAX_FALSE_ABSTAIN = 0.015
L2 = 0.05


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def collect(svc: Service, questions: list[dict]) -> list[dict]:
    """Per task-path question: {"i", "positive" (answerable), "X" (TOP × features), "y"}."""
    engine, G = svc.engine(), svc.graph()
    out = []
    for i, qq in enumerate(questions):
        if qq["route"] not in ("task", "none"):
            continue
        r = route(qq["q"])
        if not (r.kind == "task" or r.rule == "document:title"):
            continue
        q = engine.prepare(qq["q"])
        allowed, why, q = task_scope(G, engine, r, q)
        if why:
            continue
        sc = engine.score(q, allowed)
        fused_idx = calibrate.FEATURES.index("fused")
        cand = sorted(sc.order, key=lambda j: -sc.features[j][fused_idx])
        cand = engine.dedupe(cand)[:TOP]
        gold = set(qq.get("gold", {}).get("task_ids") or [])
        X = np.array([sc.features[j] for j in cand]) if cand else np.zeros((0, len(calibrate.FEATURES)))
        y = np.array([engine.records[j]["task"]["id"] in gold for j in cand], dtype=float)
        out.append({"i": i, "positive": qq["route"] == "task", "X": X, "y": y, "qx": np.array(sc.qfeatures)})
    return out


def load_fit_sets() -> list[dict]:
    """The questions of every fit set that exists, in one list (index = position)."""
    return [qq for p in FIT_SETS if p.exists() for qq in load_questions(p)]


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = L2, signs=None) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression on standardised features, each weight
    within its sign (``signs``: +1 / -1 / 0 per column); returns weights and
    bias for the raw features (standardising divides by a positive sd, so the
    raw weights keep the signs)."""
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd < 1e-9] = 1.0
    ws, bs = _fit_std((X - mu) / sd, y, l2, signs)
    w = ws / sd
    return w, float(bs - (mu * w).sum())


def _fit_std(X: np.ndarray, y: np.ndarray, l2: float, signs=None) -> tuple[np.ndarray, float]:
    A = np.hstack([X, np.ones((len(X), 1))])
    reg = np.full(A.shape[1], l2)
    reg[-1] = 0.0

    def loss(w):
        z = A @ w
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        nll = np.logaddexp(0.0, z).sum() - (y * z).sum()
        return nll + 0.5 * (reg * w * w).sum(), A.T @ (p - y) + reg * w

    signs = [0] * X.shape[1] if signs is None else list(signs)
    bounds = [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs] + [(None, None)]
    res = minimize(loss, np.zeros(A.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 2000, "gtol": 1e-8})
    w = res.x
    return w[:-1], float(w[-1])


def fit(samples: list[dict]) -> calibrate.Calibration:
    """Row model on answerable questions' candidates; answerability model on
    all questions (off-topic weighted up to balance the classes); threshold
    and floor on the product."""
    pos = [s for s in samples if s["positive"] and len(s["X"])]
    X = np.vstack([s["X"] for s in pos])
    y = np.concatenate([s["y"] for s in pos])
    w, b = fit_logistic(X, y, signs=[ROW_SIGNS[f] for f in calibrate.FEATURES])
    QX = np.vstack([s["qx"] for s in samples])
    qy = np.array([float(s["positive"]) for s in samples])
    n_pos, n_neg = qy.sum(), len(qy) - qy.sum()
    # balance by repetition: each off-topic question counts as many times as needed
    rep = max(1, int(round(n_pos / max(1.0, n_neg))))
    QXb = np.vstack([QX] + [QX[qy == 0]] * (rep - 1))
    qyb = np.concatenate([qy] + [qy[qy == 0]] * (rep - 1))
    qw, qb = fit_logistic(QXb, qyb, l2=1.0, signs=[Q_SIGNS[f] for f in calibrate.Q_FEATURES])
    model = calibrate.Calibration(w, b, qw, qb, 0.5, 0.0, {})
    best = lambda s: float(model.probability(s["X"], s["qx"]).max()) if len(s["X"]) else 0.0  # noqa: E731
    best_pos = np.array([best(s) for s in samples if s["positive"]])
    best_neg = np.array([best(s) for s in samples if not s["positive"]])
    # the highest threshold that keeps false abstention on answerable questions within bounds
    allowed_misses = int(np.floor(MAX_FALSE_ABSTAIN * len(best_pos)))
    threshold = float(np.sort(best_pos)[allowed_misses]) if len(best_pos) else 0.5
    threshold = round(max(0.001, threshold - 1e-4), 4)
    gold_scores = np.concatenate([model.probability(s["X"], s["qx"])[s["y"] > 0] for s in samples if s["y"].any()])
    floor = round(float(np.percentile(gold_scores, 2)) if len(gold_scores) else 0.1, 4)
    floor = min(floor, threshold)
    meta = {"fitted": True, "questions": len(samples), "rows": int(len(y)), "positives": int(y.sum()),
            "answerable": int(len(best_pos)), "offtopic": int(len(best_neg)),
            "train_abstain_offtopic": round(float((best_neg < threshold).mean()), 3) if len(best_neg) else None,
            "train_false_abstain": round(float((best_pos < threshold).mean()), 3) if len(best_pos) else None,
            "sets": [p.name for p in FIT_SETS if p.exists()], "sign_constrained": True}
    return calibrate.Calibration(w, b, qw, qb, threshold, floor, meta)


def main(argv: list[str]) -> int:
    home = Path(argv[argv.index("--home") + 1]) if "--home" in argv else ROOT / ".legalkg"
    try:
        calibrate.load()
    except ValueError:          # the features changed: collect with the prior (the fit does not use it)
        calibrate.load = lambda: calibrate.from_json(calibrate._PRIOR)
    svc = Service(Store(ROOT / "data" / "corpus", home), ask_cache_size=0)
    samples = collect(svc, load_fit_sets())
    model = fit(samples)
    print(json.dumps(model.to_json(), ensure_ascii=False, indent=1))
    if "--write" in argv:
        calibrate.PATH.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {calibrate.PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

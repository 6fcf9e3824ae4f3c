"""Fit the calibration of ``search/calibrate.py`` on the judged questions.

For every question that the service answers from task rows (route task, or a
title-named document that falls back to rows) the candidate rows' features are
collected (``SearchEngine.score``); a row is positive when it is a gold row of
the question (off-topic questions: every row negative).  A logistic regression
(L2, Newton steps, numpy only) on the top candidates gives P(row answers); the
answer threshold is the one that abstains on most off-topic questions while
abstaining on at most ``MAX_FALSE_ABSTAIN`` of the answerable ones; the match
floor keeps 98 % of the gold rows' scores.

Fitted on the questions whose index is even ("the fit split"); the odd half is
held out (``bench/search_quality.py`` reports both, and a 5-fold cross-validation).

    python bench/fit_calibration.py [--home DIR] [--write]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search import calibrate  # noqa: E402
from search.route import route  # noqa: E402
from service import Service, Store  # noqa: E402
from service.ask import task_scope  # noqa: E402

QUESTIONS = ROOT / "tests" / "fixtures" / "questions_v2.jsonl"
TOP = 20
MAX_FALSE_ABSTAIN = 0.02
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
        allowed, why = task_scope(G, engine, r, q)
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


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression on standardised features; returns
    weights and bias for the raw features."""
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd < 1e-9] = 1.0
    ws, bs = _fit_std((X - mu) / sd, y, l2, steps)
    w = ws / sd
    return w, float(bs - (mu * w).sum())


def _fit_std(X: np.ndarray, y: np.ndarray, l2: float, steps: int) -> tuple[np.ndarray, float]:
    A = np.hstack([X, np.ones((len(X), 1))])
    w = np.zeros(A.shape[1])
    reg = np.eye(A.shape[1]) * l2
    reg[-1, -1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(A @ w, -30, 30)))
        g = A.T @ (p - y) + reg @ w
        H = (A * (p * (1 - p))[:, None]).T @ A + reg + np.eye(A.shape[1]) * 1e-9
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit(samples: list[dict]) -> calibrate.Calibration:
    """Row model on answerable questions' candidates; answerability model on
    all questions (off-topic weighted up to balance the classes); threshold
    and floor on the product."""
    pos = [s for s in samples if s["positive"] and len(s["X"])]
    X = np.vstack([s["X"] for s in pos])
    y = np.concatenate([s["y"] for s in pos])
    w, b = fit_logistic(X, y)
    QX = np.vstack([s["qx"] for s in samples])
    qy = np.array([float(s["positive"]) for s in samples])
    n_pos, n_neg = qy.sum(), len(qy) - qy.sum()
    # balance by repetition: each off-topic question counts as many times as needed
    rep = max(1, int(round(n_pos / max(1.0, n_neg))))
    QXb = np.vstack([QX] + [QX[qy == 0]] * (rep - 1))
    qyb = np.concatenate([qy] + [qy[qy == 0]] * (rep - 1))
    qw, qb = fit_logistic(QXb, qyb, l2=1.0)
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
            "split": "questions_v2.jsonl lines with an even index"}
    return calibrate.Calibration(w, b, qw, qb, threshold, floor, meta)


def main(argv: list[str]) -> int:
    home = Path(argv[argv.index("--home") + 1]) if "--home" in argv else ROOT / ".legalkg"
    svc = Service(Store(ROOT / "data" / "corpus", home), ask_cache_size=0)
    qs = load_questions()
    samples = collect(svc, qs)
    model = fit([s for s in samples if s["i"] % 2 == 0])
    print(json.dumps(model.to_json(), ensure_ascii=False, indent=1))
    if "--write" in argv:
        calibrate.PATH.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {calibrate.PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Query-encoder precision at serving time: fp32 vs int8 (dynamic quantisation
of the Linear layers, ``search.e5model.quantize_for_queries``) vs bf16 / fp16
autocast, in one run, with one torch thread (as the server runs it).

For each variant: encode time of a batch of 1 and of 8 questions (median over
rounds; the variants alternate inside each round, so machine load hits them
alike; ratio vs fp32), and agreement with fp32 over every judged question
(tests/fixtures/questions_v2.jsonl + questions_heldout.jsonl, embedded as the
engine embeds them: ``SearchEngine.prepare(q).dense``): cosine between the two
query vectors (mean / min), the shift of the dense cosines the calibration
reads (question · passage over every row: mean and max |Δ| of the top-1
cosine, mean |Δ| over the top 50), and how often the dense top-1 / top-10 set
stays the same.

Last run (load 6-7, 346 questions): b=1 / b=8 ratio vs fp32 — int8 (per-tensor) 0.47 / 0.42,
bf16 0.76 / 0.61, fp16 2.2 / 4.0 (no native fp16 on this CPU); cosine mean / min — int8
per-channel 0.985 / 0.975, bf16 0.99999 / 0.99998; dense top-1 unchanged: int8 82 %, bf16 99.7 %.
The int8 error is noise, not a shift a refitted calibration could absorb: top-1 cosine Δ mean
-0.0001, sd 0.006, against a top-1 − median spread of 0.05 (bf16: sd 0.0001). Keeping the FFN
output layers out of int8 (in bf16) lifts cosine to 0.995 / 0.989 but search_quality was no
better (held-out abstention 0.833 → 0.767, v2 false abstention 0.020 → 0.031).

Usage: python bench/query_precision.py [--home DIR] [--rounds 15] [--variants fp32,int8,bf16,fp16] [--json FILE]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from search.e5model import PRECISIONS, embed_queries  # noqa: E402
from search.index import get_query_model, query_threads  # noqa: E402
from service import Store  # noqa: E402

SETS = [ROOT / "tests" / "fixtures" / "questions_v2.jsonl", ROOT / "tests" / "fixtures" / "questions_heldout.jsonl"]


def variants(names: list[str], cache_root: Path) -> dict:
    """name -> (model, precision, extra context): the serving setting's models
    (``search.index.get_query_model``), plus fp16 autocast for comparison."""
    out = {}
    for n in names:
        if n in PRECISIONS:
            out[n] = (get_query_model(cache_root, n), n, contextlib.nullcontext)
        elif n == "fp16":
            out[n] = (get_query_model(cache_root, "fp32"), "fp32",
                      lambda: torch.autocast("cpu", dtype=torch.float16))
        else:
            raise SystemExit(f"unknown variant {n!r}")
    return out


def encode(v, texts: list[str]) -> np.ndarray:
    model, precision, ctx = v
    with torch.inference_mode(), ctx():
        return embed_queries(model, texts, precision)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=ROOT / ".legalkg")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--variants", default="fp32,int8,bf16")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    store = Store(ROOT / "data" / "corpus", a.home)
    engine = store.search_engine()
    query_threads()
    qs = [json.loads(line)["q"] for p in SETS if p.exists() for line in p.read_text(encoding="utf-8").splitlines()
          if line.strip()]
    dense = [engine.prepare(q).dense for q in qs]
    names = a.variants.split(",")
    vs = variants(["fp32"] + [n for n in names if n != "fp32"], store.cache)
    for v in vs.values():                   # warm-up (first call allocates)
        encode(v, dense[:8])

    times: dict[str, dict[int, list[float]]] = {n: {1: [], 8: []} for n in vs}
    rng = np.random.default_rng(0)
    for r in range(a.rounds):
        for bs in (1, 8):
            batch = [dense[i] for i in rng.choice(len(dense), bs, replace=False)]
            order = list(vs) if r % 2 == 0 else list(vs)[::-1]
            for n in order:
                t = time.perf_counter()
                encode(vs[n], batch)
                times[n][bs].append((time.perf_counter() - t) * 1000)

    vecs = {n: np.concatenate([encode(v, dense[i:i + 32]) for i in range(0, len(dense), 32)]) for n, v in vs.items()}
    P = engine.vectors if engine.vectors is not None else None
    base = vecs["fp32"]
    report = {"questions": len(dense), "rounds": a.rounds, "variants": {}}
    med = {n: {bs: statistics.median(t[bs]) for bs in t} for n, t in times.items()}
    print(f"{len(dense)} questions; {a.rounds} rounds; torch threads {torch.get_num_threads()}; "
          f"quantized engine {torch.backends.quantized.engine}")
    print(f"{'variant':<8} {'b=1 ms':>8} {'ratio':>6} {'b=8 ms':>8} {'ratio':>6} {'cos mean':>9} {'cos min':>8} "
          f"{'top1 Δ':>8} {'max Δ':>7} {'top50 Δ':>8} {'same@1':>7} {'top10 ∩':>8}")
    for n in vs:
        v = vecs[n]
        cos = np.sum(v * base, axis=1)
        row = {"b1_ms": med[n][1], "b8_ms": med[n][8], "b1_ratio": med[n][1] / med["fp32"][1],
               "b8_ratio": med[n][8] / med["fp32"][8], "cos_mean": float(cos.mean()), "cos_min": float(cos.min())}
        if P is not None:
            sb, sv = base @ P.T, v @ P.T
            ob = np.argsort(-sb, axis=1)
            ov = np.argsort(-sv, axis=1)
            top1 = np.abs(sv.max(axis=1) - sb.max(axis=1))
            top50 = np.abs(np.take_along_axis(sv, ob[:, :50], 1) - np.take_along_axis(sb, ob[:, :50], 1))
            row.update(top1_delta_mean=float(top1.mean()), top1_delta_max=float(top1.max()),
                       top50_delta_mean=float(top50.mean()), same_top1=float(np.mean(ob[:, 0] == ov[:, 0])),
                       top10_overlap=float(np.mean([len(set(ob[i, :10]) & set(ov[i, :10])) / 10
                                                    for i in range(len(ob))])))
        report["variants"][n] = row
        f = lambda k, w=8, p=4: f"{row[k]:>{w}.{p}f}" if k in row else f"{'-':>{w}}"  # noqa: E731
        print(f"{n:<8} {f('b1_ms', 8, 1)} {f('b1_ratio', 6, 2)} {f('b8_ms', 8, 1)} {f('b8_ratio', 6, 2)} "
              f"{f('cos_mean', 9)} {f('cos_min')} {f('top1_delta_mean')} {f('top1_delta_max', 7)} "
              f"{f('top50_delta_mean')} {f('same_top1', 7, 3)} {f('top10_overlap', 8, 3)}")
    if a.json:
        a.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

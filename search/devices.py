"""Device names, precision settings and core counts, without torch (importing torch costs ~2.3 s:
a build that has nothing to embed never pays it; ``search.embedder`` does the
rest and re-exports these)."""
from __future__ import annotations

import os
from typing import Optional

DEVICES = ("auto", "cpu", "cuda")


def parse_device(device: Optional[str] = None) -> str:
    """``auto`` | ``cpu`` | ``cuda`` (default: env LEGALKG_DEVICE, else auto),
    checked but not resolved; an unknown name raises ValueError."""
    raw = device if device is not None else os.environ.get("LEGALKG_DEVICE", "auto")
    d = (raw or "auto").strip().lower()
    if d not in DEVICES:
        raise ValueError(f"unknown device {raw!r} (use auto, cpu or cuda)")
    return d


EMBED_PRECISIONS = ("auto", "fp32", "fp16", "bf16")


def parse_embed_precision(precision: Optional[str] = None) -> str:
    """The passage precision setting (``precision``, else env
    LEGALKG_EMBED_PRECISION, else auto), checked but not resolved; an unknown
    name raises ValueError."""
    p = (precision or os.environ.get("LEGALKG_EMBED_PRECISION") or "auto").strip().lower()
    if p not in EMBED_PRECISIONS:
        raise ValueError(f"unknown precision {p!r} (use auto, fp32, fp16 or bf16)")
    return p


PRECISIONS = ("fp32", "bf16", "int8")           # how questions are embedded
SETTINGS = PRECISIONS + ("auto",)
DEFAULT_QUERY_PRECISION = "auto"


QUERY_GRAPHS = ("traced", "eager")             # how the question encoder runs (search.qgraph)


def query_graph_setting() -> str:
    """env ``LEGALKG_QUERY_GRAPH``: ``traced`` (default) or ``eager``; an
    unknown name raises ValueError."""
    g = os.environ.get("LEGALKG_QUERY_GRAPH", "").strip().lower() or "traced"
    if g not in QUERY_GRAPHS:
        raise ValueError(f"LEGALKG_QUERY_GRAPH={g!r}: expected one of {', '.join(QUERY_GRAPHS)}")
    return g


def query_precision_setting() -> str:
    """The question precision setting (env, see ``search.e5model.query_precision``),
    checked but not resolved (no torch); an unknown name raises ValueError."""
    p = os.environ.get("LEGALKG_QUERY_PRECISION", "").strip().lower()
    if not p:
        flag = os.environ.get("LEGALKG_QUERY_INT8", "").strip().lower()
        if flag:
            p = "int8" if flag in ("1", "true", "yes", "on") else "fp32"
        else:
            p = DEFAULT_QUERY_PRECISION
    if p not in SETTINGS:
        raise ValueError(f"LEGALKG_QUERY_PRECISION={p!r}: expected one of {', '.join(SETTINGS)}")
    return p


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:        # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)

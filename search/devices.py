"""Device names and core counts, without torch (importing torch costs ~2.3 s:
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


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:        # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)

"""Progress of the long build steps (issue 11.1): count, rate and ETA.

``Progress(mode)`` with mode ``auto`` (a tqdm bar on stderr when stderr is a
terminal, nothing otherwise), ``json`` (JSON lines on stderr:
``{"progress": step, "done", "total", "rate", "eta", "elapsed"}``, at most
every ``interval`` seconds plus the first and the last line) or ``none``.
``with progress.step("extract", total) as bar: bar.update(n)``.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Optional, TextIO

from tqdm import tqdm

MODES = ("auto", "json", "none")
UNITS = {"list": "file", "extract": "file", "embed": "passage", "index": "vector", "rdf": "triple",
         "graph": "document", "text": "file"}


class _Step:
    def __init__(self, owner: "Progress", name: str, total: Optional[int], initial: int = 0):
        self.owner, self.name, self.total = owner, name, total
        self.done = initial
        self.t0 = time.monotonic()
        self._last = 0.0
        self._bar = None
        if owner.mode == "tqdm":
            self._bar = tqdm(total=total, initial=initial, desc=name, unit=UNITS.get(name, "it"),
                             file=owner.stream, leave=True, ncols=owner.columns(), nrows=24, smoothing=0.1)
        elif owner.mode == "json":
            self._emit(force=True)

    def _emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.owner.interval:
            return
        self._last = now
        elapsed = now - self.t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if (self.total is not None and rate > 0) else None
        line = {"progress": self.name, "done": self.done, "total": self.total, "rate": round(rate, 2),
                "eta": None if eta is None else round(eta, 1), "elapsed": round(elapsed, 2)}
        self.owner.stream.write(json.dumps(line) + "\n")
        self.owner.stream.flush()

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.owner.mode == "json":
            self._emit()

    def set(self, done: int) -> None:
        self.update(done - self.done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.owner.mode == "json":
            self._emit(force=True)

    def __enter__(self) -> "_Step":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Progress:
    """See the module doc.  ``mode`` None: env-free default ``auto``."""

    def __init__(self, mode: Optional[str] = "auto", stream: Optional[TextIO] = None, interval: float = 0.5):
        mode = (mode or "auto").lower()
        if mode not in MODES:
            raise ValueError(f"--progress {mode}: use auto, json or none")
        self.stream = stream or sys.stderr
        self.interval = interval
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", None)
            mode = "tqdm" if (isatty and isatty()) else "none"
        self.mode = mode

    def columns(self) -> int:
        """Terminal width (100 where the terminal reports none, e.g. a bare pty,
        where tqdm would also hide the bar: it is given 24 rows)."""
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or 100
        except (OSError, ValueError, AttributeError):
            return 100

    def step(self, name: str, total: Optional[int] = None, initial: int = 0) -> _Step:
        return _Step(self, name, total, initial)

    def note(self, message: str) -> None:
        """A one-line status message (tqdm-safe on a terminal, a JSON line in json mode)."""
        if self.mode == "tqdm":
            tqdm.write(message, file=self.stream)
        elif self.mode == "json":
            self.stream.write(json.dumps({"progress": "note", "message": message}, ensure_ascii=False) + "\n")
            self.stream.flush()


NONE = Progress("none")

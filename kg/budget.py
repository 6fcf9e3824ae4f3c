"""A time budget for extracting one file.

A pathological input must never hold a build: each file gets ``seconds`` of
wall-clock time, after which it is abandoned with ``ExtractionTimeout`` (an
``InputError`` naming the file, so a build reports and skips it).

* ``time_limit(seconds, path)`` — context manager, SIGALRM based. Python's
  regular-expression engine checks for signals, so even a runaway ``re``
  search is interrupted. Main thread of a POSIX process only.
* ``extract_file_within(path, seconds, label)`` — one file: uses the alarm in
  the main thread, a killable worker process elsewhere (threads of a server).
* ``BudgetedExtractor(seconds)`` — many files: one long-lived worker process
  that is killed and replaced when a file overruns; results come back
  pickled. Use it as a context manager. ``fn`` replaces the job (any
  picklable module-level function; the cluster build extracts bytes with
  it), ``start_method`` the way the worker is started ("forkserver" where
  the caller has threads of its own, as a Dask worker has).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import Iterator, Optional

from .model import Extraction, InputError
from .pipeline import extract_file, extract_text
from .read import read_file


class ExtractionTimeout(InputError):
    """The file took longer than its budget; it is skipped."""

    def __init__(self, path: str, seconds: float):
        super().__init__(str(path), f"extraction took longer than {seconds:g} s; skipped")
        self.seconds = seconds

    def __reduce__(self):
        return (ExtractionTimeout, (self.path, self.seconds))


def _alarm_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def time_limit(seconds: float, path: str = "<text>") -> Iterator[None]:
    """Raise ``ExtractionTimeout`` in the body after ``seconds`` (main thread only)."""
    if not seconds or seconds <= 0:
        yield
        return
    if not _alarm_usable():
        raise RuntimeError("time_limit needs the main thread of a POSIX process; use BudgetedExtractor")

    def on_alarm(signum, frame):
        raise ExtractionTimeout(path, seconds)

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def extract_file_within(path, seconds: float, label: Optional[str] = None) -> Extraction:
    """``extract_file`` with a wall-clock budget; raises ``ExtractionTimeout``."""
    if _alarm_usable():
        with time_limit(seconds, label or str(path)):
            return extract_file(Path(path), label)
    with BudgetedExtractor(seconds) as ex:
        return ex.extract(path, label)


def extract_with_text(path, label: str) -> tuple[dict, bytes]:
    """A build's view of one file: (extraction as JSON data, the decoded
    original text as UTF-8 — what the spans point into)."""
    mt = read_file(Path(path), label)
    text = mt.original.encode("utf-8", "surrogatepass")
    return extract_text(mt, label, hashlib.sha256(text).hexdigest()).to_json(), text


def extract_bytes(data: bytes, label: str, suffix: str) -> tuple[str, bytes]:
    """Extract a file given as its bytes (a cluster worker has no access to
    the corpus folder) → (extraction JSON text, original text as UTF-8)."""
    fd, tmp = tempfile.mkstemp(suffix=suffix, prefix="legalkg-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        ex, text = extract_with_text(tmp, label)
        return json.dumps(ex, ensure_ascii=False), text
    finally:
        os.unlink(tmp)


# ------------------------------------------------------------ worker ----
def _extract_path(path: str, label: Optional[str]) -> Extraction:
    return extract_file(Path(path), label)


def _worker(conn, fn=_extract_path) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # the parent decides when we stop
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            conn.send(("ok", fn(*job)))
        except InputError as e:
            conn.send(("input", e.path, e.problem))
        except Exception as e:                        # reported by the parent as an internal error
            conn.send(("error", type(e).__name__, str(e)[:500]))


class WorkerError(RuntimeError):
    """An unexpected exception inside the worker (an internal error, not bad input)."""


class BudgetedExtractor:
    """Extract files one by one in a worker process, each within ``seconds``.

    ``extract`` returns the ``Extraction``, or raises ``ExtractionTimeout`` (the
    worker is killed and a fresh one started for the next file), ``InputError``
    (bad file) or ``WorkerError`` (a bug, with the exception's name and message).
    """

    def __init__(self, seconds: float, fn=_extract_path, start_method: Optional[str] = None):
        self.seconds = seconds
        self._fn = fn
        methods = mp.get_all_start_methods()
        if start_method not in methods:
            start_method = "fork" if "fork" in methods else "spawn"
        self._ctx = mp.get_context(start_method)
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker, args=(child, self._fn), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def extract(self, path, label: Optional[str] = None) -> Extraction:
        return self.call(label or str(path), str(path), label)

    def call(self, name: str, *args):
        """``fn(*args)`` in the worker within the budget (``name`` labels errors)."""
        if self._proc is None or not self._proc.is_alive():
            self._kill()
            self._start()
        self._conn.send(args)
        if not self._conn.poll(self.seconds):
            self._kill()
            raise ExtractionTimeout(name, self.seconds)
        try:
            msg = self._conn.recv()
        except EOFError:
            self._kill()
            raise WorkerError(f"{name}: the extraction worker died") from None
        if msg[0] == "ok":
            return msg[1]
        if msg[0] == "input":
            raise InputError(msg[1], msg[2])
        raise WorkerError(f"{name}: {msg[1]}: {msg[2]}")

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
        if self._proc is not None:
            self._proc.join(1)
        self._kill()

    def __enter__(self) -> "BudgetedExtractor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

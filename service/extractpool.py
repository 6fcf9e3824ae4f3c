"""Extraction in worker processes (issue 11.2, 12.2).

``ExtractPool(cache_dir, workers, seconds).run(jobs, on_done)`` extracts
``(label, path, key)`` jobs on ``workers`` processes.  Each worker reads the
file, extracts it and writes ``cache_dir/<key>.txt`` (the decoded original
text, what spans point into: pages show it instead of re-reading or
re-OCR'ing the live file) and ``cache_dir/<key>.json`` (the extraction; it is
written last, so its presence means the file is done — a killed build
resumes from there).  Only a short status crosses the pipe.

Bounded: a file past ``seconds`` gets its worker killed and replaced (the
file is reported and skipped); a worker that dies (a native crash, the OOM
killer) is replaced and its file reported; a worker is recycled after
``recycle`` files or when its RSS passes ``max_rss_mb``, so memory stays
bounded however large the corpus.  One bad file never stops the pool.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import signal
import threading
from pathlib import Path
from typing import Callable, Iterable, Optional

from kg.fsutil import atomic_write
from kg.model import InputError
from kg.budget import extract_with_text
from search.heap import peak_rss_mb


DEFAULT_SECONDS = 120.0


def file_budget(seconds: Optional[float] = None) -> float:
    """Seconds one file may take: ``seconds``, else env ``LEGALKG_FILE_TIMEOUT``, else 120."""
    if seconds is not None:
        return float(seconds)
    return float(os.environ.get("LEGALKG_FILE_TIMEOUT") or DEFAULT_SECONDS)


def extract_to_cache(path: str, label: str, key: str, cache_dir: str) -> dict:
    """Extract one file and write its text and extraction into the cache."""
    ex, text = extract_with_text(path, label)
    folder = Path(cache_dir)
    atomic_write(folder / f"{key}.txt", text)
    atomic_write(folder / f"{key}.json", json.dumps(ex, ensure_ascii=False).encode("utf-8"))
    return {"tasks": len(ex["tasks"]), "warnings": len(ex.get("warnings") or [])}


def _worker(conn, cache_dir: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)          # the parent decides when we stop
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        path, label, key = job
        try:
            info = extract_to_cache(path, label, key, cache_dir)
            conn.send(("ok", info, peak_rss_mb()))
        except InputError as e:
            conn.send(("input", str(e), peak_rss_mb()))
        except MemoryError:
            conn.send(("input", f"{label}: out of memory while extracting; skipped", peak_rss_mb()))
        except Exception as e:                            # noqa: BLE001 - reported, the build goes on
            conn.send(("error", f"{label}: internal error: {type(e).__name__}: {' '.join(str(e).split())[:300]}",
                       peak_rss_mb()))


# Pipe, fork and closing our copy of the child's end happen under one lock:
# a sibling forked in between would inherit that end and keep it open, so a
# worker killed later (SIGKILL, OOM) would read as a time-out, not a death.
_SPAWN_LOCK = threading.Lock()


class _Proc:
    def __init__(self, ctx, cache_dir: str):
        with _SPAWN_LOCK:
            self.conn, child = ctx.Pipe()
            self.proc = ctx.Process(target=_worker, args=(child, cache_dir), daemon=True, name="legalkg-extract")
            self.proc.start()
            child.close()
        self.jobs = 0

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, ValueError, AttributeError):
            pass
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(2)
        self.kill()


class ExtractPool:
    """See the module doc.  ``run`` returns ``{"done", "errors": [one line each]}``."""

    def __init__(self, cache_dir: Path, workers: int = 1, seconds: Optional[float] = None,
                 recycle: int = 500, max_rss_mb: float = 1024.0):
        self.cache_dir = str(cache_dir)
        self.workers = max(1, int(workers))
        self.seconds = file_budget(seconds)
        self.recycle = recycle
        self.max_rss_mb = max_rss_mb
        methods = mp.get_all_start_methods()
        self._ctx = mp.get_context("fork" if "fork" in methods else "spawn")

    def run(self, jobs: Iterable[tuple], on_done: Optional[Callable[[str, str, Optional[str]], None]] = None) -> dict:
        """``jobs``: (label, path, key).  ``on_done(label, key, error_or_None)``
        is called (from a pool thread, serialised) as each file finishes."""
        q: "queue.Queue" = queue.Queue()
        n = 0
        for j in jobs:
            q.put(j)
            n += 1
        errors: list[str] = []
        done_lock = threading.Lock()
        counter = {"done": 0}

        def finish(label, key, err):
            with done_lock:
                counter["done"] += 1
                if err:
                    errors.append(err)
                if on_done is not None:
                    on_done(label, key, err)

        def drive():
            w: Optional[_Proc] = None
            try:
                while True:
                    try:
                        label, path, key = q.get_nowait()
                    except queue.Empty:
                        return
                    if w is None:
                        w = _Proc(self._ctx, self.cache_dir)
                    try:
                        w.conn.send((str(path), label, key))
                        if not w.conn.poll(self.seconds):
                            w.kill()
                            w = None
                            finish(label, key, f"{label}: extraction took longer than {self.seconds:g} s; skipped")
                            continue
                        tag, info, rss = w.conn.recv()
                    except (EOFError, OSError):
                        w.kill()
                        w = None
                        finish(label, key, f"{label}: the extraction worker died on this file; skipped")
                        continue
                    finish(label, key, None if tag == "ok" else info)
                    w.jobs += 1
                    if w.jobs >= self.recycle or rss > self.max_rss_mb:
                        w.stop()
                        w = None
            finally:
                if w is not None:
                    w.stop()

        threads = [threading.Thread(target=drive, name=f"extract-{i}", daemon=True)
                   for i in range(min(self.workers, max(1, n)))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {"done": counter["done"], "errors": errors}

"""Query embeddings for concurrent requests: a micro-batcher.

One worker thread owns the model.  A request puts its question on a queue and
waits; the worker takes every question waiting at that moment (at most
``max_batch``) and embeds them in one forward pass.  With one client a question
is embedded at once (no added wait); with eight concurrent clients the
questions that arrived while the previous batch ran share the next pass, so
the model runs fewer, fuller batches instead of eight single passes in a row.
(The fast tokenizer is not safe for concurrent use either: one owner solves
that too.)  Repeated questions come from a small LRU.

``workers`` model threads (env ``LEGALKG_QUERY_WORKERS``) share the queue:
while one runs a batch, the next takes what arrived meanwhile, so batches run
side by side on separate cores (each pass with one torch thread; the matrix
products release the GIL).  Default: 1 on a machine of up to 2 cores — there
a second worker made smaller batches and cost more per question (8 clients,
loaded 2-core machine: 26-30 vs 31-34 req/s) — else up to 4, one per 2 cores.
Two torch threads inside one pass were far slower still on a busy 2-core
machine (threads spin waiting for each other).
"""
from __future__ import annotations

import os
import queue
import threading
from collections import OrderedDict
from typing import Callable, Optional, Union

import numpy as np


class _Job:
    __slots__ = ("text", "done", "vector", "error")

    def __init__(self, text: str):
        self.text = text
        self.done = threading.Event()
        self.vector = None
        self.error = None


def default_workers() -> int:
    env = os.environ.get("LEGALKG_QUERY_WORKERS")
    if env:
        return max(1, int(env))
    cores = os.cpu_count() or 1
    return 1 if cores <= 2 else min(4, cores // 2)


class QueryEmbedder:
    """``embed(text) -> (384,) float32``; ``encode(list[str]) -> (n, 384)`` is
    the model call (given, so tests can count batches)."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], max_batch: int = 16, cache_size: int = 4096,
                 workers: Optional[int] = None):
        self._encode = encode
        self.max_batch = max_batch
        self.workers = max(1, int(workers)) if workers is not None else default_workers()
        self._queue: "queue.SimpleQueue[_Job]" = queue.SimpleQueue()
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.batches = 0          # forward passes run (for the benchmark and tests)
        self.embedded = 0         # questions embedded

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def embed(self, text: str, timeout: float = 60.0) -> np.ndarray:
        return self.collect(self.submit(text), timeout)

    def submit(self, text: str) -> "Union[np.ndarray, _Job]":
        """Queue ``text`` and return at once (the cached vector, or a handle for
        :meth:`collect`): a request does its lexical work while the model runs."""
        with self._cache_lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        self._ensure_worker()
        job = _Job(text)
        self._queue.put(job)
        return job

    def collect(self, job: "Union[np.ndarray, _Job]", timeout: float = 60.0) -> np.ndarray:
        if not isinstance(job, _Job):
            return job
        text = job.text
        if not job.done.wait(timeout):
            raise TimeoutError("query embedding timed out")
        if job.error is not None:
            raise job.error
        with self._cache_lock:
            self._cache[text] = job.vector
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return job.vector

    def _ensure_worker(self) -> None:
        if len(self._threads) >= self.workers and all(t.is_alive() for t in self._threads):
            return
        with self._start_lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self.workers:
                t = threading.Thread(target=self._run, name=f"legalkg-qembed-{len(self._threads)}", daemon=True)
                t.start()
                self._threads.append(t)

    def _run(self) -> None:
        while True:
            jobs = [self._queue.get()]
            while len(jobs) < self.max_batch:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            texts = list(dict.fromkeys(j.text for j in jobs))
            try:
                vecs = np.asarray(self._encode(texts), dtype=np.float32)
                by_text = {t: vecs[i] for i, t in enumerate(texts)}
                with self._count_lock:
                    self.batches += 1
                    self.embedded += len(texts)
                for j in jobs:
                    j.vector = by_text[j.text]
            except Exception as exc:  # noqa: BLE001 — handed to every waiting request
                for j in jobs:
                    j.error = exc
            for j in jobs:
                j.done.set()

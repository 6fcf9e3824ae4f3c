"""``build --cluster tcp://HOST:PORT``: per-document extraction and the
embedding batches run on a Dask distributed cluster (issue 11.5).

The driver (the ``legalkg build`` process) keeps everything that must be in
one place — the home, its lock, the caches, the vector store, the order of
the results — and ships only work: a file's bytes out and its extraction and
text back; a chunk of passages out and its vectors back.  The chunks are the
same length-sorted chunks a local build makes (``search.embedder``), so the
outputs are byte-identical to a local build's.  Workers need the package
installed and, for embedding, the converted model at the home's
``cache/model`` path (a shared folder, or run ``legalkg build`` once there).
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from distributed import Client, as_completed

from kg.budget import BudgetedExtractor, WorkerError, extract_bytes
from kg.fsutil import atomic_write
from kg.model import InputError
from search import embedder
from search import index as search_index
from search.vectors import text_key

from .extractpool import file_budget


IN_FLIGHT_PER_WORKER = 4


def connect(address: str) -> Client:
    if not isinstance(address, str) or "://" not in address:
        raise InputError(str(address), "--cluster needs a scheduler address like tcp://HOST:PORT")
    try:
        return Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise InputError(address, f"cannot reach the Dask scheduler: {exc}") from None


def _in_flight(client: Client) -> int:
    try:
        n = len(client.scheduler_info().get("workers", {}))
    except Exception:  # noqa: BLE001 - any answer problem: a small default
        n = 1
    return max(1, n) * IN_FLIGHT_PER_WORKER


# ------------------------------------------------------------ extraction --

_runners = threading.local()


def extract_remote(data: bytes, label: str, suffix: str, seconds: float) -> tuple[str, bytes]:
    """On a worker: extract a file given as bytes → (extraction JSON, text
    bytes), within ``seconds``.  Dask runs tasks in threads, which cannot be
    interrupted, so the extraction runs in a killable process kept per worker
    thread (started by a fork server: the worker process has threads of its
    own); a file past its budget kills it and is reported as skipped."""
    runner = getattr(_runners, "runner", None)
    if runner is None or runner.seconds != seconds:
        if runner is not None:
            runner.close()
        runner = _runners.runner = BudgetedExtractor(seconds, fn=extract_bytes, start_method="forkserver")
    return runner.call(label, data, label, suffix)


def extract(client: Client, todo: list, ext_cache: Path,
            on_done: Optional[Callable[[str, str, Optional[str]], None]] = None,
            seconds: Optional[float] = None) -> dict:
    """Extract ``(label, path, key)`` jobs on the cluster into ``ext_cache``
    (as ``ExtractPool.run``), each file within ``seconds`` (default: the
    local build's budget, env ``LEGALKG_FILE_TIMEOUT``)."""
    budget = file_budget(seconds)
    errors: list[str] = []
    jobs = list(todo)
    limit = _in_flight(client)
    futures: dict = {}

    def submit(job):
        label, path, key = job
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            err = f"{label}: cannot read: {exc.strerror or exc}"
            errors.append(err)
            if on_done:
                on_done(label, key, err)
            return None
        f = client.submit(extract_remote, data, label, Path(path).suffix.lower(), budget, pure=False)
        futures[f] = job
        return f

    pending = as_completed([f for f in (submit(j) for j in jobs[:limit]) if f is not None])
    nxt = limit
    done = 0
    for fut in pending:
        label, _, key = futures.pop(fut)
        err = None
        try:
            js, text = fut.result()
            atomic_write(ext_cache / f"{key}.txt", text)
            atomic_write(ext_cache / f"{key}.json", js.encode("utf-8"))
        except (InputError, WorkerError) as exc:
            err = str(exc)
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the build
            err = f"{label}: internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
        if err:
            errors.append(err)
        done += 1
        if on_done:
            on_done(label, key, err)
        while nxt < len(jobs):
            f = submit(jobs[nxt])
            nxt += 1
            if f is not None:
                pending.add(f)
                break
    return {"done": done, "errors": errors}


# ------------------------------------------------------------- embedding --

def embed_remote(inputs: list[str], cache_root: str, batch_size: int, device: Optional[str],
                 precision: Optional[str] = None) -> np.ndarray:
    """On a worker: vectors of already-prefixed passages (one chunk), in the
    precision the driver chose (every chunk of a build alike)."""
    model = search_index.get_model(Path(cache_root))
    dev = embedder.resolve_device(device)
    prec = embedder.pick_precision(dev, precision)
    with embedder.build_threads(None), embedder.placed(model, dev, prec) as work:
        return embedder._encode(work, inputs, batch_size, dev, prec)


def embed(client: Client, model, texts: list[str], store, cache_root: Path, *, device: Optional[str] = None,
          progress: Optional[Callable] = None) -> dict:
    """``search.embedder.embed_to_store`` with the chunks computed on the cluster
    (same keys, same length order, same chunks; results written in order)."""
    dev = embedder.resolve_device(device)
    prec = embedder.pick_precision(dev)
    bs = embedder.CUDA_BATCH if dev == "cuda" else embedder.CPU_BATCH
    ck = bs * 8
    keys = [text_key(t) for t in texts]
    missing = store.missing(keys)
    first: dict = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    todo = [first[k] for k in missing]
    stats = {"total": len(texts), "reused": len(set(keys)) - len(todo), "embedded": 0, "seconds": 0.0,
             "rate": 0.0, "device": dev, "precision": prec, "batch_size": bs}
    if not todo:
        return stats
    t0 = time.perf_counter()
    inputs = embedder.prepare([texts[i] for i in todo])
    lengths = embedder.token_lengths(model, inputs)
    order = np.argsort(-lengths, kind="stable")
    chunks = [order[j:j + ck] for j in range(0, len(order), ck)]
    futures = [client.submit(embed_remote, [inputs[i] for i in sel], str(cache_root),
                             embedder.chunk_batch(lengths[sel].max(), bs, dev), device, prec, pure=False)
               for sel in chunks]
    done = 0
    for sel, fut in zip(chunks, futures):           # written in chunk order: the store's shards as locally
        vecs = fut.result()
        store.add([keys[todo[i]] for i in sel], vecs)
        done += len(sel)
        if progress is not None:
            el = time.perf_counter() - t0
            progress(embedder.EmbedProgress(done, len(todo), el, stats["reused"]))
    secs = time.perf_counter() - t0
    stats.update(embedded=done, seconds=round(secs, 3), rate=round(done / secs, 2) if secs > 0 else 0.0)
    return stats

"""A large build's embedding, run in a child process that exits when done.

Why: the embedding step's memory is the model (~0.6 GB with torch and the
tokenizer) plus what the encoder's working memory leaves in the allocator
(measured on the real corpus: +600-900 MB that stays mapped after the last
batch, whatever the batch size, oneDNN's primitive cache or glibc's arena and
mmap settings).  In the build process it sat under everything that came after
(index, RDF): 2.4-2.8 GB peak for the 14k real pages.  A child process gives
all of it back when it exits, and the build process never loads torch.

The child writes every finished chunk into the same on-disk vector store
(``search.vectors``: one writer at a time, readers need no lock), so the
parent reads the vectors from there, and a killed build keeps what was
written.  The protocol is deliberately plain: the job is a JSON file, the
child prints one JSON object per line on stdout (progress, then the stats or
an error), and its stderr is kept for the error message.  On Linux the child
asks to be killed when its parent dies, so a ``kill -9`` of the build never
leaves an orphan writing into the store.

The child runs on tcmalloc (else jemalloc) where one is installed
(``LD_PRELOAD``; Debian ``libtcmalloc-minimal4``, installed by ``make
setup``): glibc's heap kept the freed activations of the longest batches.
Measured on this 2-core machine, interleaved runs: the 1,024 longest real
passages peaked at 1,417 MB on glibc, 1,176 on jemalloc, 1,182 on tcmalloc;
1,500 random ones at 1,270-1,341 MB on glibc (41-47 passages/s), 1,174-1,177
on tcmalloc (42-54/s), 1,141-1,143 on jemalloc (37-41/s: its purging costs
~10 %, so it is second).  ``LEGALKG_EMBED_MALLOC=system`` keeps glibc's; a
``LD_PRELOAD`` already set is left alone.

Run as ``python -m search.embedjob JOB.json`` (by :func:`embed_in_child`).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

_PR_SET_PDEATHSIG = 1
_STDERR_TAIL = 2000           # characters of the child's stderr kept for an error
MALLOC_SETTINGS = ("auto", "system")
_ALLOCATORS = ("tcmalloc_minimal", "jemalloc")      # preferred first (ctypes.util.find_library names)
# jemalloc: give freed pages back within a second, from its own thread
_JEMALLOC_CONF = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0"


class EmbedJobError(RuntimeError):
    """The embedding child failed (its message says how)."""


def embed_in_child(cache_root: Path, texts: Sequence[str], *, model: str, dim: int,
                   device: Optional[str] = None, chunk: Optional[int] = None,
                   progress: Optional[Callable[[int, int], None]] = None) -> dict:
    """Embed ``texts`` (the ones not in the store yet) into the vector store
    of ``cache_root`` in a child process; ``progress(done, total)`` as chunks
    finish.  Returns ``search.embedder.embed_to_store``'s stats; raises
    :class:`EmbedJobError` when the child fails or dies.  (:func:`write_job`
    then :func:`run_job`, for a caller that drops its texts in between.)"""
    return run_job(write_job(cache_root, texts, model=model, dim=dim, device=device, chunk=chunk), progress)


def write_job(cache_root: Path, texts: Iterable[str], *, model: str, dim: int,
              device: Optional[str] = None, chunk: Optional[int] = None) -> Path:
    """The job file of an embedding child (in the vector store's folder)."""
    cache_root = Path(cache_root).resolve()     # the child runs in the package's folder
    vectors = cache_root / "vectors"
    vectors.mkdir(parents=True, exist_ok=True)
    job = {"cache": str(cache_root), "model": model, "dim": dim, "device": device, "chunk": chunk,
           "texts": list(texts)}
    fd, job_path = tempfile.mkstemp(dir=vectors, prefix=".job-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(job, fh, ensure_ascii=False)
    return Path(job_path)


def run_job(job_path: Path, progress: Optional[Callable[[int, int], None]] = None) -> dict:
    """Run the child on ``job_path`` (removed afterwards); see :func:`embed_in_child`."""
    try:
        return _run(str(job_path), progress)
    finally:
        try:
            os.unlink(job_path)
        except OSError:
            pass


def malloc_setting() -> str:
    """env ``LEGALKG_EMBED_MALLOC``: ``auto`` (default: tcmalloc, else
    jemalloc, where installed) or ``system``; ValueError otherwise."""
    value = (os.environ.get("LEGALKG_EMBED_MALLOC") or "auto").strip().lower()
    if value not in MALLOC_SETTINGS:
        raise ValueError(f"LEGALKG_EMBED_MALLOC={value!r}: expected one of {', '.join(MALLOC_SETTINGS)}")
    return value


def preload(env: dict) -> Optional[str]:
    """The allocator library the child is started with (None: the system's)."""
    if env.get("LD_PRELOAD") or malloc_setting() == "system" or not sys.platform.startswith("linux"):
        return None
    for name in _ALLOCATORS:
        lib = ctypes.util.find_library(name)
        if lib:
            return lib
    return None


def _run(job_path: str, progress) -> dict:
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    lib = preload(env)
    if lib:
        env["LD_PRELOAD"] = lib
        if "jemalloc" in lib:
            env.setdefault("MALLOC_CONF", _JEMALLOC_CONF)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "search.embedjob", job_path], stdout=subprocess.PIPE,
                                stderr=err, env=env, cwd=root)
        stats, failure = None, None
        try:
            for raw in proc.stdout:
                try:
                    msg = json.loads(raw)
                except ValueError:
                    continue                  # a library's stray print
                if "done" in msg and progress is not None:
                    progress(int(msg["done"]), int(msg["total"]))
                elif "stats" in msg:
                    stats = msg["stats"]
                elif "error" in msg:
                    failure = msg["error"]
            rc = proc.wait()
        except BaseException:
            proc.kill()                       # interrupted: the child must not outlive the build
            proc.wait()
            raise
        finally:
            proc.stdout.close()
        if rc == 0 and stats is not None:
            return stats
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-_STDERR_TAIL:].strip()
        if failure is None:
            how = f"killed by signal {-rc}" if rc < 0 else f"exit status {rc}"
            failure = f"embedding process ended ({how})" + (f": {tail.splitlines()[-1]}" if tail else "")
        raise EmbedJobError(failure)


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent exits (a killed build)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return


def allocator() -> str:
    """The allocator this process runs on: jemalloc, tcmalloc or system."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return "system"
    for name in ("jemalloc", "tcmalloc"):
        if name in maps:
            return name
    return "system"


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str]) -> int:
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:               # the parent died before the request took effect
        return 1
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent decides when we stop
    try:
        job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
        # torch is imported here, in the child, never in the build process
        index = importlib.import_module("search.index")
        embedder = importlib.import_module("search.embedder")
        vectors = importlib.import_module("search.vectors")
        cache = Path(job["cache"])
        store = vectors.open_store(cache / "vectors", job["model"], job["dim"])
        model = index.get_model(cache)

        def report(p) -> None:
            _emit({"done": p.done, "total": p.total})
        # handed over, not kept here: embed_to_store drops the raw texts once it has their keys
        stats = embedder.embed_to_store(model, job.pop("texts"), store, device=job["device"], chunk=job["chunk"],
                                        progress=report)
        store.close()
        stats["allocator"] = allocator()
    except Exception as exc:                  # noqa: BLE001 - reported to the parent, which raises
        _emit({"error": f"embedding failed: {type(exc).__name__}: {' '.join(str(exc).split())[:500]}"})
        return 1
    _emit({"stats": stats})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

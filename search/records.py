"""The search records of a build, kept on disk and read one at a time.

A build writes one JSON object per line (``index/records.jsonl``: the passage
and its task / assignment row and document, see ``search.index.passages_from``).
Serving reads a record by its line's offset (``os.pread``) when a question's
top rows, an agency's rows or a filter need it, and keeps the most recent
ones decoded.  Why not the list in memory: at 47,596 passages of the real
corpus the parsed records held 335 MB of the server's 1.7 GB (the rows carry
long assignment texts), while a question reads a few dozen of them.  Reading
by ``pread`` rather than through a memory map keeps the file in the page cache,
shared by every worker process and not counted in any worker's RSS.

Builds made before this format have ``records.json`` (one JSON array): it is
still read, whole, into a list.
"""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Union

import numpy as np
import orjson

from kg.fsutil import atomic_path

RECORDS_FILE = "records.jsonl"
LEGACY_FILE = "records.json"
CACHE_SIZE = 2048             # decoded records kept (a question reads ~50-200)
_CHUNK = 1 << 20


def write(path: Path, records: Iterable[dict]) -> None:
    """Write ``records.jsonl`` atomically: one compact JSON object per line
    (JSON escapes every newline inside a string, so a line is a record),
    streamed a line at a time: the whole file in memory is ~4 KB per record,
    and a join's list of lines as much again (measured on the real corpus: +680 MB at the end of a
    build's index step for 190 MB of records)."""
    with atomic_path(path) as tmp, open(tmp, "wb", buffering=_CHUNK) as fh:
        for r in records:
            fh.write(orjson.dumps(r))
            fh.write(b"\n")


def exists(index_dir: Path) -> bool:
    return (Path(index_dir) / RECORDS_FILE).exists() or (Path(index_dir) / LEGACY_FILE).exists()


def open_records(index_dir: Path) -> Sequence[dict]:
    """The records of a built index: a :class:`RecordFile` over
    ``records.jsonl``, or the list of an older build's ``records.json``."""
    index_dir = Path(index_dir)
    path = index_dir / RECORDS_FILE
    if path.exists():
        return RecordFile(path)
    return json.loads((index_dir / LEGACY_FILE).read_text(encoding="utf-8"))


def read_all(index_dir: Path) -> list[dict]:
    """Every record, decoded (tests, tools)."""
    recs = open_records(index_dir)
    out = list(recs)
    if isinstance(recs, RecordFile):
        recs.close()
    return out


class RecordFile(Sequence):
    """``records.jsonl`` as a read-only sequence of dicts: ``len``, ``[i]``
    (decoded on demand, the last :data:`CACHE_SIZE` kept) and iteration (one
    sequential read of the file, nothing cached).  Safe for several threads."""

    def __init__(self, path: Path, cache_size: int = CACHE_SIZE):
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self._offsets = _line_offsets(self._fd)
        self._cache: "OrderedDict[int, dict]" = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: Union[int, slice]):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"record {i} of {n}")
        with self._lock:
            hit = self._cache.get(i)
            if hit is not None:
                self._cache.move_to_end(i)
                return hit
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        rec = orjson.loads(os.pread(self._fd, end - start, start))
        with self._lock:
            self._cache[i] = rec
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return rec

    def __iter__(self) -> Iterator[dict]:
        # whole lines ~1 MB at a time, by offset from our descriptor (the path
        # may be gone: a newer build swapped in and the old one removed)
        offs, n, i = self._offsets, len(self), 0
        while i < n:
            j = min(n, max(i + 1, int(np.searchsorted(offs, offs[i] + _CHUNK, side="right")) - 1))
            base = int(offs[i])
            buf = memoryview(os.pread(self._fd, int(offs[j]) - base, base))
            for k in range(i, j):
                yield orjson.loads(buf[int(offs[k]) - base:int(offs[k + 1]) - base])
            i = j

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self):          # the descriptor of a dropped engine (a swapped build)
        try:
            self.close()
        except OSError:
            pass


def _line_offsets(fd: int) -> np.ndarray:
    """Start of every line and the end of the last: (n + 1,) int64, found by
    reading the file in 1 MB chunks (no copy of it kept)."""
    starts = [np.zeros(1, dtype=np.int64)]
    pos = 0
    size = os.fstat(fd).st_size
    while pos < size:
        chunk = os.pread(fd, min(_CHUNK, size - pos), pos)
        if not chunk:
            break
        nl = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
        starts.append(nl.astype(np.int64) + pos + 1)
        pos += len(chunk)
    offs = np.concatenate(starts)
    if offs[-1] != size:              # a last line without its newline
        offs = np.append(offs, size)
    return offs

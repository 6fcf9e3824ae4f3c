"""On-disk, append-only, resumable embedding store.

Layout of one store (one folder per model, e.g. ``cache/vectors/<model-slug>/``)::

    meta.json                 {"format": 1, "model": ..., "dim": 384, "dtype": "float32"}
    index.sqlite              key (text hash) -> (shard, row); WAL mode
    shards/000001.npy ...     float32 (rows, dim) arrays, one per written batch
    .lock                     flock'ed by the (single) writer

Writing a batch (:meth:`VectorStore.add`): the shard is written to a temporary
file, fsync'ed, renamed into place (atomic), the folder fsync'ed, and only then
the keys are committed to sqlite in one transaction.  A writer killed at any
moment loses at most the batch in flight; a shard renamed but never committed is
an orphan that :meth:`compact` removes.  Nothing already written is ever
rewritten by ``add``.

Reads (:meth:`get`, :meth:`lookup`) need no lock: sqlite in WAL mode gives each
reader a consistent snapshot, and shards are immutable once named, read with
``np.load(mmap_mode="r")``.  :meth:`compact` (garbage collection on request)
writes the live vectors into new shards, switches the keys in one transaction
and only then deletes the old shards; a reader that raced it retries its lookup.

Keys are ``sha1(text)`` hex digests of the exact text that was embedded (use
:func:`text_key`); the model name is part of the metadata, and opening a store
with another model or dimension raises ``ValueError``.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence

import numpy as np

from kg.fsutil import atomic_path, atomic_write

FORMAT = 1
_CHUNK = 500                 # keys per sqlite IN (...) query
_OPEN_SHARDS = 256           # memory maps kept open per store object


def text_key(text: str) -> str:
    """The store key of a text: sha1 of its UTF-8 bytes (as EmbeddingCache)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def model_slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("._") or "model"


# np.load parses the .npy header with ast.literal_eval; on CPython 3.11 two threads
# doing that at once can fail with "SystemError: AST constructor recursion depth
# mismatch" (CPython gh-106905), so header parsing is serialised.
_NPY_HEADER_LOCK = threading.Lock()


def _load_npy(path: Path) -> np.ndarray:
    with _NPY_HEADER_LOCK:
        return np.load(path, mmap_mode="r")


class VectorStore:
    """Content-hash -> float32 vector store of one model (see module doc).

    ``VectorStore(folder, model, dim)`` creates or opens; ``read_only=True``
    never creates anything and never takes the writer lock."""

    def __init__(self, folder: Path, model: str, dim: int, read_only: bool = False):
        self.folder = Path(folder)
        self.model = str(model)
        self.dim = int(dim)
        self.read_only = read_only
        self.shards = self.folder / "shards"
        meta = self.folder / "meta.json"
        want = {"format": FORMAT, "model": self.model, "dim": self.dim, "dtype": "float32"}
        if meta.exists():
            have = json.loads(meta.read_text(encoding="utf-8"))
            if (have.get("model"), have.get("dim"), have.get("format")) != (self.model, self.dim, FORMAT):
                raise ValueError(f"{self.folder}: vector store of {have.get('model')!r} dim {have.get('dim')}, "
                                 f"not {self.model!r} dim {self.dim}")
        elif read_only:
            raise FileNotFoundError(f"{self.folder}: no vector store here")
        else:
            self.shards.mkdir(parents=True, exist_ok=True)
            atomic_write(meta, json.dumps(want).encode("utf-8"))
        self._local = threading.local()
        self._maps: "OrderedDict[int, np.ndarray]" = OrderedDict()
        self._maps_lock = threading.Lock()
        if not read_only:
            with self._writer():
                db = self._db()
                db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, shard INTEGER NOT NULL,"
                           " row INTEGER NOT NULL) WITHOUT ROWID")
                db.commit()

    # ------------------------------------------------------------ plumbing --
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            path = self.folder / "index.sqlite"
            if self.read_only:
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
            else:
                db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def _writer(self) -> Iterator[None]:
        if self.read_only:
            raise PermissionError(f"{self.folder}: vector store opened read-only")
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _shard_path(self, shard: int) -> Path:
        return self.shards / f"{shard:06d}.npy"

    def _next_shard(self) -> int:
        row = self._db().execute("SELECT MAX(shard) FROM vec").fetchone()
        top = row[0] or 0
        for p in self.shards.glob("*.npy"):          # orphans of a killed writer count too
            if p.stem.isdigit():
                top = max(top, int(p.stem))
        return top + 1

    def _map(self, shard: int) -> np.ndarray:
        with self._maps_lock:
            arr = self._maps.get(shard)
            if arr is not None:
                self._maps.move_to_end(shard)
                return arr
        arr = _load_npy(self._shard_path(shard))
        with self._maps_lock:
            self._maps[shard] = arr
            while len(self._maps) > _OPEN_SHARDS:
                self._maps.popitem(last=False)
        return arr

    def _locate(self, keys: Sequence[str]) -> dict[str, tuple[int, int]]:
        db = self._db()
        out: dict[str, tuple[int, int]] = {}
        uniq = list(dict.fromkeys(keys))
        for i in range(0, len(uniq), _CHUNK):
            part = uniq[i:i + _CHUNK]
            q = f"SELECT key, shard, row FROM vec WHERE key IN ({','.join('?' * len(part))})"
            for k, s, r in db.execute(q, part):
                out[k] = (s, r)
        return out

    # ------------------------------------------------------------ reading --
    def __len__(self) -> int:
        return int(self._db().execute("SELECT COUNT(*) FROM vec").fetchone()[0])

    def __contains__(self, key: str) -> bool:
        return bool(self._locate([key]))

    def lookup(self, keys: Sequence[str]) -> set[str]:
        """The subset of ``keys`` present in the store."""
        return set(self._locate(keys))

    def missing(self, keys: Sequence[str]) -> list[str]:
        """``keys`` not in the store, first occurrence order, without duplicates."""
        have = self.lookup(keys)
        return [k for k in dict.fromkeys(keys) if k not in have]

    def get(self, keys: Sequence[str]) -> np.ndarray:
        """(len(keys), dim) float32 array in the order of ``keys``; KeyError
        names the first key that is absent."""
        for attempt in range(3):
            where = self._locate(keys)
            out = np.empty((len(keys), self.dim), dtype=np.float32)
            try:
                by_shard: dict[int, list[tuple[int, int]]] = {}
                for i, k in enumerate(keys):
                    if k not in where:
                        raise KeyError(f"{k}: not in the vector store")
                    s, r = where[k]
                    by_shard.setdefault(s, []).append((i, r))
                for s, pairs in by_shard.items():
                    arr = self._map(s)
                    idx = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
                    rows = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
                    out[idx] = arr[rows]
                return out
            except FileNotFoundError:
                # a compaction removed a shard between our lookup and the read: look again
                with self._maps_lock:
                    self._maps.clear()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def keys(self) -> Iterator[str]:
        for (k,) in self._db().execute("SELECT key FROM vec"):
            yield k

    # ------------------------------------------------------------ writing --
    def add(self, keys: Sequence[str], vectors: np.ndarray) -> int:
        """Append one batch as one shard (see module doc); keys already
        present are skipped.  Returns the number of vectors written."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim or len(vectors) != len(keys):
            raise ValueError(f"expected ({len(keys)}, {self.dim}) vectors, got {vectors.shape}")
        with self._writer():
            have = self.lookup(keys)
            take, seen = [], set()
            for i, k in enumerate(keys):
                if k not in have and k not in seen:
                    seen.add(k)
                    take.append(i)
            if not take:
                return 0
            shard = self._next_shard()
            self._write_shard(shard, np.ascontiguousarray(vectors[take]))
            db = self._db()
            with db:
                db.executemany("INSERT OR IGNORE INTO vec (key, shard, row) VALUES (?, ?, ?)",
                               [(keys[i], shard, r) for r, i in enumerate(take)])
            return len(take)

    def _write_shard(self, shard: int, arr: np.ndarray) -> None:
        with atomic_path(self._shard_path(shard), suffix=".npy", durable_dir=True) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, arr, allow_pickle=False)

    def compact(self, keep: Optional[Iterable[str]] = None, shard_rows: int = 65536) -> dict:
        """Garbage-collect: keep only ``keep`` (all present keys when None),
        merge them into shards of ``shard_rows`` rows, drop orphan shards and
        temporary files.  Returns {"kept", "dropped", "shards_before", "shards_after"}."""
        with self._writer():
            db = self._db()
            rows = db.execute("SELECT key, shard, row FROM vec ORDER BY shard, row").fetchall()
            wanted = None if keep is None else set(keep)
            live = [(k, s, r) for k, s, r in rows if wanted is None or k in wanted]
            before = sorted(int(p.stem) for p in self.shards.glob("*.npy") if p.stem.isdigit())
            start = self._next_shard()
            mapping: list[tuple[int, int, str]] = []
            new_shards = []
            for j in range(0, len(live), shard_rows):
                part = live[j:j + shard_rows]
                arr = np.empty((len(part), self.dim), dtype=np.float32)
                by_shard: dict[int, list[tuple[int, int]]] = {}
                for i, (_, s, r) in enumerate(part):
                    by_shard.setdefault(s, []).append((i, r))
                for s, pairs in by_shard.items():
                    src = _load_npy(self._shard_path(s))
                    arr[[p[0] for p in pairs]] = src[[p[1] for p in pairs]]
                sid = start + len(new_shards)
                self._write_shard(sid, arr)
                new_shards.append(sid)
                mapping.extend((sid, i, k) for i, (k, _, _) in enumerate(part))
            with db:
                db.execute("DELETE FROM vec")
                db.executemany("INSERT INTO vec (shard, row, key) VALUES (?, ?, ?)", mapping)
            for s in before:
                try:
                    os.unlink(self._shard_path(s))
                except OSError:
                    pass
            for p in self.shards.glob(".tmp-*"):
                try:
                    p.unlink()
                except OSError:
                    pass
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with self._maps_lock:
                self._maps.clear()
            return {"kept": len(live), "dropped": len(rows) - len(live),
                    "shards_before": len(before), "shards_after": len(new_shards)}

    def import_npz(self, path: Path, batch: int = 4096) -> int:
        """Bring in an old ``EmbeddingCache`` archive (hash -> vector)."""
        n = 0
        with np.load(path) as z:
            names = [k for k in z.files if k not in self.lookup(z.files)]
            for i in range(0, len(names), batch):
                part = names[i:i + batch]
                n += self.add(part, np.stack([z[k] for k in part]).astype(np.float32))
        return n

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        with self._maps_lock:
            self._maps.clear()


def open_store(root: Path, model: str, dim: int, read_only: bool = False) -> VectorStore:
    """The store of ``model`` under ``root`` (``root/<model-slug>``)."""
    return VectorStore(Path(root) / model_slug(model), model, dim, read_only=read_only)

"""Dense vector index chosen by size, persisted with FAISS.

* ``flat``  (n < ``FLAT_MAX``): exact inner product (IndexFlatIP).
* ``hnsw``  (n < ``HNSW_MAX``): IndexHNSWFlat, inner product (M=32,
  efConstruction=80, efSearch=256: recall@10 ~1.0 on e5 vectors).
* ``ivfpq`` (n >= ``HNSW_MAX``): ``IVF{nlist},PQ{dim/4}`` trained on a sample,
  with an SQ8 re-ranking stage (``Refine(SQ8)``) so recall stays high while the
  index holds ~(m + dim) bytes per vector instead of 4*dim (+ HNSW links).

Vectors are expected L2-normalised (inner product = cosine).  ``save`` writes
``<path>`` (FAISS's own format, atomic rename) and ``<path>.json`` (kind,
count, dimension, search parameters); ``load`` reads them back, memory-mapped
where FAISS supports it (``IO_FLAG_MMAP_IFC`` for flat codes, ``IO_FLAG_MMAP``
otherwise), so several serving processes share one copy in the page cache.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import faiss
import numpy as np

from kg.fsutil import atomic_path, atomic_write

FLAT_MAX = 50_000
HNSW_MAX = 1_000_000
KINDS = ("flat", "hnsw", "ivfpq")


def choose_kind(n: int, flat_max: int = FLAT_MAX, hnsw_max: int = HNSW_MAX) -> str:
    if n < flat_max:
        return "flat"
    if n < hnsw_max:
        return "hnsw"
    return "ivfpq"


def _pq_m(dim: int) -> int:
    """Sub-quantisers: ~4 dimensions each (96 bytes for 384-d e5), a divisor of
    ``dim``; 8 dimensions each lost ~15 points of recall@10 on clustered data."""
    want = max(1, dim // 4)
    for m in range(want, 0, -1):
        if dim % m == 0:
            return m
    return 1


@dataclass
class VectorIndex:
    index: "faiss.Index"
    kind: str
    params: dict = field(default_factory=dict)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the ``k`` nearest (ids -1 where fewer exist)."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(int(k), max(1, self.ntotal)))
        return self.index.search(q, k)

    def set_search_params(self, ef_search: Optional[int] = None, nprobe: Optional[int] = None,
                          k_factor: Optional[float] = None) -> None:
        if ef_search is not None and self.kind == "hnsw":
            self.index.hnsw.efSearch = int(ef_search)
            self.params["ef_search"] = int(ef_search)
        if self.kind == "ivfpq":
            if nprobe is not None:
                faiss.extract_index_ivf(self.index).nprobe = int(nprobe)
                self.params["nprobe"] = int(nprobe)
            if k_factor is not None and hasattr(self.index, "k_factor"):
                self.index.k_factor = float(k_factor)
                self.params["k_factor"] = float(k_factor)

    # ---------------------------------------------------------- persist --
    def save(self, path: Path) -> None:
        """The index, then its ``.json`` (each atomically: temp file, fsync, rename)."""
        path = Path(path)
        meta = {"kind": self.kind, "ntotal": self.ntotal, "dim": self.dim, "params": self.params}
        with atomic_path(path, suffix=".faiss") as tmp:
            faiss.write_index(self.index, tmp)
        atomic_write(Path(str(path) + ".json"), json.dumps(meta).encode("utf-8"))


def build(vectors: np.ndarray, kind: Optional[str] = None, *, flat_max: int = FLAT_MAX,
          hnsw_max: int = HNSW_MAX, hnsw_m: int = 32, ef_construction: int = 80, ef_search: int = 256,
          nlist: Optional[int] = None, pq_m: Optional[int] = None, nprobe: Optional[int] = None,
          train_size: Optional[int] = None, k_factor: float = 8.0, refine: bool = True,
          seed: int = 1234, dim: Optional[int] = None) -> VectorIndex:
    """Index ``vectors`` ((n, d) float32); ``kind`` None chooses by n."""
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        if x.size == 0:
            x = np.zeros((0, dim or 384), dtype=np.float32)
        else:
            raise ValueError(f"expected an (n, d) array, got shape {x.shape}")
    n, d = x.shape
    kind = kind or choose_kind(n, flat_max, hnsw_max)
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r} (use {', '.join(KINDS)})")
    params: dict = {}
    if kind == "flat":
        index = faiss.IndexFlatIP(d)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.hnsw.efSearch = ef_search
        params = {"m": hnsw_m, "ef_construction": ef_construction, "ef_search": ef_search}
    else:
        nl = int(nlist or min(65536, max(16, round(4 * math.sqrt(max(n, 1))))))
        m = int(pq_m or _pq_m(d))
        spec = f"IVF{nl},PQ{m}" + (",Refine(SQ8)" if refine else "")
        index = faiss.index_factory(d, spec, faiss.METRIC_INNER_PRODUCT)
        ts = int(min(n, train_size or max(40 * nl, 10_000)))
        if ts < nl:
            raise ValueError(f"ivfpq needs at least nlist={nl} training vectors, got {n}")
        rng = np.random.default_rng(seed)
        sample = x[np.sort(rng.choice(n, ts, replace=False))] if ts < n else x
        index.train(sample)
        np_ = int(nprobe or max(8, nl // 16))
        faiss.extract_index_ivf(index).nprobe = np_
        params = {"spec": spec, "nlist": nl, "pq_m": m, "nprobe": np_, "train_size": ts}
        if refine:
            index.k_factor = float(k_factor)
            params["k_factor"] = float(k_factor)
    if n:
        step = 100_000
        for i in range(0, n, step):
            index.add(x[i:i + step])
    return VectorIndex(index, kind, params)


def load(path: Path, mmap: bool = True) -> VectorIndex:
    """Read an index written by :meth:`VectorIndex.save`."""
    path = Path(path)
    meta_path = Path(str(path) + ".json")
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    index = None
    if mmap:
        flags = [f for f in (getattr(faiss, "IO_FLAG_MMAP_IFC", None), faiss.IO_FLAG_MMAP) if f is not None]
        for flag in flags:
            try:
                index = faiss.read_index(str(path), flag)
                break
            except RuntimeError:
                continue
    if index is None:
        index = faiss.read_index(str(path))
    kind = meta.get("kind") or _kind_of(index)
    vi = VectorIndex(index, kind, dict(meta.get("params") or {}))
    p = vi.params
    vi.set_search_params(ef_search=p.get("ef_search"), nprobe=p.get("nprobe"), k_factor=p.get("k_factor"))
    return vi


def _kind_of(index) -> str:
    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(index, faiss.IndexFlat):
        return "flat"
    return "ivfpq"


def recall_at_k(approx_ids: np.ndarray, exact_ids: np.ndarray, k: int = 10) -> float:
    """Mean |approx top-k ∩ exact top-k| / k."""
    hits = sum(len(set(a[:k].tolist()) & set(e[:k].tolist())) for a, e in zip(approx_ids, exact_ids))
    return hits / (k * len(exact_ids)) if len(exact_ids) else 1.0

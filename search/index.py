"""Build-time side of search: passages from the extractions, their e5
embeddings (cached by content hash, so a rebuild embeds only new text), and
the FAISS index; plus the process-wide model loader used at query time.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from pathlib import Path

import faiss
import numpy as np

from kg.fsutil import atomic_path

from . import records
from .devices import query_graph_setting
from .e5model import (bf16_linear_copy, embed_passages, embed_queries, load_embedder, quantize_for_queries,
                      query_precision)

# Exact inner product below this many passages, HNSW above.  Measured here
# (bench/search_latency.py, e5 vectors): exact 1.0 / 5.4 / 10.4 ms per query at
# 10k / 50k / 100k; HNSW (M=32, efSearch=256) ~0.4 ms with recall@10 1.000.
HNSW_THRESHOLD = 50_000
def passages_from(extractions: list[dict]) -> list[dict]:
    """One search record per task and per assignment duty: ``{"kind", "passage",
    "task", "document"}``."""
    recs = []
    for ex in extractions:
        d = ex["document"]
        doc = {"id": d["id"], "number": d.get("number"), "province": d.get("province"),
               "title": d.get("title"), "type": d.get("type"), "date": d.get("date")}
        for t in ex["tasks"]:
            parts = [t["text"]]
            objective = t.get("objective")
            if objective == t["text"]:
                objective = None
            if t.get("section_title"):
                parts.append(t["section_title"])
            if t.get("product"):
                parts.append(t["product"])
            if d.get("title"):
                parts.append(d["title"])
            recs.append({"kind": "task", "passage": " | ".join(p for p in parts if p),
                         "task": {"id": t["id"], "text": t["text"], "section": t.get("section"),
                                  "section_title": t.get("section_title"), "no": t.get("no"),
                                  "lead": t["lead"], "support": t["support"], "deadline": t.get("deadline"),
                                  "deadline_range": t.get("deadline_range"), "product": t.get("product"),
                                  "objective": objective},
                         "document": doc})
            if objective:
                # the row's "Mục tiêu" cell (the measurable target a question often names: "đạt tỷ lệ tối
                # thiểu 30%, 20%, 15%") as a passage of its own for the same row, after the row's first
                # one: put into the task's passage it diluted the task text
                recs.append({**recs[-1], "passage": " | ".join(p for p in [objective] + parts[1:] if p)})
        for a in ex["assignments"]:
            # one passage per duty bullet: a long list of duties would drown any one of them
            for duty in split_duties(a["text"]):
                recs.append({"kind": "assignment",
                             "passage": f"{a['agency']}: {duty}" + (f" | {d['title']}" if d.get("title") else ""),
                             "task": {"id": a["id"], "text": duty, "assignment_text": a["text"],
                                      "section": None, "no": None, "lead": [a["agency"]],
                                      "agencies": a.get("agencies", []), "support": [], "deadline": None},
                             "document": doc})
    return recs


def split_duties(text: str, max_len: int = 600) -> list[str]:
    """'- Chủ trì …; - Phối hợp …' → one string per bullet (long ones cut at sentences)."""
    parts = [p.strip(" ;.") for p in re.split(r"(?:^|\s)[-+•]\s+(?=\S)", text) if p.strip(" ;.")]
    out = []
    for p in parts or [text]:
        while len(p) > max_len:
            cut = p.rfind(". ", 0, max_len)
            cut = cut if cut > max_len // 3 else max_len
            out.append(p[:cut].strip())
            p = p[cut:].strip(" .")
        if p:
            out.append(p)
    return out


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Content-hash → vector store (one .npz file), shared by all builds of a home."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / "e5-small.npz"
        self.data: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path) as z:
                    self.data = {k: z[k] for k in z.files}
            except (OSError, ValueError):
                self.data = {}

    def save(self):
        with atomic_path(self.path, suffix=".npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, **self.data)


_MODEL_LOCK = threading.Lock()
_MODELS: dict[str, object] = {}


def get_model(cache_root: Path):
    """Load (once per process and cache folder) the converted e5 model."""
    key = str(Path(cache_root).resolve())
    with _MODEL_LOCK:
        if key not in _MODELS:
            _MODELS[key] = load_embedder(Path(cache_root) / "model")
        return _MODELS[key]


def get_query_model(cache_root: Path, precision: str | None = None):
    """The model questions are embedded with: :func:`get_model`'s fp32 model,
    or (``precision`` / env ``LEGALKG_QUERY_PRECISION``) its int8 or bf16
    copy, made once per process (bf16 runs under autocast:
    ``search.e5model.embed_queries``)."""
    precision = precision or query_precision()
    base = get_model(cache_root)
    if precision == "fp32":
        return base
    key = str(Path(cache_root).resolve()) + "#" + precision
    with _MODEL_LOCK:
        if key not in _MODELS:
            _MODELS[key] = (quantize_for_queries if precision == "int8" else bf16_linear_copy)(base)
        return _MODELS[key]


def get_query_encoder(cache_root: Path, precision: str | None = None):
    """``texts -> (n, 384) float32`` for questions at serving time: the
    :func:`get_query_model` of ``precision`` traced as one TorchScript graph
    (``search.qgraph``: it runs without taking the GIL between operators),
    made once per process; ``LEGALKG_QUERY_GRAPH=eager`` uses the eager model."""
    precision = precision or query_precision()
    graph = query_graph_setting()
    key = f"{Path(cache_root).resolve()}#{precision}#{graph}"
    with _MODEL_LOCK:
        encoder = _ENCODERS.get(key)
    if encoder is None:
        if graph == "eager":
            encoder = functools.partial(embed_queries, get_query_model(cache_root, precision), precision=precision)
        else:
            # imports torch (2.3 s): here, when the first question is embedded, not at start-up
            from .qgraph import query_encoder
            # bf16: the graph copies the fp32 model's layers itself, and its eager check runs autocast over
            # the fp32 weights (the same vectors as the bf16-Linear copy), so that 42 MB copy is not made;
            # int8: the cached quantised model, traced as it is
            encoder = query_encoder(get_model(cache_root) if precision == "bf16"
                                    else get_query_model(cache_root, precision), precision)
        with _MODEL_LOCK:
            encoder = _ENCODERS.setdefault(key, encoder)
    return encoder


_ENCODERS: dict[str, object] = {}
_THREADS_SET = False


def query_threads() -> None:
    """One torch thread per query embedding (env LEGALKG_QUERY_THREADS).

    Measured on the 2-core machine with other work running: 2 threads gave
    p50 160 ms / p95 460 ms per query (threads spin against each other and
    against concurrent requests), 1 thread 32 / 35 ms."""
    global _THREADS_SET
    if not _THREADS_SET:
        # torch is imported here, not at the top: 2.3 s measured, and `legalkg extract`
        # / `cites` / the web pages never need it
        import torch
        torch.set_num_threads(max(1, int(os.environ.get("LEGALKG_QUERY_THREADS", "1"))))
        _THREADS_SET = True


def embed_passages_cached(texts: list[str], cache_root: Path) -> np.ndarray:
    """Vectors of ``texts`` (float32, 384 wide), embedding only those not in
    the cache under ``cache_root/embeddings``."""
    cache = EmbeddingCache(Path(cache_root) / "embeddings")
    hashes = [_hash(t) for t in texts]
    missing = [i for i, h in enumerate(hashes) if h not in cache.data]
    if missing:
        model = get_model(cache_root)
        vecs = embed_passages(model, [texts[i] for i in missing])
        for i, v in zip(missing, vecs):
            cache.data[hashes[i]] = np.asarray(v, dtype=np.float32)
        cache.save()
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([cache.data[h] for h in hashes]).astype(np.float32)


def make_faiss_index(vectors: np.ndarray):
    """Exact inner product below ``HNSW_THRESHOLD`` vectors, HNSW above."""
    d = vectors.shape[1] if vectors.ndim == 2 and len(vectors) else 384
    if len(vectors) >= HNSW_THRESHOLD:
        index = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 256
    else:
        index = faiss.IndexFlatIP(d)
    if len(vectors):
        index.add(vectors)
    return index


def build_index(extractions: list[dict], index_dir: Path, cache_root: Path) -> None:
    """Write ``records.jsonl`` (one passage per task / assignment duty) and
    ``dense.faiss`` into ``index_dir``; ``cache_root`` holds the converted
    model and the embedding cache."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    recs = passages_from(extractions)
    vecs = embed_passages_cached([r["passage"] for r in recs], Path(cache_root))
    faiss.write_index(make_faiss_index(vecs), str(index_dir / "dense.faiss"))
    records.write(index_dir / records.RECORDS_FILE, recs)



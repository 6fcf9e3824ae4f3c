"""The search engine's compact per-corpus structures give what the plain
Python structures they replaced gave (serving memory at 47k passages)."""
from __future__ import annotations

from array import array

import numpy as np

from kg.vntext import has_marks, search_key
from search import heap, vindex
from search.engine import SearchEngine, _flat_view, _postings
from search.rows import _WORD, matches
from search.rows import accent_table as _accent_table


def test_postings_are_the_rows_holding_each_token():
    docs = [[0, 1, 1, 2], [], [2, 3], [1], [3, 3, 0]]
    ptr, rows = _postings([array("i", d) for d in docs], 5)
    for t in range(5):
        want = [i for i, d in enumerate(docs) if t in d]
        assert rows[ptr[t]:ptr[t + 1]].tolist() == want
    assert ptr[-1] == len(rows) == sum(len(set(d)) for d in docs)
    ptr, rows = _postings([], 0)
    assert ptr.tolist() == [0] and rows.size == 0


def test_flat_view_is_the_index_vectors(tmp_path):
    x = np.random.default_rng(1).standard_normal((50, 8)).astype(np.float32)
    vindex.build(x, "flat").save(tmp_path / "d.faiss")
    back = vindex.load(tmp_path / "d.faiss", mmap=True)
    v = _flat_view(back.index)
    assert v.shape == (50, 8) and np.array_equal(v, x)
    assert np.array_equal(v, back.index.reconstruct_n(0, 50))


def _reference_table(records):
    counts: dict = {}
    for r in records:
        words = [w.lower() for w in _WORD.findall(r["passage"])]
        for n in (1, 2):
            for j in range(len(words) - n + 1):
                gram = " ".join(words[j:j + n])
                if has_marks(gram):
                    c = counts.setdefault(search_key(gram), {})
                    c[gram] = c.get(gram, 0) + 1
    return {k: max(v.items(), key=lambda x: (x[1], x[0]))[0] for k, v in counts.items()}


def test_accent_table_keeps_the_most_frequent_spelling():
    records = [{"passage": p} for p in (
        "Số hóa kết quả giải quyết thủ tục hành chính", "số hoá kết quả; Sở Nội vụ chủ trì",
        "so hoa ket qua", "Sở Tư pháp phối hợp, số hóa", "x y z 2024", "")]
    table = _accent_table(records)
    ref = _reference_table(records)
    assert {k: table[k] for k in ref} == ref
    assert table["so hoa"] == "số hóa" and table["chu tri"] == "chủ trì"


def test_heap_trim_is_safe_to_call():

    assert heap.trim() in (True, False)
    assert heap.trim() in (True, False)


def test_filter_ids_by_groups_match_the_record_scan():
    docs = [{"id": "d1", "number": "12/KH-UBND", "province": "Vĩnh Phúc", "date": "2023-01-02"},
            {"id": "d2", "number": None, "province": None, "date": ""},
            {"id": "d3", "number": "12/kh-ubnd", "province": "Tiền Giang", "date": "2024-05-01"}]
    recs = [{"passage": f"nhiệm vụ số {i} cải cách hành chính", "kind": "task",
             "task": {"id": f"t{i}", "deadline_range": None}, "document": docs[i % 3]} for i in range(10)]
    eng = SearchEngine(recs)
    for key, value in [("province", "Vĩnh Phúc"), ("province", "Hà Nội"), ("province", None),
                       ("number", "12/KH-UBND"), ("number", "12/kh-ubnd"), ("number", ""), ("number", "9/QĐ"),
                       ("document", "d2"), ("document", "zz"), ("year", 2024), ("year", 2023)]:
        want = {i for i, r in enumerate(recs) if matches(r, key, value)}
        assert eng.filter_ids(key, value) == want, (key, value)


def test_token_lookups_answer_from_the_compact_postings():
    recs = [{"passage": "số hóa kết quả thủ tục", "task": {"id": "a"}},
            {"passage": "kết quả giải quyết", "task": {"id": "b"}}]
    eng = SearchEngine(recs)
    shared = [t for t in eng.vocab if eng.rows_with(t).tolist() == [0, 1]]
    only_first = [t for t in eng.vocab if eng.rows_with(t).tolist() == [0]]
    assert shared and only_first           # 'kết quả' in both rows, 'số hóa' in the first only
    tok = shared[0]
    assert eng.has_token(tok) and not eng.has_token("khong_co_tu_nay")
    assert eng.rows_with("khong_co_tu_nay").tolist() == []

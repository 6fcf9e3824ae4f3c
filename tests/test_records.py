"""Search records on disk (``search.records``): the file gives back exactly the
records written, by index, by slice and in order, and older builds' JSON still loads."""
from __future__ import annotations

import json
import threading

import pytest

from search import records
from search.engine import SearchEngine
from search.rows import accent_table, document_key, matches, record_years

RECS = [
    {"passage": "Số hóa kết quả giải quyết TTHC\nđúng hạn", "kind": "task",
     "task": {"id": "d1#task-002", "no": "2", "section": "I", "deadline_range": ["2024-01-01", "2024-12-31"]},
     "document": {"id": "d1", "number": "12/KH-UBND", "province": "Vĩnh Phúc", "date": "2023-12-20"}},
    {"passage": "Sở Nội vụ chủ trì \"đánh giá\" chỉ số", "kind": "task",
     "task": {"id": "d1#task-001", "no": "1", "section": "I", "deadline_range": None},
     "document": {"id": "d1", "number": "12/KH-UBND", "province": "Vĩnh Phúc", "date": "2023-12-20"}},
    {"passage": "", "kind": "assignment", "task": {"id": "d2#assignment-001", "deadline_range": ["2025-03-31", None]},
     "document": {"id": "d2", "number": None, "province": None, "date": ""}},
    {"passage": "x \u2028 y – 🙂 \\ / \t", "kind": "task",
     "task": {"id": "d1#task-001", "no": "1", "section": "I", "deadline_range": ["2022-xx", "2023"]},
     "document": {"id": "d1", "number": "12/kh-ubnd", "province": "Vĩnh Phúc", "date": "2023-12-20"}},
]


@pytest.fixture
def index_dir(tmp_path):
    records.write(tmp_path / records.RECORDS_FILE, RECS)
    return tmp_path


def test_round_trip_by_index_slice_and_iteration(index_dir):
    rf = records.open_records(index_dir)
    assert isinstance(rf, records.RecordFile) and len(rf) == len(RECS)
    assert [rf[i] for i in range(len(RECS))] == RECS == list(rf) == rf[:] == records.read_all(index_dir)
    assert rf[-1] == RECS[-1] and rf[1:3] == RECS[1:3]
    with pytest.raises(IndexError):
        rf[len(RECS)]
    assert (index_dir / records.RECORDS_FILE).read_bytes().count(b"\n") == len(RECS)   # one line per record


def test_iteration_reads_whole_lines_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "_CHUNK", 64)          # many reads, lines longer than a read
    many = [dict(RECS[i % 4], passage=RECS[i % 4]["passage"] * (i % 7)) for i in range(60)]
    records.write(tmp_path / records.RECORDS_FILE, many)
    rf = records.open_records(tmp_path)
    assert list(rf) == many and [rf[i] for i in range(60)] == many


def test_survives_the_removal_of_its_file_and_concurrent_readers(index_dir):
    rf = records.RecordFile(index_dir / records.RECORDS_FILE, cache_size=1)
    (index_dir / records.RECORDS_FILE).unlink()      # a newer build swapped in, the old one removed
    errors = []

    def read():
        try:
            for _ in range(200):
                assert list(rf) == RECS and rf[2] == RECS[2] and rf[0] == RECS[0]
        except Exception as exc:             # noqa: BLE001 (reported below)
            errors.append(exc)
    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_empty_and_legacy_files(tmp_path):
    records.write(tmp_path / records.RECORDS_FILE, [])
    assert len(records.open_records(tmp_path)) == 0 and list(records.open_records(tmp_path)) == []
    legacy = tmp_path / "old"
    legacy.mkdir()
    (legacy / records.LEGACY_FILE).write_text(json.dumps(RECS, ensure_ascii=False), encoding="utf-8")
    assert records.open_records(legacy) == RECS and records.exists(legacy)


def test_engine_over_the_file_equals_the_engine_over_the_list(index_dir):
    a, b = SearchEngine(RECS), SearchEngine(records.open_records(index_dir))
    assert a.vocab == b.vocab and a.by_id == b.by_id and a.accents == b.accents
    assert a.row_group.tolist() == b.row_group.tolist() == [0, 1, 2, 1]
    for key, value in [("province", "Vĩnh Phúc"), ("province", None), ("number", "12/KH-UBND"), ("number", ""),
                       ("document", "d2"), ("year", 2024), ("year", 2023), ("year", 2025), ("year", 2022)]:
        want = {i for i, r in enumerate(RECS) if matches(r, key, value)}
        assert a.filter_ids(key, value) == b.filter_ids(key, value) == want, (key, value)
    assert a.in_document_order(range(4)) == sorted(range(4), key=lambda i: document_key(RECS[i])) == [1, 3, 0, 2]
    years = set().union(*(record_years(r) for r in RECS))
    assert a.year_span == (min(years), max(years))
    assert a.accents == accent_table(RECS)


@pytest.mark.parametrize("record, year, allowed", [
    ({"task": {"deadline_range": ["2024-01-01", "2025-06-30"]}, "document": {"date": "2023-01-01"}}, 2025, True),
    ({"task": {"deadline_range": ["2024-01-01", "2025-06-30"]}, "document": {"date": "2023-01-01"}}, 2023, False),
    ({"task": {"deadline_range": None}, "document": {"date": "2023-11-01"}}, 2024, True),    # a plan for next year
    ({"task": {"deadline_range": None}, "document": {"date": "2023-11-01"}}, 2022, False),
    ({"task": {"deadline_range": None}, "document": {"date": ""}}, 2023, False),
    ({"task": {"deadline_range": ["2024-03-31", None]}, "document": {}}, 2024, True),
])
def test_year_filter_table(record, year, allowed):
    assert matches(record, "year", year) is allowed


def test_an_unknown_filter_is_an_error_not_a_walk_over_the_records():
    with pytest.raises(ValueError, match="unknown filter 'agency'"):
        SearchEngine(RECS).filter_ids("agency", "Sở Nội vụ")

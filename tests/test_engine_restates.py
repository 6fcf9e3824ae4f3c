"""A duty paragraph of a plan's 'Phân công' section that restates a table row
of the same document (same lead) yields its place to the row, which carries the
deadline and the coordinating agencies (search.engine.SearchEngine.table_rows_first)."""
from __future__ import annotations

import pytest

from search.engine import SearchEngine

ROW_TEXT = "Tuyên truyền sâu rộng Luật Phòng chống tham nhũng trong cán bộ, công chức, viên chức và người dân"


def _rec(kind, text, lead, doc="vp/151", passage=None):
    return {"kind": kind, "passage": passage or text, "task": {"text": text, "lead": lead}, "document": {"id": doc}}


class _Rows:
    """Just what table_rows_first reads: the records."""
    _restated_share = SearchEngine._restated_share
    table_rows_first = SearchEngine.table_rows_first

    def __init__(self, records):
        self.records = records


CASES = [
    # (records, order, expected order, probability of the last table row afterwards)
    ([_rec("assignment", "Thanh tra tỉnh: … " + ROW_TEXT + ". Xử lý nghiêm …", ["Thanh tra tỉnh"]),
      _rec("task", "Kết nối dữ liệu khiếu nại", ["Thanh tra tỉnh"]),
      _rec("task", ROW_TEXT, ["Thanh tra tỉnh"])], [0, 1, 2], [2, 0, 1], 0.9),
    # another document's row with the same words: no
    ([_rec("assignment", ROW_TEXT, ["Thanh tra tỉnh"]),
      _rec("task", ROW_TEXT, ["Thanh tra tỉnh"], doc="tg/45")], [0, 1], [0, 1], 0.1),
    # another lead: no
    ([_rec("assignment", ROW_TEXT, ["Thanh tra tỉnh"]),
      _rec("task", ROW_TEXT, ["Sở Tư pháp"])], [0, 1], [0, 1], 0.1),
    # the row's words are not held by the paragraph: no
    ([_rec("assignment", "Thanh tra tỉnh: giải quyết đơn thư khiếu nại", ["Thanh tra tỉnh"]),
      _rec("task", ROW_TEXT, ["Thanh tra tỉnh"])], [0, 1], [0, 1], 0.1),
    # a table row already first stays first
    ([_rec("assignment", ROW_TEXT, ["Thanh tra tỉnh"]),
      _rec("task", ROW_TEXT, ["Thanh tra tỉnh"])], [1, 0], [1, 0], 0.9),
]


@pytest.mark.parametrize("records,order,expected,prob_after", CASES)
def test_table_rows_first(records, order, expected, prob_after):
    prob = {i: (0.9 if n == 0 else 0.1) for n, i in enumerate(order)}
    got = _Rows(records).table_rows_first(order, prob)
    assert got == expected
    row = max(i for i, r in enumerate(records) if r["kind"] == "task")
    assert prob[row] == pytest.approx(prob_after)


def test_one_row_per_paragraph():
    """A paragraph restating two rows promotes the better-ranked one, and lends its score once."""
    records = [_rec("assignment", ROW_TEXT + "; cập nhật số định danh cá nhân người tham gia bảo hiểm", ["BHXH"]),
               _rec("task", "cập nhật số định danh cá nhân người tham gia bảo hiểm y tế", ["BHXH"]),
               _rec("task", ROW_TEXT, ["BHXH"])]
    prob = {0: 0.9, 1: 0.2, 2: 0.1}
    assert _Rows(records).table_rows_first([0, 2, 1], prob) == [2, 0, 1]
    assert prob == {0: 0.9, 1: 0.2, 2: 0.9}

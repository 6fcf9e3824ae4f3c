"""The answerability feature ``top_specific`` (search/calibrate.py,
SearchEngine._specific): background specificity of tokens, and what a
question shares with its best rows, on a tiny engine (no model needed)."""
from __future__ import annotations

import numpy as np
import pytest

from search import calibrate
from search.engine import SearchEngine

ROWS = [
    "Tổ chức triển khai Luật Tiếp cận thông tin trên địa bàn tỉnh",
    "Cấp giấy phép kinh doanh cho doanh nghiệp đúng thời hạn",
    "Lắp đặt camera giám sát tại bộ phận một cửa cấp huyện",
    "Phân loại rác thải sinh hoạt tại nguồn ở các khu dân cư",
]


def _rec(i: int, text: str) -> dict:
    return {"kind": "task", "passage": text,
            "task": {"id": f"vinh-phuc/1-kh-ubnd#task-{i:03d}", "text": text, "lead": ["Sở Nội vụ"], "support": [],
                     "deadline": "Năm 2023", "deadline_range": ["2023-01-01", "2023-12-31"]},
            "document": {"id": "vinh-phuc/1-kh-ubnd", "number": "1/KH-UBND", "province": "Vĩnh Phúc",
                         "date": "2023-01-05"}}


@pytest.fixture(scope="module")
def engine():
    return SearchEngine([_rec(i, t) for i, t in enumerate(ROWS)])


def test_background_table_is_shipped():
    keys, counts, pages, min_df = calibrate._background()
    assert pages > 10_000 and min_df >= 1 and len(keys) == len(counts) > 10_000 and counts.min() >= min_df


@pytest.mark.parametrize("common,specific", [
    ("thuc_hien", "ho_chieu"),          # 'thực hiện' is everywhere in legal text, 'hộ chiếu' is a topic
    ("giay_phep", "karaoke"),
    ("cap", "rac"),
    ("to_chuc", "camera"),
])
def test_specificity_orders_everyday_before_topic_words(common, specific):
    assert 0.0 <= calibrate.specificity(common) < calibrate.specificity(specific) <= 1.0


def test_a_token_the_background_lacks_is_at_the_top_of_the_scale():
    top = calibrate.specificity("qwzx_vbnm")
    assert 0.5 < top <= 1.0
    assert all(calibrate.specificity(t) <= top for t in ("ho_chieu", "karaoke", "camera", "thuc_hien"))


def _specific(engine, question):
    q = engine.prepare(question)
    return engine.score(q).qfeatures[calibrate.Q_FEATURES.index("top_specific")]


@pytest.mark.parametrize("answerable,offtopic", [
    # the topic word is in a row / only everyday words are shared
    ("Ai phân loại rác ở khu dân cư?", "Ai tổ chức triển khai trên địa bàn tỉnh?"),
    ("Ai lắp camera ở bộ phận một cửa?", "Ai cấp giấy phép kinh doanh karaoke?"),
])
def test_top_specific_higher_when_a_topic_word_is_shared(engine, answerable, offtopic):
    a, b = _specific(engine, answerable), _specific(engine, offtopic)
    assert a > b, (a, b)


def test_top_specific_is_zero_without_a_shared_word(engine):
    assert _specific(engine, "xyzzy plugh") == 0.0


def test_question_features_carry_top_specific():
    X = np.zeros((2, len(calibrate.FEATURES)))
    qx = calibrate.question_features(X, english=False, oov_bi=0.0, en_unknown=0.0, specific=0.7)
    assert len(qx) == len(calibrate.Q_FEATURES) and qx[calibrate.Q_FEATURES.index("top_specific")] == 0.7


def test_question_features_carry_the_best_expansion_coverage():
    """``top_cov_exp``: the best candidate's share of the glossary expansion (0 without candidates)."""
    X = np.zeros((3, len(calibrate.FEATURES)))
    X[:, calibrate.FEATURES.index("cov_exp")] = [0.2, 0.9, 0.5]
    qx = calibrate.question_features(X, english=False, oov_bi=0.0)
    assert qx[calibrate.Q_FEATURES.index("top_cov_exp")] == pytest.approx(0.9)
    empty = calibrate.question_features(np.zeros((0, len(calibrate.FEATURES))), english=False, oov_bi=1.0)
    assert len(empty) == len(calibrate.Q_FEATURES) and empty[calibrate.Q_FEATURES.index("top_cov_exp")] == 0.0

"""search.text: tone placement for what e5 reads (table-driven)."""
import pytest

from search.text import new_tones, syllables


@pytest.mark.parametrize("text, expected", [
    ("số hoá kết quả", "số hóa kết quả"),
    ("Số hoá", "Số hóa"),
    ("HOÁ ĐƠN", "HÓA ĐƠN"),
    ("Hoá", "Hóa"),
    ("thuỷ lợi", "thủy lợi"),
    ("số hóa", "số hóa"),                         # already new-style: unchanged
    ("Sở Nội vụ, 61/2018/NĐ-CP", "Sở Nội vụ, 61/2018/NĐ-CP"),
    ("PAR INDEX 2023", "PAR INDEX 2023"),
])
def test_new_tones(text, expected):
    assert new_tones(text) == expected


def test_new_tones_keeps_tokens():
    for t in ("số hoá kết quả giải quyết thủ tục hành chính", "Quy hoạch thuỷ lợi"):
        assert syllables(new_tones(t)) == syllables(t)

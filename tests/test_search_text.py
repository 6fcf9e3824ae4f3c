"""search.text: tone placement for what e5 reads (table-driven)."""
import pytest

from search.text import new_tones, spoken_numbers, syllables


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


@pytest.mark.parametrize("text,expected", [
    ("giảm chừng năm phần trăm mỗi năm", "giảm chừng 5% mỗi năm"),
    ("hơn hai trăm bốn mươi bài", "hơn 240 bài"),
    ("trên chín phần mười vốn", "trên 90% vốn"),
    ("mười lăm ngày", "15 ngày"),
    ("một trăm linh năm", "105"),
    ("hai mươi mốt", "21"),
    ("90 phần trăm hồ sơ", "90% hồ sơ"),
    ("học sinh lớp ba", "học sinh lớp 3"),              # a counting noun numbers a lone digit word
    ("quý tư năm 2023", "quý 4 năm 2023"),
    ("tháng năm 2024", "tháng năm 2024"),               # "tháng" does not: "năm" there is the year's word
    ("chin muoi phan tram ho so", "90% ho so"),          # typed without accents
    # a lone digit word is a word: years, "one-stop", "Sở Tư pháp"
    ("hai năm một lần", "hai năm một lần"),
    ("Năm 2024 ai lo bộ phận một cửa", "Năm 2024 ai lo bộ phận một cửa"),
    ("Sở Tư pháp", "Sở Tư pháp"),
    ("mỗi năm", "mỗi năm"),
])
def test_spoken_numbers(text, expected):
    assert spoken_numbers(text) == expected

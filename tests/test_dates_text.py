import pytest

from kg.dates import looks_like_deadline, normalise_deadline, parse_date
from kg.provinces import canonical_province, find_province
from kg.vntext import fold_tones, search_key


@pytest.mark.parametrize("text,rng", [
    ("Quý I/2023", ("2023-01-01", "2023-03-31")),
    ("Quý IV năm 2023", ("2023-10-01", "2023-12-31")),
    ("Tháng 12/2023", ("2023-12-01", "2023-12-31")),
    ("Tháng 02 năm 2024", ("2024-02-01", "2024-02-29")),
    ("Năm 2024", ("2024-01-01", "2024-12-31")),
    ("2021-2025", ("2021-01-01", "2025-12-31")),
    ("Từ quý I đến quý IV/2023", ("2023-01-01", "2023-12-31")),
    ("Từ Quý I đến Quý II/2023", ("2023-01-01", "2023-06-30")),
    ("Quý I/2023; Quý IV/2023", ("2023-01-01", "2023-12-31")),
    ("Trước 30/9/2025", ("2025-09-30", "2025-09-30")),
    ("Từ tháng 6 đến tháng 11/2024", ("2024-06-01", "2024-11-30")),
    ("Thường xuyên", (None, None)),
    ("Theo kế hoạch", (None, None)),
    (None, (None, None)),
])
def test_deadline_ranges(text, rng):
    assert normalise_deadline(text) == rng


@pytest.mark.parametrize("text", ["Quý I/2023", "Thường xuyên", "Năm 2024", "2021-2025", "Theo yêu cầu của Bộ Nội vụ"])
def test_deadline_cells(text):
    assert looks_like_deadline(text)


@pytest.mark.parametrize("text", ["Sở Nội vụ", "Ban hành Kế hoạch cải cách hành chính năm 2023 của các cơ quan, đơn vị"])
def test_not_deadline_cells(text):
    assert not looks_like_deadline(text)


def test_dates():
    assert parse_date("ngày 08/4/2020") == "2020-04-08"
    assert parse_date("ngày 08 tháng 4 năm 2020") == "2020-04-08"
    assert parse_date("ngày\n14 tháng 10 năm 2021") == "2021-10-14"
    assert parse_date("ngày 31/02/2020") is None


def test_tone_placement_and_diacritics():
    assert fold_tones("hoá") == fold_tones("hóa") == "hóa"
    assert fold_tones("Thuỷ lợi") == "thủy lợi"
    assert fold_tones("khoẻ") == "khỏe"
    assert fold_tones("quyết") == "quyết"
    assert search_key("Số hóa") == search_key("so hoa") == "so hoa"


def test_provinces():
    assert find_province("tỉnh Vinh Phúc") == "Vĩnh Phúc"
    assert canonical_province("TIỀN GIANG") == "Tiền Giang"
    assert find_province("UBND thành phố Đà Nẵng") == "Đà Nẵng"
    assert find_province("Sở Nội vụ") is None

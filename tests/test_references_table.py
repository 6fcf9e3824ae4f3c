"""Table-driven reference tests: text → expected (number, type, relation, date).

Each case is a sentence as it appears in real documents (other provinces,
national documents, broken layouts) with what must be extracted.
"""
import pytest

from kg.pipeline import extract_string


def refs_of(text):
    ex = extract_string(text)
    return {r.number or r.title: r for r in ex.references}, ex


CASES = [
    # (text, {number: (type, relation, date)})
    ("Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 của Chính phủ về thực hiện cơ chế một cửa;",
     {"61/2018/NĐ-CP": ("Nghị định", "based_on", "2018-04-23")}),
    ("Thực hiện Quyết định số 06/QĐ-TTg ngày 06/01/2022 của Thủ tướng Chính phủ;",
     {"06/QĐ-TTg": ("Quyết định", "implements", "2022-01-06")}),
    ("Triển khai Kế hoạch số 131/KH-UBND ngày 05/5/2022 của UBND tỉnh.",
     {"131/KH-UBND": ("Kế hoạch", "implements", "2022-05-05")}),
    ("theo Nghị quyết số 76/NQ-CP ngày 15/7/2021", {"76/NQ-CP": ("Nghị quyết", "cites", "2021-07-15")}),
    ("Căn cứ Nghị quyết số 06/2021/NQ-HĐND ngày 12/7/2021 của HĐND tỉnh;",
     {"06/2021/NQ-HĐND": ("Nghị quyết", "based_on", "2021-07-12")}),
    ("Căn cứ Thông tư số 04/2012/TT-BNV ngày 31/8/ 2012 của Bộ trưởng Bộ Nội vụ hướng dẫn về tổ chức thôn;",
     {"04/2012/TT-BNV": ("Thông tư", "based_on", "2012-08-31")}),
    ("Thực hiện Chỉ thị số 23/CT-TTg ngày 02/9/2021 của Thủ tướng Chính phủ;",
     {"23/CT-TTg": ("Chỉ thị", "implements", "2021-09-02")}),
    ("Thực hiện Công điện số 209/CĐ-TTg ngày 10/3/2023 của Thủ tướng.", {"209/CĐ-TTg": ("Công điện", "implements", "2023-03-10")}),
    ("Thực hiện Công điện số 209/CD-TTg ngày 10/3/2023; Quyết định 12/QD-UBND.",
     {"209/CĐ-TTg": ("Công điện", "implements", "2023-03-10"), "12/QĐ-UBND": ("Quyết định", "implements", None)}),
    ("Căn cứ Bộ luật Lao động số 45/2019/QH14 ngày 20/11/2019;", {"45/2019/QH14": (None, "based_on", "2019-11-20")}),
    ("Căn cứ Nghị quyết số 595/NQ-UBTVQH15 ngày 12/9/2022;", {"595/NQ-UBTVQH15": ("Nghị quyết", "based_on", "2022-09-12")}),
    ("Căn cứ Công văn số 3759/BNV-CCHC ngày 02 tháng 8 năm 2021 của Bộ Nội vụ;",
     {"3759/BNV-CCHC": ("Công văn", "based_on", "2021-08-02")}),
    ("Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 566/SNV-TTr ngày 27/9/2021.",
     {"566/SNV-TTr": ("Tờ trình", "cites", "2021-09-27")}),
    ("Căn cứ Nghị quyết liên tịch số 09/2008/NQLT-CP-UBTUMTTQVN ngày 17/4/2008;",
     {"09/2008/NQLT-CP-UBTUMTTQVN": ("Nghị quyết liên tịch", "based_on", "2008-04-17")}),
    ("Thực hiện Nghị quyết số 18-NQ/TW ngày 25/10/2017 của Ban Chấp hành Trung ương;",
     {"18-NQ/TW": ("Nghị quyết", "implements", "2017-10-25")}),
    ("Chương trình hành động số 49-CTr/TU ngày 30/01/2018; Kết luận số 58-KL/TU ngày 30/11/2021; Kế hoạch số 10-KH/TW",
     {"49-CTr/TU": ("Chương trình", "cites", "2018-01-30"), "58-KL/TU": ("Kết luận", "cites", "2021-11-30"),
      "10-KH/TW": ("Kế hoạch", "cites", None)}),
    # stray spaces and dash variants
    ("Quyết định số 45 /QĐ-UBND ngày 10/01/2023 và Thông tư 02/2021/TT- BNV, Nghị định 15/2022/NĐ–CP",
     {"45/QĐ-UBND": ("Quyết định", "cites", "2023-01-10"), "02/2021/TT-BNV": ("Thông tư", "cites", None),
      "15/2022/NĐ-CP": ("Nghị định", "cites", None)}),
    # broken across a line
    ("Căn cứ Quyết định số 1234/QĐ-\nUBND ngày 15/3/2024 của UBND tỉnh;", {"1234/QĐ-UBND": ("Quyết định", "based_on", "2024-03-15")}),
    ("Căn cứ Chỉ\nthị số 23/CT-TTg ngày 02 tháng 9 năm\n2021 của Thủ tướng Chính phủ;", {"23/CT-TTg": ("Chỉ thị", "based_on", "2021-09-02")}),
    # repeal / replace / amend / guide cues
    ("Bãi bỏ Quyết định số 12/2019/QĐ-UBND ngày 20/5/2019.", {"12/2019/QĐ-UBND": ("Quyết định", "repeals", "2019-05-20")}),
    ("Quyết định này thay thế Quyết định số 30/2020/QĐ-UBND ngày 01/6/2020.", {"30/2020/QĐ-UBND": ("Quyết định", "replaces", "2020-06-01")}),
    ("Sửa đổi, bổ sung một số điều của Quyết định số 07/2022/QĐ-UBND.", {"07/2022/QĐ-UBND": ("Quyết định", "amends", None)}),
    ("Hướng dẫn thi hành Nghị định số 45/2020/NĐ-CP.", {"45/2020/NĐ-CP": ("Nghị định", "guides", None)}),
    # a norm named as the provisions or the spirit the work follows is cited; a bare "theo", a plan after it, or
    # "thực hiện theo" right at the cue is still implemented
    ("Thực hiện việc điều chỉnh vị trí việc làm theo quy định tại Nghị định số 62/2020/NĐ-CP ngày 01/6/2020.",
     {"62/2020/NĐ-CP": ("Nghị định", "cites", "2020-06-01")}),
    ("Tiếp tục thực hiện cơ chế tự chủ của đơn vị sự nghiệp theo tinh thần Nghị quyết số 19-NQ/TW ngày 25/10/2017.",
     {"19-NQ/TW": ("Nghị quyết", "cites", "2017-10-25")}),
    ("Triển khai các dự án nạo vét kênh rạch theo Nghị quyết số 38/2019/NQ-HĐND ngày 15/7/2019 của HĐND tỉnh.",
     {"38/2019/NQ-HĐND": ("Nghị quyết", "implements", "2019-07-15")}),
    ("Tổ chức triển khai dịch vụ bưu chính công ích theo quy định tại Kế hoạch số 125/KH-UBND ngày 31/7/2023.",
     {"125/KH-UBND": ("Kế hoạch", "implements", "2023-07-31")}),
    ("Thực hiện theo quy định tại Nghị định số 62/2020/NĐ-CP ngày 01/6/2020.",
     {"62/2020/NĐ-CP": ("Nghị định", "implements", "2020-06-01")}),
    # a clause opening with a bare date continues a reference cut by a page or cell break: its cue is that
    # reference's, not the citing document's
    ("Kế hoạch số 266/KH-UBND\tSở Nội vụ\n\n\tngày 27/10/2021 tiếp tục triển khai Nghị quyết số 10-NQ/TU ngày 20/11/2019",
     {"266/KH-UBND": ("Kế hoạch", "cites", None), "10-NQ/TU": ("Nghị quyết", "cites", "2019-11-20")}),
    # a number glued to "số"; a committee symbol ending in the legislature number; a symbol typed without its hyphen
    ("Xét đề nghị của Chính phủ tại Tờ trình số357/TTr-CP ngày 07 tháng 5 năm 2025;", {"357/TTr-CP": (None, "cites", "2025-05-07")}),
    ("Theo Văn bản số 1691/UBDNGS15 ngày 10/11/2025 của Ủy ban;", {"1691/UBDNGS15": (None, "cites", "2025-11-10")}),
    ("theo Nghị định số 118/2025/NĐCP ngày 09/6/2025 của Chính phủ;", {"118/2025/NĐ-CP": ("Nghị định", "cites", "2025-06-09")}),
    ("Thông tư số 21/2025/TTBYT ngày 27/6/2025 của Bộ trưởng Bộ Y tế;", {"21/2025/TT-BYT": ("Thông tư", "cites", "2025-06-27")}),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_numbered_references(text, expected):
    refs, _ = refs_of(text)
    assert set(k for k in refs if k and k[0].isdigit()) == set(expected)
    for number, (typ, rel, date) in expected.items():
        r = refs[number]
        if typ:
            assert r.type == typ, (number, r.type)
        assert r.relation == rel, (number, r.relation, r.cue)
        assert r.date == date, (number, r.date)


NOT_REFERENCES = [
    "Kết quả năm 2023 đạt 5,37 điểm, xếp vị trí thứ 11/63 tỉnh, thành phố; đạt 43,95/80 điểm.",
    "Giảm thời gian chờ đợi xuống tối đa 20 phút/01 lần giao dịch; ngày 15/7/2021.",
    "Áp dụng tiêu chuẩn TCVN ISO 9001: 2015 trong hoạt động; tỷ lệ 80%/năm.",
    "Triển khai Đề án 06/CP về dữ liệu dân cư.",
]


@pytest.mark.parametrize("text", NOT_REFERENCES)
def test_things_that_are_not_references(text):
    refs, _ = refs_of(text)
    assert [k for k in refs if k and k[0].isdigit()] == []


NAMED = [
    ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
     [("Luật Tổ chức chính quyền địa phương", 2015, "based_on")]),
    ("Căn cứ Luật Khiếu nại năm 2011;", [("Luật Khiếu nại", 2011, "based_on")]),
    ("Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22/11/2019;",
     # the laws its title names are cited (the text rests on the amending law, not on them)
     [("Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương", 2019, "based_on"),
      ("Luật Tổ chức Chính phủ", None, "cites"), ("Luật Tổ chức chính quyền địa phương", None, "cites")]),
    ("Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Cán bộ, công chức và Luật Viên chức năm 2019;",
     [("Luật sửa đổi, bổ sung một số điều của Luật Cán bộ, công chức và Luật Viên chức", 2019, "based_on"),
      ("Luật Cán bộ, công chức", None, "cites"), ("Luật Viên chức", None, "cites")]),
    ("Căn cứ Hiến pháp năm 2013;", [("Hiến pháp", 2013, "based_on")]),
    ("Căn cứ Luật Cán bộ, công chức ngày 13/11/2008; Luật Viên chức ngày 15/11/2010;",
     [("Luật Cán bộ, công chức", 2008, "based_on"), ("Luật Viên chức", 2010, "based_on")]),
    ("Tuyên truyền Luật Phòng, chống tham nhũng năm 2018.", [("Luật Phòng, chống tham nhũng", 2018, "cites")]),
    ("Căn cứ Luật Tổ chức chính quyền địa phương, Luật Đất đai năm 2013;",
     [("Luật Tổ chức chính quyền địa phương", None, "based_on"), ("Luật Đất đai", 2013, "based_on")]),
]


@pytest.mark.parametrize("text,expected", NAMED)
def test_named_laws(text, expected):
    _, ex = refs_of(text)
    laws = [(r.title, r.year, r.relation) for r in ex.references if r.number is None]
    assert laws == expected
    assert all(r.target_id.startswith("law/") for r in ex.references if r.number is None)


def test_stated_relations_between_other_documents():
    text = ("Căn cứ Nghị định số 107/2021/NĐ-CP ngày 06/12/2021 của Chính phủ sửa đổi, bổ sung một số điều của "
            "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ; Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 "
            "của Văn phòng Chính phủ hướng dẫn thi hành một số quy định của Nghị định số 61/2018/NĐ-CP;")
    _, ex = refs_of(text)
    rels = {(r.source, r.type, r.target) for r in ex.relations}
    assert ("107/2021/NĐ-CP", "amends", "61/2018/NĐ-CP") in rels
    assert ("01/2018/TT-VPCP", "guides", "61/2018/NĐ-CP") in rels
    by = {r.number: r for r in ex.references}
    # the citing document rests on all three (the Căn cứ governs the whole list)
    assert by["107/2021/NĐ-CP"].relation == "based_on"
    assert by["01/2018/TT-VPCP"].relation == "based_on"


def test_an_amending_laws_title_states_what_it_amends():
    """"Luật sửa đổi, bổ sung … của Luật A và Luật B" amends A and B; B cited earlier with its date is the same
    law (one reference, its dated spelling); the date after the title stays the amending law's."""
    text = ("Căn cứ Luật Tổ chức Chính quyền địa phương ngày 19 tháng 6 năm 2015;\n"
            "Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa "
            "phương ngày 22 tháng 11 năm 2019;")
    refs, ex = refs_of(text)
    amending = "Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương"
    assert {(r.source, r.type, r.target) for r in ex.relations} == {
        (amending, "amends", "Luật Tổ chức Chính phủ"), (amending, "amends", "Luật Tổ chức Chính quyền địa phương")}
    assert refs[amending].date == "2019-11-22" and refs[amending].relation == "based_on"
    assert refs["Luật Tổ chức Chính quyền địa phương"].target_id == "law/luat-to-chuc-chinh-quyen-dia-phuong-2015"
    assert refs["Luật Tổ chức Chính quyền địa phương"].relation == "based_on"
    assert refs["Luật Tổ chức Chính phủ"].relation == "cites"


def test_own_number_is_not_a_reference_and_date_conflicts_are_reported():
    text = ("ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\nSố: 88/KH-UBND\nBắc Ninh, ngày 05 tháng 3 năm 2024\n\nKẾ HOẠCH\nChuyển đổi số\n"
            "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018; Nghị định số 61/2018/NĐ-CP ngày 13/4/2018 và "
            "Nghị định 61/2018/NĐ-CP ngày 23/4/2018; Kế hoạch số 88/KH-UBND (Kế hoạch này); Quyết định số 99/QĐ-UBND ngày 01/01/2025.")
    refs, ex = refs_of(text)
    assert "88/KH-UBND" not in refs
    r = refs["61/2018/NĐ-CP"]
    assert r.date == "2018-04-23" and r.date_conflicts == ("2018-04-13",)
    assert refs["99/QĐ-UBND"].after_document is True
    assert any("after the document" in w for w in ex.warnings)
    assert refs["99/QĐ-UBND"].province == "Bắc Ninh"
    assert refs["99/QĐ-UBND"].target_id == "bac-ninh/99-qd-ubnd"
    assert refs["61/2018/NĐ-CP"].target_id == "vn/61-2018-nd-cp"


def test_spans_point_into_the_original_text():
    text = "Kế hoạch số **151** /KH-UBND.\nCăn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018;"
    refs, _ = refs_of(text)
    r = refs["61/2018/NĐ-CP"]
    assert text[r.span[0]:r.span[1]] == "61/2018/NĐ-CP"
    r2 = refs["151/KH-UBND"]
    assert text[r2.span[0]:r2.span[1]].replace("**", "").replace(" ", "") == "151/KH-UBND"

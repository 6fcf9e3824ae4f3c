"""Layouts of real published documents (issue 9 §2), one table-driven case each:
text → what must be extracted."""
import pytest

from kg.numbers import find_numbers
from kg.pipeline import extract_string

HEAD = ("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG TRỊ\n\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Số: 15/KH-UBND\tQuảng Trị, ngày 02 tháng 4 năm 2025\n\nKẾ HOẠCH\nThực hiện chuyển đổi số năm 2025\n\n")

# ---------------------------------------------------------------- numbers --
NUMBER_CASES = [
    ("Công văn số 402-CV/VPĐU ngày 3/3/2025", "402-CV/VPĐU"),
    ("Kế hoạch số 02-KH/BCĐTW của Ban Chỉ đạo", "02-KH/BCĐTW"),
    ("Kế hoạch hành động số 459-KHHĐ/TU", "459-KHHĐ/TU"),
    ("Công văn 15000-CV/VPTW ngày 12/5/2025", "15000-CV/VPTW"),
    ("Nghị quyết số 66.2/2025/NQ-CP ngày 28/6/2025", "66.2/2025/NQ-CP"),
    ("Quyết định số 2074a/QĐ-TTTT ngày 1/2/2024", "2074a/QĐ-TTTT"),
    ("Kế hoạch số 252/KH-BCĐQG1237", "252/KH-BCĐQG1237"),
    ("Quyết định số 773 /QĐ-TTg ngày 3/7/2024", "773/QĐ-TTg"),
    ("Thông tư số 92/2009/TT- BTC ngày 8/5/2009", "92/2009/TT-BTC"),
    ("Căn cứ Quyết định số\n1234/QĐ-UBND ngày 2/3/2024", "1234/QĐ-UBND"),
    ("THEO QUYẾT ĐỊNH SỐ 06/QĐ-TTG", "06/QĐ-TTg"),
]


@pytest.mark.parametrize("text,number", NUMBER_CASES, ids=[c[1] for c in NUMBER_CASES])
def test_number_forms(text, number):
    assert [n for _, _, n in find_numbers(text)] == [number]


@pytest.mark.parametrize("text", ["giai đoạn 2021-2025/ KH năm", "Covid-19/TT", "khoản 1.2/KH-UBND"])
def test_not_numbers(text):
    assert find_numbers(text) == []


@pytest.mark.parametrize("text,number", NUMBER_CASES[:9], ids=[c[1] for c in NUMBER_CASES[:9]])
def test_number_forms_as_references(text, number):
    ex = extract_string(HEAD + "Căn cứ " + text + ";\n")
    assert number in [r.number for r in ex.references]


SPELLINGS = [
    ("Căn cứ Nghị quyết số 193/2025/NQ-QH15 ngày 19/02/2025 của Quốc hội;\nThực hiện Nghị quyết 193/2025/QH15;",
     {"193/2025/QH15"}),
    ("Căn cứ Nghị định số 88/2025/NĐ-CP ngày 1/4/2025 của Chính phủ;\ntheo Nghị định 88/NĐ-CP;", {"88/2025/NĐ-CP"}),
    # not one document: a local decision without a year and a normative one with it
    ("Thực hiện Quyết định 01/QĐ-UBND ngày 3/1/2023 và Quyết định 01/2024/QĐ-UBND ngày 5/2/2024;",
     {"01/QĐ-UBND", "01/2024/QĐ-UBND"}),
]


@pytest.mark.parametrize("text,numbers", SPELLINGS)
def test_one_document_two_spellings(text, numbers):
    ex = extract_string(HEAD + text + "\n")
    assert {r.number for r in ex.references if r.number} == numbers


# --------------------------------------------------------------- identity --
CRAWLED = ("|\n|\nĐang tải văn bản...\nSố hiệu:\n|\n471/QĐ-UBND\n|\nNgày ban hành:\n|\n28/11/2025\n|\n"
           + "Nội dung trang\n" * 70 +
           "ỦY BAN NHÂN\nDÂN\nTỈNH BẮC NINH\n--------\n|\nCỘNG HÒA XÃ\nHỘI CHỦ NGHĨA VIỆT NAM\n"
           "Độc lập - Tự do - Hạnh phúc\n|\n|\nSố:\n471/QĐ-UBND\n|\nBắc Ninh, ngày\n28 tháng 11 năm 2025\n|\n"
           "QUYẾT ĐỊNH\nVề việc phê duyệt danh mục\n")
IDENTITY_CASES = [
    ("header after 70 lines of site material, number on the line after 'Số:', date over two lines",
     CRAWLED, ("471/QĐ-UBND", "2025-11-28", "Bắc Ninh")),
    ("tháng 0 6",
     "UBND TỈNH NGHỆ AN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nSố: 21/KH-UBND\n"
     "Nghệ An, ngày 12 tháng 0 6 năm 2024\nKẾ HOẠCH\nabc\n", ("21/KH-UBND", "2024-06-12", "Nghệ An")),
    ("province name broken across lines",
     "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HỒ\nCHÍ MINH\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
     "Số: 172/KH-UBND\nThành phố Hồ\nChí Minh, ngày 18 tháng 11 năm 2025\nKẾ HOẠCH\nabc\n",
     ("172/KH-UBND", "2025-11-18", "Thành phố Hồ Chí Minh")),
    ("place-date without a comma",
     "BỘ TÀI CHÍNH\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nSố: 55/2025/TT-BTC\n"
     "Hà Nội ngày 01 tháng 12 năm 2025\nTHÔNG TƯ\nabc\n", ("55/2025/TT-BTC", "2025-12-01", None)),
    ("date only in the closing line of a resolution",
     "ỦY BAN THƯỜNG VỤ QUỐC HỘI\nSố: 1675/NQ-UBTVQH15 |\nNGHỊ QUYẾT\nVề việc sắp xếp\n" + "Điều 1. Nội dung.\n" * 5 +
     "Nghị quyết này được Ủy ban Thường vụ Quốc hội thông qua ngày 16 tháng 6 năm 2025.\n",
     ("1675/NQ-UBTVQH15", "2025-06-16", None)),
    ("blank draft number: no own number",
     "ỦY BAN NHÂN DÂN\nTỈNH LONG AN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
     "Số:      /QĐ-UBND\nLong An, ngày      tháng 5 năm 2025\nQUYẾT ĐỊNH\nCăn cứ Quyết định số 12/QĐ-UBND ngày 3/1/2025;\n",
     (None, None, "Long An")),
]


@pytest.mark.parametrize("name,text,want", IDENTITY_CASES, ids=[c[0] for c in IDENTITY_CASES])
def test_identity(name, text, want):
    d = extract_string(text).document
    assert (d.number, d.date, d.province) == want


def test_upper_case_copy_of_own_number_is_not_a_reference():
    text = ("THỦ TƯỚNG CHÍNH PHỦ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nSố: 06/QĐ-TTg\n"
            "Hà Nội, ngày 06 tháng 01 năm 2022\nQUYẾT ĐỊNH\nPHÊ DUYỆT ĐỀ ÁN (KÈM THEO QUYẾT ĐỊNH SỐ 06/QĐ-TTG)\n"
            "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;\n")
    ex = extract_string(text)
    assert ex.document.number == "06/QĐ-TTg"
    assert not [r for r in ex.references if r.number and r.number.upper() == "06/QĐ-TTG"]


def test_blank_draft_does_not_take_a_referenced_number():
    text = IDENTITY_CASES[-1][1]
    ex = extract_string(text)
    assert ex.document.number is None
    assert "12/QĐ-UBND" in [r.number for r in ex.references]


# ------------------------------------------------------------------ tasks --
def tasks_of(body):
    return extract_string(HEAD + body).tasks


def row(*cells):
    return "\t".join(cells) + "\n"


TASK_CASES = [
    ("single agency column 'Cơ quan thực hiện': first leads, others support",
     row("STT", "Nhiệm vụ", "Cơ quan thực hiện", "Thời gian hoàn thành")
     + row("1", "Xây dựng cơ sở dữ liệu dân cư", "Công an tỉnh, Sở Tư pháp, UBND cấp huyện", "Quý II/2025")
     + row("2", "Tuyên truyền chuyển đổi số", "Sở Văn hóa, Thể thao và Du lịch", "Năm 2025"),
     [("1", ["Công an tỉnh"], ["Sở Tư pháp", "UBND cấp huyện"], "Quý II/2025", True),
      ("2", ["Sở Văn hóa, Thể thao và Du lịch"], [], "Năm 2025", True)]),
    ("'Đơn vị thực hiện' one per line",
     "".join(c + "\n|\n" for c in ["TT", "Nội dung công việc", "Đơn vị thực hiện", "Thời gian",
                                    "1", "Rà soát thủ tục hành chính", "Sở Nội vụ\nSở Tư pháp", "Tháng 6/2025"]),
     [("1", ["Sở Nội vụ"], ["Sở Tư pháp"], "Tháng 6/2025", True)]),
    ("'Đơn vị thực hiện' beside 'Đơn vị phối hợp' is the lead column (not inferred)",
     row("STT", "Nhiệm vụ, giải pháp", "Đơn vị thực hiện", "Đơn vị phối hợp", "Thời gian thực hiện", "Sản phẩm đầu ra")
     + row("1.1", "Rà soát quy định về kinh tế số", "Sở Tư pháp", "Các sở, ban, ngành; UBND các phường, xã", "2026 - 2030", "Các văn bản"),
     [("1.1", ["Sở Tư pháp"], ["Các sở, ban, ngành", "UBND các phường, xã"], "2026 - 2030", False)]),
    ("columns in another order: product before deadline, lead last",
     row("STT", "Nội dung", "Sản phẩm", "Thời gian hoàn thành", "Cơ quan phối hợp", "Cơ quan chủ trì")
     + row("1", "Xây dựng kho dữ liệu dùng chung", "Kho dữ liệu", "Tháng 12/2025", "Sở Tài chính", "Sở Khoa học và Công nghệ"),
     [("1", ["Sở Khoa học và Công nghệ"], ["Sở Tài chính"], "Tháng 12/2025", False)]),
    ("a lead cell naming two agencies",
     row("STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian")
     + row("1", "Kiểm tra công vụ", "Sở Nội vụ, Thanh tra tỉnh", "Các sở, ban, ngành", "Hằng năm"),
     [("1", ["Sở Nội vụ", "Thanh tra tỉnh"], ["Các sở, ban, ngành"], "Hằng năm", False)]),
    ("numbering that restarts in each section",
     row("STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian")
     + row("I", "HOÀN THIỆN THỂ CHẾ", "", "", "")
     + row("1", "Rà soát văn bản quy phạm pháp luật", "Sở Tư pháp", "Các sở, ngành", "Năm 2025")
     + row("2", "Ban hành quy chế chia sẻ dữ liệu", "Sở Khoa học và Công nghệ", "Sở Tư pháp", "Quý III/2025")
     + row("II", "PHÁT TRIỂN HẠ TẦNG", "", "", "")
     + row("1", "Nâng cấp mạng truyền số liệu chuyên dùng", "Sở Khoa học và Công nghệ", "Viễn thông tỉnh", "Năm 2025"),
     [("1", ["Sở Tư pháp"], ["Các sở, ngành"], "Năm 2025", False),
      ("2", ["Sở Khoa học và Công nghệ"], ["Sở Tư pháp"], "Quý III/2025", False),
      ("1", ["Sở Khoa học và Công nghệ"], ["Viễn thông tỉnh"], "Năm 2025", False)]),
    ("unnumbered continuation rows under a merged cell carry their own task and lead",
     row("STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành")
     + row("1", "Số hóa hồ sơ hộ tịch", "Sở Tư pháp", "UBND cấp xã", "Năm 2025")
     + row("", "Số hóa hồ sơ đất đai", "Sở Nông nghiệp và Môi trường", "UBND cấp xã", "")
     + row("2", "Tập huấn kỹ năng số", "Sở Nội vụ", "Các sở, ngành", "Quý IV/2025"),
     [("1", ["Sở Tư pháp"], ["UBND cấp xã"], "Năm 2025", False),
      ("1", ["Sở Nông nghiệp và Môi trường"], ["UBND cấp xã"], "Năm 2025", False),
      ("2", ["Sở Nội vụ"], ["Các sở, ngành"], "Quý IV/2025", False)]),
    ("tasks as structured prose",
     "II. NHIỆM VỤ\n1. Rà soát, sửa đổi Quy chế làm việc của UBND tỉnh.\na) Cơ quan chủ trì: Văn phòng UBND tỉnh.\n"
     "b) Cơ quan phối hợp: Sở Nội vụ, Sở Tư pháp.\nc) Thời gian thực hiện: Quý II/2025.\n"
     "2. Xây dựng cơ sở dữ liệu cán bộ, công chức; a) Cơ quan chủ trì: Sở Nội vụ; b) Cơ quan phối hợp: Sở Khoa học và "
     "Công nghệ; c) Thời gian: năm 2025.\n",
     [("1", ["Văn phòng UBND tỉnh"], ["Sở Nội vụ", "Sở Tư pháp"], "Quý II/2025", False),
      ("2", ["Sở Nội vụ"], ["Sở Khoa học và Công nghệ"], "năm 2025", False)]),
    ("structured prose with a 'Nội dung thực hiện' label under a numbered heading",
     "1. Phổ biến, giáo dục pháp luật\n- Nội dung thực hiện: Tổ chức phổ biến Luật Việc làm.\n"
     "- Cơ quan chủ trì: Sở Nội vụ.\n- Cơ quan phối hợp: Sở Tư pháp; Đài Phát thanh và Truyền hình.\n"
     "- Thời gian thực hiện: Năm 2026.\n",
     [("1", ["Sở Nội vụ"], ["Sở Tư pháp", "Đài Phát thanh và Truyền hình"], "Năm 2026", False)]),
    ("structured prose: the item number alone on its line",
     "1.\nTuyên truyền, phổ biến nội dung Luật Tiêu chuẩn.\n\n- Cơ quan chủ trì: Sở Khoa học và Công nghệ.\n\n"
     "- Cơ quan phối hợp: Các sở, ngành.\n\n2.\nRà soát văn bản quy phạm pháp luật\n\n- Cơ quan chủ trì: Sở Tư pháp.\n",
     [("1", ["Sở Khoa học và Công nghệ"], ["Các sở, ngành"], None, False),
      ("2", ["Sở Tư pháp"], [], None, False)]),
    ("structured prose: an agency field of '+' bullets, one duty each",
     "a) Hoạt động 1\n\n- Nội dung: Tuyên truyền về phòng, chống bạo lực gia đình.\n\n- Cơ quan thực hiện:\n\n"
     "+ Sở Văn hóa và Thể thao chủ\ntrì, phối hợp với các sở, ban, ngành, Ủy ban nhân dân phường, xã, báo, đài.\n\n"
     "+ Sở Xây dựng đăng tải thông\nđiệp truyền thông trên bảng quang báo giao thông.\n\nb) Hoạt động 2\n",
     [("a", ["Sở Văn hóa và Thể thao"], ["Các sở, ban, ngành", "UBND phường, xã", "Báo, đài"], None, False),
      ("a", ["Sở Xây dựng"], [], None, False)]),
    ("structured prose: a numbered item without labels among labelled ones is a task too",
     "II. NỘI DUNG\n1. Phổ biến Luật Việc làm\n- Cơ quan chủ trì: Sở Nội vụ.\n- Thời gian thực hiện: Năm 2025.\n\n"
     "2. Xây dựng văn bản quy định chi tiết\n\nCác sở, ban, ngành có trách nhiệm rà soát, tham mưu ban hành văn bản.\n\n"
     "3. Kiểm tra việc thi hành Luật\n- Cơ quan thực hiện: Sở Nội vụ, Thanh tra Thành phố.\n\n"
     "4. Triển khai Chiến lược việc làm\n\nThời gian thực hiện sau khi Chiến lược được ban hành.\n\n"
     "III. KINH PHÍ\n1. Kinh phí bố trí từ ngân sách.\n2. Sở Tài chính có trách nhiệm bố trí kinh phí.\n",
     [("1", ["Sở Nội vụ"], [], "Năm 2025", False),
      ("2", ["Các sở, ban, ngành"], [], None, False),
      ("3", ["Sở Nội vụ"], ["Thanh tra Thành phố"], None, True),
      ("4", [], [], None, False)]),
    ("structured prose: a list qualifier between agencies ('trong phạm vi chức năng, nhiệm vụ của mình')",
     "1. Kiểm tra việc thi hành Luật\n- Cơ quan thực hiện: Sở Nội vụ, các sở, ban, ngành trong phạm vi chức năng, "
     "nhiệm vụ của mình và các cơ quan, tổ chức khác có liên quan.\n",
     [("1", ["Sở Nội vụ"], ["Các sở, ban, ngành", "Các cơ quan, tổ chức khác có liên quan"], None, True)]),
    ("structured prose: labels after all the sub-items a), b) of an item belong to the item (Cần Thơ 70/KH-UBND)",
     "II. NỘI DUNG\n1. Tăng cường sự lãnh đạo của cấp ủy, chính quyền\na) Cấp ủy, chính quyền tiếp tục quán triệt "
     "các nghị quyết;\nb) Tiếp tục triển khai thực hiện chủ trương của Đảng, cụ thể:\n"
     "Cơ quan thực hiện: Các cơ quan, đơn vị, địa phương;\nThời gian thực hiện: Thường xuyên.\n"
     "2. Rà soát lại các văn bản\na) Cơ quan chủ trì: Sở Nội vụ;\nb) Thời gian thực hiện: Năm 2025.\n",
     [("1", ["Các cơ quan, đơn vị, địa phương"], [], "Thường xuyên", True),
      ("2", ["Sở Nội vụ"], [], "Năm 2025", False)]),
    ("structured prose: each sub-item with its own labels keeps its letter",
     "1. Tuyên truyền\na) Tổ chức hội nghị phổ biến Luật\n- Cơ quan chủ trì: Sở Tư pháp.\n"
     "b) Biên soạn tài liệu hỏi đáp về Luật\n- Cơ quan chủ trì: Sở Nội vụ.\n",
     [("1.a", ["Sở Tư pháp"], [], None, False), ("1.b", ["Sở Nội vụ"], [], None, False)]),
    ("structured prose with a single 'Đơn vị thực hiện' label",
     "- Tổ chức tập huấn kỹ năng xây dựng pháp luật.\nĐơn vị thực hiện: Sở Tư pháp, Sở Nội vụ.\nThời gian thực hiện: Hằng năm.\n",
     [(None, ["Sở Tư pháp"], ["Sở Nội vụ"], "Hằng năm", True)]),
]


@pytest.mark.parametrize("name,body,want", TASK_CASES, ids=[c[0] for c in TASK_CASES])
def test_task_layouts(name, body, want):
    got = [(t.no, list(t.lead), list(t.support), t.deadline, t.lead_inferred) for t in tasks_of(body)]
    assert got == want


def test_one_cell_two_subtasks_two_leads():
    # crawled pages: one cell per block of lines, each closed by a line holding only '|'
    cells = ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian",
             "1", "- Xây dựng kế hoạch tuyên truyền\n- Tổ chức hội nghị tập\nhuấn cho cán bộ",
             "- Sở Văn hóa, Thể thao và Du lịch\n- Sở Nội vụ", "Các sở, ngành", "Năm 2025"]
    body = "".join(c + "\n|\n" for c in cells)
    tasks = tasks_of(body)
    assert [(t.text, list(t.lead)) for t in tasks] == [
        ("Xây dựng kế hoạch tuyên truyền", ["Sở Văn hóa, Thể thao và Du lịch"]),
        ("Tổ chức hội nghị tập huấn cho cán bộ", ["Sở Nội vụ"])]
    assert all(list(t.support) == ["Các sở, ngành"] and t.deadline == "Năm 2025" for t in tasks)


def test_unnumbered_row_after_doubled_pipe_is_its_own_task():
    """Crawled pages: '|' lines between cells, a doubled '|' between rows; a row
    holding only lead and support under merged number/task/deadline cells."""
    rows = [["TT", "Tên đề án", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn hoàn thành"],
            ["1", "Đề án phân loại rác thải", "Trung ương Mặt trận Tổ quốc Việt Nam", "Các bộ, ngành", "2030"],
            ["UBND các tỉnh, thành phố", "Đài Truyền hình và các cơ quan báo chí tại địa phương"],
            ["2", "Đề án xử lý bãi chôn lấp", "UBND các tỉnh, thành phố", "Các bộ, ngành", "2030"]]
    body = "".join("|\n" + "\n|\n".join(r) + "\n|\n" for r in rows)
    got = [(t.no, t.text, list(t.lead), list(t.support), t.deadline) for t in tasks_of(body)]
    assert got == [
        ("1", "Đề án phân loại rác thải", ["Trung ương Mặt trận Tổ quốc Việt Nam"], ["Các bộ, ngành"], "2030"),
        ("1", "Đề án phân loại rác thải", ["UBND các tỉnh, thành phố"],
         ["Đài Truyền hình", "Các cơ quan báo chí tại địa phương"], "2030"),
        ("2", "Đề án xử lý bãi chôn lấp", ["UBND các tỉnh, thành phố"], ["Các bộ, ngành"], "2030")]


@pytest.mark.parametrize("header", ["STT\tTên thủ tục hành chính\tThời hạn giải quyết\tCơ quan thực hiện",
                                    "STT\tNội dung chi\tSản phẩm\tMức chi"])
def test_not_task_tables(header):
    body = header + "\n" + row("1", "Cấp giấy phép kinh doanh", "10 ngày", "Sở Công Thương")
    assert tasks_of(body) == ()


def test_lead_inferred_in_json():
    t = tasks_of(TASK_CASES[0][1])[0].to_json()
    assert t["lead_inferred"] is True


# ------------------------------------------- administrative procedures --
def pipe_rows(*rows):
    """Crawled-page layout: a line holding only '|' between cells, a doubled '|' between rows."""
    return "".join("|\n" + "\n|\n".join(r) + "\n|\n" for r in rows)


_TTHC = ("**{n}. Thủ tục công nhận trung tâm đổi mới sáng tạo**\n"
         "**1. Trình tự thực hiện:**\nBước 1: Tiếp nhận hồ sơ\nTổ chức có yêu cầu công nhận nộp 01 bộ hồ sơ "
         "theo quy định đến Bộ phận một cửa.\nBước 2: Xử lý hồ sơ\n- Trong thời hạn 15 ngày kể từ ngày nhận được "
         "hồ sơ hợp lệ, Ủy ban nhân dân tỉnh xem xét ban hành quyết định công nhận.\n"
         "**2. Cơ quan thực hiện:**\n- Cơ quan tiếp nhận hồ sơ: Sở Khoa học và Công nghệ.\n"
         "- Cơ quan có thẩm quyền công nhận: Ủy ban nhân dân tỉnh\n"
         "**3. Kết quả thực hiện: **Quyết định công nhận và Giấy công nhận.\n")
_FILLER = ("Hồ sơ gồm đơn đề nghị, bản thuyết minh và các giấy tờ chứng minh theo mẫu ban hành kèm theo "
           "Nghị định; tổ chức, cá nhân chịu trách nhiệm về tính chính xác của thông tin kê khai. ") * 10

NOT_TASK_CASES = [
    ("TTHC description: the fields of a procedure under 'Cơ quan thực hiện:' (HCM 2817/QĐ-UBND)",
     "Điều 1. Công bố kèm theo Quyết định này danh mục thủ tục hành chính.\n" + _TTHC.format(n=1) + _TTHC.format(n=2)),
    ("TTHC description as labelled prose: procedure fields next to 'Cơ quan thực hiện:'",
     "1. Thủ tục cấp giấy phép\n- Trình tự thực hiện: Nộp hồ sơ tại Bộ phận một cửa.\n"
     "- Cơ quan thực hiện: Sở Công Thương.\n- Thời hạn giải quyết: 10 ngày làm việc.\n"
     "2. Thủ tục cấp lại giấy phép\n- Trình tự thực hiện: Nộp hồ sơ tại Bộ phận một cửa.\n"
     "- Cơ quan thực hiện: Sở Công Thương.\n- Thời hạn giải quyết: 05 ngày làm việc.\n"),
    ("internal procedure table after 'Trình tự thực hiện' (Bộ phận / Nội dung công việc / Thời gian)",
     "Điều 10. Đăng ký đất đai lần đầu\n1. Thời hạn giải quyết: Không quá 17 ngày làm việc.\n2. Trình tự thực hiện\n"
     + row("TT", "Bộ phận", "Nội dung công việc", "Thời gian")
     + row("1", "Trung tâm Phục vụ hành chính công", "Tiếp nhận hồ sơ, chuyển Sở Nông nghiệp và Môi trường", "0,5 ngày")
     + row("2", "Sở Nông nghiệp và Môi trường", "Thẩm định hồ sơ, trình UBND tỉnh", "5 ngày")),
    ("'Quy trình nội bộ' appendix: a table of 'Bước' rows with a stray item number (Nghệ An 3854/QĐ-UBND)",
     "PHỤ LỤC II\nQUY TRÌNH NỘI BỘ TRONG GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH\n"
     + pipe_rows(["TT", "Đơn vị/ người thực hiện", "Nội dung công việc", "Thời gian thực hiện", "Mức độ Dịch vụ công"],
                 ["Bước 1", "Công chức Bộ phận Một cửa", "Kiểm tra, tiếp nhận hồ sơ", "04 giờ làm việc", "Toàn trình"],
                 ["Bước 2", "Phòng Chính sách", "Thẩm định hồ sơ", "3 ngày", "Toàn trình"])
     + "2. Thủ tục giải quyết chế độ trợ cấp một lần\n"
     + pipe_rows(["2", "Bước 1", "Công chức Bộ phận Một cửa", "Kiểm tra hồ sơ", "04 giờ làm việc"])),
    ("a later procedure table of the same header shape, far from its heading",
     "Trình tự thực hiện:\n" + row("TT", "Cơ quan, bộ phận, người thực hiện", "Nội dung công việc", "Thời gian")
     + row("1", "Trung tâm Phục vụ hành chính công", "Tiếp nhận hồ sơ", "0,5 ngày")
     + "\n" + _FILLER + "\n"
     + row("TT", "Cơ quan, bộ phận, người thực hiện", "Nội dung công việc", "Thời gian")
     + row("1", "Văn phòng Đăng ký đất đai", "Chỉnh lý hồ sơ địa chính", "3 ngày")),
]


@pytest.mark.parametrize("name,body", NOT_TASK_CASES, ids=[c[0] for c in NOT_TASK_CASES])
def test_procedures_are_not_tasks(name, body):
    assert tasks_of(body) == ()


PLAN_NEAR_PROCEDURE_CASES = [
    ("a plan task about procedure time is still a task",
     "II. NHIỆM VỤ\n1. Rút ngắn thời hạn giải quyết thủ tục hành chính\n- Cơ quan chủ trì: Sở Nội vụ.\n"
     "- Cơ quan phối hợp: Các sở, ngành.\n- Thời gian thực hiện: Năm 2025.\n",
     [("1", ["Sở Nội vụ"], ["Các sở, ngành"])]),
    ("a task table right after a sentence on procedure time (lead column: not a procedure)",
     "Mục tiêu: rút ngắn thời gian giải quyết thủ tục hành chính.\n"
     + row("STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian")
     + row("1", "Cắt giảm thời gian giải quyết thủ tục", "Sở Nội vụ", "Các sở, ngành", "Năm 2025"),
     [("1", ["Sở Nội vụ"], ["Các sở, ngành"])]),
    ("a single agency column table after a sentence on procedure time",
     "Mục tiêu: rút ngắn thời gian giải quyết hồ sơ của người dân.\n"
     + row("STT", "Nhiệm vụ", "Cơ quan thực hiện", "Thời gian hoàn thành")
     + row("1", "Số hóa hồ sơ thủ tục hành chính", "Sở Nội vụ, Sở Tư pháp", "Quý II/2025"),
     [("1", ["Sở Nội vụ"], ["Sở Tư pháp"])]),
    ("pipe layout: a group heading row after a doubled '|' does not swallow the next numbered row",
     pipe_rows(["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Kết quả thực hiện", "Tiến độ"],
               ["1", "Xây dựng bộ công cụ đo lường", "Bộ Khoa học và Công nghệ", "10/10/2025", "Đã báo cáo", "Đã hoàn thành"],
               ["2", "Hướng dẫn các bộ, ngành xây dựng kế hoạch", "Bộ Khoa học và Công nghệ", "31/10/2025", "Đã ban hành", "Đã hoàn thành"],
               ["Nhiệm vụ giao Bộ trưởng Bộ Công an chỉ đạo"],
               ["3", "Vận hành Trung tâm dữ liệu quốc gia", "Bộ Công an", "Thường xuyên", "Đang vận hành", "Đang thực hiện"]),
     [("1", ["Bộ Khoa học và Công nghệ"], []), ("2", ["Bộ Khoa học và Công nghệ"], []), ("3", ["Bộ Công an"], [])]),
    ("a row numbered 'I.2' holding only a title is a sub-section, not a task",
     pipe_rows(["TT", "Chỉ tiêu", "Đơn vị", "Kết quả", "Cơ quan chủ trì theo dõi, đánh giá"],
               ["I", "Giai đoạn 2025-2027", "", "", ""],
               ["I.1", "Cung cấp dịch vụ số bao trùm", "", "", ""],
               ["1", "Tỉ lệ dịch vụ công trực tuyến toàn trình", "%", "100%", "Văn phòng Chính phủ"],
               ["I.2", "Cơ quan nhà nước quản lý, chỉ đạo, điều hành thông minh", "", "", ""],
               ["1", "Tỉ lệ hồ sơ công việc xử lý trên môi trường điện tử", "%", "100%", "Văn phòng Chính phủ"]),
     [("1", ["Văn phòng Chính phủ"], []), ("1", ["Văn phòng Chính phủ"], [])]),
]


@pytest.mark.parametrize("name,body,want", PLAN_NEAR_PROCEDURE_CASES, ids=[c[0] for c in PLAN_NEAR_PROCEDURE_CASES])
def test_plan_tasks_near_procedure_words(name, body, want):
    assert [(t.no, list(t.lead), list(t.support)) for t in tasks_of(body)] == want


def test_a_long_run_of_data_cells_is_not_a_header():
    """A pipe region whose rows never broke ('B10 | Ban hành Tờ trình | Văn thư Sở | 0,5 ngày | B11 …')
    holds a few header words among many data cells: not a table header."""
    from kg.tables import Cell, RawRow, header_columns
    steps = [("Ban hành Tờ trình", "Văn thư Sở", "0,5 ngày"), ("Trả kết quả giải quyết", "Bộ phận Một cửa", "Thời gian"),
             ("Nội dung hồ sơ", "Chuyên viên", "02 ngày"), ("Thẩm định", "Lãnh đạo Phòng", "Kết quả"),
             ("Ký duyệt", "Lãnh đạo Sở", "01 ngày")]
    cells = [t for k, s in enumerate(steps) for t in (f"B{k + 10}",) + s]
    as_row = lambda texts: RawRow([Cell(t, 0, len(t)) for t in texts], 0, 0, "pipe")  # noqa: E731
    assert header_columns(as_row(cells)) is None
    assert header_columns(as_row(["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"])) is not None


# ------------------------------------------ lettered group headings --
_GROUP_HEADER = ["STT", "Cơ quan chủ trì", "Cơ quan phối hợp", "Nội dung nhiệm vụ", "Thời hạn hoàn thành"]


def _pipe_table(*rows):
    """Crawled layout with the empty cells of a heading row dropped ('D. | BỘ Y TẾ' then '|' '|' '|')."""
    out = "|\n"
    for r in rows:
        out += "\n|\n".join(r) + "\n|\n|\n"
    return out


GROUP_HEADING_CASES = [
    ("lettered ministry headings; unnumbered rows under them are their own tasks (Quyết định 2530/QĐ-TTg)",
     _pipe_table(_GROUP_HEADER,
                 ["A.", "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"],
                 ["1", "Bộ Nông nghiệp và Môi trường", "Bộ Tài chính", "Hoàn thiện chính sách về không khí", "Năm 2026"],
                 ["2", "Bộ Nông nghiệp và Môi trường", "Bộ Công Thương", "Kiểm kê khí thải", "Giai đoạn 2026 - 2030"],
                 ["D.", "BỘ KHOA HỌC VÀ CÔNG NGHỆ"],
                 ["Bộ Khoa học và Công nghệ", "Bộ Công Thương", "Chuyển giao công nghệ xử lý khí thải", "Giai đoạn 2026 - 2030"],
                 ["E.", "BỘ Y TẾ"],
                 ["Bộ Y tế", "UBND các tỉnh, thành phố", "Theo dõi tác động của ô nhiễm tới sức khỏe", "Thường xuyên"]),
     [("A", "1", ["Bộ Nông nghiệp và Môi trường"], ["Bộ Tài chính"]),
      ("A", "2", ["Bộ Nông nghiệp và Môi trường"], ["Bộ Công Thương"]),
      ("D", None, ["Bộ Khoa học và Công nghệ"], ["Bộ Công Thương"]),
      ("E", None, ["Bộ Y tế"], ["UBND các tỉnh, thành phố"])]),
    ("lettered headings in tab rows",
     row(*_GROUP_HEADER)
     + row("A.", "SỞ TƯ PHÁP", "", "", "")
     + row("1", "Sở Tư pháp", "Sở Nội vụ", "Rà soát văn bản", "Năm 2025")
     + row("B.", "SỞ NỘI VỤ", "", "", "")
     + row("1", "Sở Nội vụ", "Sở Tài chính", "Sắp xếp tổ chức bộ máy", "Quý III/2025"),
     [("A", "1", ["Sở Tư pháp"], ["Sở Nội vụ"]), ("B", "1", ["Sở Nội vụ"], ["Sở Tài chính"])]),
    ("a lettered row naming an agency in mixed case is not a heading (a sub-task of the row above)",
     row(*_GROUP_HEADER)
     + row("1", "Sở Tư pháp", "Sở Nội vụ", "Rà soát văn bản", "Năm 2025")
     + row("a", "Sở Nội vụ", "Sở Tài chính", "Sắp xếp tổ chức bộ máy", "Quý III/2025"),
     [(None, "1", ["Sở Tư pháp"], ["Sở Nội vụ"]), (None, "1", ["Sở Nội vụ"], ["Sở Tài chính"])]),
]


@pytest.mark.parametrize("name,body,want", GROUP_HEADING_CASES, ids=[c[0] for c in GROUP_HEADING_CASES])
def test_lettered_group_headings(name, body, want):
    got = [(t.section, t.no, list(t.lead), list(t.support)) for t in tasks_of(body)]
    assert got == want

"""Table-driven agency tests: cell text → split, canonical names, kinds, provinces."""
import pytest

from kg.agencies import agency_kind, canonical_name, leading_agency, resolve_agency, split_agencies

SPLITS = [
    ("Sở Tư pháp, các sở, ban, ngành, UBND cấp huyện", ["Sở Tư pháp", "Các sở, ban, ngành", "UBND cấp huyện"]),
    ("UBND cấp huyện, cấp xã", ["UBND cấp huyện", "UBND cấp xã"]),
    ("Sở Văn hóa, Thể thao và Du lịch", ["Sở Văn hóa, Thể thao và Du lịch"]),
    ("Sở Lao động, Thương binh và Xã hội; Sở Y tế", ["Sở Lao động, Thương binh và Xã hội", "Sở Y tế"]),
    ("Các cơ quan, đơn vị liên quan", ["Các cơ quan, đơn vị liên quan"]),
    ("Các sở, ban, ngành; UBND cấp huyện, UBND cấp xã", ["Các sở, ban, ngành", "UBND cấp huyện", "UBND cấp xã"]),
    ("Sở TT&TT; VP UBND tỉnh", ["Sở TT&TT", "VP UBND tỉnh"]),
    ("UBND các huyện, thành phố/ các cơ sở giáo dục", ["UBND các huyện, thành phố", "Các cơ sở giáo dục"]),
    ("MTTQ và các đoàn thể", ["MTTQ", "Các đoàn thể"]),
    ("Sở Tư pháp và các cơ quan có liên quan", ["Sở Tư pháp", "Các cơ quan có liên quan"]),
    ("Sở Giáo dục và Đào tạo, Sở Kế hoạch và Đầu tư", ["Sở Giáo dục và Đào tạo", "Sở Kế hoạch và Đầu tư"]),
    ("Văn phòng UBND tỉnh các sở, ban, ngành", ["Văn phòng UBND tỉnh", "Các sở, ban, ngành"]),
    ("Sở Thông tin và Truyền\nthông", ["Sở Thông tin và Truyền thông"]),
    ("Các bộ, cơ quan ngang bộ; UBND các tỉnh, thành phố trực thuộc trung ương",
     ["Các bộ, cơ quan ngang bộ", "UBND các tỉnh, thành phố trực thuộc trung ương"]),
    ("", []),
    # two agencies with no separator; a title or preposition before "Sở" is not a split
    ("Sở Khoa học và Công nghệ Sở Công Thương; UBND các phường, xã", ["Sở Khoa học và Công nghệ", "Sở Công Thương", "UBND các phường, xã"]),
    ("Bộ Công an Bộ Quốc phòng", ["Bộ Công an", "Bộ Quốc phòng"]),
    ("Giám đốc Sở Tư pháp", ["Giám đốc Sở Tư pháp"]),
    ("Chi cục Thuế thuộc Sở Tài chính", ["Chi cục Thuế thuộc Sở Tài chính"]),
    ("Văn phòng Sở Nội vụ", ["Văn phòng Sở Nội vụ"]),
    ("Các Sở, ngành, đơn vị, UBND cấp xã.", ["Các Sở, ngành, đơn vị", "UBND cấp xã"]),
    ("Viện, Trường; Doanh nghiệp, Sở, ban, ngành có liên quan", ["Viện, Trường", "Doanh nghiệp", "Sở, ban, ngành có liên quan"]),
    ("Đài Truyền hình Việt Nam, Thông tấn xã Việt Nam và các cơ quan báo chí", ["Đài Truyền hình Việt Nam", "Thông tấn xã Việt Nam", "Các cơ quan báo chí"]),
    # lower-case 'báo, đài' after a list of local governments is its own group
    ("các sở, ban, ngành, Ủy ban nhân dân phường, xã, đặc khu, báo, đài và các đơn vị có liên quan",
     ["Các sở, ban, ngành", "Ủy ban nhân dân phường, xã, đặc khu", "Báo, đài", "Các đơn vị có liên quan"]),
    ("Đài Tiếng nói Việt Nam và các cơ quan thông tấn, báo chí trung ương",
     ["Đài Tiếng nói Việt Nam", "Các cơ quan thông tấn, báo chí trung ương"]),
    # a qualifier between two agencies of the list is dropped, the list goes on
    ("Sở Nội vụ, các sở, ban, ngành trong phạm vi chức năng, nhiệm vụ của mình và các cơ quan có liên quan",
     ["Sở Nội vụ", "Các sở, ban, ngành", "Các cơ quan có liên quan"]),
]

LEADING = [
    ("Sở Xây dựng đăng tải thông điệp trên bảng quang báo", "Sở Xây dựng"),
    ("Sở, ban, ngành thuộc Ủy ban nhân dân Thành phố có trách nhiệm rà soát", "Sở, ban, ngành thuộc Ủy ban nhân dân Thành phố"),
    ("Sở Văn hóa và Thể thao chủ trì, phối hợp với các sở", "Sở Văn hóa và Thể thao"),
    ("Tổ chức triển khai thực hiện Chiến lược", None),
    ("Kinh phí thực hiện do ngân sách bảo đảm", None),
]


@pytest.mark.parametrize("clause,agency", LEADING)
def test_leading_agency(clause, agency):
    assert leading_agency(clause) == agency


@pytest.mark.parametrize("cell,expected", SPLITS)
def test_split(cell, expected):
    assert list(split_agencies(cell)) == expected


CANONICAL = [
    ("VP UBND tỉnh", "Văn phòng UBND tỉnh"),
    ("Văn phòng Ủy ban nhân dân tỉnh", "Văn phòng UBND tỉnh"),
    ("Văn phòng Uỷ ban nhân dân tỉnh", "Văn phòng UBND tỉnh"),
    ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
    ("sở thông tin và truyền thông", "Sở Thông tin và Truyền thông"),
    ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
    ("Sở GD&ĐT", "Sở Giáo dục và Đào tạo"),
    ("Sở TN&MT", "Sở Tài nguyên và Môi trường"),
    ("Sở LĐTB&XH", "Sở Lao động - Thương binh và Xã hội"),
    ("Sở VHTT&DL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("Sở NN&PTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("Trung tâm Phục vụ HCC tỉnh", "Trung tâm Phục vụ hành chính công tỉnh"),
    ("Ủy ban nhân dân cấp huyện", "UBND cấp huyện"),
    # one department written two ways: its official name
    ("Sở Văn hóa và Thể thao", "Sở Văn hóa và Thể thao"),
    ("Sở Văn hóa, Thể thao", "Sở Văn hóa và Thể thao"),
    # a court or procuracy below the centre is a "nhân dân" one, however the plan shortens it
    ("Tòa án tỉnh", "Tòa án nhân dân tỉnh"),
    ("Toà án tỉnh", "Tòa án nhân dân tỉnh"),
    ("Tòa án nhân dân tỉnh", "Tòa án nhân dân tỉnh"),
    ("TAND tỉnh", "Tòa án nhân dân tỉnh"),
    ("Tòa án cấp huyện", "Tòa án nhân dân cấp huyện"),
    ("Viện kiểm sát tỉnh", "Viện kiểm sát nhân dân tỉnh"),
    ("VKSND tỉnh", "Viện kiểm sát nhân dân tỉnh"),
    ("Viện KSND tỉnh", "Viện kiểm sát nhân dân tỉnh"),
    ("Viện kiểm sát nhân dân tỉnh", "Viện kiểm sát nhân dân tỉnh"),
    ("Tòa án nhân dân tối cao", "Tòa án nhân dân tối cao"),
    ("Tòa án", "Tòa án"),
]


@pytest.mark.parametrize("raw,canon", CANONICAL)
def test_canonical(raw, canon):
    assert canonical_name(raw) == canon


@pytest.mark.parametrize("name,kind", [
    ("Sở Nội vụ", "so"), ("UBND cấp huyện", "ubnd"), ("Bộ Nội vụ", "bo"), ("Chính phủ", "central"),
    ("Thủ tướng Chính phủ", "central"), ("Các sở, ban, ngành", "group"), ("Tỉnh ủy", "party"),
    ("HĐND tỉnh", "hdnd"), ("Công an tỉnh", "other"), ("Bộ Chỉ huy Quân sự tỉnh", "other"),
])
def test_kind(name, kind):
    assert agency_kind(name) == kind


def test_provincial_agencies_belong_to_the_documents_province():
    a = resolve_agency("Sở Nội vụ", "Vĩnh Phúc")
    b = resolve_agency("Sở Nội vụ", "Tiền Giang")
    assert a.id != b.id and a.province == "Vĩnh Phúc" and b.province == "Tiền Giang"
    bo = resolve_agency("Bộ Nội vụ", "Vĩnh Phúc")
    assert bo.province is None and bo.id == "vn/bo-noi-vu"
    assert resolve_agency("VP UBND tỉnh", "Vĩnh Phúc").id == resolve_agency("Văn phòng Ủy ban nhân dân tỉnh", "Vĩnh Phúc").id
    assert resolve_agency("Sở Văn hoá, Thể thao và Du lịch", "Huế").id == resolve_agency("Sở Văn hóa, Thể thao và Du lịch", "Huế").id

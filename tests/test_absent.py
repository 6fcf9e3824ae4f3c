"""What a question names that the corpus lacks (service/absent.py), one table
per evidence, on a tiny engine and graph (no model needed): the reason names
the missing thing; questions about what the corpus has give no reason."""
from __future__ import annotations

import networkx as nx
import pytest

from search.engine import SearchEngine
from search.route import route
from service import absent

ROWS = [
    ("Tổ chức triển khai Luật Tiếp cận thông tin trên địa bàn tỉnh", "Sở Tư pháp", "Năm 2023"),
    ("Công khai giá đất theo Luật đất đai năm 2013", "Sở Tài nguyên và Môi trường", "Quý IV/2023"),
    ("Số hóa kết quả giải quyết thủ tục hành chính, mục tiêu đến năm 2030", "Sở Nội vụ", "Năm 2024"),
    ("Xây dựng đô thị thông minh", "Sở Thông tin và Truyền thông", "Năm 2024"),
]


def _rec(i: int, text: str, lead: str, deadline: str) -> dict:
    return {"kind": "task", "passage": text,
            "task": {"id": f"vinh-phuc/1-kh-ubnd#task-{i:03d}", "text": text, "lead": [lead], "support": [],
                     "deadline": deadline, "deadline_range": ["2023-01-01", "2024-12-31"]},
            "document": {"id": "vinh-phuc/1-kh-ubnd", "number": "1/KH-UBND", "province": "Vĩnh Phúc",
                         "date": "2023-01-05"}}


@pytest.fixture(scope="module")
def tiny():
    eng = SearchEngine([_rec(i, *r) for i, r in enumerate(ROWS)])
    G = nx.MultiDiGraph()
    G.add_node("vinh-phuc/1-kh-ubnd", kind="document", type="Kế hoạch", in_corpus=True, date="2023-01-05",
               title="Cải cách hành chính năm 2023", number="1/KH-UBND", province="Vĩnh Phúc")
    G.add_node("law/luat-dat-dai-2013", kind="document", type="Luật", title="Luật đất đai")
    for r in ROWS:
        G.add_node("vinh-phuc/" + r[1], kind="agency", name=r[1], province="Vĩnh Phúc")
    return G, eng


def _why(tiny, q):
    G, eng = tiny
    return absent.missing(G, eng, route(q), q)


CASES = [
    # (question, part of the reason or None)
    ("Bao giờ sáp nhập tỉnh Vĩnh Phúc với Phú Thọ?", "Phú Thọ"),
    ("ke hoach phong chong thien tai tinh quang ninh", "Quảng Ninh"),
    ("Recommend a good restaurant in Hanoi", "Hà Nội"),
    ("Ai chủ trì số hóa kết quả ở Vĩnh Phúc?", None),
    ("Sở Du lịch chủ trì những nhiệm vụ gì?", "Sở Du lịch"),
    ("Sở Giao thông vận tải làm đường khi nào?", "Sở Giao thông vận tải"),
    ("Sở Nội vụ chủ trì những nhiệm vụ gì?", None),
    ("Luật Đất đai 2024 có hiệu lực từ ngày nào?", "Luật Đất đai 2024"),
    ("Cách tính lương hưu theo Luật Bảo hiểm xã hội", "Luật Bảo hiểm xã hội"),
    ("Ai công khai giá đất theo Luật đất đai năm 2013?", None),
    ("Ai triển khai Luật Tiếp cận thông tin?", None),
    # only a law's name counts: written as a name or with its year, not 'luật' in general words
    ("Ai đi vận động người dân hiểu luật giữ gìn môi trường sống, gom và xử lý rác?", None),
    ("Luật giữ gìn môi trường do ai tuyên truyền?", None),
    ("luật bảo hiểm xã hội 2024 có gì mới", "luật bảo hiểm xã hội 2024"),
    ("luat bao hiem xa hoi nam 2024 co hieu luc khi nao", "luat bao hiem xa hoi 2024"),
    # accented words end the title only as themselves: 'vệ' and 'môi' are not 'về' and 'mới'
    ("Ai tuyên truyền Luật Bảo vệ môi trường mới?", "Luật Bảo vệ môi trường"),
    ("Ai theo dõi thi hành pháp luật hàng năm?", None),
    ("Kế hoạch cải cách hành chính năm 1995", "1995"),
    ("Ai số hóa kết quả đến năm 2030?", None),
    ("Ai xây dựng đô thị thông minh năm 2024?", None),
]


@pytest.mark.parametrize("q,want", CASES, ids=[c[0] for c in CASES])
def test_missing_named_thing(tiny, q, want):
    why = _why(tiny, q)
    if want is None:
        assert why is None, why
    else:
        assert why and want in why, why


TITLE_CASES = [
    ("Kế hoạch phòng chống dịch sốt xuất huyết năm 2023", "sốt xuất huyết"),
    ("Nghị quyết về mức học phí năm học 2024-2025", "học phí"),
    ("Kế hoạch cải cách hành chính năm 2023", None),
    ("Kế hoạch xây dựng đô thị thông minh", None),
]


@pytest.mark.parametrize("q,want", TITLE_CASES, ids=[c[0] for c in TITLE_CASES])
def test_missing_title_words(tiny, q, want):
    G, eng = tiny
    why = absent.missing_title(G, eng, q)
    if want is None:
        assert why is None, why
    else:
        assert why and want in why, why

"""Graph identity and citation chains on small constructed corpora."""

import pytest

from kg.graph import build_graph
from kg.pipeline import extract_string
from service.chains import chains as cites
from service.query import Ambiguous, NotFound, agency_tasks, citation_path, document_detail, most_cited


def doc(province, number, date, body):
    return (f"ỦY BAN NHÂN DÂN\nTỈNH {province.upper()}\nSố: {number}\n{province}, ngày {date}\n\nKẾ HOẠCH\nVề việc thử\n"
            + body + "\nTT\tNhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian\n"
              "1\tSố hóa kết quả giải quyết TTHC\tSở Thông tin và Truyền thông\tVP UBND tỉnh\tQuý I/2024\n")


@pytest.fixture(scope="module")
def G():
    a = doc("Bắc Ninh", "131/KH-UBND", "01 tháng 2 năm 2024",
            "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ; Thực hiện Kế hoạch số 20/KH-UBND ngày 02/01/2024 của UBND tỉnh;")
    b = doc("Nghệ An", "131/KH-UBND", "03 tháng 2 năm 2024",
            "Căn cứ Nghị định số 107/2021/NĐ-CP ngày 06/12/2021 của Chính phủ sửa đổi, bổ sung một số điều của Nghị định số 61/2018/NĐ-CP ngày 23/4/2018;")
    c = doc("Bắc Ninh", "20/KH-UBND", "02 tháng 1 năm 2024", "Thực hiện Nghị định số 61/2018/NĐ-CP ngày 23/4/2018;")
    exs = [extract_string(t, f"{i}.txt").to_json() for i, t in enumerate((a, b, c))]
    return build_graph(exs)


def test_local_numbers_are_scoped_by_province(G):
    ids = sorted(n for n, d in G.nodes(data=True) if d.get("number") == "131/KH-UBND")
    assert ids == ["bac-ninh/131-kh-ubnd", "nghe-an/131-kh-ubnd"]
    with pytest.raises(Ambiguous) as err:
        cites(G, "131/KH-UBND")
    assert len(err.value.candidates) == 2
    assert cites(G, "131/KH-UBND Bắc Ninh")["root"]["id"] == "bac-ninh/131-kh-ubnd"


def test_one_node_per_central_document(G):
    assert [n for n, d in G.nodes(data=True) if d.get("number") == "61/2018/NĐ-CP"] == ["vn/61-2018-nd-cp"]


def test_incoming_and_two_hop(G):
    inc = cites(G, "61/2018/NĐ-CP", "in", 1)
    citing = {n["id"] for n in inc["nodes"]} - {"vn/61-2018-nd-cp"}
    assert citing == {"bac-ninh/131-kh-ubnd", "bac-ninh/20-kh-ubnd", "vn/107-2021-nd-cp", "nghe-an/131-kh-ubnd"}
    types = {(e["source"], e["type"]) for e in inc["edges"]}
    # Nghệ An's plan mentions 61/2018 only as what 107/2021 amends: a plain citation
    assert ("nghe-an/131-kh-ubnd", "cites") in types and ("vn/107-2021-nd-cp", "amends") in types
    out2 = cites(G, "bac-ninh/131-kh-ubnd", "out", 2)
    edges = {(e["source"], e["target"], e["type"]) for e in out2["edges"]}
    assert ("bac-ninh/131-kh-ubnd", "bac-ninh/20-kh-ubnd", "implements") in edges
    assert ("bac-ninh/20-kh-ubnd", "vn/61-2018-nd-cp", "implements") in edges
    one = cites(G, "bac-ninh/131-kh-ubnd", "out", 1)
    assert ("bac-ninh/20-kh-ubnd", "vn/61-2018-nd-cp", "implements") not in {(e["source"], e["target"], e["type"]) for e in one["edges"]}
    # stated relation between other documents
    assert G.has_edge("vn/107-2021-nd-cp", "vn/61-2018-nd-cp", key="amends")
    ev = G.edges["bac-ninh/131-kh-ubnd", "vn/61-2018-nd-cp", "based_on"]["evidence"][0]
    assert ev["source"] == "0.txt" and ev["cue"] == "Căn cứ" and len(ev["span"]) == 2


def test_path_top_agency_detail(G):
    p = citation_path(G, "bac-ninh/131-kh-ubnd", "61/2018/NĐ-CP")
    assert p["path"][0] == "bac-ninh/131-kh-ubnd" and p["path"][-1] == "vn/61-2018-nd-cp"
    top = most_cited(G, 3)
    assert top[0]["number"] == "61/2018/NĐ-CP" and top[0]["in_degree"] == 4
    a = agency_tasks(G, "Sở TT&TT")
    assert {x["province"] for x in a["agencies"]} == {"Bắc Ninh", "Nghệ An"}
    assert all(len(x["lead"]) >= 1 for x in a["agencies"])
    d = document_detail(G, "nghe-an/131-kh-ubnd")
    assert "based_on" in d["outgoing"] and len(d["tasks"]) == 1
    with pytest.raises(NotFound):
        cites(G, "1/QĐ-KHONGCO")


def test_conflicting_metadata_is_kept(G):
    exs = [extract_string("Căn cứ Nghị định số 61/2018/NĐ-CP ngày 13/4/2018;", "x.txt").to_json(),
           extract_string("Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018;", "y.txt").to_json()]
    H = build_graph(exs)
    n = H.nodes["vn/61-2018-nd-cp"]
    assert n["date"] == "2018-04-13"
    assert n["conflicts"] == [{"field": "date", "value": "2018-04-23", "source": "y.txt"}]

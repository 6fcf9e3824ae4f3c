"""Row lineage: synthetic extraction dicts (each rule alone) and the bundled corpus."""
from pathlib import Path

import pytest

import numpy as np

from kg.lineage import builds_then_carries, document_links, find_lineage, links_touching
from kg.ids import slug
from kg.pipeline import extract_file

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"


def doc(num, year_title, date, tasks, refs=(), province="Tỉnh A"):
    did = "tinh-a/" + slug(num)
    return {"document": {"id": did, "number": num, "title": f"Kế hoạch cải cách hành chính {year_title}",
                         "date": date, "province": province},
            "references": [{"number": n, "relation": rel, "target_id": t} for n, rel, t in refs],
            "tasks": [{"id": f"{did}#task-{i + 1:03d}", "section": "I", "section_title": t.get("sec", "CẢI CÁCH THỂ CHẾ"),
                       "no": str(i + 1), "text": t["text"], "lead": t.get("lead", ["Sở Nội vụ"]),
                       "support": [], "deadline": t.get("deadline"), "references": t.get("refs", [])}
                      for i, t in enumerate(tasks)],
            "agencies": [{"id": "tinh-a/so-noi-vu", "name": "Sở Nội vụ", "aliases": []},
                         {"id": "tinh-a/so-tu-phap", "name": "Sở Tư pháp", "aliases": []}]}


PROGRAMME = doc("100/QĐ-UBND", "giai đoạn 2021-2025", "2021-03-01", [
    {"text": "Rà soát, hệ thống hóa văn bản quy phạm pháp luật của HĐND tỉnh, UBND tỉnh.", "lead": ["Sở Tư pháp"], "deadline": "Hằng năm"},
    {"text": "Ban hành Kế hoạch đào tạo, bồi dưỡng cán bộ, công chức, viên chức giai đoạn 2021-2025 và hàng năm.", "deadline": "2021-2025"},
    {"text": "Tổ chức điều tra xã hội học lấy ý kiến đánh giá mức độ hài lòng của người dân về dịch vụ y tế.", "deadline": "Hằng năm"},
    {"text": "Xây dựng cơ sở dữ liệu đất đai tích hợp với hệ thống thông tin địa lý của tỉnh.", "deadline": "2021-2025"},
], refs=[("50/KH-UBND", "implements", "tinh-a/50-kh-ubnd")])

PLAN_2023 = doc("20/KH-UBND", "năm 2023", "2022-12-20", [
    {"text": "Rà soát, hệ thống hóa văn bản quy phạm pháp luật của HĐND tỉnh, UBND tỉnh năm 2023.", "lead": ["Sở Tư pháp"], "deadline": "Quý IV/2023"},
    {"text": "Triển khai các nội dung tại Kế hoạch đào tạo, bồi dưỡng cán bộ, công chức, viên chức năm 2023.", "deadline": "Quý I/2023"},
    {"text": "Tổ chức điều tra xã hội học lấy ý kiến đánh giá mức độ hài lòng của người dân về dịch vụ y tế.", "deadline": "Năm 2023"},
    {"text": "Tổ chức hội thi tìm hiểu về cải cách hành chính cho đoàn viên thanh niên.", "deadline": "Quý III/2023"},
], refs=[("100/QĐ-UBND", "implements", "tinh-a/100-qd-ubnd")])

PLAN_2024 = doc("30/KH-UBND", "năm 2024", "2023-12-20", [
    {"text": "Tổ chức điều tra xã hội học lấy ý kiến đánh giá mức độ hài lòng của người dân về dịch vụ y tế năm 2024.", "deadline": "Năm 2024"},
    {"text": "Thí điểm chuyển đổi số toàn diện tại các xã, thị trấn.", "deadline": "Năm 2024"},
], refs=[("100/QĐ-UBND", "implements", "tinh-a/100-qd-ubnd")])

OTHER_PROVINCE = doc("40/KH-UBND", "năm 2023", "2023-01-05", [
    {"text": "Rà soát, hệ thống hóa văn bản quy phạm pháp luật của HĐND tỉnh, UBND tỉnh.", "lead": ["Sở Tư pháp"], "deadline": "Năm 2023"},
], refs=[("50/KH-UBND", "implements", "tinh-b/50-kh-ubnd")], province="Tỉnh B")


def _pairs(lin):
    return {(l.child.split("/")[-1], l.parent.split("/")[-1], l.kind) for l in lin.links}


def test_direct_implements_links_same_and_part_of():
    lin = find_lineage([PROGRAMME, PLAN_2023])
    got = _pairs(lin)
    assert ("20-kh-ubnd#task-001", "100-qd-ubnd#task-001", "same") in got
    assert ("20-kh-ubnd#task-002", "100-qd-ubnd#task-002", "part_of") in got
    assert ("20-kh-ubnd#task-003", "100-qd-ubnd#task-003", "same") in got
    assert not any(c == "20-kh-ubnd#task-004" for c, _, _ in got)       # new row
    assert "tinh-a/20-kh-ubnd#task-004" in lin.new
    assert "tinh-a/100-qd-ubnd#task-004" in lin.not_carried
    cov = lin.coverage[0]
    assert (cov.carried, cov.total) == (3, 4)
    for l in lin.links:
        assert 0.0 <= l.confidence <= 1.0 and "text" in l.evidence and "100/QĐ-UBND" in l.evidence


def test_next_years_plan_continues_the_sibling():
    lin = find_lineage([PROGRAMME, PLAN_2023, PLAN_2024])
    assert ("30-kh-ubnd#task-001", "20-kh-ubnd#task-003", "continued") in _pairs(lin)
    assert ("30-kh-ubnd#task-001", "100-qd-ubnd#task-003", "same") in _pairs(lin)
    vias = {(d.child, d.parent): d.via for d in lin.documents}
    assert vias[("tinh-a/30-kh-ubnd", "tinh-a/20-kh-ubnd")] == "sibling"
    assert ("tinh-a/20-kh-ubnd", "tinh-a/30-kh-ubnd") not in vias       # never backwards in time


def test_unrelated_documents_are_not_linked():
    # same text, other province, no reference between them: no link
    lin = find_lineage([PROGRAMME, OTHER_PROVINCE])
    assert lin.links == ()
    assert document_links([PROGRAMME, OTHER_PROVINCE]) == []


def test_shared_local_source_relates_programme_and_yearly_plan():
    plan = doc("60/KH-UBND", "năm 2023", "2023-02-01", PLAN_2023["tasks"] and [
        {"text": t["text"], "lead": t["lead"], "deadline": t["deadline"]} for t in PLAN_2023["tasks"]],
        refs=[("50/KH-UBND", "implements", "tinh-a/50-kh-ubnd")])
    lin = find_lineage([PROGRAMME, plan])
    assert [d.via for d in lin.documents] == ["shared-source"]
    assert ("60-kh-ubnd#task-001", "100-qd-ubnd#task-001", "same") in _pairs(lin)


def test_chain_through_an_intermediate_document():
    mid = {"document": {"id": "tinh-a/70-kh-ubnd", "number": "70/KH-UBND", "title": "x", "date": "2022-01-01",
                        "province": "Tỉnh A"},
           "references": [{"number": "100/QĐ-UBND", "relation": "implements", "target_id": "tinh-a/100-qd-ubnd"}],
           "tasks": []}
    plan = dict(PLAN_2023, references=[{"number": "70/KH-UBND", "relation": "implements",
                                        "target_id": "tinh-a/70-kh-ubnd"}])
    lin = find_lineage([PROGRAMME, mid, plan])
    assert [d.via for d in lin.documents] == ["chain"]
    assert lin.links


def test_links_touching_by_document_number_and_task():
    ex = [PROGRAMME, PLAN_2023]
    lin = find_lineage(ex)
    assert len(links_touching(lin, "20/KH-UBND", ex)) == len(lin.links)
    one = links_touching(lin, "tinh-a/100-qd-ubnd#task-003", ex)
    assert [l.child for l in one] == ["tinh-a/20-kh-ubnd#task-003"]
    assert lin.to_json()["links"][0].keys() == {"child", "parent", "kind", "confidence", "evidence"}


@pytest.fixture(scope="module")
def corpus():
    return [extract_file(p).to_json() for p in sorted(CORPUS.glob("*.txt"))]


def _task(ex, number, no_text):
    e = next(e for e in ex if e["document"]["number"] == number)
    return next(t["id"] for t in e["tasks"] if t["text"].startswith(no_text))


def test_bundled_corpus_programme_and_yearly_plans(corpus):
    lin = find_lineage(corpus)
    ids = {e["document"]["number"]: e["document"]["id"] for e in corpus}
    docs = {(d.child, d.parent): d.via for d in lin.documents}
    assert docs[(ids["319/KH-UBND"], ids["2866/QĐ-UBND"])] == "implements"
    assert (ids["151/KH-UBND"], ids["2866/QĐ-UBND"]) in docs
    assert not any(ids["45/QĐ-UBND"] in k for k in docs)            # Tiền Giang stands alone
    links = {(l.child, l.parent): l for l in lin.links}
    # restated verbatim in the 2023 plan
    k = (_task(corpus, "319/KH-UBND", "Xử lý các vấn đề phát sinh"), _task(corpus, "2866/QĐ-UBND", "Xử lý các vấn đề phát sinh"))
    assert links[k].kind == "same"
    # narrowed: the 2023 plan implements the 2021-2025 training plan
    k = (_task(corpus, "319/KH-UBND", "Triển khai các nội dung tại Kế hoạch đào tạo"),
         _task(corpus, "2866/QĐ-UBND", "Ban hành Kế hoạch đào tạo"))
    assert links[k].kind == "part_of"
    # the 2024 plan continues the 2023 survey row
    k = (_task(corpus, "151/KH-UBND", "Tổ chức điều tra xã hội học"), _task(corpus, "319/KH-UBND", "Tổ chức điều tra xã hội học"))
    assert links[k].kind == "continued"
    # different plans named (8264/KH-UBND vs 87/KH-UBND): not linked
    c = _task(corpus, "319/KH-UBND", "Tổ chức thực hiện Kế hoạch số 8264")
    assert not any(l.child == c for l in lin.links)
    cov = {(c.parent_doc, c.child_doc): c for c in lin.coverage}
    c = cov[(ids["2866/QĐ-UBND"], ids["319/KH-UBND"])]
    assert 15 <= c.carried < c.total == 68


@pytest.mark.parametrize("child, parent, expected", [
    ("Triển khai Kế hoạch xét tuyển công chức năm 2023", "Ban hành kế hoạch xét tuyển công chức", True),
    ("Tổ chức triển khai Đề án vị trí việc làm", "Tham mưu xây dựng Đề án vị trí việc làm", True),
    ("Thực hiện Đề án đổi mới một cửa", "Xây dựng Đề án đổi mới một cửa", True),
    ("Ban hành kế hoạch thanh tra năm 2023", "Ban hành kế hoạch thanh tra hằng năm", False),
    ("Triển khai Kế hoạch số 131/KH-UBND", "Triển khai, thực hiện hiệu quả Kế hoạch số 131/KH-UBND", False),
])
def test_builds_then_carries(child, parent, expected):
    assert builds_then_carries(child, parent) is expected


def test_build_then_carry_is_part_of_and_objective_restated_is_same():
    prog = doc("100/QĐ-UBND", "giai đoạn 2021-2025", "2021-03-01", [
        {"text": "Ban hành Kế hoạch xét tuyển công chức đối với sinh viên tốt nghiệp xuất sắc, cán bộ khoa học trẻ."},
        {"text": "Ban hành các chương trình nâng cao sự hài lòng của người dân trong thực hiện thủ tục hành chính."},
    ], refs=[("50/KH-UBND", "implements", "tinh-a/50-kh-ubnd")])
    prog["tasks"][1]["objective"] = "Mức độ hài lòng của người dân, doanh nghiệp về giải quyết thủ tục hành chính đạt tối thiểu 90%."
    plan = doc("20/KH-UBND", "năm 2023", "2022-12-20", [
        {"text": "Triển khai Kế hoạch xét tuyển công chức đối với sinh viên tốt nghiệp xuất sắc, cán bộ khoa học trẻ năm 2023."},
        {"text": "Triển khai thực hiện các chương trình nâng cao sự hài lòng; mức độ hài lòng của người dân, doanh nghiệp về giải quyết thủ tục hành chính đạt tối thiểu 90%."},
    ], refs=[("100/QĐ-UBND", "implements", "tinh-a/100-qd-ubnd")])
    got = _pairs(find_lineage([prog, plan]))
    assert ("20-kh-ubnd#task-001", "100-qd-ubnd#task-001", "part_of") in got
    assert ("20-kh-ubnd#task-002", "100-qd-ubnd#task-002", "same") in got


OTHER_ROWS = ["Rà soát, hệ thống hóa văn bản quy phạm pháp luật của tỉnh.", "Xây dựng cơ sở dữ liệu đất đai của tỉnh.",
              "Tổ chức hội thi tìm hiểu cải cách hành chính.", "Kiểm tra công tác cải cách hành chính tại các sở.",
              "Đào tạo, bồi dưỡng cán bộ, công chức, viên chức.", "Ban hành quy chế văn hóa công vụ.",
              "Đánh giá chỉ số cải cách hành chính các huyện.", "Củng cố mạng truyền số liệu chuyên dùng."]


@pytest.mark.parametrize("child_text, linked_with_dense", [
    ("Đề xuất giao doanh nghiệp bưu chính đảm nhận một số dịch vụ công.", True),       # wording 0.29
    ("Đề xuất phương án giao doanh nghiệp bưu chính đảm nhận một số dịch vụ trong tiếp nhận hồ sơ.", False),  # 0.23
])
def test_injected_dense_similarity_rescues_a_low_wording_pair_only(child_text, linked_with_dense):
    prog = doc("100/QĐ-UBND", "giai đoạn 2021-2025", "2021-03-01",
               [{"text": "Tham mưu thí điểm chuyển giao một số nhiệm vụ và dịch vụ hành chính công cho doanh nghiệp."}]
               + [{"text": t} for t in OTHER_ROWS], refs=[("50/KH-UBND", "implements", "tinh-a/50-kh-ubnd")])
    plan = doc("20/KH-UBND", "năm 2023", "2022-12-20", [{"text": child_text}],
               refs=[("100/QĐ-UBND", "implements", "tinh-a/100-qd-ubnd")])
    assert not find_lineage([prog, plan]).links                      # the wording alone is too far

    def sim(child_ids, parent_ids):      # the first programme row stands out (z 2.8)
        return np.array([[0.95 if p.endswith("task-001") else 0.80 for p in parent_ids] for _ in child_ids])

    links = find_lineage([prog, plan], similarity=sim).links
    assert bool(links) is linked_with_dense
    if linked_with_dense:
        assert [(l.child[-8:], l.parent[-8:]) for l in links] == [("task-001", "task-001")]
        assert "best dense match" in links[0].evidence
    assert not find_lineage([prog, plan], similarity=lambda c, p: None).links   # no vectors: text only

"""The search page (issue 13.2, issue 10): facets counted with the other
filters applied, chips with labels, the question's province as a removable
chip, real totals, paging to the last row, an answer card per route."""
from __future__ import annotations

import html
import re

import pytest

BROAD = "cải cách hành chính Tiền Giang"


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def _json(client, **args):
    return client.get("/search.json", query_string=args).get_json()


def test_each_facet_count_equals_the_results_it_gives(client):
    base = _json(client, q=BROAD, province="*")
    assert base["total"] > 0
    for key in ("province", "document", "year"):
        for item in base["facets"][key]:
            value, count = item[0], item[-1]
            got = _json(client, **{"q": BROAD, "province": "*", key: value})
            assert got["total"] == count, (key, value, count, got["total"])
    # with a filter on, the other facets count inside it
    doc = base["facets"]["document"][0][0]
    on = _json(client, q=BROAD, province="*", document=doc)
    for item in on["facets"]["year"]:
        assert _json(client, q=BROAD, province="*", document=doc, year=item[0])["total"] == item[-1]


def test_chips_show_labels_and_the_questions_province(client):
    data = _json(client, q=BROAD)
    chip = data["chips"][0]
    assert chip == {"key": "province", "value": "*", "label": "Tiền Giang", "from_question": True}
    body = html.unescape(client.get("/search", query_string={"q": BROAD}).data.decode())
    assert "Tiền Giang (từ câu hỏi)" in body and "province=*" in body
    doc = data["facets"]["document"][0]
    body = html.unescape(client.get("/search", query_string={"q": BROAD, "document": doc[0]}).data.decode())
    chips = re.findall(r'class="chip[^"]*"[^>]*>([^<]*)', body)
    assert any(doc[1] in c for c in chips) and not any(doc[0] in c for c in chips)


def test_paging_reaches_the_last_result(client):
    first = _json(client, q=BROAD, province="*", n=5)
    assert first["pages"] > 1 and first["total"] > 5
    seen = []
    for page in range(1, first["pages"] + 1):
        seen += [r["task"]["id"] for r in _json(client, q=BROAD, province="*", n=5, page=page)["results"]]
    assert len(seen) == len(set(seen)) == first["total"]
    body = client.get("/search", query_string={"q": BROAD, "province": "*", "n": 5}).data.decode()
    assert "Trang sau" in body and f"page={first['pages']}" in body


@pytest.mark.parametrize("q,route,text", [
    ("61/2018/NĐ-CP", "document", "Lược đồ"),
    ("Văn bản nào thực hiện Nghị định 61/2018", "relation", "8264/KH-UBND"),
    ("Sở Tư pháp phối hợp những việc gì", "agency", "nhiệm vụ"),
    ("Công thức nấu phở bò ngon", "none", "Không tìm thấy nhiệm vụ phù hợp trong kho văn bản"),
    ("ai chủ trì số hóa kết quả TTHC", "task", "Cơ quan chủ trì"),
])
def test_answer_card_per_route(client, q, route, text):
    body = html.unescape(client.get("/search", query_string={"q": q}).data.decode())
    assert f'data-route="{route}"' in body and text in body
    if route == "none":
        assert "gần nhất" in body


def test_a_rows_objective_is_shown_on_the_card_the_results_and_the_task_page(client):
    q = "Ai chủ trì số hóa kết quả giải quyết TTHC đạt tỷ lệ 30%, 20%, 15% ở cấp tỉnh, huyện, xã?"
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    assert page.count("Mục tiêu") >= 2                         # the answer card and the result row
    assert "30%, 20%, 15%" in html.unescape(re.sub(r"<[^>]+>", "", page))
    task_id = _json(client, q=q)["results"][0]["task"]["id"]
    task_page = client.get("/task/" + task_id.replace("#", "%23")).get_data(as_text=True)
    assert "Mục tiêu" in task_page and "30%, 20%, 15%" in task_page

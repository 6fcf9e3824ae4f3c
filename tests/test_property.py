"""Property tests: no input crashes the extractor, spans stay inside the source."""
from hypothesis import HealthCheck, given, settings, strategies as st

from kg.pipeline import extract_string

FRAGMENTS = st.sampled_from([
    "Căn cứ ", "Nghị định số ", "61/2018/NĐ-CP", " ngày 23/4/2018", "\t", "\n", "|\n", "**", "<b>", "</b>",
    "<sup>1</sup>", "Số: 12/KH-UBND\n", "TT\tNhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian\n",
    "1\tLàm việc\tSở Nội vụ\tSở Tư pháp\tQuý I/2023\n", "I\tCHUNG\t\t\t\n", "Luật Đất đai năm 2013",
    "18-NQ/TW", "45 /QĐ-\nUBND", "Giao Sở Nội vụ: chủ trì ", "| a | b |\n|---|---|\n", "Quý IV/20", "ngày 31/02/2020",
    "UBND cấp huyện, cấp xã", "thay thế ", "bãi bỏ ", "sửa đổi, bổ sung ", "hướng dẫn ", "\u0301", "\ufeff", "(", ")",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=40))
def test_structured_noise_never_crashes(parts):
    text = "".join(parts)
    ex = extract_string(text)
    for r in ex.references:
        assert 0 <= r.span[0] <= r.span[1] <= len(text)
    for t in ex.tasks:
        assert 0 <= t.span[0] <= t.span[1] <= len(text)
    ex.to_json()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(text):
    ex = extract_string(text)
    ex.to_json()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_html_never_crashes(text):
    extract_string("<html><body><table><tr><td>" + text + "</td></tr></table>" + text, fmt=".html").to_json()

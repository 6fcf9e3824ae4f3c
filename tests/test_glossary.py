"""Table-driven glossary tests: question → Vietnamese terms added / translation."""
from pathlib import Path

import pytest

from kg.agencies import canonical_name
from kg.vntext import search_key
from search import glossary
from search.glossary import abbreviations, agency_aliases, expand, is_english, lookup_english, vi_key
from search.intent import parse_question
from kg.vntext import ABBREVIATIONS

# (question, terms that must be added (Vietnamese), words the translation must contain)
CASES = [
    # abbreviations, accented or not, any case
    ("Ai chủ trì cắt giảm TTHC?", ["thủ tục hành chính"], ["thủ tục hành chính"]),
    ("tthc lien thong", ["thủ tục hành chính"], []),
    ("Tỷ lệ DVCTT toàn trình", ["dịch vụ công trực tuyến toàn trình"], ["dịch vụ công trực tuyến"]),
    ("Tỷ lệ DVCTT", ["dịch vụ công trực tuyến"], []),
    ("kế hoạch CCHC năm 2023", ["cải cách hành chính"], []),
    ("cchc", ["cải cách hành chính"], []),
    ("rà soát VBQPPL", ["văn bản quy phạm pháp luật"], []),
    ("HĐND tỉnh giám sát", ["hội đồng nhân dân"], []),
    ("hdnd", ["hội đồng nhân dân"], []),
    ("ứng dụng CNTT trong cơ quan nhà nước", ["công nghệ thông tin"], []),
    ("đào tạo CBCCVC", ["cán bộ, công chức, viên chức"], []),
    ("Chỉ số PAR INDEX", ["chỉ số cải cách hành chính"], []),
    ("kết nối LGSP", ["nền tảng tích hợp chia sẻ dữ liệu"], []),
    ("Sở TT&TT", ["Sở Thông tin và Truyền thông"], ["Sở Thông tin và Truyền thông"]),
    ("Sở KH & ĐT", ["Sở Kế hoạch và Đầu tư"], []),
    ("Sở NV chủ trì", ["Sở Nội vụ"], ["Sở Nội vụ"]),
    ("VP UBND tỉnh", ["Văn phòng UBND tỉnh"], []),
    # synonyms and tone placement
    ("số hóa hồ sơ", ["chuyển đổi số", "điện tử hóa"], []),
    ("số hoá hồ sơ", ["chuyển đổi số"], []),
    ("so hoa ho so", ["chuyển đổi số"], []),
    ("chuyển đổi số", ["số hóa"], []),
    ("tập huấn cho cán bộ", ["đào tạo", "bồi dưỡng"], []),
    ("chính quyền số", ["chính quyền điện tử"], []),
    # everyday wording → official wording
    ("người ăn lương nhà nước", ["cán bộ, công chức, viên chức"], []),
    ("đi làm giấy tờ ở xã", ["thủ tục hành chính"], []),
    ("nộp hồ sơ qua mạng", ["dịch vụ công trực tuyến"], []),
    ("tiếp dân định kỳ", ["tiếp công dân"], []),
    ("dạy kèm ngoài giờ", ["dạy thêm, học thêm"], []),
    # English department names
    ("What does the Department of Home Affairs lead?", ["Sở Nội vụ"], ["Sở Nội vụ", "chủ trì"]),
    ("department of justice", ["Sở Tư pháp"], ["Sở Tư pháp"]),
    ("Department of Information and Communications", ["Sở Thông tin và Truyền thông"], []),
    ("the Department of Finance", ["Sở Tài chính"], []),
    ("Department of Planning and Investment", ["Sở Kế hoạch và Đầu tư"], []),
    ("Department of Education and Training", ["Sở Giáo dục và Đào tạo"], []),
    ("Department of Labour, Invalids and Social Affairs", ["Sở Lao động - Thương binh và Xã hội"], []),
    ("Provincial People's Committee", ["UBND tỉnh"], []),
    ("Office of the PPC", ["Văn phòng UBND tỉnh"], []),
    ("Office of the Provincial People’s Committee", ["Văn phòng UBND tỉnh"], []),
    ("district People's Committees", ["UBND cấp huyện"], []),
    # English terms and verbs
    ("digitize records", ["số hóa", "hồ sơ"], ["số hóa hồ sơ"]),
    ("simplify administrative procedures", ["đơn giản hóa", "thủ tục hành chính"], []),
    ("online public services", ["dịch vụ công trực tuyến"], []),
    ("inspection of schools", ["thanh tra", "trường học"], []),
    ("training for civil servants", ["đào tạo", "công chức"], []),
    ("quarterly report", ["báo cáo"], []),
    ("digital transformation plan", ["chuyển đổi số", "Kế hoạch"], []),
    ("decree, decision, circular and resolution", ["Nghị định", "Quyết định", "Thông tư", "Nghị quyết"], []),
    ("one-stop shop", ["một cửa"], []),
    ("complaints and denunciations", ["khiếu nại, tố cáo"], []),
    ("digital signatures and official email", ["ký số", "thư điện tử công vụ"], []),
    ("norms for allocating recurrent spending", ["định mức", "phân bổ", "chi thường xuyên"], []),
    ("competitive exams for leadership posts", ["thi tuyển", "chức danh lãnh đạo, quản lý"], []),
    ("IT infrastructure for the emulation campaign", ["hạ tầng công nghệ thông tin", "phong trào thi đua"], []),
    # general administrative vocabulary (the reverse check of frequent row words), longest phrase first
    ("who advises on the policy for public service units", ["chính sách", "đơn vị sự nghiệp công lập"],
     ["tham mưu", "đơn vị sự nghiệp công lập"]),
    ("management of public assets", ["tài sản công"], ["tài sản công"]),
    ("the rate of records processed on time", ["tỷ lệ", "xử lý", "kịp thời"], []),
    ("urge localities to update the regulations", ["đôn đốc", "địa phương", "cập nhật", "quy định"], []),
    ("appraise the self-assessment scores at commune level", ["thẩm định", "tự chấm điểm", "cấp"], []),
    ("sorting solid waste", ["rác thải"], []),
    ("anti-waste", ["thực hành tiết kiệm, chống lãng phí"], []),
    # everyday English administrative words on their own (round 5)
    ("Who gets state agencies onto the online system?", [], ["nhà nước", "cơ quan", "trực tuyến", "hệ thống"]),
    ("Who is responsible for sorting household waste at source?", [], ["phân loại", "rác thải sinh hoạt", "tại nguồn"]),
    ("Which agency handles the equitization of public service units?", [], ["cổ phần hóa"]),
    ("Who inspects discharges of toxic waste in the industrial parks?", [], ["xả thải", "độc hại", "khu công nghiệp"]),
    ("Which department handles energy saving and electricity development?", [], ["tiết kiệm", "năng lượng", "điện"]),
    # everyday Vietnamese wording → official wording (round 5)
    ("ai giữ gìn trật tự ở khu dân cư", ["an ninh trật tự"], []),
    ("xe hơi đặc chủng của cơ quan", ["xe ô tô", "chuyên dùng"], []),
    ("đưa nông sản lên chợ mạng", ["thương mại điện tử"], []),
    ("tach rac tai nha", ["phân loại rác thải"], []),
    ("nâng cao tay nghề cho thầy thuốc", ["chuyên môn, nghiệp vụ", "nhân viên y tế"], []),
    ("bầu trưởng xóm", ["trưởng thôn, tổ trưởng tổ dân phố"], []),
    ("trả tiền qua mạng khi làm thủ tục", ["thanh toán trực tuyến"], []),
    ("dùng lại dữ liệu đã có sẵn", ["tái sử dụng dữ liệu"], []),
    ("hồ sơ bị trễ hẹn", [], []),                       # official word already: nothing needed
    ("giảm số vụ phạm pháp", ["tội phạm"], []),
    # role and deadline words translate but are not added to the lexical query
    ("who coordinates", [], ["phối hợp"]),
    ("deadline", [], ["thời hạn"]),
    # British spellings fold to the American ones of the entries; third persons of -ize verbs fold too
    ("the public administration service centre", [], ["Trung tâm Phục vụ hành chính công"]),
    ("who organises and who organizes training", [], ["tổ chức"]),
    ("Who must post procedures publicly?", [], ["công khai", "thủ tục"]),
    ("complaints and recommendations of businesses", [], ["phản ánh, kiến nghị"]),
]


@pytest.mark.parametrize("question,terms,translated", CASES, ids=[c[0][:40] for c in CASES])
def test_expand_table(question, terms, translated):
    e = expand(question)
    added = [search_key(t) for t in e.added()]
    for t in terms:
        assert search_key(t) in added, (t, e.to_dict())
    for t in translated:
        assert search_key(t) in search_key(e.translated), (t, e.translated)


def test_table_is_big():
    assert len(CASES) >= 45


def test_intent_words_are_not_added_to_the_lexical_query():
    e = expand("Who leads the deadline for reports?")
    kinds = {t.kind for t in e.terms}
    assert not any(k in ("en:role_lead", "en:deadline", "en:question") for k in kinds)
    assert "báo cáo" in e.added()


def test_translation_feeds_the_intent_parser():
    assert parse_question(expand("which department takes charge of digitizing records").translated).intent == "lead"
    assert parse_question(expand("Who coordinates the inspection of schools?").translated).intent == "support"


def test_no_term_repeats_the_question():
    e = expand("thủ tục hành chính (TTHC)")
    assert [t.text for t in e.terms].count("thủ tục hành chính") == 0


def test_bm25_and_dense_text():
    e = expand("Who organizes training for doctors in the province?")
    assert e.english
    assert "đào tạo" in e.bm25_text() and e.bm25_text().startswith("Who organizes")
    assert "bác sĩ" in e.dense_text() and "doctors" not in e.dense_text()


@pytest.mark.parametrize("text,english", [
    ("Who leads digital transformation?", True), ("what does plan 151 amend", True),
    ("Ai chủ trì chuyển đổi số?", False), ("ai chu tri so hoa ho so", False), ("", False),
])
def test_is_english(text, english):
    assert is_english(text) == english


def test_every_search_text_abbreviation_is_in_the_glossary():
    """search/text.py's table can be replaced by glossary.abbreviations() without loss."""
    ours = abbreviations()
    for abbr, full in ABBREVIATIONS.items():
        k = vi_key(abbr)
        assert k in ours, abbr
        assert search_key(ours[k]) == search_key(full), (abbr, ours[k], full)


def test_agency_names_are_canonical():
    for alias, lang, name in agency_aliases():
        assert canonical_name(name) == name, (alias, name)
    assert lookup_english("Departments of Home Affairs") == "Sở Nội vụ"
    assert lookup_english("football") is None


def test_bad_data_line_names_the_file_and_line(tmp_path: Path):
    bad = tmp_path / "g.tsv"
    bad.write_text("abbr\tthủ tục hành chính\tTTHC\nnot a row\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"g\.tsv:2"):
        glossary._read(bad, glossary.VI_KINDS, "vi")


def test_data_files_load_once():
    assert glossary.tables() is glossary.tables()


def test_no_abbreviation_reads_as_a_vietnamese_word():
    """'TƯ' (trung ương) would rewrite 'Sở Tư pháp' typed without accents: abbreviations
    must not fold to a Vietnamese syllable."""
    import re
    syllable = re.compile(r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?$")
    not_words = {"ioc", "ko"}    # syllable-shaped but no Vietnamese word is spelled so ("k" only goes before i, e, ê, y)
    for k in abbreviations():
        assert k in not_words or not all(syllable.match(w) for w in k.split()), k


@pytest.mark.parametrize("question,ignore,share", [
    ("what time is it in Tokyo right now", (), 0.75),          # tokyo, right, now of 4
    ("Who is responsible for sorting household waste at source?", (), 0.0),
    ("In Vinh Phuc, who leads the digital transformation?", ("vinh", "phuc"), 0.0),
    ("In Vinh Phuc, who leads the digital transformation?", (), 0.4),   # vinh, phuc of 5
    ("Ai chủ trì số hóa?", (), 0.0),                          # Vietnamese: 0
    ("who", (), 0.0),                                            # no content word
])
def test_untranslated_share(question, ignore, share):
    assert expand(question).untranslated(frozenset(ignore)) == pytest.approx(share, abs=0.01)


# round 6: paraphrase pairs of administrative Vietnamese, provincial agencies, verb forms
CASES_R6 = [
    ("đổi mới hành chính ở cấp xã", ["cải cách hành chính"], []),
    ("soát lại các văn bản luật lệ", ["rà soát", "văn bản quy phạm pháp luật"], []),
    ("quảng bá việc cải cách", ["tuyên truyền"], []),
    ("hỏi ý kiến dân về chính quyền", ["khảo sát"], []),
    ("công chức hạch sách người dân", ["nhũng nhiễu"], []),
    ("Who systematises the legal documents?", [], ["hệ thống hóa", "văn bản quy phạm pháp luật"]),
    ("Who publishes the policies?", [], ["công khai", "chính sách"]),
    ("the Women's Union and the Provincial Party Committee", [], ["Hội Liên hiệp Phụ nữ tỉnh", "Tỉnh ủy"]),
    ("handling of applications", [], ["giải quyết", "hồ sơ"]),
]


@pytest.mark.parametrize("question,terms,translated", CASES_R6, ids=[c[0][:40] for c in CASES_R6])
def test_expand_round6(question, terms, translated):
    test_expand_table(question, terms, translated)


def test_official_phrase_is_not_expanded_inside():
    # 'phạm pháp' (everyday → tội phạm) must not fire inside 'quy phạm pháp luật'
    added = [search_key(t) for t in expand("rà soát văn bản quy phạm pháp luật").added()]
    assert search_key("tội phạm") not in added


def test_synonym_set_weight_is_shared():
    terms = [t for t in expand("rà soát hồ sơ").terms if t.kind == "syn" and t.source.lower() == "rà soát"]
    assert terms and all(t.weight < glossary.WEIGHTS["syn"] for t in terms)
    # a member that contains another only triggers the set
    assert "rà soát lại" not in [t.text for t in terms]


@pytest.mark.parametrize("word,folded", [
    ("centres", "center"), ("programme", "program"), ("organises", "organize"), ("organizes", "organize"),
    ("digitisation", "digitization"), ("policies", "policy"), ("publishes", "publish"), ("sizes", "size"),
    ("enterprise", "enterprise"), ("advise", "advise"), ("process", "process"),
])
def test_english_folding(word, folded):
    assert glossary._stem(word) == folded

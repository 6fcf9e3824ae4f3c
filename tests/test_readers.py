"""Readers for PDF, scans/images (OCR), Word .docx/.doc and legacy Vietnamese
encodings; bad input; the bound on HTML rowspan expansion.

Fixtures: tests/fixtures/readers/ (made by make_fixtures.py from bundled
corpus document 002) and tests/fixtures/scans/ (a real scanned plan).
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from cli import main as cli
from kg.model import InputError
from kg.pipeline import extract_file
from kg.read import read_file, read_html, supported
from kg.readers import doc as doc_reader
from kg.readers import ocr, pdf as pdf_reader
from kg.readers.legacy import detect, font_encoding, tcvn3_to_unicode, vni_to_unicode
from kg.vntext import fold_tones

FIX = Path(__file__).parent / "fixtures" / "readers"
SCAN = Path(__file__).parent / "fixtures" / "scans" / "cantho-70-KH-UBND-2025.pdf"
CORPUS_002 = Path(__file__).parents[1] / "data" / "corpus" / "002_303bc3616bdd9688.txt"

has_tesseract = bool(shutil.which("tesseract")) and "vie" in ocr._langs(shutil.which("tesseract") or "")
needs_tesseract = pytest.mark.skipif(not has_tesseract, reason="tesseract-ocr / tesseract-ocr-vie not installed "
                                                               "(make ocr-deps)")
needs_soffice = pytest.mark.skipif(doc_reader.soffice() is None,
                                   reason="LibreOffice not installed (make office-deps)")


# ------------------------------------------------------------- legacy ----
@pytest.mark.parametrize("legacy, expected", [
    ("Uû ban nh©n d©n", "Uỷ ban nhân dân"),
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("C¸c c¬ quan, ®¬n vÞ, ®Þa ph\u00ad¬ng", "Các cơ quan, đơn vị, địa phương"),
    ("QuyÕt ®Þnh sè 2866/Q§-UBND", "Quyết định số 2866/QĐ-UBND"),
    ("Thêi gian hoµn thµnh", "Thời gian hoàn thành"),
    ("Së Tµi nguyªn vµ M«i tr\u00adêng", "Sở Tài nguyên và Môi trường"),
    ("¡n, ¢m, £m, ¤ng, ¥i, ¦u", "Ăn, Âm, Êm, Ông, Ơi, Ưu"),
])
def test_tcvn3_phrases(legacy, expected):
    assert tcvn3_to_unicode(legacy) == expected


def test_tcvn3_capitals_font():
    assert tcvn3_to_unicode("uû ban nh©n d©n tØnh", capitals=True) == "UỶ BAN NHÂN DÂN TỈNH"
    assert tcvn3_to_unicode("kÕ ho¹ch", capitals=True) == "KẾ HOẠCH"
    # old and new tone placement are equal for search
    assert fold_tones(tcvn3_to_unicode("Uû ban")) == fold_tones("Ủy ban")


@pytest.mark.parametrize("legacy, expected", [
    ("UÛy ban nhaân daân", "Ủy ban nhân dân"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("Caùc cô quan, ñôn vò, ñòa phöông", "Các cơ quan, đơn vị, địa phương"),
    ("Quyeát ñònh soá 12/QÑ-UBND", "Quyết định số 12/QĐ-UBND"),
    ("tænh Vónh Phuùc, naêm 2023", "tỉnh Vĩnh Phúc, năm 2023"),
    ("Sôû Taøi nguyeân vaø Moâi tröôøng", "Sở Tài nguyên và Môi trường"),
])
def test_vni_phrases(legacy, expected):
    assert vni_to_unicode(legacy) == expected


@pytest.mark.parametrize("text, expected", [
    ("Uû ban nh©n d©n tØnh giao c¸c c¬ quan, ®¬n vÞ thùc hiÖn kÕ ho¹ch cña tØnh", "tcvn3"),
    ("Uûy ban nhaân daân tænh giao caùc cô quan, ñôn vò thöïc hieän keá hoaïch cuûa tænh", "vni"),
    ("Ủy ban nhân dân tỉnh giao các cơ quan, đơn vị thực hiện kế hoạch của tỉnh", None),
    ("Café © 2024 — naïve résumé façade, Ångström ±3 °C, «quoted» ½", None),
])
def test_detect_legacy(text, expected):
    assert detect(text) == expected


@pytest.mark.parametrize("font, enc", [
    (".VnTime", "tcvn3"), (".VnTimeH", "tcvn3-caps"), (".VnArialH", "tcvn3-caps"), (".VnArial", "tcvn3"),
    ("VNI-Times", "vni"), ("VNI-Helve", "vni"), ("Times New Roman", None), (None, None),
])
def test_font_encoding(font, enc):
    assert font_encoding(font) == enc


@pytest.mark.parametrize("name, lines", [
    ("tcvn3.txt", ["Số: 45/KH-UBND", "Vĩnh Phúc, ngày 10 tháng 3 năm 2023",
                   "Căn cứ Quyết định số 2866/QĐ-UBND ngày 14/10/2021 của UBND tỉnh;"]),
    ("vni.txt", ["Ủy ban nhân dân tỉnh Vĩnh Phúc", "Số: 12/QĐ-UBND"]),
    ("tcvn3.docx", ["UỶ BAN NHÂN DÂN", "TỈNH VĨNH PHÚC", "Số: 45/KH-UBND", "KẾ HOẠCH",
                    "1\tRà soát thủ tục hành chính\tSở Nội vụ\tCác sở, ngành\tQuý I/2023",
                    # vMerge: the merged lead belongs to both rows
                    "2\tTổ chức kiểm tra công tác cải cách hành chính\tSở Nội vụ\tUBND cấp huyện\tQuý II/2023"]),
])
def test_legacy_files(name, lines):
    text = read_file(FIX / name).text
    for line in lines:
        assert line in text.split("\n"), (line, text)


def test_tcvn3_docx_extracts():
    ex = extract_file(FIX / "tcvn3.docx")
    assert ex.document.number == "45/KH-UBND"
    assert ex.document.date == "2023-03-10"
    assert [t.lead for t in ex.tasks] == [("Sở Nội vụ",), ("Sở Nội vụ",)]
    assert "2866/QĐ-UBND" in [r.number for r in ex.references]


# ------------------------------------------------ docx / pdf / doc ----
def _summary(ex):
    return ([(t.no, t.lead, t.support, t.deadline) for t in ex.tasks],
            sorted(r.number or r.title for r in ex.references),
            (ex.document.number, ex.document.date, ex.document.province))


@pytest.fixture(scope="module")
def baseline():
    return _summary(extract_file(CORPUS_002))


@pytest.mark.parametrize("name", ["plan.docx", "plan.pdf",
                                  pytest.param("plan.doc", marks=needs_soffice)])
def test_word_and_pdf_match_the_text_original(name, baseline):
    """The same plan as .txt, .docx (gridSpan/vMerge), .pdf (ruled table over
    many pages, header row repeated, running header, page numbers) and .doc
    gives the same tasks, leads, supports, deadlines, references and identity."""
    got = _summary(extract_file(FIX / name))
    assert got[2] == baseline[2]
    assert len(got[0]) == len(baseline[0]) == 88
    assert got[0] == baseline[0]
    assert got[1] == baseline[1]


def test_pdf_pages_and_furniture():
    mt = read_file(FIX / "plan.pdf")
    assert len(mt.pages) == 25 and list(mt.pages) == sorted(mt.pages) and mt.pages[0] == 0
    lines = mt.text.split("\n")
    assert not any("Kế hoạch nâng cao Chỉ số PAPI năm 2024" == l for l in lines)     # running header
    assert not any(l.strip().isdigit() for l in lines)                                # page numbers
    # a task row: tab-separated cells, merged lead (vMerge) repeated
    rows = [l.split("\t") for l in lines if l.count("\t") == 4]
    assert len(rows) > 90
    assert mt.page_at(0) == 1 and mt.page_at(len(mt.original) - 1) == 25


def test_pdf_pages_in_json():
    j = extract_file(FIX / "plan.pdf").to_json()
    assert all(isinstance(t["page"], int) and 1 <= t["page"] <= 25 for t in j["tasks"])
    assert all(1 <= r["page"] <= 25 for r in j["references"])
    assert j["tasks"][0]["page"] < j["tasks"][-1]["page"]
    j = extract_file(FIX / "plan.docx").to_json()
    assert "page" not in j["tasks"][0] and "page" not in j["references"][0]


def test_supported_extensions():
    for ext in (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".docx", ".doc", ".txt", ".md", ".html"):
        assert supported(Path("x" + ext)), ext


# -------------------------------------------------------------- OCR ----
@needs_tesseract
def test_ocr_ruled_table_with_stamp_and_skew():
    """A rendered table page, rotated 1.2° with a red stamp and a blue stroke
    over it: the grid gives rows of cells; a merged lead cell is repeated."""
    mt = read_file(FIX / "table_scan.png")
    rows = [l.split("\t") for l in mt.text.split("\n") if l.count("\t") >= 3]
    assert rows, mt.text
    heads = [r for r in rows if r[0].strip() == "TT"]
    assert heads and "Nhiệm vụ" in heads[0][1]
    by_no = {r[0].strip(): r for r in rows}
    assert "3" in by_no and "4" in by_no
    assert "UBND cấp huyện" in by_no["3"][2]
    assert by_no["4"][2] == by_no["3"][2]          # merged (rowspan) lead repeated
    assert mt.pages == (0,)


@needs_tesseract
def test_ocr_scanned_plan_header(tmp_path):
    """Page 1 of a real scanned plan (Cần Thơ 70/KH-UBND, 15/9/2025)."""
    import pypdfium2 as pdfium
    src = pdfium.PdfDocument(str(SCAN))
    one = pdfium.PdfDocument.new()
    one.import_pages(src, [0])
    path = tmp_path / "page1.pdf"
    one.save(str(path))
    ex = extract_file(path)
    assert ex.document.number == "70/KH-UBND"
    assert ex.document.date == "2025-09-15"
    assert ex.document.province == "Cần Thơ"
    j = ex.to_json()
    assert any(r["number"] == "33/CT-TTg" and r["page"] == 1 for r in j["references"])


# -------------------------------------------------------- bad input ----
@pytest.mark.parametrize("name, problem", [
    ("encrypted.pdf", "password-protected"),
    ("corrupt.pdf", "corrupt or truncated PDF"),
    ("zero_pages.pdf", "no pages"),
    ("corrupt.docx", "corrupt DOCX"),
])
def test_bad_files(name, problem):
    with pytest.raises(InputError) as e:
        read_file(FIX / name, name)
    assert problem in str(e.value) and str(e.value).startswith(name + ": ")
    assert "\n" not in str(e.value)


def test_image_only_pdf_without_tesseract(monkeypatch):
    monkeypatch.setattr(ocr, "_tesseract", lambda: None)
    with pytest.raises(InputError) as e:
        read_file(SCAN, "scan.pdf")
    assert "tesseract-ocr tesseract-ocr-vie" in str(e.value)
    with pytest.raises(InputError):
        read_file(FIX / "table_scan.png", "t.png")


def test_doc_without_libreoffice(monkeypatch):
    monkeypatch.setattr(doc_reader, "soffice", lambda: None)
    with pytest.raises(InputError) as e:
        read_file(FIX / "plan.doc", "plan.doc")
    assert str(e.value) == "plan.doc: reading .doc needs LibreOffice, which is not installed " \
                           "(install Debian package libreoffice-writer-nogui)"


def test_long_pdf_is_bounded(tmp_path, monkeypatch):
    import pypdfium2 as pdfium
    src = pdfium.PdfDocument(str(FIX / "plan.pdf"))
    big = pdfium.PdfDocument.new()
    big.import_pages(src, [i % len(src) for i in range(500)])
    path = tmp_path / "big.pdf"
    big.save(str(path))
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 120)
    t = time.monotonic()
    mt = read_file(path)
    assert time.monotonic() - t < 60
    assert len(mt.pages) == 120
    assert any("500 pages; read the first 120" in w for w in mt.warnings)


def test_cli_reports_bad_files_and_extracts_the_rest(capsys):
    rc = cli.main(["extract", str(FIX / "encrypted.pdf"), str(FIX / "tcvn3.docx"),
                   str(FIX / "corrupt.docx"), "--json"])
    out, err = capsys.readouterr()
    assert rc == 2
    assert [j["document"]["number"] for j in json.loads(out)] == ["45/KH-UBND"]
    bad = [l for l in err.splitlines() if l.startswith("legalkg: ") and "warning" not in l]
    assert len(bad) == 2 and "encrypted.pdf: password-protected" in bad[0] and "corrupt.docx: corrupt DOCX" in bad[1]


# ------------------------------------------------ HTML rowspan bound ----
@pytest.mark.parametrize("cell", [
    "<td rowspan=200 colspan=20>" + "Sở Nội vụ chủ trì " * 3 + "</td>",
    "<td rowspan=200>x</td>",
    "<td rowspan=150>" + "Ủy ban nhân dân tỉnh " * 40 + "</td><td>1</td>",
])
def test_html_span_expansion_is_bounded(cell):
    """Issue 12.3: a 78 KB hostile table took 24 s and 1.59 GB."""
    html = "<table>" + "".join(f"<tr>{cell}</tr>" for _ in range(78000 // len(cell))) + "</table>"
    t = time.monotonic()
    mt = read_html(html, "hostile.html")
    assert time.monotonic() - t < 10
    assert len(mt.text) <= 6 * len(html) + 20000


def test_html_rowspan_still_repeats_in_normal_tables():
    html = ("<table><tr><td>1</td><td>Việc A</td><td rowspan=2>Sở Nội vụ</td></tr>"
            "<tr><td>2</td><td>Việc B</td></tr></table>")
    rows = [l for l in read_html(html, "x").text.split("\n") if "\t" in l]
    assert rows == ["1\tViệc A\tSở Nội vụ", "2\tViệc B\tSở Nội vụ"]

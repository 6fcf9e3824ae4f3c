"""Reading and cleaning: encodings, binary rejection, markup, chrome, offsets."""
import codecs
import unicodedata

import pytest

from kg.clean import clean
from kg.model import InputError
from kg.pipeline import extract_file
from kg.read import read_file

TEXT = ("ỦY BAN NHÂN DÂN\nTỈNH NGHỆ AN\nSố: 12/KH-UBND\nNghệ An, ngày 02 tháng 3 năm 2024\n\nKẾ HOẠCH\nThử nghiệm\n"
        "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ;\n")


@pytest.mark.parametrize("encoding,bom", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b""),
])
def test_encodings(tmp_path, encoding, bom):
    p = tmp_path / "doc.txt"
    p.write_bytes(bom + TEXT.encode(encoding))
    ex = extract_file(p)
    assert ex.document.number == "12/KH-UBND"
    assert ex.document.province == "Nghệ An"
    assert [r.number for r in ex.references] == ["61/2018/NĐ-CP"]


def test_nfd_input_is_normalised(tmp_path):
    p = tmp_path / "nfd.txt"
    p.write_text(unicodedata.normalize("NFD", TEXT), encoding="utf-8")
    ex = extract_file(p)
    assert ex.document.province == "Nghệ An"
    r = ex.references[0]
    original = p.read_text(encoding="utf-8")
    assert original[r.span[0]:r.span[1]].startswith("61/2018/N")


@pytest.mark.parametrize("content,problem", [
    (b"", "empty file"), (b"   \n\n ", "only whitespace"), (b"\x00\x01\x02\x03binary\x00\xff" * 50, "binary"),
    (bytes(range(256)) * 40, "binary"),
])
def test_bad_files(tmp_path, content, problem):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_file(p)
    assert problem in str(err.value) and "bad.txt" in str(err.value)


def test_missing_and_unsupported(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_file(tmp_path / "nope.txt")
    (tmp_path / "x.xyz").write_text("abc")
    with pytest.raises(InputError, match="unsupported file type"):
        read_file(tmp_path / "x.xyz")


def test_markup_is_stripped_and_offsets_kept(tmp_path):
    src = "Kế hoạch số **151** /KH-UBND ngày **13** tháng **6** năm 2024 <b>đậm</b> năm 2024<sup>1</sup>, hết"
    p = tmp_path / "m.md"
    p.write_text(src, encoding="utf-8")
    mt = clean(read_file(p))
    assert "151 /KH-UBND ngày 13 tháng 6 năm 2024 đậm năm 2024, hết" in mt.text
    i = mt.text.index("đậm")
    a, b = mt.orig_span(i, i + 3)
    assert src[a:b] == "đậm"


def test_web_chrome_is_not_a_reference(tmp_path):
    src = ("Đăng nhập\nĐăng ký\nBản dịch này thuộc quyền sở hữu của THƯ VIỆN PHÁP LUẬT\n"
           "Quyết định 77/QĐ-UBND 2024 về việc X\n"
           "ỦY BAN NHÂN DÂN\nTỈNH AN GIANG\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 77/QĐ-UBND\n"
           "An Giang, ngày 01 tháng 2 năm 2024\nQUYẾT ĐỊNH\nVề việc X\n"
           + "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018;\n" * 3 + "Điều 1. Nội dung.\n" * 10 +
           "FILE ĐƯỢC ĐÍNH KÈM THEO VĂN BẢN\nNghị định 13/2023/NĐ-CP về Bảo vệ dữ liệu cá nhân\nChính sách bảo mật\n")
    p = tmp_path / "web.txt"
    p.write_text(src, encoding="utf-8")
    ex = extract_file(p)
    assert ex.document.number == "77/QĐ-UBND"
    assert [r.number for r in ex.references] == ["61/2018/NĐ-CP"]


def test_html_reader(tmp_path):
    html = ("<html><head><title>x</title><script>var a='99/QĐ-UBND';</script></head><body>"
            "<nav>Đăng nhập 88/KH-UBND</nav><p><b>ỦY BAN NHÂN DÂN TỈNH CÀ MAU</b></p><p>Số: 5/KH-UBND</p>"
            "<p>Cà Mau, ngày 03 tháng 4 năm 2024</p><p><b>KẾ HOẠCH</b></p><p>Căn cứ Nghị định số 45/2020/NĐ-CP"
            "<sup>1</sup> ngày 08/4/2020 &amp; khác;</p><table><tr><th>TT</th><th>Nhiệm vụ</th><th>Cơ quan chủ trì</th>"
            "<th>Cơ quan phối hợp</th><th>Thời gian</th></tr><tr><td colspan=5><b>I</b>. CHUNG</td></tr>"
            "<tr><td>1</td><td>Làm &lt;việc&gt; A</td><td>Sở Nội vụ</td><td>Sở Tư pháp</td><td>Quý I/2024</td></tr>"
            "</table><footer>© 2024 12/QĐ-UBND</footer></body></html>")
    p = tmp_path / "d.html"
    p.write_text(html, encoding="utf-8")
    ex = extract_file(p)
    assert ex.document.number == "5/KH-UBND" and ex.document.province == "Cà Mau"
    assert [r.number for r in ex.references] == ["45/2020/NĐ-CP"]
    assert ex.references[0].date == "2020-04-08"
    assert len(ex.tasks) == 1 and ex.tasks[0].text == "Làm <việc> A" and ex.tasks[0].section == "I"
    assert ex.tasks[0].lead == ("Sở Nội vụ",) and ex.tasks[0].deadline_end == "2024-03-31"

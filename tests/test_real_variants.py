"""The same real published pages as Word (merged cells), a text-layer PDF, a
TCVN3 text file and a Word file typed in TCVN3 (.VnTime/.VnTimeH runs) give
the gold's identity, references, task count and lead/support.

Variants made by tests/fixtures/real_variants/make_variants.py (LibreOffice
conversions of each page's HTML; TCVN3 written from the published code chart).
"""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from extract_quality import agency_set, norm_num  # noqa: E402
from kg.pipeline import extract_file  # noqa: E402

VARIANTS = ROOT / "tests" / "fixtures" / "real_variants"
GOLD = ROOT / "tests" / "gold" / "real"
STEMS = ["7cfc6fdf6d7a5f5d", "31786b0833a4130d", "2f6f80b9918e52de"]
SUFFIXES = [".docx", ".pdf", ".tcvn3.txt", ".tcvn3.docx"]


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_variant_matches_gold(stem, suffix):
    gold = json.loads((GOLD / f"{stem}.json").read_text(encoding="utf-8"))
    ex = extract_file(VARIANTS / f"{stem}{suffix}").to_json()
    d, gd = ex["document"], gold["document"]
    assert (norm_num(d["number"] or ""), d["date"], d["province"]) == \
        (norm_num(gd["number"]), gd["date"], gd["province"])
    assert {norm_num(r["number"]) for r in ex["references"] if r["number"]} == \
        {norm_num(r["number"]) for r in gold["references"]}
    assert len(ex["tasks"]) == len(gold["tasks"])
    for g, t in zip(gold["tasks"], ex["tasks"]):
        assert agency_set(t["lead"]) == agency_set(g["lead"]), (g["text_start"], t["lead"])
        assert agency_set(t["support"]) == agency_set(g["support"]), (g["text_start"], t["support"])


def test_tcvn3_variants_are_really_legacy():
    """The fixtures hold TCVN3 bytes and fonts, not Unicode."""
    raw = (VARIANTS / "2f6f80b9918e52de.tcvn3.txt").read_bytes()
    assert "Sè: 172/KH-UBND".encode("latin-1") in raw and "Số".encode("utf-8") not in raw
    import zipfile
    xml = zipfile.ZipFile(VARIANTS / "31786b0833a4130d.tcvn3.docx").read("word/document.xml").decode("utf-8")
    assert ".VnTimeH" in xml and ".VnTime\"" in xml and "Kế hoạch" not in xml

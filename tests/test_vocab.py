"""The one vocabulary (kg.vocab) and the one normalisation module (kg.vntext)."""
import pytest
from rdflib.namespace import DCTERMS

from kg.agencies import agency_kind
from kg.model import RELATION_RANK
from kg.rdf import ELI, lkg_terms, relation_properties
from kg.vntext import expand_abbreviations, fold, fold_keep_length, norm_name, search_key
from kg.vocab import AGENCY_KINDS, CITATION_TYPES, IN_LABELS, OUT_LABELS, RELATION_COLORS, RELATION_NAMES


@pytest.mark.parametrize("name,kind", [
    ("Sở Nội vụ", "so"), ("UBND cấp huyện", "ubnd"), ("Bộ Nội vụ", "bo"), ("Chính phủ", "central"),
    ("Các sở, ban, ngành", "group"), ("Tỉnh ủy", "party"), ("Hội Nông dân tỉnh", "mass_org"),
    ("HĐND tỉnh", "hdnd"), ("Công an tỉnh", "other"),
])
def test_agency_kinds_are_the_vocabulary(name, kind):
    assert agency_kind(name) == kind and kind in AGENCY_KINDS


def test_every_relation_has_labels_colour_and_rdf():
    assert set(RELATION_RANK) == set(CITATION_TYPES)
    for r in CITATION_TYPES:
        assert RELATION_NAMES[r] and OUT_LABELS[r] and IN_LABELS[r] and RELATION_COLORS[r]
        assert relation_properties(r)
    assert relation_properties("replaces") == [DCTERMS.replaces]
    assert relation_properties("guides") == [lkg_terms().guides, ELI.cites]
    assert "attached_to" in OUT_LABELS and "attached_to" not in CITATION_TYPES


def test_lkg_namespace_is_closed():
    L = lkg_terms("http://x.example/")
    assert str(L.agencyKind) == "http://x.example/ns#agencyKind"
    with pytest.raises(AttributeError):
        L.agencykind                     # a typo is an error, not a new IRI


@pytest.mark.parametrize("text,key", [
    ("Hoá đơn", "hoa don"), ("Sở Thông tin và Truyền thông", "so thong tin va truyen thong"),
    ("ĐẮK LẮK", "dak lak"),
])
def test_folds(text, key):
    assert search_key(text) == key
    assert fold(text) == key and len(fold(text)) == len(text)
    assert len(fold_keep_length(text)) == len(text)


def test_tone_placement_and_abbreviations():
    assert norm_name("Ủy ban  nhân dân tỉnh Thanh Hoá") == norm_name("Ủy ban nhân dân tỉnh Thanh Hóa")
    assert expand_abbreviations("số hóa TTHC") == "số hóa TTHC thủ tục hành chính"

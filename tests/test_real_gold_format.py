"""The hand-checked real gold files are well formed and their source pages are in the fixtures."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
GOLD = sorted((ROOT / "gold" / "real").glob("*.json"))
RELATIONS = {"based_on", "implements", "amends", "replaces", "repeals", "guides", "cites"}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_at_least_twenty_documents():
    assert len(GOLD) >= 20


@pytest.mark.parametrize("path", GOLD, ids=[p.stem for p in GOLD])
def test_gold_file(path):
    g = json.loads(path.read_text(encoding="utf-8"))
    assert (ROOT / "fixtures" / "real" / g["source"]).is_file()
    assert g["layout"] and all(isinstance(x, str) and x for x in g["layout"])
    d = g["document"]
    assert d["number"] and " " not in d["number"]
    assert d["type"] and ISO.match(d["date"])
    numbers = [r["number"] for r in g["references"]]
    assert len(numbers) == len(set(numbers)), "references must be distinct"
    assert d["number"] not in numbers
    for r in g["references"]:
        assert " " not in r["number"] and r["relation"] in RELATIONS
        assert r["date"] is None or ISO.match(r["date"])
    for law in g["named_laws"]:
        assert law["title"].startswith(("Luật", "Bộ luật", "Hiến pháp")) and law["relation"] in RELATIONS
    for rel in g["relations"]:
        assert rel["type"] in RELATIONS and rel["source"] != rel["target"]
    for t in g["tasks"]:
        assert {"section", "no", "text_start", "lead", "support", "deadline"} <= t.keys()
        assert isinstance(t["lead"], list) and isinstance(t["support"], list)
    for a in g["assignments"]:
        assert a["agency"]

"""Aggregate extraction quality on the hand-checked real official pages
(tests/gold/real/, pages in tests/fixtures/real/): a regression guard.

Thresholds are the level reached (30 pages: identity 30/30, references
P 0.996 R 0.996, tasks exact 30/30, lead 1.000, support 1.000 over 80 rows;
26/30, 0.900 and 0.875 before issue 9's second round) minus a small margin.
"""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from extract_quality_real import GOLD, evaluate  # noqa: E402


@pytest.fixture(scope="module")
def rows():
    files = sorted(GOLD.glob("*.json"))
    assert len(files) >= 30
    return [evaluate(f) for f in files]


def test_identity_all_right(rows):
    assert [r["file"] for r in rows if not r["doc_ok"]] == []


def test_reference_precision_and_recall(rows):
    tp = sum(r["tp"] for r in rows)
    assert tp / sum(r["n_pred"] for r in rows) >= 0.98
    assert tp / sum(r["n_gold"] for r in rows) >= 0.98


def test_task_counts(rows):
    assert sum(r["tasks_exact"] for r in rows) >= len(rows) - 1


def test_lead_and_support(rows):
    n = sum(r["n_rows"] for r in rows)
    assert sum(r["lead_ok"] for r in rows) / n >= 0.96
    assert sum(r["sup_ok"] for r in rows) / n >= 0.96


@pytest.mark.parametrize("stem", ["1ea5e769bcf16b99", "cd5874640909d75c", "cd648cfa4fdecfb2", "e52fee108f53e169"])
def test_procedure_catalogues_have_no_tasks(stem):
    """Catalogues of administrative procedures ('Cơ quan thực hiện: Sở Y tế /
    Cơ quan phối hợp: Không') are not task lists."""
    r = evaluate(GOLD / f"{stem}.json")
    assert r["tasks"] == "0/0"

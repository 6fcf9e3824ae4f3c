"""Stable identifiers for documents, tasks and agencies."""
from __future__ import annotations

import re
from typing import Optional

from . import numbers as N
from .vntext import fold_tones, search_key


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", search_key(fold_tones(text))).strip("-")


def document_id(number: Optional[str], province: Optional[str], title: Optional[str] = None,
                year: Optional[int] = None) -> str:
    """Central documents are identified by their number; local ones by number
    and province (two provinces' 131/KH-UBND are two documents); named laws by
    their normalised name and year."""
    if number:
        if N.is_local(number):
            return f"{slug(province) if province else 'unknown-province'}/{slug(number)}"
        return f"vn/{slug(number)}"
    if title:
        return f"law/{slug(title)}" + (f"-{year}" if year else "")
    return "unknown"

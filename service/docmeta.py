"""What a document page says about a document beyond its relations: where an
attached plan begins in its decision's file, the validity its texts state, and
official search links for a document that is only cited."""
from __future__ import annotations

import re
from typing import Optional
from urllib.parse import quote

from .query import doc_summary


def plan_start(text: str, title: Optional[str], spans: list) -> int:
    """Where an attached plan begins in its decision's file: the 'KẾ HOẠCH' heading before the
    last mention of its title ahead of the first table row (0 when it cannot be found)."""
    first = min((sp[0] for sp in spans if sp), default=len(text))
    head = text[:first]
    pos = -1
    if title:
        words = [re.escape(w) for w in title.split()[:8]]
        for m in re.finditer(r"\s+".join(words), head, flags=re.I):
            pos = m.start()
    if pos < 0:
        return 0
    kh = [m.start() for m in re.finditer(r"(?m)^[ \t|#*]*K[ẾE] HO[ẠA]CH\b", head[:pos])]
    return kh[-1] if kh and pos - kh[-1] < 400 else pos


_EFFECTIVE_RE = re.compile(
    r"có hiệu lực(?: thi hành)?(?: kể)? từ(?: ngày)? ?"
    r"(ký(?: ban hành)?|ban hành|(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})|(\d{1,2}) tháng (\d{1,2}) năm (\d{4}))",
    re.I)


def validity(G, doc_id: str, text: Optional[str], date: Optional[str]) -> dict:
    """What the texts say about a document's force: the effective date its own text states
    ("có hiệu lực kể từ ngày ký" → its date), and the documents in the corpus that replace,
    repeal or amend it.  Nothing is guessed: an absent statement stays None / []."""
    eff = None
    if text:
        m = _EFFECTIVE_RE.search(text)
        if m:
            iso = None
            if m.group(2) or m.group(5):
                d, mo, y = (m.group(2), m.group(3), m.group(4)) if m.group(2) else (m.group(5), m.group(6), m.group(7))
                iso = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
            elif date:
                iso = date
            eff = {"text": re.sub(r"\s+", " ", m.group(0)), "date": iso, "span": [m.start(), m.end()]}
    by = {"replaces": [], "repeals": [], "amends": []}
    for u, _, k in G.in_edges(doc_id, keys=True):
        if k in by:
            by[k].append(doc_summary(G, u))
    for k in by:
        by[k].sort(key=lambda d: (d.get("date") or "", d["id"]))
    state = "replaced" if by["replaces"] else "repealed" if by["repeals"] else None
    return {"effective": eff, "replaced_by": by["replaces"], "repealed_by": by["repeals"],
            "amended_by": by["amends"], "state": state}


def official_links(node: dict) -> list[dict]:
    """A document only cited (no text in the corpus): search its number on the official
    databases — plain links, nothing is fetched."""
    number = node.get("number")
    if not number:
        return []
    q = quote(number, safe="")
    links = [{"label": "Tìm trên Cơ sở dữ liệu quốc gia về văn bản pháp luật (vbpl.vn)",
              "href": f"https://vbpl.vn/pages/vbpq-timkiem.aspx?type=0&s=1&Keyword={q}"},
             {"label": "Tìm trên Thư viện Pháp luật (thuvienphapluat.vn)",
              "href": f"https://thuvienphapluat.vn/page/tim-van-ban.aspx?keyword={q}"}]
    return links

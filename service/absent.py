"""What a question names that the built corpus lacks: the evidence for a
"not found" that can say why.

Each check reads the question and the built graph / search engine and returns
the reason to abstain (Vietnamese, shown to the user) or None:

* a province the corpus has no document of ("Phú Thọ", "Hanoi", "quang ninh");
* a department ("Sở …") that no agency node of the graph matches;
* a law named by its title ("Luật Đất đai 2024") that no law node (with that
  year, when one is written) nor any passage names;
* a year far outside the years the corpus's documents and deadlines cover,
  that no passage writes either ('đến 2030' targets are written in rows);
* for a question naming a document by type and title ("Kế hoạch phòng chống
  dịch sốt xuất huyết …") that matches no title: title words (syllable pairs)
  that neither a passage nor a document title contains.

Nothing here is about one document: every table comes from the build.
"""
from __future__ import annotations

import re
from typing import Optional

from kg.vntext import fold_tones, search_key
from search.finders import find_agencies as question_agencies
from search.intent import find_provinces
from search.route import Route
from search.text import REQUEST_WORDS, syllables

from . import answer as wording
from .query import find_agencies

YEAR_MARGIN = 2            # a question's year this far outside the corpus's years names nothing in it
# words that end a law's title in a question ("Luật Đất đai 2024 có hiệu lực …"), with their accents: an
# accented word ends the title only as itself ('mới', not 'môi'; 'về', not the 'vệ' of 'Bảo vệ')
_LAW_END_VI = set(fold_tones("""có hiệu lực từ ngày nào là gì theo về do của quy định năm thì được khi thế và
hiện hành mới số sửa đổi bổ sung hướng dẫn những các này điều khoản áp dụng với cho tại trong bản""").split())
_LAW_END = {search_key(w) for w in _LAW_END_VI}
_LAW_RE = re.compile(r"(?<!phap )(?<!du thao )\b(?:bo )?luat\s+(?!su\b|phap\b)")
TITLE_GENERIC = set("""ke hoach quyet dinh nghi dinh nghi quyet thong tu chi thi chuong trinh de an luat van ban
cong van tinh thanh pho nam giai doan cua ve viec tren dia ban nao la gi cac nhung va tp ubnd hdnd
phan tram muoi
doi voi cho trong tai theo de tu den o""".split()) | REQUEST_WORDS
# "85 phần trăm": the corpus writes "85%"; function words join a title's words in any order ("công chức với sinh
# viên" for "công chức đối với sinh viên"); a request ("Cho tôi xem …") names no title word


def missing(G, engine, r: Route, question: str) -> Optional[str]:
    """The first thing the question names that the corpus lacks, as the reason, or None."""
    for check in (_province, _agency, _law, _year):
        why = check(G, engine, r, question)
        if why:
            return why
    return None


def _province(G, engine, r: Route, question: str) -> Optional[str]:
    for p in find_provinces(question):
        if not engine.filter_ids("province", p):
            return wording.no_province_text(p)
    return None


def _agency(G, engine, r: Route, question: str) -> Optional[str]:
    for a in question_agencies(question):
        if a.name.startswith("Sở ") and not _agency_known(G, a.name):
            return f"Kho văn bản không có nhiệm vụ nào của {a.name}"
    return None


def _agency_known(G, name: str) -> bool:
    cache = G.graph.setdefault("_ask_agency_known", {})
    if name not in cache:
        cache[name] = bool(find_agencies(G, name))
    return cache[name]


def _law(G, engine, r: Route, question: str) -> Optional[str]:
    """A law named by its title that the corpus lacks.  Only a real name
    counts: the title written as a name ('Luật Đất đai', 'Luật Bảo hiểm xã
    hội') or followed by its year ('luật đất đai 2024'); 'hiểu luật giữ gìn
    môi trường' speaks of the law in general words, and is left to ranking."""
    key = search_key(question)
    words = re.findall(r"\w+", question)
    for m in _LAW_RE.finditer(key):
        start = len(re.findall(r"\w+", key[:m.start()]))
        first = start + 1 + (1 if key[m.start():].startswith("bo ") else 0)     # the title's first word
        title = []
        for j, w in enumerate(re.findall(r"[a-z0-9]+", key[m.end():])):
            orig = fold_tones(words[first + j]) if first + j < len(words) else w
            # a word written with its accents ends the title only as itself ('mới', not 'môi')
            if w.isdigit() or (orig in _LAW_END_VI if orig != w else w in _LAW_END) or len(title) == 8:
                break
            title.append(w)
        if len(title) < 2:
            continue
        tail = key[m.end():]
        ym = re.match(r"\s*(?:[a-z]+\s+){%d}(?:nam\s+)?((?:19|20)\d{2})\b" % len(title), tail)
        year = ym.group(1) if ym else None
        if not (year or (first < len(words) and words[first][:1].isupper())):
            continue                           # 'luật' in general words, not a law's name
        if _law_known(G, engine, title, year):
            continue
        shown = " ".join(words[start:first + len(title)])
        return f"Không có {shown}{' ' + year if year else ''} trong kho văn bản"
    return None


def _laws(G) -> list[tuple[str, str, str]]:
    """(node id, title syllables, date) of the graph's laws, cached on the graph."""
    if "_ask_laws" not in G.graph:
        G.graph["_ask_laws"] = [(n, " ".join(syllables(a.get("title") or "")), a.get("date") or "")
                                for n, a in G.nodes(data=True)
                                if a.get("kind") == "document" and "luat" in search_key(a.get("type") or "")]
    return G.graph["_ask_laws"]


def _law_known(G, engine, title: list[str], year: Optional[str]) -> bool:
    run = " ".join(title)
    for n, t, d in _laws(G):
        if f" {run} " in f" {t} " and (year is None or year in n or d.startswith(year) or year in t):
            return True
    if year is None:                       # a passage that names it (no node): known
        toks = [f"luat_{title[0]}"] + [f"{x}_{y}" for x, y in zip(title, title[1:])]
        rows = None
        for t in toks:
            got = set(engine.rows_with(t).tolist())
            rows = got if rows is None else rows & got
            if not rows:
                return False
        return True
    return False


def year_range(G, engine) -> Optional[tuple[int, int]]:
    """The years the corpus's documents and rows cover (cached on the graph)."""
    if "_ask_years" not in G.graph:
        ys: set[int] = set(engine.year_span or ())
        for _, a in G.nodes(data=True):
            if a.get("kind") == "document" and a.get("in_corpus") and (a.get("date") or "")[:4].isdigit():
                ys.add(int(a["date"][:4]))
        G.graph["_ask_years"] = (min(ys), max(ys)) if ys else None
    return G.graph["_ask_years"]


_YEAR_RE = re.compile(r"(?<![\d/.])((?:19|20)\d{2})(?![\d/])")


def _year(G, engine, r: Route, question: str) -> Optional[str]:
    if r.document is not None and (r.document.number or r.document.serial):
        return None
    rng = year_range(G, engine)
    for m in _YEAR_RE.finditer(question):
        y = int(m.group(1))
        if rng and not (rng[0] - YEAR_MARGIN <= y <= rng[1] + YEAR_MARGIN) and not engine.has_token(str(y)):
            return f"Kho văn bản không có văn bản nào về năm {y} (chỉ từ {rng[0]} đến {rng[1]})"
    return None


def _title_bigrams(G) -> frozenset:
    if "_ask_title_bi" not in G.graph:
        bi = set()
        for _, a in G.nodes(data=True):
            if a.get("kind") == "document":
                s = syllables(a.get("title") or "")
                bi |= {f"{x}_{y}" for x, y in zip(s, s[1:])}
        G.graph["_ask_title_bi"] = frozenset(bi)
    return G.graph["_ask_title_bi"]


def missing_title(G, engine, question: str) -> Optional[str]:
    """A title question ('Kế hoạch phòng chống dịch sốt xuất huyết …') that no
    title matched: the reason when some of its title words (adjacent syllable
    pairs, generic and scope words aside) are in no passage and no title."""
    words = [w for w in re.findall(r"[^\W\d_]+", question)]
    keys = [search_key(fold_tones(w)) for w in words]
    provinces = {s for p in find_provinces(question) for s in syllables(p)}
    titles = _title_bigrams(G)
    gone: list[list[int]] = []          # runs of word indices
    for i in range(len(keys) - 1):
        a, b = keys[i], keys[i + 1]
        if a in TITLE_GENERIC or b in TITLE_GENERIC or a in provinces or b in provinces:
            continue
        tok = f"{a}_{b}"
        if not engine.has_token(tok) and tok not in titles:
            if gone and gone[-1][-1] == i:
                gone[-1].append(i + 1)
            else:
                gone.append([i, i + 1])
    if not gone:
        return None
    return f"Kho văn bản không có văn bản nào về '{', '.join(' '.join(words[j] for j in run) for run in gone[:3])}'"

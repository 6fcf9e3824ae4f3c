"""Which documents a reference in a question names: by number or serial
(``resolve``), by a cited text's whole title ("Luật Tổ chức chính quyền địa
phương năm 2015", glossary-translated from English: ``resolve_named``), or an
in-corpus document by type and title words ("Kế hoạch cải cách hành chính năm
2023 của tỉnh Tiền Giang": ``resolve_title``).  Used by every route of
``service.ask`` that names a document."""
from __future__ import annotations

import re
from typing import Optional

from kg.vntext import search_key
from search.finders import DocumentRef
from search.glossary import is_english, is_english_word
from search.route import Route
from search.text import REQUEST_WORDS, syllables

TITLE_MIN = 0.6          # share of a title question's content words a title must contain
TYPE_WEIGHT = 0.2        # weight of the question's document-type word in that share
NAMED_MIN = 0.85         # share of a cited text's title words a reference by title must hold
WHOLE_MIN = 0.9          # share of a question's words one in-corpus title must hold to be that title written out
WHOLE_WORDS = 6          # … a question of at least this many words (shorter ones are keyword searches)
WHOLE_LEAD = 0.1         # … and the next title this far behind


def _doc_index(G) -> list[tuple[str, dict, frozenset]]:
    idx = G.graph.get("_ask_doc_index")
    if idx is None:
        idx = []
        for n, a in G.nodes(data=True):
            if a.get("kind") == "document":
                words = " ".join(x for x in (a.get("type"), a.get("title"), a.get("number"), a.get("province"),
                                             (a.get("date") or "")[:4]) if x)
                idx.append((n, a, frozenset(syllables(words))))
        G.graph["_ask_doc_index"] = idx
    return idx


def _norm_number(n: Optional[str]) -> str:
    return (n or "").upper().replace("CD-", "CĐ-")


def _best_first(G, ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda n: (not G.nodes[n].get("in_corpus"), G.nodes[n].get("attached_to") is not None,
                                      "".join(chr(0x10FFFF - ord(c)) for c in (G.nodes[n].get("date") or "")), n))


def resolve(G, ref: DocumentRef) -> list[str]:
    """Document ids a reference names, best first (in corpus, newest)."""
    if ref.number:
        want = _norm_number(ref.number)
        ids = [n for n, a, _ in _doc_index(G) if _norm_number(a.get("number")) == want]
    elif ref.serial:
        ids, other_type = [], []
        for n, a, _ in _doc_index(G):
            num = a.get("number") or ""
            if not re.match(rf"0*{re.escape(ref.serial)}(?:/|-)", num):
                continue
            if ref.year and not (f"/{ref.year}/" in num or (a.get("date") or "")[:4] == str(ref.year)):
                continue
            if ref.type and a.get("type") and a["type"] != ref.type:
                other_type.append(n)
                continue
            ids.append(n)
        if not ids:
            # the type as the user says it: a programme issued by a Quyết định is "kế hoạch 2866" to many;
            # only an in-corpus document of that serial, so a cited text of another type is not taken
            ids = [n for n in other_type if G.nodes[n].get("in_corpus") and not G.nodes[n].get("attached_to")]
    else:
        return []
    if ref.province:
        ids = [n for n in ids if G.nodes[n].get("province") == ref.province] or \
            [n for n in ids if not G.nodes[n].get("province")]
    return _best_first(G, ids)


def resolve_named(G, engine, ref: DocumentRef) -> list[str]:
    """Documents of ``ref.type`` cited by title ("Luật Tổ chức chính quyền địa
    phương năm 2015", "the Law on Organization of Local Government", glossary-
    translated): those whose whole title the reference holds (``NAMED_MIN`` of
    its words), the best first: the most title words held, then the year named."""
    if not ref.type:
        return []
    asked = set(syllables(ref.text)) | set(syllables(engine.prepare(ref.text).dense))
    year = ref.year or next((int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", ref.text)), None)
    scored = []
    for n, a, _ in _doc_index(G):
        if a.get("type") != ref.type or not a.get("title"):
            continue
        words = [w for w in dict.fromkeys(syllables(a["title"])) if w not in TITLE_STOP]
        held = sum(w in asked for w in words)
        known = (a.get("date") or "")[:4] or next(iter(re.findall(r"-((?:19|20)\d\d)$", n)), "")
        if year and known and known != str(year):
            continue                      # "Luật Đất đai 2024" is not the 2013 law a plan cites
        if words and held / len(words) >= NAMED_MIN:
            scored.append((-held / len(words), -held, n))
    scored.sort()
    return [x[-1] for x in scored if x[:2] == scored[0][:2]]


TITLE_STOP = set("""van ban nao la cua tinh thanh pho ve viec the of a an in for which what is are plan plans
province city nam den toi to""".split()) | REQUEST_WORDS      # "Cho tôi xem …" asks, names nothing;
# "2021 đến 2025" is a range, not a title's words
# not words of a title: how long ("kế hoạch 5 năm", "five-year plan"), the act ("phê duyệt", "ban hành": the
# question may say one where the title says the other), the number asked for ("là văn bản số mấy"), an English
# possessive ("Tien Giang's")
_NOT_TITLE = re.compile(r"\b\d{1,2}[\s-]+(?:năm|nam|years?|year)\b|\b(?:phê duyệt|phe duyet|ban hành|ban hanh)\b"
                        r"|\b(?:số|so)\s+(?:mấy|may|hiệu|hieu|bao nhiêu|bao nhieu)\b|\b(?:tài liệu|tai lieu)\b|['’]s\b", re.I)


def resolve_title(G, engine, r: Route, least: float = TITLE_MIN, cited: bool = False) -> list[str]:
    """In-corpus documents whose type, title, number, province and year
    contain at least ``least`` of the question's words (weighted by idf; the
    better of the words as asked and glossary-translated), the best first and
    those within 0.15 of it; with ``cited``, the texts the corpus only cites
    instead (by their titles: a request for a document no in-corpus title
    answers, "Which decision approved Tiền Giang's digital government
    scheme?" → 605/QĐ-UBND, cited by 45/QĐ-UBND)."""
    scored = _title_scores(G, engine, r, least, cited)
    best = scored[0][0] if scored else 0
    return [n for c, n in scored if c >= max(least, best - 0.15)]


def _title_scores(G, engine, r: Route, least: float = TITLE_MIN, cited: bool = False) -> list[tuple[float, str]]:
    """(share, document) best first: the share of the question's words
    (glossary-translated; as asked when no title reaches ``least`` that way,
    e.g. "PAPI" beside its expansion) that a document's type, title, number,
    province and year hold; with ``cited``, of the texts the corpus only
    cites (the translated words only)."""
    translated = engine.prepare(r.question).dense
    if is_english(r.question):       # "Where is …", "approved": English words the glossary left are no title's
        translated = " ".join(w for w in translated.split() if not _untranslated_english(w))
    scored = _title_scores_of(G, engine, r, translated, cited)
    if not cited and translated != r.question and (not scored or scored[0][0] < least):
        scored = max(scored, _title_scores_of(G, engine, r, r.question), key=lambda s: s[0][0] if s else 0.0)
    return scored


def _untranslated_english(word: str) -> bool:
    """An English word (or a bare possessive) the glossary left in a translated question."""
    if not word.isascii():
        return False                  # Vietnamese, with its marks: a translation
    bare = re.sub(r"\W+", "", word).lower()
    return not bare or bare == "s" or is_english_word(bare)


def _title_scores_of(G, engine, r: Route, text: str, cited: bool = False) -> list[tuple[float, str]]:
    """As ``_title_scores``, over the in-corpus documents, or with ``cited``
    over the texts the corpus only cites that have a title."""
    words = [w for w in dict.fromkeys(syllables(_NOT_TITLE.sub(" ", text))) if w not in TITLE_STOP]
    if not words:
        return []
    # the type word weighs little: a "chương trình" or "đề án" is often issued as a Kế hoạch or a Quyết định
    form = set(syllables(r.document.type or "")) if r.document is not None else set()
    weights = {w: engine.idf.get(w, engine.idf_oov) * (TYPE_WEIGHT if w in form else 1.0) for w in words}
    total = sum(weights.values()) or 1.0
    scored = []
    for n, a, bag in _doc_index(G):
        if (not a.get("title") or a.get("in_corpus")) if cited else (not a.get("in_corpus") or a.get("attached_to")):
            continue
        if r.province and a.get("province") and a.get("province") != r.province:
            continue
        scored.append((sum(v for w, v in weights.items() if w in bag) / total, n))
    scored.sort(key=lambda x: -x[0])
    return scored


# on the folded question (kg.vntext.search_key): the types a plan in the corpus is issued as
_TYPE_FIRST = re.compile(r"^\W*(?:ke hoach|quyet dinh|chuong trinh|de an|nghi quyet|plan|decision|programme|program)\b")


def whole_title(G, engine, question: str, r: Route) -> Optional[str]:
    """The in-corpus document (or one the question's reference names) whose
    type, title, number, province and year hold nearly all of a question that starts with a document type or names one
    ("Kế hoạch thực hiện nhiệm vụ cải cách hành chính năm 2023 trên địa bàn
    tỉnh Tiền Giang", "quyet dinh 2866 vinh phuc ke hoach cai cach hanh chinh
    2021-2025"), else None: a user pasting a title wants the document, not a row."""
    if not (_TYPE_FIRST.match(search_key(question)) or r.document is not None):
        return None
    words = [w for w in dict.fromkeys(syllables(question)) if w not in TITLE_STOP]
    if len(words) < WHOLE_WORDS:
        return None
    # a reference followed by its title may name a text the corpus only cites ("quyết định 605 tiền giang đề án
    # chính quyền số"): the documents it resolves to compete too
    named = set(resolve(G, r.document)) if r.document is not None else set()
    scored = []
    for n, a, bag in _doc_index(G):
        if (a.get("in_corpus") and not a.get("attached_to")) or n in named:
            scored.append((sum(w in bag for w in words) / len(words), n))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < WHOLE_MIN or (len(scored) > 1 and scored[0][0] - scored[1][0] < WHOLE_LEAD):
        return None
    return scored[0][1]

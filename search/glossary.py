"""Administrative glossary: Vietnamese synonyms and abbreviations, English →
Vietnamese terms, agency aliases, for query expansion and question routing.

Data (written from domain knowledge, not from corpus rows), loaded once:

* ``data/glossary_vi.tsv``    ``kind  canonical  variant|variant…``
  (abbr, syn, lay, agency, role_lead, role_support, deadline)
* ``data/glossary_en_vi.tsv`` ``kind  english|english…  vietnamese|alternative…``
  (agency, doctype, term, verb, role_lead, role_support, deadline, question)

``expand(question)`` gives an :class:`ExpandedQuery`:

* ``translated`` – the question with English glossary phrases replaced in place by
  Vietnamese and abbreviations spelled out: feed this to the dense encoder and to
  ``search.intent.parse_question`` (so "who leads" → "ai chủ trì");
* ``terms`` – Vietnamese terms to add to the lexical (BM25) query, each with the
  words that triggered it and a weight (1.0 translation / abbreviation,
  0.7 everyday → official wording, 0.5 synonym).  Intent words (lead/support/
  deadline/question words) only go into ``translated``: the ranking strips them.

Matching of Vietnamese entries is diacritic-, tone-placement- and case-insensitive
on whole words (``kg.vntext.search_key``); English entries are matched
case-insensitively on whole words, with an optional plural ``s``/``es``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from kg.agencies import FIELDS, canonical_name
from kg.vntext import compact_spaces, has_marks, nfc, search_key

DATA = Path(__file__).with_name("data")
VI_FILE = DATA / "glossary_vi.tsv"
EN_FILE = DATA / "glossary_en_vi.tsv"

VI_KINDS = {"abbr", "syn", "lay", "agency", "role_lead", "role_support", "deadline"}
EN_KINDS = {"agency", "doctype", "term", "verb", "role_lead", "role_support", "deadline", "question"}
INTENT_KINDS = {"role_lead", "role_support", "deadline", "question"}
WEIGHTS = {"abbr": 1.0, "en": 1.0, "en_alt": 0.7, "lay": 0.7, "syn": 0.5}
MAX_TERMS = 16

# Function words of English questions (not glossary content, but not garbage either).
ENGLISH_STOPWORDS = frozenset("""
a an the of for in on at to by with from and or not no is are was were be been being has have had
do does did will would should must can could may might shall what which who whom whose when where why how
many much list show me tell about there this that these those it its their his her they them we you i
all any each some other same as than then so if into over under between during before after until
up down out off also only just more most less few per via vs please find give get got documents
""".split())


_EN_WORD = re.compile(r"[a-z]{2,}")


@dataclass(frozen=True)
class Entry:
    kind: str
    canonical: str                 # Vietnamese canonical form
    variants: tuple[str, ...]      # Vietnamese variants (vi file) or English phrases (en file)
    alternatives: tuple[str, ...] = ()   # further Vietnamese renderings (en file)
    lang: str = "vi"


@dataclass(frozen=True)
class Term:
    text: str       # Vietnamese term to add to the query
    source: str     # the words of the question that triggered it
    kind: str       # abbr | syn | lay | en:<kind>
    weight: float


@dataclass(frozen=True)
class ExpandedQuery:
    original: str
    translated: str
    terms: tuple[Term, ...]
    english: bool

    def added(self, min_weight: float = 0.0) -> list[str]:
        return [t.text for t in self.terms if t.weight >= min_weight]

    def bm25_text(self, min_weight: float = 0.0) -> str:
        """The question plus the added Vietnamese terms (for a lexical index)."""
        return compact_spaces(" ".join([self.original] + self.added(min_weight)))

    def dense_text(self) -> str:
        """The question in Vietnamese (English phrases translated, abbreviations
        spelled out), plus official wording for everyday phrases."""
        extra = [t.text for t in self.terms if t.kind == "lay"]
        return compact_spaces(" ".join([self.translated] + extra))

    def untranslated(self, ignore: frozenset = frozenset()) -> float:
        """English question: the share of its content words (not function words,
        not in ``ignore``) that the glossary left as they were; 0 otherwise."""
        if not self.english:
            return 0.0
        words = [w for w in _EN_WORD.findall(self.original.lower()) if w not in ENGLISH_STOPWORDS and w not in ignore]
        if not words:
            return 0.0
        left = set(_EN_WORD.findall(self.translated.lower()))
        return sum(1 for w in words if w in left) / len(words)

    def to_dict(self) -> dict:
        return {"original": self.original, "translated": self.translated, "english": self.english,
                "terms": [{"text": t.text, "source": t.source, "kind": t.kind, "weight": t.weight}
                          for t in self.terms]}


# ---------------------------------------------------------------- loading

def _read(path: Path, kinds: set[str], lang: str) -> list[Entry]:
    out = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = nfc(line.rstrip("\n"))
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 3 or cols[0] not in kinds or not cols[1].strip() or not cols[2].strip():
            raise ValueError(f"{path}:{no}: expected 'kind<TAB>…<TAB>…' with kind in {sorted(kinds)}")
        kind, a, b = cols
        if lang == "vi":
            out.append(Entry(kind, a.strip(), tuple(v.strip() for v in b.split("|") if v.strip())))
        else:
            vi = [v.strip() for v in b.split("|") if v.strip()]
            out.append(Entry(kind, vi[0], tuple(v.strip() for v in a.split("|") if v.strip()),
                             tuple(vi[1:]), "en"))
    return out


def vi_key(text: str) -> str:
    """Diacritic-free lower-case key, same length as NFC ``text`` where possible;
    punctuation other than & and / becomes a space."""
    k = search_key(text)
    return re.sub(r"[^\w&/]", " ", k)


_TOKEN = re.compile(r"\w+|&")


# British spellings folded to the American ones, the same for phrases and questions: an entry written once
# ("Public Administration Service Center") matches "centre" too
_BRITISH = {"centre": "center", "centres": "centers", "programme": "program", "programmes": "programs",
            "licence": "license", "licences": "licenses", "labour": "labor", "defence": "defense",
            "catalogue": "catalog", "catalogues": "catalogs", "analyse": "analyze", "analysed": "analyzed",
            "enrol": "enroll", "fulfil": "fulfill", "counsellor": "counselor", "counselling": "counseling"}
_IZE = re.compile(r"^(organi|digiti|authori|prioriti|standardi|moderni|utili|finali|centrali|decentrali|recogni"
                  r"|mobili|publici|summari|speciali|computeri|harmoni|optimi|categori|minimi|maximi|legali"
                  r"|sociali|normali|reali|privati|equiti|capitali|subsidi|synchroni|customi|itemi)s"
                  r"(e|ed|ing|ation|er)$")


def _stem(word: str) -> str:
    """English plural and third-person folding, the same for phrases and
    questions: policies → policy, publishes → publish, processes → process,
    reviews → review, organizes → organize; British spellings as American
    (centre → center, organises → organize)."""
    word = _BRITISH.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return _IZE.sub(r"\1z\2", word)


def vi_tokens(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) on ``vi_key(text)``."""
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(vi_key(text))]


def en_tokens(text: str) -> list[tuple[str, int, int]]:
    return [(_stem(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(text.lower().replace("’", "'"))
            if m.group(0) != "s"]


def _phrase_key(phrase: str, lang: str) -> tuple[str, ...]:
    return tuple(t for t, _, _ in (vi_tokens(phrase) if lang == "vi" else en_tokens(phrase)))


@dataclass(frozen=True)
class _Tables:
    vi: tuple[Entry, ...]
    en: tuple[Entry, ...]
    vi_index: dict               # token tuple → entry
    en_index: dict
    max_len: int
    english_words: frozenset


@lru_cache(maxsize=1)
def tables() -> _Tables:
    vi = _read(VI_FILE, VI_KINDS, "vi")
    en = _read(EN_FILE, EN_KINDS, "en")
    vi_index: dict = {}
    for e in vi:
        phrases = e.variants if e.kind in ("abbr", "lay", "agency") else (e.canonical,) + e.variants
        for p in phrases:
            vi_index.setdefault(_phrase_key(p, "vi"), e)
    # An official phrase already in the question (an abbreviation's or an everyday
    # wording's canonical form) is matched as itself and adds
    # nothing, so that no shorter entry fires inside it ("phạm pháp" inside
    # "văn bản quy phạm pháp luật").
    for e in vi:
        if e.kind in ("abbr", "lay"):
            vi_index.setdefault(_phrase_key(e.canonical, "vi"), Entry("self", e.canonical, ()))
    en_index: dict = {}
    for e in en:
        for p in e.variants:
            en_index.setdefault(_phrase_key(p, "en"), e)
    words = set(ENGLISH_STOPWORDS)
    for k in en_index:
        words.update(w for w in k if len(w) > 1)
    words.update(_stem(w) for w in ENGLISH_STOPWORDS)
    max_len = max(len(k) for k in list(vi_index) + list(en_index))
    return _Tables(tuple(vi), tuple(en), vi_index, en_index, max_len, frozenset(words))


def find_phrases(tokens: list[tuple[str, int, int]], index: dict, max_len: int):
    """Longest-first, left-to-right, non-overlapping phrase matches:
    yields (start, end, entry, n_tokens)."""
    words = tuple(t for t, _, _ in tokens)
    i, n = 0, len(tokens)
    while i < n:
        for size in range(min(max_len, n - i), 0, -1):
            e = index.get(words[i:i + size])
            if e is not None:
                yield tokens[i][1], tokens[i + size - 1][2], e, size
                i += size
                break
        else:
            i += 1


# ---------------------------------------------------------------- lookups for the router

@lru_cache(maxsize=1)
def _abbreviations() -> tuple[tuple[str, str], ...]:
    return tuple({compact_spaces(vi_key(v)): e.canonical for e in tables().vi if e.kind == "abbr"
                  for v in e.variants}.items())


def abbreviations() -> dict[str, str]:
    """Abbreviation (lower-case, diacritic-free) → canonical Vietnamese (a
    fresh dict from a table made once: the router asks on every question)."""
    return dict(_abbreviations())


@lru_cache(maxsize=1)
def agency_aliases() -> tuple[tuple[str, str, str], ...]:
    """(alias as written, language 'vi'/'en', canonical agency name) for every agency
    the glossary knows: 'Sở <field>' and 'Bộ <field>' for each field of
    ``kg.agencies.FIELDS``, the Vietnamese abbreviations and the English names.
    Canonical names go through ``kg.agencies.canonical_name`` so they match the graph."""
    out: list[tuple[str, str, str]] = []
    for f in FIELDS:
        for head in ("Sở", "Bộ"):
            name = canonical_name(f"{head} {f}")
            out.append((name, "vi", name))
    for e in tables().vi:
        if e.kind == "agency":
            name = canonical_name(e.canonical)
            out += [(e.canonical, "vi", name)] + [(v, "vi", name) for v in e.variants]
    for e in tables().en:
        if e.kind == "agency":
            out += [(v, "en", canonical_name(e.canonical)) for v in e.variants]
    return tuple(dict.fromkeys(out))


def english_doc_types() -> tuple[tuple[str, str], ...]:
    """(English word, Vietnamese document type) — 'decree' → 'Nghị định'."""
    return tuple((v, e.canonical) for e in tables().en if e.kind == "doctype" for v in e.variants
                 if e.canonical[0].isupper())


def role_words(kind: str) -> tuple[str, ...]:
    """Words for ``role_lead`` / ``role_support`` / ``deadline``: Vietnamese canonical
    and variants, then English variants."""
    out: list[str] = []
    for e in tables().vi + tables().en:
        if e.kind == kind:
            out += ([e.canonical] if e.lang == "vi" else []) + list(e.variants)
    return tuple(dict.fromkeys(out))


def is_english_word(word: str) -> bool:
    return _stem(word.lower()) in tables().english_words


# ---------------------------------------------------------------- expansion

def is_english(text: str) -> bool:
    """Mostly English words and no Vietnamese letters."""
    if has_marks(text):
        return False
    words = [t for t, _, _ in en_tokens(text) if t.isalpha()]
    if not words:
        return False
    known = sum(1 for w in words if w in tables().english_words)
    return known / len(words) >= 0.5


@lru_cache(maxsize=None)
def _syn_members(entry: Entry) -> tuple[tuple[str, float], ...]:
    """The members a synonym-set hit adds, each with its weight: a member that
    contains another member ('rà soát lại' ⊃ 'rà soát') only triggers the set
    (its words would count twice), and the set's weight is shared out (÷ √n) so a
    set of eight wordings weighs about as much as one of two."""
    members = (entry.canonical,) + entry.variants
    keys = [f" {compact_spaces(vi_key(m))} " for m in members]
    keep = [m for m, k in zip(members, keys) if not any(o != k and o in k for o in keys)]
    w = round(WEIGHTS["syn"] / max(1.0, (len(keep) - 1) ** 0.5), 2)
    return tuple((m, w) for m in keep)


def expand(question: str, max_terms: int = MAX_TERMS) -> ExpandedQuery:
    q = compact_spaces(nfc(question or ""))
    t = tables()
    terms: list[Term] = []
    present = {compact_spaces(vi_key(q))}

    def add(text: str, source: str, kind: str, weight: float) -> None:
        k = compact_spaces(vi_key(text))
        if k and not any(k in p for p in present):
            present.add(k)
            terms.append(Term(text, source, kind, weight))

    # 1. English phrases → Vietnamese, in place
    pieces, last = [], 0
    for s, e, entry, _ in find_phrases(en_tokens(q), t.en_index, t.max_len):
        pieces += [q[last:s], entry.canonical]
        last = e
        if entry.kind not in INTENT_KINDS:
            add(entry.canonical, q[s:e], f"en:{entry.kind}", WEIGHTS["en"])
            for alt in entry.alternatives:
                add(alt, q[s:e], f"en:{entry.kind}", WEIGHTS["en_alt"])
    translated = "".join(pieces + [q[last:]])

    # 2. Vietnamese abbreviations (spelled out in place), everyday wording, synonyms
    key = vi_key(translated)
    same_len = len(key) == len(translated)
    pieces, last = [], 0
    for s, e, entry, _ in find_phrases(vi_tokens(translated), t.vi_index, t.max_len):
        src = translated[s:e] if same_len else key[s:e]
        if entry.kind in ("abbr", "agency"):
            canon = canonical_name(entry.canonical) if entry.kind == "agency" else entry.canonical
            add(canon, src, entry.kind, WEIGHTS["abbr"])
            if same_len:
                pieces += [translated[last:s], canon]
                last = e
        elif entry.kind == "lay":
            add(entry.canonical, src, "lay", WEIGHTS["lay"])
        elif entry.kind == "syn":
            for member, w in _syn_members(entry):
                add(member, src, "syn", w)
    translated = compact_spaces("".join(pieces + [translated[last:]]))
    terms.sort(key=lambda x: -x.weight)
    return ExpandedQuery(q, translated, tuple(terms[:max_terms]), is_english(q))


def translate(question: str) -> str:
    return expand(question).translated


def lookup_english(phrase: str) -> Optional[str]:
    """The Vietnamese for one English glossary phrase, or None."""
    e = tables().en_index.get(_phrase_key(phrase, "en"))
    return e.canonical if e else None

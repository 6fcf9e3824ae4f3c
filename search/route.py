"""Question routing: which kind of question is this, and what does it name?

``route(question) -> Route`` is a small table-driven parser.  It reads the
question on its diacritic-free key (``kg.vntext.search_key``, same length as the
text, so spans point back into the question) and decides, in this order:

====  ==========  ===========================================================
step  kind        rule (tables below)
====  ==========  ===========================================================
1     none        empty input, or no word that is Vietnamese-shaped, a known
                  English word or a known abbreviation ("asdfgh qwerty").
                  Off-topic but well-formed questions are NOT decided here:
                  abstention on scores is the service's job.
2     relation    a relation cue (``_REL_CUES``: thực hiện / căn cứ / sửa đổi /
                  thay thế / bãi bỏ / hướng dẫn / trích dẫn, English too) + a
                  document-question word (``_DOCQ``: "văn bản nào", "những kế
                  hoạch", "… vào đâu", "… chưa", "which documents", "what does")
                  + a named document, and no who/when word (``_WHO``,
                  ``_TASKISH``).  Direction: the named document after the cue →
                  ``in`` (documents pointing at it: "văn bản nào thực hiện X");
                  before it → ``out`` ("X căn cứ vào văn bản nào"); "căn cứ (pháp
                  lý) của X" / "legal basis of X" → ``out``; a passive ("X bị sửa
                  đổi bởi…", "X được văn bản nào sửa đổi", "was X amended by",
                  "has X been amended") flips it (not for căn cứ / based on).
3     agency      a named agency (glossary aliases: "Sở Tư pháp", "so tu phap",
                  "Sở NV", "Department of Home Affairs") + a question about its
                  work (``_AGENCY_Q``: "những việc gì", "bao nhiêu nhiệm vụ",
                  "what does X lead", "how many tasks") or nothing else but
                  role/scope words; never with a who-word ("cơ quan nào phối hợp
                  với Sở Tư pháp…" is a task question).  Role from the glossary's
                  role words: lead / support / any (both or neither).
4     document    a document reference and nothing else but filler ("Kế hoạch
                  319 của Vĩnh Phúc", "61/2018/NĐ-CP", "Nghị định 61/2018 về …"),
                  or a question about the document itself (``_DOC_META``: ban
                  hành khi nào, ai ký, hiệu lực, nội dung, what is X about).
5     task        everything else; ``intent`` from ``search.intent`` (lead /
                  support / deadline / search), retried on the glossary
                  translation for English questions.
====  ==========  ===========================================================

Every route also carries the scope it found: ``document`` (a DocumentRef: full
number, or type + serial + year + province), ``province``, ``year`` and
``period`` (deadline period: "quý IV/2023", "tháng 12/2023", "6 tháng đầu năm
2024", "Q4 2023", "by December 2023", "đến hạn năm 2023").

How the service executes each route
-----------------------------------
* ``document`` → resolve ``route.document`` on the graph's number index: a full
  ``number`` through ``kg.query.resolve_document`` (plus ``province``); a partial
  reference by matching documents whose number starts with ``serial + "/"``
  and whose type is ``type`` (when given), whose number year or date year is
  ``year`` and whose province is ``province``; best first (exact number, in
  corpus, newest).  ``answer.documents`` = their ``doc_summary``; nothing found
  → route ``none`` with a reason.
* ``relation`` → resolve the document as above, then ``service.chains.chains(G, id,
  direction=route.direction, depth=1)`` and keep edges whose type is
  ``route.relation`` (``cites`` = any citation edge, it is the super-property);
  filter related documents by ``route.related_type`` when set ("kế hoạch nào
  thực hiện …"); each document with the edge's evidence sentence.
  ``answer.relation = {"type": relation, "direction": direction}``.
* ``agency`` → ``kg.query.find_agencies(G, agency.name)`` (narrowed by
  ``agency.province`` or ``route.province``), take rows whose lead (role lead),
  support (role support) or either (any) edge points at it, then filter by
  document (resolved as above), province, ``period`` (row deadline interval
  overlaps ``period.start..period.end``) and ``year``; rank rows by ``topic``
  when it is not empty, else by document and deadline.  ``answer.count`` =
  number of rows after filtering, ``results`` = the rows.
* ``task`` → today's ranking with ``intent`` / ``province`` / ``document``
  filters; the query text for BM25 is ``search.glossary.expand(q).bm25_text()``
  and for the dense encoder ``.dense_text()``.
* every route: abstain (``none``) when the executed route finds nothing or the
  calibrated score of the best task row is under the threshold.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Optional

from kg.vntext import compact_spaces, nfc

from .finders import (AgencyRef, DocumentRef, Period, _phrase_document, _type_of, find_agencies, find_document,
                      find_period)
from .glossary import abbreviations, english_doc_types, expand, is_english, is_english_word, role_words, vi_key
from .intent import parse_question
from .text import REQUEST_WORDS

KINDS = ("task", "document", "relation", "agency", "none")
RELATIONS = ("implements", "based_on", "amends", "replaces", "repeals", "guides", "cites")


@dataclass(frozen=True)
class Route:
    kind: str
    question: str
    intent: str = "search"
    topic: str = ""
    province: Optional[str] = None
    year: Optional[int] = None
    document: Optional[DocumentRef] = None
    relation: Optional[str] = None
    direction: Optional[str] = None
    related_type: Optional[str] = None
    related_types: tuple = ()      # several types asked at once ("những nghị quyết, quyết định nào"); related_type None
    agency: Optional[AgencyRef] = None
    role: Optional[str] = None
    count: bool = False
    period: Optional[Period] = None
    reason: Optional[str] = None
    rule: str = ""                 # which table row decided (for tests and debugging)
    about: Optional[str] = None    # agency questions: the subject the rows must be about ("… về số hóa")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["route"] = d.pop("kind")
        return d


# ------------------------------------------------------------------ tables (on the folded key)

_DOC_NOUNS = (r"van ban|ke hoach|quyet dinh|nghi dinh|nghi quyet|thong tu|chi thi|cong van|cong dien|luat"
              r"|chuong trinh hanh dong|chuong trinh|de an|tai lieu|phap lenh")
# who issued the asked-for text, between its type and the question word: "nghị quyết trung ương nào",
# "quyết định của Thủ tướng nào"
_ISSUER_SCOPE = (r"(?:\s+(?:cua\s+)?(?:trung uong|chinh phu|quoc hoi|thu tuong|tinh uy|hdnd|ubnd|bo|tinh|cap tinh"
                 r"|cap huyen|dia phuong|hien hanh|dang))?")
_EN_DOC_NOUNS = (r"documents?|plans?|decisions?|decrees?|circulars?|resolutions?|directives?|laws?|texts?"
                 r"|regulations?|programm?es?|instruments?|acts?")
_WHO = re.compile(r"\b(?:ai|co quan nao|don vi nao|so nao|ben nao|cap nao|nganh nao|to chuc nao|who|whom"
                  r"|(?:which|what) (?:agenc\w*|department\w*|office\w*|units?|bod(?:y|ies)|organi[sz]ations?"
                  r"|ministr\w*))\b")
_TASKISH = re.compile(r"\b(?:khi nao|bao gio|thoi han|han chot|han hoan thanh|den khi nao|deadline|when|by when"
                      r"|nhiem vu|cong viec|tasks?|san pham)\b")
# (relation, pattern): order matters where cues nest (hướng dẫn thi hành before thi hành).
_REL_CUES = [
    ("amends", r"sua doi(?: bo sung)?|sua(?! chua| loi)|bo sung mot so dieu|dieu chinh|amend(?:s|ed|ing|ments?)?|modif(?:y|ies|ied)"),
    ("replaces", r"thay the|replac(?:e|es|ed|ing)|supersed(?:e|es|ed|ing)"),
    ("repeals", r"bai bo|huy bo|(?:lam )?het hieu luc|repeal(?:s|ed|ing)?|annul(?:s|led)?|abolish(?:es|ed)?"
                r"|revok(?:e|es|ed)"),
    ("guides", r"huong dan(?: thi hanh| chi tiet)?|quy dinh chi tiet|guid(?:e|es|ed|ing|ance)"),
    ("based_on", r"can cu(?: phap ly)?(?: vao| theo)?|dua (?:tren|vao)|(?:tren )?co so phap ly|tren co so"
                 r"|ban hanh theo|based on|on the basis of|issued under|pursuant to|legal bas[ie]s|basis"),
    ("implements", r"trien khai(?: thuc hien)?|to chuc thuc hien|thuc hien|thi hanh|cu the hoa"
                   r"|implement(?:s|ed|ing|ation)?|puts? into effect|gives? effect to"
                   r"|carr(?:y|ies|ied) out|execut(?:e|es|ed|ing)"),
    ("cites", r"trich dan|vien dan|dan chieu|tham chieu|nhac (?:den|toi)|de cap (?:den|toi)|cit(?:e|es|ed|ing)"
              r"|refer(?:s|red|ring)? to|referenc(?:e|es|ed|ing)|mention(?:s|ed|ing)?"),
]
_REL_RE = re.compile(r"\b(?:" + "|".join(f"(?P<{r}>{p})" for r, p in _REL_CUES) + r")\b")
_DOCQ = re.compile(rf"\b(?:{_DOC_NOUNS}){_ISSUER_SCOPE}\s+(?:(?:nam|so)\s+)?(?:nao|gi)\b"
                   r"|\b(?:can cu(?: phap ly)?|co so phap ly)\s+(?:nao|gi)\b"   # "dựa trên những căn cứ / cơ sở pháp lý nào"
                   rf"|\b(?:{_DOC_NOUNS})\s+so\s+may\b"                  # "… của nghị định trước, nghị định số mấy"
                   rf"|\b(?:nhung|cac|danh sach(?: cac)?|liet ke(?: cac)?)\s+(?:{_DOC_NOUNS})\b"
                   r"|^\s*(?:cac |nhung )?van ban\s+(?=\w)"
                   rf"|\b(?:which|what)\s+(?:[a-z]+\s+){{0,2}}?(?:other\s+)?(?:legal\s+)?(?:{_EN_DOC_NOUNS})\b"
                   r"|^\s*(?:what|has|have|is|was|are|were|does|did|list|show)\b")
# after the cue: "căn cứ vào đâu", "thực hiện gì", "… đã bị sửa đổi chưa", "căn cứ pháp lý của X là gì"
_DOCQ_TAIL = re.compile(r"^\s*(?:vao|theo|tu)?\s*(?:nhung|cac)?\s*(?:gi|dau|nao)\b|\b(?:chua|khong|la gi)\s*$")
# "được (những văn bản nào) …" just before the cue
_PASSIVE_VI = rf"\b(?:duoc|bi)\s+(?:(?:nhung|cac)\s+)?(?:(?:{_DOC_NOUNS})\s+(?:nao|gi)\s+"
_PASSIVE_VI_BEFORE = re.compile(_PASSIVE_VI + r")?$")
# "X về <title> (đã) được (những văn bản nào) triển khai", "… được ban hành căn cứ vào": a passive just before the
# cue asks about X's relation; the cue is not a word of X's title
_TITLE_THEN_ASKED = re.compile(_PASSIVE_VI + r"|ban hanh\s+)?(?:(?:lay|dung|su dung|chon)\s+lam\s+)?$")
# "… về <title> căn cứ vào những văn bản nào"
_DOCQ_RIGHT_AFTER = re.compile(rf"\s*(?:vao|theo)?\s*(?:nhung|cac)?\s*(?:{_DOC_NOUNS})\s+(?:nao|gi)\b")
# "X, có kế hoạch nào … triển khai (nó)": the asked type between the named document and the cue
_DOCQ_BETWEEN = re.compile(rf"\b(?:co\s+)?(?:nhung\s+|cac\s+)?(?:{_DOC_NOUNS})\s+nao\b")
_PASSIVE_EN_BEFORE = re.compile(r"\b(?:is|are|was|were|been|be|being|get|gets|got)\s+(?:\w+ly\s+)?$")
_PASSIVE_AFTER = re.compile(r"^\s+(?:boi|by)\b")
# "X được Tỉnh ủy Vĩnh Phúc thực hiện bằng …": a passive whose agent stands between it and the cue; not "X được
# ban hành để thực hiện …" (X was issued to carry something out: X is the one acting)
_PASSIVE_AGENT_BEFORE = re.compile(r"\b(?:duoc|bi)\s+(?!ban hanh\b)(?:(?!(?:de|nham|ma|ban hanh)\b)[a-z]+\s+){1,5}$")
# "What legal bases is X built on", "which basis does X rest on": the auxiliary right after the cue asks for X's own
_AUX_AFTER_BASIS = re.compile(r"^\s+(?:is|are|was|were|does|do|did|has|have)\b")
# "… làm căn cứ" / "… as (a|the|its) (legal) basis" just before the cue, with the taking verb when there is one
_TAKE_AS_BASIS = re.compile(r"(?:\b(?P<verb>lay|dung|su dung|chon|use[sd]?|using|take[sn]?|took|cite[sd]?)\b.*)?"
                            r"\b(?:lam|as(?: an?| the| its| their)?(?: legal)?)\s*$")
# "X là căn cứ …" ("X được dùng làm căn cứ" ends in "làm": _TAKE_AS_BASIS)
_IS_BASIS = re.compile(r"\b(?:la|is|are|was|were|serves? as|served as)\s+(?:the |a )?$")
# between a document reference and its issuer: "Quyết định 45 năm 2023 của Chủ tịch UBND tỉnh", "Decree 15 of the
# Government"; the issuer named there is who signed the text, not an agency asked about
_ISSUER_GAP = re.compile(r"\s*(?:(?:nam|ngay|year)\s+[\d/.\s-]+)?(?:cua|of|do|by|issued by)\s+(?:the\s+)?"
                         r"(?:(?:chu tich|bo truong|giam doc|thu truong|chairman of|chairperson of|minister of)"
                         r"\s+(?:the\s+)?)?")
# a title phrase closed by a comma or dash just before the reference at the end of the question (read on the
# question itself: the folded key has no punctuation)
_TITLE_THEN_REF = re.compile(r"\w\s*[,–-]\s*$")
# "Đề án Chính quyền số Tiền Giang được duyệt bằng Quyết định 605 năm 2021": the title, then what approved it
_APPROVED_BY = re.compile(r"\b(?:duoc\s+)?(?:phe\s+)?duyet\s+(?:bang|tai|theo)\s*$|\bban hanh kem theo\s*$")
# what may follow that reference: its year or date, the question's end
_REF_END = re.compile(r"\s*(?:(?:nam|ngay)\s+[\d/.\s]+)?[\s?.!]*")
# "Sở Nội vụ làm những việc gì về số hóa", "What does the Department of Health do about dengue": the agency's
# rows on that subject; not a title ("Quyết định 2704 về kiểm soát …", "kế hoạch về …": a document noun before it)
_ABOUT = re.compile(r"\b(?:ve|lien quan (?:den|toi)|about|regarding|concerning|related to|on the subject of)\s+(?P<t>.+)$")
_TITLE_BEFORE_ABOUT = re.compile(rf"\b(?:{_DOC_NOUNS}|{_EN_DOC_NOUNS})\b(?:\s+\S+){{0,6}}\s*$")
_AT_PLACE = re.compile(r"\b(?:o|tai|at)\s+(?:the\s+)?$")
_POSSESSIVE_AFTER = re.compile(r"^\s+(?:phap ly\s+)?(?:cua|of|for|(?:cited|used|invoked|relied (?:up)?on|named|listed"
                               r"|stated|given)\s+(?:by|in))\b")

_AGENCY_Q = re.compile(
    r"\b(?:nhung |cac )?(?:viec|cong viec|nhiem vu|dau viec|hoat dong|noi dung)\s+(?:(?:chu tri|phoi hop|chinh)\s+)?"
    r"(?:gi|nao)\b"
    r"|\b(?:vai tro|trach nhiem|nhiem vu)\s+(?:gi|nao|ra sao|the nao)\b|\bwhat (?:role|part)\b|\brole of\b"
    r"|\b(?:chu tri|phoi hop|lam|dam nhiem|phu trach|tham gia)\s+(?:nhung\s+)?(?:gi|cai gi)\b"
    r"|\bas (?:the )?lead (?:agency )?or (?:as )?(?:a )?(?:partner|support\w*|coordinat\w*)\b"
    r"|\bwhere is\b.*\bnamed\b"
    r"|\bbao nhieu\b|\bso luong\b|\bmay (?:nhiem vu|viec|cong viec|dau viec)\b|\blam (?:nhung )?(?:gi|viec gi)\b|\bnhung gi\b|\bcai gi\b"
    r"|\b(?:cac|nhung|danh sach(?: cac)?|liet ke(?: cac)?)\s+(?:viec|nhiem vu|cong viec|dau viec)\b"
    r"|\b(?:nhiem vu|viec|cong viec)\s+(?:cua|giao cho|do)\b|\bduoc giao\b|\bgi\s*$"
    r"|\bwhat (?:does|do|did|will|should|must|is|are)\b|\bwhat (?:tasks?|work|duties|responsibilit\w+|activit\w+|jobs?)\b"
    r"|\bwhich (?:tasks?|duties|responsibilit\w+|activit\w+|jobs?|work)\b|\bhow many\b|\blist\b|\bnumber of\b"
    r"|\b(?:any|every)thing\b|\b(?:any|all) (?:the )?(?:tasks?|duties|work|jobs?|activit\w+)\b"
    r"|\b(?:tasks?|duties|responsibilit\w+|workload|assignments?)\s+(?:of|for|assigned to|led by|given to)\b")
_COUNT = re.compile(r"\b(?:bao nhieu|so luong|how many|number of|count|dem|may (?:nhiem vu|viec))\b")
_DOC_META = re.compile(
    r"\bban hanh (?:ngay nao|khi nao|luc nao|nam nao|bao gio)|\bngay ban hanh\b|\b(?:do )?ai (?:ky|ban hanh)\b"
    r"|\bnguoi ky\b|\bco quan ban hanh\b|\bhieu luc\b|\bnoi dung\b|\bla gi\b|\bve (?:viec )?gi\b|\bquy dinh gi\b"
    r"|\btom tat\b|\bwho (?:issued|signed)\b|\bwhen was\b|\bissued\b|\bsigned\b|\beffective\b|\bin force\b"
    r"|\bwhat is\b|\babout\b|\bsummary\b|\bsummari[sz]e\b")
# words that may surround a document reference without making it a task question
_DOC_FILLER = set("""
so cua tinh thanh pho tp ubnd hdnd van ban la gi noi dung ve viec nao toan chi tiet
thong tin co nhung cac nhiem vu chinh phu thu tuong bao nhieu may trong tai duoc ban hanh ngay ky nguoi hieu luc quy dinh tom tat
what is the about show me find document documents details detail of tell a an which text full summary
summarize summarise issued signed when was who effective in force open see list tasks how many does do
nam giai doan so hieu cuoi dau giua thang quy
i am im looking look for need want please could can you give get me my where read view download province
tai lieu cai voi nhe
from dated since january february march april june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
""".split()) | REQUEST_WORDS
_ROLE_FILLER = set("""
so cua tinh thanh pho tp nhung cac viec gi nao nhiem vu cong viec dau viec bao nhieu trong tai co duoc giao
lam danh sach liet ke hoat dong noi dung den han han quy thang nam what does do did is are the of for which tasks
task how many list number duties responsibilities work jobs activities in by due assigned to given led
vai tro trach ra sao the role roles part play plays
""".split())
# a document named by its type and title, without a number: the service matches it on titles
_TITLE_ASK = r"(?:tim|xem|tra cuu|mo|doc)\s+(?:(?:giup|cho)\s+)?(?:(?:toi|minh|em)\s+)?"
_TITLE_Q = re.compile(
    # an optional request: "Tìm giúp tôi", "Hãy xem", "Cho tôi (xem)"
    rf"^\s*(?:(?:(?:cho|giup)\s+(?:toi|minh|em)\s+|hay\s+)?{_TITLE_ASK}|(?:cho|giup)\s+(?:toi|minh|em)\s+)?"
    # "văn bản (nào) là …", or the act that issued or approved the plan: "văn bản ban hành kế hoạch …"
    r"(?:(?:van ban|tai lieu)\s+(?:nao\s+)?la\s+|(?:van ban|quyet dinh)\s+(?:nao\s+)?(?:ban hanh|phe duyet)\s+)?"
    r"(?:cai\s+|(?:cac|nhung)\s+)?"                   # "Mở giúp mình cái kế hoạch …"
    rf"(?P<t>{_DOC_NOUNS})\s+(?!so\b|nao\b|gi\b)\w+"
    r"|^\s*(?:van ban|tai lieu)\s+nao\s+la\b")
_TITLE_EN = re.compile(r"\b(?P<t>plan|programme|program|decision|decree|resolution|circular|directive|scheme)s?\b"
                       r"(?!\s+(?:no|number)\b)")
_TYPE_WORDS_EN = r"|".join(re.escape(w.lower()) + "s?" for w, _ in sorted(english_doc_types(), key=lambda x: -len(x[0])))


_VI_SYLLABLE = re.compile(r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}"
                          r"(?:ng|nh|ch|[cmnpt])?$")


# ------------------------------------------------------------------ helpers


def _blank(key: str, spans) -> str:
    for s, e in spans:
        key = key[:s] + " " * (e - s) + key[e:]
    return key


def _content(key: str, filler: set, province: Optional[str]) -> list[str]:
    k = key
    if province:
        k = re.sub(r"\s+".join(map(re.escape, compact_spaces(vi_key(province)).split())), " ", k)
    return [w for w in re.findall(r"[a-z]+", k) if w not in filler]


# taking part is either role: "Sở Nội vụ tham gia mấy nhiệm vụ" counts the rows it leads and those it supports
_TAKES_PART = re.compile(r"\b(?:tham gia|participates?|participating|takes? part|involved)\b")


def _about_text(tail: str) -> Optional[str]:
    """The subject phrase as asked, without the question's end ("… về số hóa không?" → "số hóa")."""
    t = re.sub(r"[?!.\s]+$", "", tail)
    t = re.sub(r"(?:\s+(?:không|chưa|nào|gì|ra sao|thế nào|vậy|ạ|khong|chua|nao|gi))+$", "", t, flags=re.I)
    return compact_spaces(t) or None


def _role(key: str) -> str:
    lead = _role_re("role_lead").search(key)
    support = _role_re("role_support").search(_TAKES_PART.sub(" ", key))
    if not lead and not support and not _TAKES_PART.search(key) and _ANSWERS_FOR.search(key):
        return "lead"                     # "Sở Nội vụ phải làm gì", "… có những việc gì đến hạn quý IV": its own duties
    return "any" if bool(lead) == bool(support) else ("lead" if lead else "support")


# with no role word, what an agency must do or has falling due is what it answers for: the lead's rows (a
# coordinating agency neither owns a row's deadline nor "must" do it)
_ANSWERS_FOR = re.compile(r"\b(?:phai|must|has to|have to|den han|toi han|due|falling due)\b")


@lru_cache(maxsize=4)
def _role_re(kind: str) -> re.Pattern:
    words = sorted({compact_spaces(vi_key(w)) for w in role_words(kind)}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) + r")\b")


def _garbage(key: str) -> Optional[str]:
    words = re.findall(r"[^\W\d_]+", key)
    if not words and not re.search(r"\d", key):
        return "empty question"
    if not words:
        return None
    abbr = abbreviations()
    known = [w for w in words if _VI_SYLLABLE.match(w) or is_english_word(w) or w in abbr]
    if not known:
        return "no Vietnamese or known English word"
    unknown = len(words) - len(known)
    if unknown >= 2 and 2 * unknown > len(words):
        return "mostly not words"          # "qwpo zmxn tthc lkaj": one known abbreviation among keyboard noise
    return None


# ------------------------------------------------------------------ the router

def _relation(q: str, key: str, doc: Optional[DocumentRef]):
    if _WHO.search(key) or _TASKISH.search(key):
        return None
    blanked = _blank(key, [doc.span]) if doc else key
    cue = _REL_RE.search(blanked)
    if not cue:
        return None
    rel = cue.lastgroup
    if rel == "cites":                    # "cite X as a legal basis", "nhắc đến … làm căn cứ": the precise relation
        precise = next((c for c in _REL_RE.finditer(blanked, cue.end()) if c.lastgroup != "cites"), None)
        if precise:
            cue, rel = precise, precise.lastgroup
    took = _TAKE_AS_BASIS.search(blanked[:cue.start()]) if rel == "based_on" else None
    taken = bool(took and took.group("verb") and doc and took.end("verb") <= doc.span[0])   # "lấy X … làm căn cứ"
    after = blanked[cue.end():]
    if doc and not taken and doc.span[1] <= cue.start() and re.search(r"\bve\b", blanked[doc.span[1]:cue.start()]) \
            and not _TITLE_THEN_ASKED.search(blanked[doc.span[1]:cue.start()]) \
            and not _DOCQ_RIGHT_AFTER.match(after):
        return None                       # "Nghị định 61/2018 về thực hiện …": the cue is in the title
    docq = _DOCQ.search(blanked) or _DOCQ_TAIL.search(after)
    if not docq:
        return None
    if doc is None:                       # a document named by type and title on the other side
        dq = _DOCQ.search(blanked)
        if dq and dq.start() < cue.start():
            # "… thực hiện X" or "X được những văn bản nào lấy làm căn cứ"
            doc = (_phrase_document(q, key, cue.end(), len(key)) or _phrase_document(q, key, dq.end(), cue.start())
                   or _phrase_document(q, key, 0, dq.start()))
        else:
            doc = _phrase_document(q, key, 0, cue.start()) or _phrase_document(q, key, cue.end(), len(key))
        if doc is None:
            return None
    direction = "in" if doc.span[0] >= cue.end() else "out"
    if took:
        # "lấy X làm căn cứ" / "X được văn bản nào dùng làm căn cứ" / "use X as a basis": X is the basis
        # (documents pointing at it); "X lấy văn bản nào làm căn cứ": X is the one based on something
        taker = took.group("verb")
        verb_at = took.start("verb") if taker else cue.start()
        passive = re.search(r"\b(?:duoc|bi)\b", blanked[doc.span[1]:verb_at])
        direction = "in" if (taker and doc.span[0] >= took.end("verb")) or passive else "out"
    elif rel == "based_on" and cue.group() == "on the basis of" and re.match(r"\s*(?:which|what)\b", after):
        direction = "out"                 # "on the basis of which documents was X issued": X rests on them
    elif rel == "based_on" and direction == "in" and re.match(r"\s*(?:nao|gi)\b", after):
        direction = "out"                 # "Căn cứ / Cơ sở pháp lý nào để ban hành X": the basis is asked for
    elif rel == "based_on" and direction == "in" and _DOCQ.search(blanked[:cue.start()]) \
            and _AUX_AFTER_BASIS.match(blanked[cue.end():doc.span[0]]):
        direction = "out"                 # "What legal bases is X built on": X rests on them
    elif rel == "based_on" and doc.span[1] <= cue.start() and (
            _IS_BASIS.search(blanked[doc.span[1]:cue.start()])
            or (cue.group().endswith(("basis", "bases"))                         # "which plans is X the basis for"
                and re.search(r"\b(?:is|are|was|were)\s+$", blanked[:doc.span[0]])
                and re.fullmatch(r"\s*(?:(?:the|a|an)\s+)?", blanked[doc.span[1]:cue.start()]))):
        direction = "in"                  # "X là căn cứ của văn bản nào": X is the basis
    elif direction == "in" and _POSSESSIVE_AFTER.match(blanked[cue.end():doc.span[0]] + " "):
        # "căn cứ pháp lý của X": X owns the basis; a "của <province>" after X does not count
        direction = "out"
    elif direction == "out" and _DOCQ_BETWEEN.search(blanked[doc.span[1]:cue.start()]) \
            and not _PASSIVE_VI_BEFORE.search(blanked[:cue.start()]):
        direction = "in"                  # "Sau QĐ 2866, có kế hoạch nào được ban hành để triển khai nó": the plan acts
    elif direction == "out" and re.search(r"\b(?:duoc|bi)\s+$", blanked[:doc.span[0]]) \
            and not blanked[doc.span[1]:cue.start()].strip():
        pass                              # "Văn bản nào bị Quyết định 2866 bãi bỏ": X is the agent, it acts
    elif rel != "based_on" and (_PASSIVE_VI_BEFORE.search(blanked[:cue.start()])
                                or (direction == "out" and _PASSIVE_AGENT_BEFORE.search(blanked[doc.span[1]:cue.start()]))
                                or _PASSIVE_EN_BEFORE.search(blanked[:cue.start()]) or _PASSIVE_AFTER.match(after)):
        direction = "in" if direction == "out" else "out"
    related, related_types = None, ()
    m = re.search(rf"\b({_DOC_NOUNS}|{_TYPE_WORDS_EN}){_ISSUER_SCOPE}\s+(?:nao|gi)\b|\b(?:nhung|cac|which|what)\s+"
                  rf"(?:[a-z]+\s+){{0,2}}?(?:other\s+)?({_DOC_NOUNS}|{_TYPE_WORDS_EN})\b", blanked)
    if m:
        related = _type_of(m.group(1) or m.group(2))
    # "những nghị quyết, quyết định nào", "decrees or circulars": several types asked for at once
    noun = rf"(?:{_DOC_NOUNS}|{_TYPE_WORDS_EN})"
    several = rf"{noun}(?:(?:\s*,\s*|\s+(?:va|hoac|and|or)\s+|\s+){noun})+"
    listed = re.search(rf"\b(?:which|what)\s+({several})|\b({several})\s+(?:nao|gi)\b", blanked)
    if listed and m:
        kinds = tuple(dict.fromkeys(t for t in (_type_of(w) for w in re.findall(
            noun, listed.group(1) or listed.group(2))) if t))
        if len(kinds) > 1:
            related, related_types = None, kinds
    return rel, direction, doc, related, related_types


def route(question: str) -> Route:
    q = compact_spaces(nfc(question or ""))
    key = vi_key(q)
    if len(key) != len(q):                # rare characters whose key is longer: work on the key only
        q = key
    why = _garbage(key)
    if why:
        return Route("none", q, reason=why, rule="garbage")
    pq = parse_question(q)
    intent = pq.intent
    if intent == "search":
        intent = parse_question(expand(q).translated).intent
    doc = find_document(q, key)
    dkey = _blank(key, [doc.span]) if doc else key
    period = find_period(q, dkey)
    province = pq.province or (doc.province if doc else None)
    common = dict(question=q, intent=intent, province=province, year=pq.year, period=period)

    rel = _relation(q, key, doc)
    if rel:
        relation, direction, rdoc, related, related_types = rel
        return Route("relation", topic="", document=rdoc, relation=relation, direction=direction,
                     related_type=related, related_types=related_types, rule=f"relation:{relation}:{direction}",
                     **common)

    # not the agency inside a document reference, nor its issuer right after it ("Kế hoạch 171 của UBND tỉnh")
    found = find_agencies(q)
    issuer = next((a for a in found if doc and doc.span[1] <= a.span[0]
                   and _ISSUER_GAP.fullmatch(key[doc.span[1]:a.span[0]])), None)
    # nor a place ("đăng ký khai sinh ở UBND xã cần giấy tờ gì": where, not whose work)
    agencies = [a for a in found if a is not issuer and not (doc and a.span[0] < doc.span[1] and doc.span[0] < a.span[1])
                and not _AT_PLACE.search(key[:a.span[0]])]
    # a who-word asks for another agency ("Ai phối hợp với Sở Tư pháp …"), unless the question opens with the
    # agency and asks about its work ("Sở TN&MT phối hợp với ai, trong những việc nào …")
    if agencies and (not _WHO.search(key) or (agencies[0].span[0] <= 1 and _AGENCY_Q.search(_blank(key, [agencies[0].span]))
                                                and re.search(r"\b(?:viec|nhiem vu|cong viec|tasks?|duties)\b", key))):
        ag = next((a for a in agencies if a.name != "UBND tỉnh"), agencies[0])
        spans = [ag.span] + ([doc.span] if doc else []) + ([(doc.span[1], issuer.span[1])] if issuer else []) + ([(q.find(period.text), q.find(period.text) + len(period.text))]
                                                           if period and period.text in q else [])
        rest = _blank(_blank(key, spans), [m.span() for m in _role_re("role_lead").finditer(key)]
                      + [m.span() for m in _role_re("role_support").finditer(key)])
        content = _content(rest, _ROLE_FILLER, province or ag.province)
        asks = _AGENCY_Q.search(_blank(key, [ag.span]))
        if asks or not content:
            topic = compact_spaces(" ".join(content)) if content else ""
            about = _ABOUT.search(key)
            if about and (_TITLE_BEFORE_ABOUT.search(key[:about.start()])
                          or (doc and doc.span[1] <= about.start() and len(key[doc.span[1]:about.start()].split()) <= 6)):
                about = None
            return Route("agency", topic=topic, document=doc, agency=ag, role=_role(key),
                         about=_about_text(q[about.start("t"):]) if about else None,
                         count=bool(_COUNT.search(key)), rule="agency:" + ("question" if asks else "name"),
                         **{**common, "province": ag.province or province})

    if doc:
        rest = _blank(dkey, [(doc.span[1], issuer.span[1])]) if issuer else dkey
        if intent == "search":            # "Nghị định 61/2018 (của Chính phủ) về …": the title
            # "Thông tư 03/2022 của Bộ Tư pháp về …", "Decree 150/2020 on …": issuer and title are not a task
            rest = rest[:doc.span[1]] + re.sub(r"\b(?:ve|on|about|regarding)\b.*$", " ",
                                               re.sub(r"\b(?:cua|of)\b.*?(?=\b(?:ve|on|about|regarding)\b)", " ",
                                                      rest[doc.span[1]:]))
            if not _content(key[:doc.span[0]], _DOC_FILLER, province) and (doc.number or (doc.type and doc.year)) \
                    and not _TASKISH.search(dkey):
                # "QĐ 2704/QĐ-UBND kiểm soát thủ tục hành chính năm 2023": a full number first, then its title
                return Route("document", topic="", document=doc, rule="document:ref+title", **common)
            if (_TITLE_THEN_REF.search(q[:doc.span[0]]) or _APPROVED_BY.search(key[:doc.span[0]])) \
                    and _REF_END.fullmatch(key[doc.span[1]:]) \
                    and not _TASKISH.search(dkey) and not _WHO.search(key):
                # "Đề án chính quyền số Tiền Giang, quyết định 605": a title, then the reference that names it
                return Route("document", topic="", document=doc, rule="document:title+ref", **common)
        content = _content(rest, _DOC_FILLER | set(re.findall(r"[a-z]+", vi_key(doc.text))), province)
        meta = _DOC_META.search(dkey)
        who_meta = re.search(r"\b(?:ai (?:ky|ban hanh)|who (?:issued|signed))\b", dkey)
        if who_meta and _REL_RE.search(dkey[who_meta.end():doc.span[0]]):
            who_meta = None               # "ai ban hành quyết định thay thế QĐ 2757": a task that makes a new text
            meta = None
        if not content or (meta and len(content) <= 4 and (intent not in ("lead", "support") or who_meta)):
            return Route("document", topic="", document=doc, rule="document:" + ("meta" if content else "ref"),
                         **common)

    if doc is None and intent == "search" and not _TASKISH.search(key) and not _WHO.search(key):
        named = _TITLE_Q.search(key) or (is_english(q) and _TITLE_EN.search(key))
        if named:                         # "Kế hoạch cải cách hành chính năm 2023 của tỉnh Tiền Giang"
            typ = _type_of(named.group("t")) if named.groupdict().get("t") else None
            return Route("document", topic=q, document=DocumentRef(q, None, typ, None, pq.year, province,
                                                                    (0, len(q))),
                         rule="document:title", **common)
    return Route("task", topic=pq.topic, document=doc, rule="task", **common)

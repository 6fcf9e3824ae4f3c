"""Stages 3–4 — find and resolve references.

find:    numbered mentions (numbers.find_numbers) and named laws ("Luật … ngày …").
resolve: type, date, issuer, subject, relation cue for each mention; merge
         mentions of one document; relations stated *between* other documents.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from . import numbers as N
from .dates import DATE_RE, iso
from .provinces import find_province
from .vntext import compact_spaces, fold_keep_length

# Word before a number that names the document type.
TYPE_WORDS = [
    ("Nghị quyết liên tịch", "Nghị quyết liên tịch"), ("Thông tư liên tịch", "Thông tư liên tịch"),
    ("Nghị định", "Nghị định"), ("Quyết định", "Quyết định"), ("Nghị quyết", "Nghị quyết"),
    ("Kế hoạch", "Kế hoạch"), ("Thông tư", "Thông tư"), ("Chỉ thị", "Chỉ thị"),
    ("Công điện", "Công điện"), ("Công văn", "Công văn"), ("Văn bản", None), ("Luật", "Luật"),
    ("Chương trình hành động", "Chương trình"), ("Chương trình", "Chương trình"), ("Kết luận", "Kết luận"),
    ("Thông báo", "Thông báo"), ("Hướng dẫn", "Hướng dẫn"), ("Tờ trình", "Tờ trình"),
    ("Báo cáo", "Báo cáo"), ("Đề án", "Đề án"), ("Pháp lệnh", "Pháp lệnh"), ("Lệnh", "Lệnh"),
]
_TYPE_BEFORE_RE = re.compile(
    r"(" + "|".join(re.escape(w) for w, _ in TYPE_WORDS) + r")\s*(?:số|so)?\s*[:.]?\s*$", re.I)
_TYPE_MAP = {w.lower(): t for w, t in TYPE_WORDS}

# Relation cues, matched on diacritic-free lower-case text (same length as the text).
CUES = [
    ("cites", r"theo de nghi"),
    ("based_on", r"can cu"),
    ("amends", r"sua doi(?:,? bo sung)?|bo sung mot so dieu"),
    ("replaces", r"thay the"),
    ("repeals", r"bai bo|huy bo|het hieu luc"),
    ("guides", r"huong dan thi hanh|huong dan chi tiet|quy dinh chi tiet|huong dan"),
    ("implements", r"trien khai thuc hien|to chuc thuc hien|trien khai|thuc hien|thi hanh"),
]
_CUE_RE = re.compile(r"\b(?:" + "|".join(f"(?P<{r}>{p})" for r, p in CUES) + r")\b")
# Where a cue stops governing: paragraph/list/table-cell boundaries, sentence ends.
_BOUNDARY_RE = re.compile(r"\n\s*\n|\n\s*(?:[-+•*]|\d+(?:\.\d+)*[.)]|[a-zđ]\)|Điều\s+\d|[IVX]+\.)\s|\t|\n\|\n|\.\s+(?=[A-ZĐ])|\.\s*\n")

_ISSUER_RE = re.compile(
    r"^\s*(?:của|do)\s+((?:Ban Thường vụ|Ban Chấp hành|Ban chấp hành|Bộ Chính trị|Ban Bí thư|Thường trực|Chủ tịch|Bộ trưởng|Thủ trưởng|Tổng cục trưởng|Giám đốc|Chánh)?[^;,()\n\t|]{0,80}?)"
    r"(?=\s+(?:về|ban hành|phê duyệt|quy định|hướng dẫn|sửa đổi|triển khai|thực hiện|tiếp tục|kiểm soát|tổ chức|đẩy mạnh|Phê duyệt)\b|[;,.()\n]|$)")
_ISSUER_HEAD = re.compile(
    r"(?:Chính phủ|Thủ tướng|Quốc hội|Ủy ban|Uỷ ban|UBND|HĐND|Hội đồng|Bộ|Ban|Tỉnh ủy|Tỉnh uỷ|Thành ủy|Thành uỷ|Huyện ủy"
    r"|Chủ tịch|Văn phòng|Sở|Thanh tra|Tòa án|Viện|Kiểm toán|Ngân hàng|Tổng cục|Cục|Giám đốc|Chánh|Thường trực|Đảng|Mặt trận|Liên)\b")
_SUBJECT_RE = re.compile(r"^\s*(?:,\s*)?((?:về|ban hành|phê duyệt|quy định|hướng dẫn|sửa đổi|Phê duyệt|triển khai|thực hiện)\b[^;\t|]*)")

# the leading look-aheads let the scanner skip a position in one test (2-4x faster)
_NAMED_LAW_RE = re.compile(
    r"(?=[HBPL])(?<![\w])(Hiến pháp(?:\s+nước[^;,\n]{0,60}?)?|Bộ\s+luật\s+[^\W\d][^;,()\n]{0,80}?|Pháp\s+lệnh\s+[^\W\d][^;,()\n]{0,80}?"
    r"|Luật\s+(?:sửa đổi,?\s+bổ sung\s+(?:một số điều\s+)?(?:của\s+)?(?:các\s+)?[^;()\n]{0,160}?|[^\W\d][^;,()\t|]{0,90}?))"
    r"(?=\s*(?:\(|ngày|năm\s+\d{4}|số\s+\d|[;,.:\t|)]|\s(?:và|của|về|theo|được|đã|để|trong|tại|đến|cho|nhằm|có|thì|là|các|hiện hành|do|với|từ|sau|đối với)\s|\n\s*\n|$))",
    re.S)
_AMENDING_LAW_RE = re.compile(
    r"(?=l)(?<![\w])(Luật\s+sửa\s+đổi,?\s+bổ\s+sung\s+(?:một\s+số\s+điều\s+)?(?:của\s+)?[^;()]{0,200}?)"
    r"(?=\s*(?:\(|ngày\s*\d|năm\s+\d{4}|số\s+\d|[;.]|\n\s*\n|$))", re.S | re.I)
_LAW_COMMA_TAIL_RE = re.compile(
    r",[ \t]*(?!(?:các|và|của|cùng|theo|được|để|trong|tại|nhằm)\b)[a-zà-ỹđ]+(?:[ \t]+(?!và\b|ngày\b|năm\b)[a-zà-ỹđ]+){0,3}"
    r"(?=\s+(?:ngày|năm\s+\d{4}|và\s+Luật|số\s+\d)|\s*[;.(]|\s*$)")
_LAW_STOP = re.compile(r"^(?:Luật\s+(?:pháp|sư|định|lệ|hóa|hoá|của|và|này|khác|chuyên ngành|liên quan|quy định))\b", re.I)


@dataclass
class Mention:
    start: int
    end: int
    number: Optional[str]
    title: Optional[str] = None
    type: Optional[str] = None
    date: Optional[str] = None
    issuer: Optional[str] = None
    subject: Optional[str] = None
    relation: str = "cites"
    cue: Optional[str] = None
    year: Optional[int] = None
    province: Optional[str] = None
    context_start: int = 0            # where the mention's own phrase begins (type word)
    amended_by: Optional["Mention"] = None   # a law named in an amending law's title ("Luật sửa đổi … Luật X")


@dataclass
class StatedRel:
    source: Mention
    type: str
    target: Mention
    cue: str
    span: tuple[int, int]


_fold = fold_keep_length          # one char per char: offsets in the fold are offsets in the text


def find_mentions(text: str) -> list[Mention]:
    out: list[Mention] = []
    for s, e, num in N.find_numbers(text):
        m = Mention(s, e, num, context_start=s)
        before = text[max(0, s - 40):s]
        tm = _TYPE_BEFORE_RE.search(before)
        if tm:
            m.type = _TYPE_MAP.get(tm.group(1).lower()) or N.type_from_number(num)
            m.context_start = s - (len(before) - tm.start())
        else:
            m.type = N.type_from_number(num)
        out.append(m)
    taken = [(m.start, m.end) for m in out]
    amend_spans = []
    for am in _AMENDING_LAW_RE.finditer(text):
        amend_spans.append((am.start(), am.end()))
        amending = Mention(am.start(), am.end(), None, title=compact_spaces(am.group(1)), type="Luật",
                           context_start=am.start())
        out.append(amending)
        out += _amended_laws(text, amending)
    for lm in _NAMED_LAW_RE.finditer(text):
        if any(s <= lm.start() < e for s, e in amend_spans):
            continue
        name = compact_spaces(lm.group(1))
        if _LAW_STOP.match(name) or len(name) < 6:
            continue
        if name.startswith("Luật") and len(name.split()) < 2:
            continue
        # "Luật số 45/2019/QH14" is a numbered mention, already found
        if any(s <= lm.end() + 12 and lm.start() <= s for s, _ in taken if s >= lm.start()) and \
                re.match(r"\s*số\s+\d", text[lm.end():lm.end() + 12]):
            continue
        name, end = _with_comma_tail(text, name, lm.start() + len(lm.group(1).rstrip()))
        mt = Mention(lm.start(), end, None, title=name,
                     type="Hiến pháp" if name.startswith("Hiến pháp") else
                     ("Bộ luật" if name.startswith("Bộ") else ("Pháp lệnh" if name.startswith("Pháp") else "Luật")),
                     context_start=lm.start())
        out.append(mt)
    out.sort(key=lambda m: m.start)
    return out


# in an amending law's title, after "của (các)": the laws it amends, "Luật A và Luật B", "Luật A, Luật B"
_AMENDED_HEAD = re.compile(r"\bcủa\s+(?:các\s+)?(?=Luật\s)", re.I)
_AMENDED_SPLIT = re.compile(r"(?<=\S)(?:\s*,\s*(?:và\s+)?|\s+và\s+)(?=Luật\s)")   # from a run's start: linear


def _with_comma_tail(text: str, name: str, end: int, limit: Optional[int] = None) -> tuple[str, int]:
    """A law's name and end, without a trailing "hiện hành"/"năm", with the
    words after a comma that belong to it ("Luật Cán bộ, công chức", "Luật
    Phòng, chống tham nhũng")."""
    # lowercase 'luật' is generic ("pháp luật"); names start with a capital
    name = re.sub(r"\s+(?:hiện hành|năm)$", "", name)
    ext = _LAW_COMMA_TAIL_RE.match(text, end, limit if limit is not None else len(text))
    if ext and name.startswith(("Luật", "Bộ luật", "Pháp lệnh")):
        return compact_spaces(name + ext.group(0)), ext.end()
    return name, end


def _amended_laws(text: str, amending: Mention) -> list[Mention]:
    """The laws named in an amending law's title ("Luật sửa đổi, bổ sung một
    số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa
    phương"), each a mention inside that title, ``amended_by`` the amending law."""
    head = _AMENDED_HEAD.search(text, amending.start, amending.end)
    if head is None:
        return []
    out, pos = [], head.end()
    tail = text[pos:amending.end]
    for part in _AMENDED_SPLIT.split(tail):
        start = text.find(part, pos, amending.end)
        if start < 0:
            continue
        pos = start + len(part)
        # the name as a named law is read ("Luật Xử lý vi phạm hành chính, trừ trường hợp …" names one law)
        lm = _NAMED_LAW_RE.match(text, start, amending.end)
        if lm is None:
            continue
        name, end = _with_comma_tail(text, compact_spaces(lm.group(1)), start + len(lm.group(1).rstrip()), amending.end)
        if not name.startswith("Luật ") or _LAW_STOP.match(name) or len(name.split()) < 2:
            continue
        out.append(Mention(start, end, None, title=name, type="Luật", context_start=start, amended_by=amending))
    return out


def _date_after(text: str, pos: int, limit: int) -> tuple[Optional[str], int]:
    window = text[pos:min(limit, pos + 60)]
    m = re.match(r"[\s,]*(?:\(|,)?\s*" + DATE_RE.pattern, window, re.I)
    if m:
        return iso(int(m.group(1)), int(m.group(2)), int(m.group(3))), pos + m.end()
    m = re.match(r"[\s,]*(?:\(|,)?\s*(?:ngày\s*)?(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", window)
    if m:
        return iso(int(m.group(1)), int(m.group(2)), int(m.group(3))), pos + m.end()
    return None, pos


def resolve_mentions(text: str, mentions: list[Mention], own_province: Optional[str]) -> None:
    """Fill date, issuer, subject, year and province of each mention in place."""
    # a law named inside an amending law's title has no date, issuer or subject of its own (the date after the
    # title is the amending law's), nor does it end the amending law's phrase
    outer = [m for m in mentions if m.amended_by is None]
    for i, m in enumerate(outer):
        limit = outer[i + 1].context_start if i + 1 < len(outer) else len(text)
        m.date, pos = _date_after(text, m.end, limit)
        if m.date:
            m.year = int(m.date[:4])
        elif m.number is None:
            ym = re.match(r"\s*(?:\(\s*)?(?:năm|ban hành năm|sửa đổi,? bổ sung năm)\s+((?:19|20)\d{2})", text[m.end:limit])
            if ym:
                m.year = int(ym.group(1))
                pos = m.end + ym.end()
        if m.number and not m.year:
            ym = re.search(r"/((?:19|20)\d{2})/", m.number)
            if ym:
                m.year = int(ym.group(1))
        rest = text[pos:limit]
        im = _ISSUER_RE.match(rest)
        if im and im.group(1).strip() and _ISSUER_HEAD.match(im.group(1).strip()):
            iss = compact_spaces(im.group(1))
            iss = re.split(r"\s(?:và|theo|trong|tại|đến|đối với|để|nhằm|với|cho|giai đoạn|năm)\s", " " + iss + " ")[0].strip()
            m.issuer = iss.rstrip(" .")
            pos += im.end()
            rest = text[pos:limit]
        sm = _SUBJECT_RE.match(rest)
        if sm:
            subj = compact_spaces(sm.group(1))
            subj = re.split(r"(?<=[^\d\s])\.\s|\.$", subj)[0]
            m.subject = subj[:300].rstrip(" ,.;:")
        if m.issuer:
            m.issuer = _canonical_issuer(m.issuer, own_province)
        if m.number:
            if N.is_local(m.number):
                prov = find_province(m.issuer) if m.issuer else None
                m.province = prov or own_province
            if not m.issuer:
                ci = N.central_issuer(m.number)
                if ci:
                    m.issuer = ci


def _canonical_issuer(issuer: str, own_province: Optional[str]) -> str:
    """'Ủy ban nhân dân tỉnh' inside a Vĩnh Phúc document → 'UBND tỉnh Vĩnh Phúc'."""
    from .agencies import canonical_name
    iss = canonical_name(issuer)
    if own_province and not find_province(iss) and re.match(
            r"^(?:Chủ tịch |Thường trực |Ban Thường vụ |Ban Chấp hành Đảng bộ )?(?:UBND|HĐND|Tỉnh ủy|Tỉnh uỷ)\s*(?:tỉnh|thành phố)?$", iss):
        if re.search(r"(?:tỉnh|thành phố)$", iss):
            iss = f"{iss} {own_province}"
        elif re.search(r"(?:UBND|HĐND)$", iss):
            iss = f"{iss} tỉnh {own_province}"
        else:
            iss = f"{iss} {own_province}"
    return iss


# "Thực hiện việc điều chỉnh vị trí việc làm … theo quy định tại Nghị định X", "… theo tinh thần Nghị quyết X":
# after the cue's own object, a norm introduced as the provisions or the spirit to follow is cited, not the text
# the citing document carries out. A bare "theo" stays implemented ("triển khai các dự án … theo Nghị quyết X"
# that lists them), and so does a plan or decision after it ("triển khai dịch vụ … theo Kế hoạch X").
_STANDARD_BEFORE = re.compile(r"\S\s+theo\s+(?:đúng\s+)?(?:tinh\s+thần|quy\s+định(?:\s+(?:tại|của))?)\s*$", re.I)
_NORM_TYPES = {"Nghị định", "Nghị quyết", "Thông tư", "Luật", "Pháp lệnh", "Thông tư liên tịch", "Nghị quyết liên tịch"}


# a clause that opens with a bare date ("ngày 27/10/2021 tiếp tục triển khai Nghị quyết …") continues a
# reference cut off by a page or cell break ("… Kế hoạch số 266/KH-UBND | ngày 27/10/2021 …"): the cue describes
# that reference, not the citing document
_DANGLING_DATE = re.compile(r"\s*ngày\s+\d{1,2}[/.-]\d{1,2}[/.-]\d{4}(?:\s+của\s+[^,;\n]{0,60}?)?\s*(?:tiếp\s+tục\s*)?",
                            re.I)


def assign_relations(text: str, mentions: list[Mention]) -> list[StatedRel]:
    """Relation of the citing document to each mention, plus stated relations.

    The nearest cue before a mention governs it, unless a boundary intervenes.
    A cue that follows another mention R in R's own clause describes R: the
    mention is R's object (a stated relation R → mention) and inherits R's
    relation to the citing document.
    """
    folded = _fold(text)
    stated: list[StatedRel] = []
    for i, m in enumerate(mentions):
        if m.amended_by is not None:      # inside the amending law's title: that law amends it, the text cites it
            stated.append(StatedRel(m.amended_by, "amends", m, "sửa đổi, bổ sung", (m.amended_by.start, m.end)))
            m.relation, m.cue = "cites", None
            continue
        win_start = max(0, m.context_start - 2000)
        window = text[win_start:m.context_start]
        last_b = None
        for b in _BOUNDARY_RE.finditer(window):
            last_b = b
        lo = win_start + (last_b.end() if last_b else 0)
        cues = [c for c in _CUE_RE.finditer(folded, lo, m.context_start)]
        chosen = None
        for c in reversed(cues):
            if _DANGLING_DATE.fullmatch(text[lo:c.start()]):
                m.relation, m.cue = "cites", None   # a cut reference's tail: its cue is not the citing text's
                chosen = c
                break
            at_line_start = text[max(0, c.start() - 30):c.start()].rsplit("\n", 1)[-1].strip(" \t-+•*") == "" \
                and "\n" in text[max(0, c.start() - 30):c.start()] or c.start() == 0
            subject = None
            coordinated = re.search(r"(?:\bvà|,)\s*$", text[max(0, c.start() - 6):c.start()]) is not None
            if c.lastgroup not in ("based_on", "cites") and not at_line_start and not coordinated:
                prev = [p for p in mentions[:i] if lo <= p.start and p.end <= c.start() and p.amended_by is None]
                if prev:
                    between = text[prev[-1].end:c.start()]
                    if ";" not in between and not re.search(r"\.\s", between):
                        subject = prev[-1]          # the cue is inside this mention's description
            if subject is not None:
                if ";" in text[c.end():m.context_start]:
                    continue                        # that description ended before this mention
                stated.append(StatedRel(subject, c.lastgroup, m, text[c.start():c.end()],
                                        (subject.start, m.end)))
                m.relation, m.cue = "cites", None
                chosen = c
                break
            chosen = c
            if c.lastgroup == "implements" and m.type in _NORM_TYPES \
                    and _STANDARD_BEFORE.search(text[c.end():m.context_start]):
                m.relation, m.cue = "cites", None   # "thực hiện chính sách … theo quy định tại Nghị định X"
                break
            m.relation = c.lastgroup
            m.cue = text[c.start():c.end()]
            break
        if chosen is None:
            m.relation = "cites"
    return stated


# ------------------------------------------------------- one document, two spellings ----
_STATE_PARTS_RE = re.compile(r"^(\d[\w.]*)/(?:((?:19|20)\d{2})/)?(.+)$")
# Series whose numbers always carry the year: a year-less spelling is a slip.
_YEARLY_CODE_RE = re.compile(r"^(?:NĐ|TT|TTLT|NQLT|L|PL)$|^(?:QH|UBTVQH)\d*$")


def unify_numbers(mentions: list[Mention], own: tuple[str, ...] = ()) -> dict[str, str]:
    """Join spellings of one document into one number, in place, and return
    the map (spelling → kept spelling): '193/2025/NQ-QH15' and '193/2025/QH15';
    '88/NĐ-CP' and '88/2025/NĐ-CP'; '06/QĐ-TTG' and '06/QĐ-TTg'.

    Same sequence number, one issuer, one code's parts contained in the
    other's; a year-less spelling joins a dated one when its series always
    carries the year or a mention's date falls in that year. The own number
    wins, then the spelling with the year, then the most frequent."""
    count: dict[str, int] = {}
    years: dict[str, set] = {}
    for m in mentions:
        if m.number and not N.is_party(m.number):
            count[m.number] = count.get(m.number, 0) + 1
            if m.date:
                years.setdefault(m.number, set()).add(int(m.date[:4]))
    for o in own:
        if not N.is_party(o):
            count.setdefault(o, 0)
    parsed = {}
    for n in count:
        pm = _STATE_PARTS_RE.match(n)
        if pm:
            parsed[n] = (pm.group(1), pm.group(2), [p.upper() for p in pm.group(3).split("-")])
    by_seq: dict[str, list[str]] = {}
    for n, (seq, _, _) in parsed.items():
        by_seq.setdefault(seq, []).append(n)
    alias: dict[str, str] = {}
    for seq, group in by_seq.items():
        if len(group) < 2:
            continue

        def rank(n):
            return (n in own, parsed[n][1] is not None, count[n], not n.isupper(), -len(parsed[n][2]), n)

        group.sort(key=rank, reverse=True)
        for n in group[1:]:
            for c in group:
                if c == n or alias.get(c, c) != c or not _same_document(n, c, parsed, years):
                    continue
                alias[n] = c
                break
    for m in mentions:
        if m.number in alias:
            m.number = alias[m.number]
    return alias


def _same_document(n: str, c: str, parsed: dict, years: dict) -> bool:
    _, yn, pn = parsed[n]
    _, yc, pc = parsed[c]
    if pn[-1] != pc[-1] or not (set(pn) <= set(pc) or set(pc) <= set(pn)):
        return False
    if yn == yc:
        return True
    if yn is not None and yc is not None:
        return False
    dated = yc if yn is None else yn
    undated = n if yn is None else c
    return bool(_YEARLY_CODE_RE.match(parsed[undated][2][0]) or dated and int(dated) in years.get(undated, ()))

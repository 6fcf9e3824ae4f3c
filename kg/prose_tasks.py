"""Tasks written as structured prose instead of a table:

    1. Rà soát, sửa đổi Quy chế làm việc của UBND tỉnh.
    a) Cơ quan chủ trì: Văn phòng UBND tỉnh.
    b) Cơ quan phối hợp: Các sở, ban, ngành.
    c) Thời gian thực hiện: Quý II/2025.

(also on one line: "…; a) Cơ quan chủ trì: …; b) Cơ quan phối hợp: …; c) Thời gian: …").
Each lead label starts a task; the labels after it fill its columns; the task
text is the numbered item the labels belong to.
"""
from __future__ import annotations

import re

from .agencies import _HEAD_RE, leading_agency
from .tables import Cell

_LABELS = {
    "lead": r"(?:cơ\s+quan|đơn\s+vị)\s+(?:chủ\s+trì(?:\s+tham\s+mưu)?(?:\s+thực\s+hiện)?|(?P<agency>thực\s+hiện))"
            r"|chủ\s+trì(?:\s+thực\s+hiện)?",
    "support": r"(?:cơ\s+quan|đơn\s+vị)\s+phối\s+hợp(?:\s+thực\s+hiện)?|phối\s+hợp(?:\s+thực\s+hiện)?",
    "deadline": r"thời\s+(?:gian|hạn)(?:\s+(?:thực\s+hiện|hoàn\s+thành|hoàn\s+thành|triển\s+khai))?|tiến\s+độ(?:\s+thực\s+hiện)?",
    "product": r"sản\s+phẩm(?:\s+đầu\s+ra)?|kết\s+quả(?:\s+đầu\s+ra)?",
    "text": r"nội\s+dung(?:\s+(?:thực\s+hiện|công\s+việc|nhiệm\s+vụ))?|nhiệm\s+vụ",
}
_LABEL_RE = re.compile(
    r"(?:^|(?<=[;.]))[ \t]*(?:[a-zđ][.)][ \t]*|[-+•*][ \t]*)?(?:"
    + "|".join(f"(?P<{k}>{p})" for k, p in _LABELS.items()) + r")[ \t]*:", re.I | re.M)
_GATE_RE = re.compile(r"(?:chủ\s+trì|thực\s+hiện)[^:\n]{0,30}:", re.I)
# an item marker; a number with '.' or ')' may stand alone on its line ('1.' / 'Trên cơ sở …')
_ITEM_RE = re.compile(r"^[ \t]*(?:(\d{1,2}(?:\.\d{1,2})*)([.)]?)|[-+•])(?:[ \t]+|(?<=[.)])[ \t]*\n[ \t]*)(?=\S)", re.M)
# the facts of an administrative procedure (TTHC), not a plan's task ('Cơ quan thực
# hiện: Sở Y tế / Cơ quan có thẩm quyền quyết định: … / Cơ quan phối hợp: Không';
# '1. Trình tự thực hiện: Bước 1 … 2. Cơ quan thực hiện: - Cơ quan tiếp nhận hồ sơ: Sở …
# 3. Kết quả thực hiện: …'): the standard fields of a procedure, written as labels
_PROCEDURE_RE = re.compile(r"thẩm\s+quyền\s+quyết\s+định|tiếp\s+nhận\s+và\s+trả\s+kết\s+quả|được\s+ủy\s+quyền"
                           r"|đối\s+tượng\s+thực\s+hiện"
                           r"|(?:trình\s+tự|cách\s+thức)\s+thực\s+hiện[^:\n]{0,20}:"
                           r"|thành\s+phần[,\s]+(?:số\s+lượng\s+)?hồ\s+sơ[^:\n]{0,20}:"
                           r"|thời\s+(?:hạn|gian)\s+giải\s+quyết[^:\n]{0,20}:|căn\s+cứ\s+pháp\s+lý[^:\n]{0,20}:"
                           r"|(?:phí,?\s+)?lệ\s+phí[^:\n]{0,20}:|yêu\s+cầu,?\s+điều\s+kiện[^:\n]{0,40}:"
                           r"|kết\s+quả\s+(?:thực\s+hiện|giải\s+quyết)\s+(?:thủ\s+tục|TTHC)"
                           r"|cơ\s+quan\s+(?:tiếp\s+nhận|thụ\s+lý)\s+hồ\s+sơ|cơ\s+quan\s+có\s+thẩm\s+quyền[^:\n]{0,40}:"
                           r"|cơ\s+quan\s+thực\s+hiện\s+(?:thủ\s+tục|TTHC)", re.I)
# 'Cơ quan thực hiện: Sở Nội vụ chủ trì, phối hợp với các sở …' (lead and support in one field)
_LEAD_WITH_RE = re.compile(r"\s+chủ\s+trì,?\s+(?:và\s+)?phối\s+hợp(?:\s+với)?\s+", re.I)
_MARKER_RE = re.compile(r"(?:^|(?<=[\s;,]))(?:[a-zđ][.)]|[-+•*])\Z")


def find_prose_tasks(text: str, skip: list[tuple[int, int]]):
    """(no, {kind: Cell}, start, end, lead_inferred) for each task written as labelled prose."""
    if not _GATE_RE.search(text):
        return []
    labels = [m for m in _LABEL_RE.finditer(text) if not any(s <= m.start() < e for s, e in skip)]
    out = []
    i = 0
    while i < len(labels):
        m = labels[i]
        if m.lastgroup != "lead":
            i += 1
            continue
        group = [m]
        j = i + 1
        while j < len(labels) and labels[j].lastgroup not in ("lead", "text") and labels[j].lastgroup not in {g.lastgroup for g in group} \
                and labels[j].start() - group[-1].end() < 600:
            group.append(labels[j])
            j += 1
        near = text[max(0, m.start() - 300):group[-1].end() + 300]
        if _PROCEDURE_RE.search(near):
            i = j
            continue
        cols: dict[str, Cell] = {}
        bullets = []
        for k, g in enumerate(group):
            stop = group[k + 1].start() if k + 1 < len(group) else _line_end(text, g.end())
            raw = text[g.end():stop]
            val = raw.strip().rstrip(" ;.,")
            if val:
                # prose wraps lines anywhere: a line break is a space here, not a list separator
                s = g.end() + (len(raw) - len(raw.lstrip()))
                cols[g.lastgroup] = Cell(" ".join(val.split()), s, s + len(val))
            elif g.lastgroup == "lead":
                # 'Cơ quan thực hiện:' with its agencies in bullets below ('+ Sở A chủ trì, phối hợp với …')
                bullets = _bullet_block(text, g.end(), group[k + 1].start() if k + 1 < len(group) else len(text))
                if bullets:
                    cols["lead"] = bullets[0]
        lw = _LEAD_WITH_RE.search(cols["lead"].text) if "lead" in cols and "support" not in cols else None
        if lw:
            c = cols["lead"]
            cols["support"] = Cell(c.text[lw.end():], c.start + lw.end(), c.end)
            cols["lead"] = Cell(c.text[:lw.start()], c.start, c.start + lw.start())
        # "Nội dung thực hiện: …" right before the lead label is the task text
        tl = labels[i - 1] if i and labels[i - 1].lastgroup == "text" and m.start() - labels[i - 1].end() < 1500 else None
        item = _item_before(text, tl.start() if tl else m.start(), numbered_only=tl is not None)
        if (item is None and tl is None) or "lead" not in cols:
            i = j
            continue
        no, t_start = item if item else (None, tl.end())
        if tl is not None:
            t_start = tl.end()
        body = text[t_start:m.start()]
        body = body.rstrip()
        mk = _MARKER_RE.search(body, max(0, len(body) - 2))     # "…; a)" before the label
        if mk:
            body = body[:mk.start()]
        body = re.sub(r"^[-+•*]\s+", "", body.strip()).rstrip(" ;,.")
        if len(body) < 8:
            i = j
            continue
        cols["text"] = Cell(" ".join(body.split()), t_start, t_start + len(body))
        # "Đơn vị thực hiện: A, B" with no "phối hợp" label: A leads, B supports (inferred)
        inferred = bool(m.group("agency")) and "support" not in cols and not lw
        if len(bullets) > 1:
            for sub in _bullet_tasks(bullets, cols):
                out.append((no, sub, t_start, max(c.end for c in sub.values()), inferred and "support" not in sub))
        else:
            out.append((no, cols, t_start, max(c.end for c in cols.values()), inferred))
        i = j
    if out:
        out = _with_sibling_items(text, out)
    return out


def _line_end(text: str, pos: int) -> int:
    """A value runs to the end of its line, or over wrapped lines up to a blank
    line, a numbered item or another label."""
    end = text.find("\n", pos)
    while end != -1:
        nxt_end = text.find("\n", end + 1)
        nxt = text[end + 1:nxt_end if nxt_end != -1 else len(text)]
        im = _ITEM_RE.match(nxt)
        if not nxt.strip() or (im and _is_item(im, nxt)) or _LABEL_RE.match(nxt) or re.match(r"\s*(?:[a-zđ][.)]|[-+•*]|[IVX]+\.)\s", nxt) \
                or text[end - 1:end] in ".;":
            return end
        end = nxt_end
    return len(text)


def _is_item(m: re.Match, text: str) -> bool:
    """A number without '.' or ')' starts an item only before a capital: a
    wrapped line may begin with the number of a date ('7 năm 2025 của …')."""
    return bool(m.group(2)) or not m.group(1) or not text[m.end():m.end() + 1].islower()


_LETTER_RE = re.compile(r"^[ \t]*([a-zđ])\)[ \t]+(?=\S)", re.M)


def _item_before(text: str, pos: int, numbered_only: bool = False):
    """The numbered item (number, start of its text) the label at ``pos`` belongs to.
    A lettered item under a numbered one is numbered 'N.a'; the last of a
    list of '+' bullets inside a numbered item is not the item."""
    lo = max(0, pos - 3000)
    last = num = None
    bullets = 0
    for it in _ITEM_RE.finditer(text, lo, pos):
        if not _LABEL_RE.match(text, it.start()) and (it.group(1) or not numbered_only) and _is_item(it, text):
            last = it
            if it.group(1):
                num, bullets = it, 0
            elif text[it.start():it.end()].strip().startswith("+"):
                bullets += 1
    letter = None
    letters = 0
    for lt in _LETTER_RE.finditer(text, num.end() if num else lo, pos):
        if not _LABEL_RE.match(text, lt.start()):
            letter = lt
            letters += 1
    if letters >= 2 and num is not None and (last is None or last.start() <= num.start() or last.group(1)) \
            and _LABEL_RE.search(text, num.end(), pos) is None:
        # 'Cơ quan thực hiện:' after all the sub-items a), b) of an item, none
        # of them with labels of its own: the fields are the item's
        return num.group(1), num.end()
    if letter is not None and (last is None or letter.start() > last.start() or last.group(1) is None and num is not None):
        return (f"{num.group(1)}.{letter.group(1)}" if num else letter.group(1)), letter.end()
    if last is None:
        return None
    if last.group(1) is None and num is not None and bullets >= 2:
        last = num
    return last.group(1), last.end()


_BULLET_LINE_RE = re.compile(r"[ \t]*[-+•][ \t]+(?=\S)")


def _bullet_block(text: str, pos: int, stop: int) -> list[Cell]:
    """The bulleted paragraphs right after ``pos`` (blank lines allowed between
    them), each one Cell without its marker; wrapped lines join their bullet."""
    out: list[Cell] = []
    nl = text.find("\n", pos)
    if nl == -1 or text[pos:nl].strip():
        return []
    p = nl + 1
    while p < stop:
        e = text.find("\n", p)
        e = stop if e == -1 or e > stop else e
        line = text[p:e]
        bm = _BULLET_LINE_RE.match(line)
        if not line.strip():
            pass
        elif _LABEL_RE.match(line) or _ITEM_RE.match(line) and not bm:
            break
        elif bm:
            out.append(Cell(line[bm.end():].strip(), p + bm.end(), e))
        elif out and text[p - 2:p] != "\n\n":
            last = out[-1]
            out[-1] = Cell(last.text + " " + line.strip(), last.start, e)
        else:
            break
        p = e + 1
    return out


def _bullet_tasks(bullets: list[Cell], cols: dict[str, Cell]) -> list[dict[str, Cell]]:
    """One task per bullet of an agency field: 'A chủ trì, phối hợp với B' is
    the task's own lead and support; 'Sở X đăng tải …' is a duty of its own
    (the bullet is its text). Bullets that are bare names make one agency list."""
    if all(_HEAD_RE.match(b.text) and len(b.text) < 90 and leading_agency(b.text) in (None, b.text) for b in bullets):
        c = dict(cols)
        c["lead"] = Cell("; ".join(b.text.rstrip(" ;.,") for b in bullets), bullets[0].start, bullets[-1].end)
        return [c]
    out = []
    for b in bullets:
        t = " ".join(b.text.split()).rstrip(" ;.,")
        c = {k: v for k, v in cols.items() if k not in ("lead", "support")}
        lw = _LEAD_WITH_RE.search(t)
        if lw:
            c["lead"] = Cell(t[:lw.start()], b.start, b.start + lw.start())
            c["support"] = Cell(t[lw.end():], b.start + lw.end(), b.end)
        else:
            ag = leading_agency(t)
            if not ag:
                continue
            c["lead"] = Cell(ag, b.start, b.start + len(ag))
            if not re.match(r"\s*(?:chủ\s+trì|có\s+trách\s+nhiệm|chịu\s+trách\s+nhiệm)", t[len(ag):], re.I):
                c["text"] = Cell(t, b.start, b.end)
        out.append(c)
    return out or [cols]


_SECTION_RE = re.compile(r"^[ \t]*(?:[IVX]{1,5}\.|Nơi\s+nhận|PHỤ\s+LỤC|Phụ\s+lục)", re.M)
_DUTY_CUE_RE = re.compile(r"có\s+trách\s+nhiệm|chịu\s+trách\s+nhiệm|chủ\s+trì", re.I)


def _top(no) -> int | None:
    m = re.match(r"\d{1,2}(?=\.|$)", no or "")
    return int(m.group(0)) if m else None


def _with_sibling_items(text: str, found: list) -> list:
    """A numbered item among labelled task items of the same list (between
    them, or the next number after the last one, in the same section) that has
    no labels is a task too: its heading is the task, its lead the agency its
    paragraph names as responsible ('Sở, ban, ngành … có trách nhiệm …'), or none."""
    tops = [_top(f[0]) for f in found]
    if sum(t is not None for t in tops) < 2:
        return found
    first = min(f[2] for f in found)
    last_end = max(f[3] for f in found)
    sec = _SECTION_RE.search(text, last_end)
    limit = sec.start() if sec else len(text)
    sec_before = [x.end() for x in _SECTION_RE.finditer(text, 0, first)]
    lo = sec_before[-1] if sec_before else 0
    items = [it for it in _ITEM_RE.finditer(text, lo, limit)
             if it.group(1) and "." not in it.group(1) and it.group(2) and not _LABEL_RE.match(text, it.start())]
    have = {t for t in tops if t is not None}
    lo_n, hi_n = min(have), max(have)
    extra = []
    for k, it in enumerate(items):
        n = int(it.group(1))
        if n in have or not (lo_n < n < hi_n or n == hi_n + 1):
            continue
        end = items[k + 1].start() if k + 1 < len(items) else limit
        if any(it.start() <= f[2] < end for f in found):
            continue
        block = text[it.end():end]
        if len(block) > 3000 or not block.strip():
            continue
        # the heading runs to a blank line, or (Word, PDF: a paragraph a line) to the
        # line where a responsible agency starts ('Sở, ban, ngành … có trách nhiệm …')
        lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]*\S[^\n]*", block)]
        nl0 = len(block) - len(block.lstrip("\n"))
        blank = re.search(r"\n[ \t]*\n", block[nl0:])
        lead = None
        cut = len(lines)
        for k in range(1, min(len(lines), 4)):
            rest = block[lines[k][0]:]
            ag = leading_agency(rest) if _DUTY_CUE_RE.search(rest[:250]) else None
            if ag:
                cut, lead = k, (lines[k][0], ag)
                break
        if blank:
            first_end = nl0 + blank.start()
            cut = min(cut, sum(1 for off, _ in lines if off < first_end))
        cut = max(cut, 1)
        head = " ".join(" ".join(l for _, l in lines[:cut]).split()).strip(" *")
        if len(head) < 8 or len(head) > 400:
            continue
        cols = {"text": Cell(head, it.end() + lines[0][0], it.end() + lines[cut - 1][0] + len(lines[cut - 1][1]))}
        if lead:
            s0 = it.end() + lead[0] + (len(block[lead[0]:]) - len(block[lead[0]:].lstrip()))
            cols["lead"] = Cell(lead[1], s0, s0 + len(lead[1]))
        extra.append((it.group(1), cols, it.start(), end, False))
        have.add(n)
    if not extra:
        return found
    return sorted(found + extra, key=lambda f: f[2])

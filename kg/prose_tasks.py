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
_ITEM_RE = re.compile(r"^[ \t]*(?:(\d{1,2}(?:\.\d{1,2})*)([.)]?)|[-+•])[ \t]+(?=\S)", re.M)
# the facts of an administrative procedure, not a plan's task ('Cơ quan thực
# hiện: Sở Y tế / Cơ quan có thẩm quyền quyết định: … / Cơ quan phối hợp: Không')
_PROCEDURE_RE = re.compile(r"thẩm\s+quyền\s+quyết\s+định|tiếp\s+nhận\s+và\s+trả\s+kết\s+quả|được\s+ủy\s+quyền"
                           r"|đối\s+tượng\s+thực\s+hiện", re.I)
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
        for k, g in enumerate(group):
            stop = group[k + 1].start() if k + 1 < len(group) else _line_end(text, g.end())
            raw = text[g.end():stop]
            val = raw.strip().rstrip(" ;.,")
            if val:
                # prose wraps lines anywhere: a line break is a space here, not a list separator
                s = g.end() + (len(raw) - len(raw.lstrip()))
                cols[g.lastgroup] = Cell(" ".join(val.split()), s, s + len(val))
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
        body = body.strip().rstrip(" ;,.")
        if len(body) < 8:
            i = j
            continue
        cols["text"] = Cell(" ".join(body.split()), t_start, t_start + len(body))
        # "Đơn vị thực hiện: A, B" with no "phối hợp" label: A leads, B supports (inferred)
        inferred = bool(m.group("agency")) and "support" not in cols and not lw
        out.append((no, cols, t_start, max(c.end for c in cols.values()), inferred))
        i = j
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


def _item_before(text: str, pos: int, numbered_only: bool = False):
    """The numbered item (number, start of its text) the label at ``pos`` belongs to."""
    lo = max(0, pos - 3000)
    last = None
    for it in _ITEM_RE.finditer(text, lo, pos):
        if not _LABEL_RE.match(text, it.start()) and (it.group(1) or not numbered_only) and _is_item(it, text):
            last = it
    if last is None:
        return None
    return last.group(1), last.end()

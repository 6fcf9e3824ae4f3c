"""Stage 2 — clean: strip inline markup and web-page chrome, normalise to NFC.

Inline markup that breaks tokens (``**151** /KH-UBND``, ``<b>VIII</b>``,
``<sup>1</sup>`` footnote markers, markdown headings) is removed; chrome
(site banners, login and privacy notices, "FILE ĐƯỢC ĐÍNH KÈM" blocks,
related-document boxes) is cut so its numbers never become references.
"""
from __future__ import annotations

import html as _html
import re

from .textmap import MappedText
from .vntext import search_key

_TAGS_RE = re.compile(r"</?(?:b|i|u|em|strong|span|font|p|div|br|small|big|mark|a)(?:\s[^<>]*)?/?>", re.I)
_SUP_NOTE_RE = re.compile(r"<sup>\s*[\d*,\s]+\s*</sup>|\[\^?\d+\]", re.I)
_SUP_TAG_RE = re.compile(r"</?su[pb]>", re.I)
# (each pattern starts with the character it looks for, so the engine skips
# ahead to it instead of trying every position)
_BOLD_RE = re.compile(r"\*\*|__(?:(?=\S)|(?<=\S__))")
_EMPH_RE = re.compile(r"\*(?:(?<![\w*]\*)(?=[^\s*])|(?<=[^\s*]\*)(?![\w*]))")
_HEADING_RE = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+")
_HTML_ENTITY_RE = re.compile(r"&(nbsp|amp|lt|gt|quot|#\d+);")
_NBSP_RE = re.compile(r"[\u00a0\u2007\u202f\u200b\ufeff]")
_TRAIL_SPACE_RE = re.compile(r" (?<=\S )[ ]*(?=\n)")


def strip_markup(mt: MappedText) -> MappedText:
    mt = mt.sub(_SUP_NOTE_RE, "")
    mt = mt.sub(_SUP_TAG_RE, "")
    mt = mt.sub(_TAGS_RE, "")
    mt = mt.sub(_HTML_ENTITY_RE, lambda m: _html.unescape(m.group(0)))
    mt = mt.sub(_BOLD_RE, "")
    mt = mt.sub(_EMPH_RE, "")
    mt = mt.sub(_HEADING_RE, "")
    mt = mt.sub(_NBSP_RE, lambda m: "" if m.group(0) in "\u200b\ufeff" else " ")
    mt = mt.sub(_TRAIL_SPACE_RE, "")
    return mt


# --------------------------------------------------------------- chrome ----
# Lines that are page furniture wherever they appear (matched on the
# diacritic-free, lower-cased line).
_CHROME_LINE = re.compile(
    r"^(?:dang nhap|dang ky|dang xuat|quen mat khau|chinh sach bao mat|dieu khoan su dung"
    r"|ban dich nay thuoc quyen so huu|.*thu vien phap luat|.*thuvienphapluat"
    r"|click (?:vao|trai|phai)|double click|dang tai van ban|tai ve|in van ban|luu van ban"
    r"|chia se|trang chu|lien he|ban quyen|copyright|©|all rights reserved"
    r"|theo doi hieu luc|so cong bao|ngay cong bao|tinh trang:|ngay hieu luc"
    r"|cac noi dung duoc sua doi, huong dan|cac noi dung cua vb nay"
    r"|van ban nay chua cap nhat noi dung|bao loi|gui phan hoi|tim kiem"
    r"|ho tro:|hotline|email:|e-mail:|dien thoai:|dia chi:|ma so thue:"
    r")", re.I)
# A marker after which everything to the end is site material.
_TRAILING_MARKER = re.compile(
    r"^(?:file duoc dinh kem theo van ban|file attached to document"
    r"|van ban nay chua cap nhat noi dung tieng anh|noi dung sua doi, huong dan"
    r"|van ban lien quan|van ban cung linh vuc|van ban moi|tin lien quan|bai viet lien quan"
    r"|luoc do van ban|thong bao ve luu tru|cam on da dung)\b", re.I)
# Boxes of related documents: the marker line and the list under it, up to a blank line.
_BOX_MARKER = re.compile(
    r"^(?:van ban lien quan|van ban duoc huong dan|van ban cung linh vuc|van ban moi"
    r"|tin lien quan|bai viet lien quan|xem them|co the ban quan tam)\b", re.I)
# The official header of a Vietnamese administrative document.
_OFFICIAL_START = re.compile(
    r"^(?:uy ban nhan dan|hoi dong nhan dan|chinh phu|thu tuong chinh phu|bo [a-z]|van phong"
    r"|cong hoa xa hoi chu nghia viet nam|tinh uy|thanh uy|ban chap hanh|quoc hoi"
    r"|so:|so hieu van ban)", re.I)
_MOTTO = re.compile(r"cong hoa xa hoi", re.I)
# Lines that only a website prints (contact fields like "Email:" also occur in documents).
_SITE_LINE = re.compile(
    r"^(?:dang nhap|dang ky|quen mat khau|chinh sach bao mat|ban dich nay thuoc quyen so huu|.*thu vien phap luat"
    r"|.*thuvienphapluat|click (?:vao|trai|phai)|dang tai van ban|cac noi dung duoc sua doi, huong dan"
    r"|cac noi dung cua vb nay|so hieu:|loai van ban:|noi ban hanh:|nguoi ky:|ngay ban hanh:)", re.I)


def _key(line: str) -> str:
    return search_key(line).strip(" |\t-*#>")


def remove_chrome(mt: MappedText) -> MappedText:
    lines = mt.text.split("\n")
    # one key pass over the whole text (the key is per character, so its lines are the text's lines)
    keys = [k.strip(" |\t-*#>") for k in search_key(mt.text).split("\n")]
    if len(keys) != len(lines):
        keys = [_key(l) for l in lines]
    starts = []
    pos = 0
    for l in lines:
        starts.append(pos)
        pos += len(l) + 1
    drop = [False] * len(lines)

    # Leading chrome: chrome lines before the official header → cut up to the
    # issuing body's line that precedes the national motto.
    # the national motto (maybe broken over two lines), followed by "Độc lập - Tự do - Hạnh phúc"
    motto = next((i for i, k in enumerate(keys) if (_MOTTO.search(k) or (
        k and i + 1 < len(keys) and _MOTTO.search(k + " " + keys[i + 1])))
        and "doc lap" in " ".join(keys[i:i + 4])), None)
    if motto is not None:
        first_chrome = next((i for i in range(motto) if _SITE_LINE.match(keys[i])), None)
        if first_chrome is not None:
            begin = motto
            for j in range(motto - 1, max(-1, motto - 8), -1):
                if _OFFICIAL_START.match(keys[j]) and not _MOTTO.match(keys[j]):
                    begin = j
            for i in range(begin):
                drop[i] = True

    # Trailing chrome: from the first trailing marker that comes after real
    # content (past the first third of the text) to the end.
    third = len(lines) // 3
    for i in range(third, len(lines)):
        if _TRAILING_MARKER.match(keys[i]):
            j = i
            # page-title lines and view counters right above the marker
            while j - 1 > third and (re.match(r"^[\d.,]+$", keys[j - 1]) or
                                     re.match(r"^(quyet dinh|nghi dinh|nghi quyet|thong tu|ke hoach|chi thi|luat|cong van)\s+\S*\d", keys[j - 1])
                                     or keys[j - 1] in ("", "|")):
                j -= 1
            for k in range(j, len(lines)):
                drop[k] = True
            break

    # Related-document boxes and one-line furniture anywhere.
    i = 0
    while i < len(lines):
        if drop[i]:
            i += 1
            continue
        if _BOX_MARKER.match(keys[i]):
            j = i
            while j < len(lines) and keys[j] != "" and j - i < 30:
                drop[j] = True
                j += 1
            i = j
            continue
        if _CHROME_LINE.match(keys[i]) and len(keys[i]) < 160:
            drop[i] = True
        i += 1

    if not any(drop):
        return mt
    edits = []
    for i, d in enumerate(drop):
        if d:
            end = starts[i] + len(lines[i]) + (1 if i + 1 < len(lines) else 0)
            edits.append((starts[i], end, ""))
    # merge adjacent edits
    merged: list[tuple[int, int, str]] = []
    for s, e, r in edits:
        if merged and merged[-1][1] == s:
            merged[-1] = (merged[-1][0], e, "")
        else:
            merged.append((s, e, r))
    return mt.apply(merged)


def clean(mt: MappedText) -> MappedText:
    mt = mt.nfc()
    mt = strip_markup(mt)
    mt = remove_chrome(mt)
    return mt

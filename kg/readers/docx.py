"""Word .docx → text lines; a table row becomes one line of tab-separated cells.

Read straight from the package XML (zipfile + ElementTree) rather than through
python-docx: we need the grid of each table (``gridBefore``, ``gridSpan``,
``vMerge``), the font of every run (legacy TCVN3/VNI fonts) and speed; the
XML walk does all three in one pass and needs no extra dependency.

* paragraphs in document order (text boxes once, not their VML fallback);
* ``gridSpan``: the text sits in the first column, the spanned columns are
  empty cells, as the HTML reader writes ``colspan``;
* ``vMerge``: a continued cell repeats the text of the cell where the merge
  restarted, as the HTML reader writes ``rowspan``;
* a line break inside a cell is U+2028 (not a row break);
* runs in ``.VnTime``/``.VnTimeH``/``VNI-Times`` fonts are converted to Unicode;
* footnotes and endnotes follow the body.
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional

from ..model import InputError
from ..textmap import MappedText
from .legacy import convert_run, fix_legacy, font_encoding

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
CELL_BREAK = "\u2028"
_MAX_PART = 256 * 1024 * 1024        # uncompressed size of one XML part (zip bombs)
_SPACE_RE = re.compile(r"[ \t\u00a0]+")


_ATTR_RE = re.compile(rb'w:styleId="([^"]*)"')
_BASED_RE = re.compile(rb'<w:basedOn\b[^>]*w:val="([^"]*)"')
_FONT_RE = re.compile(rb'<w:rFonts\b[^>]*?w:(?:ascii|hAnsi)="([^"]*)"')
_DEFAULTS_RE = re.compile(rb"<w:rPrDefault\b.*?</w:rPrDefault>", re.S)


class _Styles:
    """Fonts from styles.xml: style id → (basedOn, ascii font); the default font.

    Scanned with regular expressions: a Word template's styles.xml is large
    (latent styles) and only three attributes matter here."""

    def __init__(self, xml: Optional[bytes]):
        self.fonts: dict[str, Optional[str]] = {}
        self.based: dict[str, Optional[str]] = {}
        self.default: Optional[str] = None
        if not xml:
            return
        d = _DEFAULTS_RE.search(xml)
        if d:
            f = _FONT_RE.search(d.group(0))
            self.default = f.group(1).decode("utf-8", "replace") if f else None
        cut = xml.find(b"</w:latentStyles>")       # skip the (long) latent style list
        pos = cut if cut >= 0 else 0
        # bytes.find between styles (memchr speed; a regex tried at every offset of a
        # 350 KB styles.xml took 15 ms, most of a document's reading time)
        while True:
            pos = xml.find(b"<w:style ", pos)
            if pos < 0:
                break
            gt = xml.find(b">", pos)
            if gt < 0:
                break
            if xml[gt - 1:gt] == b"/":              # <w:style …/>: nothing inside
                pos = gt + 1
                continue
            end = xml.find(b"</w:style>", gt)
            if end < 0:
                break
            head, body = xml[pos:gt], xml[gt + 1:end]
            pos = end + 10
            sid = _ATTR_RE.search(head)
            if not sid:
                continue
            key = sid.group(1).decode("utf-8", "replace")
            f = _FONT_RE.search(body)
            bsd = _BASED_RE.search(body)
            self.fonts[key] = f.group(1).decode("utf-8", "replace") if f else None
            self.based[key] = bsd.group(1).decode("utf-8", "replace") if bsd else None

    def font(self, sid: Optional[str]) -> Optional[str]:
        seen = set()
        while sid and sid not in seen:
            seen.add(sid)
            if self.fonts.get(sid):
                return self.fonts[sid]
            sid = self.based.get(sid)
        return None


class _Walker:
    def __init__(self, styles: _Styles):
        self.styles = styles
        self.legacy_runs = 0

    # --------------------------------------------------------- paragraphs ---
    def para(self, p: ET.Element, in_cell: bool) -> str:
        ppr = p.find(f"{W}pPr")
        pstyle = None
        if ppr is not None:
            ps = ppr.find(f"{W}pStyle")
            pstyle = ps.get(f"{W}val") if ps is not None else None
        pfont = self.styles.font(pstyle) or self.styles.font("Normal") or self.styles.default
        out: list[str] = []
        self._inline(p, pfont, in_cell, out)
        return "".join(out)

    def _inline(self, el: ET.Element, pfont: Optional[str], in_cell: bool, out: list[str]):
        for ch in el:
            tag = ch.tag
            if tag == f"{W}r":
                self._run(ch, pfont, in_cell, out)
            elif tag in (f"{W}hyperlink", f"{W}ins", f"{W}smartTag", f"{W}fldSimple", f"{W}sdt",
                         f"{W}sdtContent", f"{W}customXml", f"{W}moveTo"):
                self._inline(ch, pfont, in_cell, out)
            elif tag == f"{MC}AlternateContent":
                choice = ch.find(f"{MC}Choice")
                if choice is not None:
                    self._inline(choice, pfont, in_cell, out)

    def _run(self, r: ET.Element, pfont: Optional[str], in_cell: bool, out: list[str]):
        rpr = r.find(f"{W}rPr")
        font = None
        if rpr is not None:
            rf = rpr.find(f"{W}rFonts")
            if rf is not None:
                font = rf.get(f"{W}ascii") or rf.get(f"{W}hAnsi")
            if font is None:
                rs = rpr.find(f"{W}rStyle")
                if rs is not None:
                    font = self.styles.font(rs.get(f"{W}val"))
        enc = font_encoding(font or pfont)
        buf: list[str] = []
        for ch in r:
            tag = ch.tag
            if tag == f"{W}t":
                buf.append(ch.text or "")
            elif tag == f"{W}tab":
                buf.append(" ")
            elif tag in (f"{W}br", f"{W}cr"):
                buf.append(CELL_BREAK if in_cell else "\n")
            elif tag == f"{W}noBreakHyphen":
                buf.append("-")
            elif tag == f"{W}sym":
                c = ch.get(f"{W}char")
                if c and re.fullmatch(r"[0-9A-Fa-f]{2,4}", c) and int(c, 16) < 0xF000:
                    buf.append(chr(int(c, 16)))
            elif tag == f"{MC}AlternateContent":
                # a text box: the Choice (DrawingML) only; the Fallback is a VML copy
                choice = ch.find(f"{MC}Choice")
                if choice is not None:
                    for box in choice.iter(f"{W}txbxContent"):
                        buf.append("\n" + self.block(box, in_cell) + "\n")
            elif tag in (f"{W}drawing", f"{W}pict"):
                for box in ch.iter(f"{W}txbxContent"):
                    buf.append("\n" + self.block(box, in_cell) + "\n")
        text = "".join(buf)
        if enc:
            self.legacy_runs += 1
            text = convert_run(text, enc)
        out.append(text)

    # ------------------------------------------------------------- blocks ---
    def block(self, el: ET.Element, in_cell: bool = False) -> str:
        lines: list[str] = []
        for ch in el:
            if ch.tag == f"{W}p":
                lines.append(self.para(ch, in_cell))
            elif ch.tag == f"{W}tbl":
                if in_cell:   # a nested table: its cells become lines of the outer cell
                    lines.extend(r.replace("\t", " ") for r in self.table(ch))
                else:
                    lines.append("")
                    lines.extend(self.table(ch))
                    lines.append("")
            elif ch.tag in (f"{W}sdt", f"{W}customXml"):
                content = ch.find(f"{W}sdtContent")
                lines.append(self.block(content if content is not None else ch, in_cell))
        return (CELL_BREAK if in_cell else "\n").join(lines)

    def table(self, tbl: ET.Element) -> list[str]:
        rows: list[str] = []
        above: dict[int, str] = {}          # grid column → text of the cell that started a vMerge
        for tr in _rows(tbl):
            cells: list[str] = []
            col = 0
            trpr = tr.find(f"{W}trPr")
            if trpr is not None:
                gb = trpr.find(f"{W}gridBefore")
                if gb is not None and (gb.get(f"{W}val") or "").isdigit():
                    n = min(int(gb.get(f"{W}val")), 50)
                    cells.extend([""] * n)
                    col += n
            for tc in tr:
                if tc.tag == f"{W}sdt":
                    content = tc.find(f"{W}sdtContent")
                    tcs = list(content) if content is not None else []
                else:
                    tcs = [tc]
                for c in tcs:
                    if c.tag != f"{W}tc":
                        continue
                    tcpr = c.find(f"{W}tcPr")
                    span, vmerge = 1, None
                    if tcpr is not None:
                        gs = tcpr.find(f"{W}gridSpan")
                        if gs is not None and (gs.get(f"{W}val") or "").isdigit():
                            span = max(1, min(int(gs.get(f"{W}val")), 50))
                        vm = tcpr.find(f"{W}vMerge")
                        if vm is not None:
                            vmerge = vm.get(f"{W}val") or "continue"
                    text = _clean_cell(self.block(c, in_cell=True))
                    if vmerge == "continue":
                        text = above.get(col, "")
                    elif vmerge == "restart":
                        above[col] = text
                    else:
                        above.pop(col, None)
                    cells.append(text)
                    cells.extend([""] * (span - 1))
                    col += span
            rows.append("\t".join(cells))
        return rows


def _rows(el: ET.Element):
    """The rows of a table (not of tables nested in its cells)."""
    for ch in el:
        if ch.tag == f"{W}tr":
            yield ch
        elif ch.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            yield from _rows(ch)


def _clean_cell(text: str) -> str:
    text = text.replace("\t", " ").replace("\n", CELL_BREAK)
    parts = [_SPACE_RE.sub(" ", p).strip() for p in text.split(CELL_BREAK)]
    return CELL_BREAK.join(p for p in parts if p)


def _part(z: zipfile.ZipFile, name: str, label: str) -> Optional[bytes]:
    try:
        info = z.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART:
        raise InputError(label, f"DOCX part {name} is too large ({info.file_size} bytes uncompressed)")
    return z.read(info)


def docx_text(path: Path, label: str) -> tuple[str, int]:
    """(text, number of runs converted from a legacy font)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise InputError(label, f"cannot read: {exc.strerror or exc}") from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(label, "password-protected DOCX or an old Word .doc file with a .docx name")
    try:
        with zipfile.ZipFile(path) as z:
            doc = _part(z, "word/document.xml", label)
            if doc is None:
                raise InputError(label, "not a Word document (no word/document.xml in the package)")
            styles = _Styles(_part(z, "word/styles.xml", label))
            walker = _Walker(styles)
            root = ET.fromstring(doc)
            body = root.find(f"{W}body")
            text = walker.block(body) if body is not None else ""
            notes = []
            for name, tag in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
                xml = _part(z, name, label)
                if xml:
                    for fn in ET.fromstring(xml).iter(f"{W}{tag}"):
                        if (fn.get(f"{W}type") or "normal") == "normal":
                            t = walker.block(fn).strip()
                            if t:
                                notes.append(t)
    except InputError:
        raise
    except zipfile.BadZipFile as exc:
        raise InputError(label, f"corrupt DOCX (not a valid zip package: {exc})") from None
    except ET.ParseError as exc:
        raise InputError(label, f"corrupt DOCX (broken XML: {exc})") from None
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise InputError(label, f"corrupt DOCX: {exc}") from None
    if notes:
        text += "\n\n" + "\n".join(notes)
    text = unicodedata.normalize("NFC", text)
    if not walker.legacy_runs:
        # legacy text typed in a Unicode-looking font name (rare): detect by content
        text, enc = fix_legacy(text)
        if enc:
            walker.legacy_runs = -1
    text = re.sub(r"[ \u00a0]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text, walker.legacy_runs


def read_docx(path: Path, label: str) -> MappedText:
    text, _ = docx_text(path, label)
    return MappedText.identity(text)

"""Stage 1 — read: bytes on disk → decoded text, per format.

Readers are registered by extension, one function each.  Text readers
(``READERS``: .txt, .md, .html) take the decoded text; binary readers
(``BINARY_READERS``: .pdf, images, .docx, .doc) take the path.  A reader
returns a ``MappedText`` whose ``original`` is the decoded file text (for
binary formats: the text the reader produced, which spans point into) and
whose ``text`` is plain text with table rows as tab-separated lines where the
format has real tables (HTML, PDF, scans, Word).  Paged sources (PDF, images)
also give the start offset of each page in ``original``.

The format modules live in ``kg.readers``; each is imported when a file of
its kind is first read (their libraries are large and optional for a corpus
of text files).  Legacy Vietnamese encodings (TCVN3, VNI) are decoded here,
for text files, and in the Word reader, for runs in legacy fonts.
"""
from __future__ import annotations

import codecs
import html
import importlib
import re
from array import array
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Optional

from charset_normalizer import from_bytes

from .model import InputError
from .readers.legacy import fix_legacy
from .textmap import MappedText

Reader = Callable[[str, str], MappedText]
BinaryReader = Callable[[Path, str], MappedText]
READERS: dict[str, Reader] = {}
# extension → "module:function" under kg.readers, resolved on first use
BINARY_READERS: dict[str, str] = {
    ".pdf": "pdf:read_pdf",
    ".png": "ocr:read_image", ".jpg": "ocr:read_image", ".jpeg": "ocr:read_image",
    ".tif": "ocr:read_image", ".tiff": "ocr:read_image",
    ".docx": "docx:read_docx",
    ".doc": "doc:read_doc",
}


def reader(*exts: str):
    def deco(fn: Reader) -> Reader:
        for e in exts:
            READERS[e] = fn
        return fn
    return deco


def supported(path: Path) -> bool:
    ext = path.suffix.lower()
    return ext in READERS or ext in BINARY_READERS


def binary_reader(ext: str, label: str) -> BinaryReader:
    module, _, fn = BINARY_READERS[ext].partition(":")
    try:
        mod = importlib.import_module(f"kg.readers.{module}")
    except ImportError as exc:
        raise InputError(label, f"cannot read '{ext}' files: missing Python package "
                                f"'{exc.name}' (pip install -e . installs it)") from None
    return getattr(mod, fn)


def decode_bytes(data: bytes, label: str) -> str:
    """Detect the encoding; reject binary files with a clear message."""
    if not data:
        raise InputError(label, "empty file")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace")
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:
        # BOM-less UTF-16 (ASCII-range text has every other byte zero)
        even_zero = head[0::2].count(0) > len(head) // 4
        enc = "utf-16-be" if even_zero else "utf-16-le"
        try:
            text = data.decode(enc)
            if _mostly_text(text):
                return text
        except UnicodeDecodeError:
            pass
        raise InputError(label, "binary file (not a text document)")
    if b"\x00" in head:
        raise InputError(label, "binary file (not a text document)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # 8-bit legacy Vietnamese (TCVN3/ABC, VNI) reads as Windows-1252 letters
        try:
            latin = data.decode("cp1252")
        except UnicodeDecodeError:
            latin = data.decode("latin-1")
        fixed, enc = fix_legacy(latin)
        if enc:
            return fixed
        best = from_bytes(data).best()
        if best is None:
            raise InputError(label, "binary file or unknown text encoding")
        text = str(best)
    else:
        text, _ = fix_legacy(text)     # legacy text saved as UTF-8 mojibake
    if not _mostly_text(text):
        raise InputError(label, "binary file (not a text document)")
    return text


# control characters other than whitespace, and the replacement character
_BAD_CHARS_RE = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")


def _mostly_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return True
    bad = len(_BAD_CHARS_RE.findall(sample))
    return bad / len(sample) < 0.02


def read_file(path: Path, label: str | None = None) -> MappedText:
    label = label or str(path)
    if not path.exists():
        raise InputError(label, "no such file")
    if path.is_dir():
        raise InputError(label, "is a directory, not a document")
    ext = path.suffix.lower()
    if ext in BINARY_READERS:
        return _read_binary(path, label, ext)
    fn = READERS.get(ext)
    if fn is None:
        raise InputError(label, f"unsupported file type '{ext or '(none)'}' "
                                f"(supported: {', '.join(sorted(set(READERS) | set(BINARY_READERS)))})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(label, f"cannot read: {exc.strerror or exc}") from None
    text = decode_bytes(data, label)
    if not text.strip():
        raise InputError(label, "empty file (only whitespace)")
    mt = fn(text, label)
    if not mt.text.strip():
        raise InputError(label, "no text left after removing markup")
    return mt


def _read_binary(path: Path, label: str, ext: str) -> MappedText:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(label, f"cannot read: {exc.strerror or exc}") from None
    if size == 0:
        raise InputError(label, "empty file")
    mt = binary_reader(ext, label)(path, label)
    if not mt.text.strip():
        raise InputError(label, "no text found (blank pages, or images too faint to read)")
    return mt


@reader(".txt", ".text", ".md", ".markdown")
def read_plain(text: str, label: str) -> MappedText:
    # \r\n and lone \r become \n; the offset map keeps source positions.
    mt = MappedText.identity(text)
    if "\r" in text:
        mt = mt.sub(re.compile(r"\r\n?"), "\n")
    if "\f" in text:
        mt = mt.sub(re.compile(r"\f"), "\n")
    return mt


# ---------------------------------------------------------------- HTML ----
_SKIP = {"script", "style", "nav", "footer", "header", "aside", "noscript", "form",
         "button", "select", "svg", "iframe", "template", "head"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
          "table", "section", "article", "blockquote", "pre", "hr", "dd", "dt", "dl",
          "caption", "thead", "tbody", "tfoot", "center", "main", "body", "html"}


# Text repeated for rowspan may add at most this many times the input length.
SPAN_REPEAT_FACTOR = 4

# A line break inside a table cell (<br>, <p>): not a row break.  U+2028 is
# whitespace for text but separates agencies in a list cell.
_CELL_BREAK = "\u2028"


class _HTMLToText(HTMLParser):
    """HTML → text lines; a <tr> becomes one line of tab-separated cells."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0]
        for i, c in enumerate(source):
            if c == "\n":
                self.line_starts.append(i + 1)
        self.parts: list[str] = []
        self.offs: list[int] = []
        self.skip_depth = 0
        self.sup_depth = 0
        self.sup_buf: list[tuple[str, int]] = []
        self.cell_depth = 0
        self.cells_in_row = 0
        self.in_row = False
        self.nchars = 0
        self.col = 0
        # rowspan: column → [rows left, text, offsets, colspan]; the merged cell's
        # text is repeated in the rows it spans so every row has all its cells
        self.spans: dict[int, list] = {}
        self._cell = None            # (column, part index, char index, rowspan, colspan)
        # Repeating merged cells could grow the text quadratically (a hostile
        # file of 78 KB took 1.6 GB): repeated text is bounded by the input size.
        self.repeat_budget = SPAN_REPEAT_FACTOR * len(source) + 10_000

    def _fill_spans(self, upto: Optional[int] = None):
        while self.col in self.spans and (upto is None or self.col < upto):
            left, text, offs, colspan = self.spans[self.col]
            cost = len(text) + min(colspan, 21)
            if cost > self.repeat_budget:
                self.spans.clear()           # budget spent: merged cells are not repeated further
                return
            self.repeat_budget -= cost
            if self.cells_in_row:
                self._emit("\t", offs[0] if offs else 0)
            self.parts.append(text)
            self.offs.extend(offs)
            self.nchars += len(text)
            self.cells_in_row += 1
            if colspan > 1:
                self._emit("\t" * min(colspan - 1, 20), offs[0] if offs else 0)
            if left <= 1:
                del self.spans[self.col]
            else:
                self.spans[self.col][0] = left - 1
            self.col += colspan

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _emit(self, s: str, pos: int, exact: bool = False):
        if not s:
            return
        self.parts.append(s)
        self.nchars += len(s)
        if exact:
            self.offs.extend(range(pos, pos + len(s)))
        else:
            self.offs.extend([pos] * len(s))

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        pos = self._pos()
        if tag == "sup":
            self.sup_depth += 1
            self.sup_buf = []
        elif tag == "tr":
            self._emit("\n", pos)
            self.cells_in_row = 0
            self.col = 0
            self.in_row = True
        elif tag in ("td", "th"):
            self._fill_spans()
            if self.cells_in_row:
                self._emit("\t", pos)
            a = dict(attrs)
            colspan = int(a["colspan"]) if (a.get("colspan") or "").isdigit() else 1
            rowspan = int(a["rowspan"]) if (a.get("rowspan") or "").isdigit() else 1
            self.cells_in_row += 1
            self.cell_depth += 1
            self._colspan = max(1, min(colspan, 20))
            self._cell = (self.col, len(self.parts), self.nchars, max(1, min(rowspan, 200)), self._colspan)
            self.col += self._colspan
        elif tag in _BLOCK:
            self._emit(_CELL_BREAK if self.cell_depth else "\n", pos)

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr") and not self.skip_depth:
            self._emit(_CELL_BREAK if self.cell_depth else "\n", self._pos())

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        pos = self._pos()
        if tag == "sup":
            self.sup_depth = max(0, self.sup_depth - 1)
            text = "".join(s for s, _ in self.sup_buf).strip()
            # numeric <sup> is a footnote marker: drop it so "2024<sup>1</sup>" stays "2024"
            if text and not re.fullmatch(r"[\d*,\s]+", text):
                for s, p in self.sup_buf:
                    self._emit(s, p, exact=True)
            self.sup_buf = []
        elif tag in ("td", "th"):
            self.cell_depth = max(0, self.cell_depth - 1)
            if self._cell is not None:
                col, pidx, cidx, rowspan, colspan = self._cell
                if rowspan > 1:
                    self.spans[col] = [rowspan - 1, "".join(self.parts[pidx:]), self.offs[cidx:self.nchars], colspan]
                self._cell = None
            # a spanning cell keeps the row's column count: one tab per spanned column
            if getattr(self, "_colspan", 1) > 1:
                self._emit("\t" * min(self._colspan - 1, 20), pos)
                self._colspan = 1
        elif tag == "tr":
            self._fill_spans(upto=max(self.spans) + 1 if self.spans else 0)
            self._emit("\n", pos)
            self.in_row = False
        elif tag in _BLOCK:
            self._emit(_CELL_BREAK if self.cell_depth else "\n", pos)

    def _data(self, s: str, pos: int, exact: bool):
        if self.skip_depth:
            return
        if self.in_row and not self.cell_depth:
            return                   # whitespace between cells of a row is not text
        if self.cell_depth:
            s = re.sub(r"[\t\n\r]+", " ", s)
        if self.sup_depth:
            self.sup_buf.append((s, pos))
            return
        self._emit(s, pos, exact)

    def handle_data(self, data):
        self._data(data, self._pos(), exact=True)

    def handle_entityref(self, name):
        self._data(html.unescape(f"&{name};"), self._pos(), exact=False)

    def handle_charref(self, name):
        self._data(html.unescape(f"&#{name};"), self._pos(), exact=False)


@reader(".html", ".htm", ".xhtml")
def read_html(text: str, label: str) -> MappedText:
    parser = _HTMLToText(text)
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; this is a genuinely broken file
        raise InputError(label, f"cannot parse HTML: {exc}") from None
    out = "".join(parser.parts)
    offs = array("l", parser.offs)
    offs.append(len(text))
    mt = MappedText(out, offs, text)
    # collapse runs of blank lines and trailing spaces produced by block tags
    mt = mt.sub(re.compile(r"[ \u00a0]+\n"), "\n")
    mt = mt.sub(re.compile(r"\n{3,}"), "\n\n")
    return mt

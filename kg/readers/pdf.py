"""PDF → text lines with page boundaries; ruled tables → tab-separated rows.

Library: pypdfium2 (PDFium, BSD/Apache).  Measured on a 25-page LibreOffice
export of a plan with a ruled task table (tests/fixtures/readers/plan.pdf,
2 shared cores): pypdfium2 text + segment boxes + path objects 157 pages/s;
pdfplumber text only 12.5 pages/s, text + ``find_tables`` 10.9 pages/s — under
the 20 pages/s target, so tables are found here from the page's ruling paths:

* horizontal and vertical rules (thin path objects, edges of stroked
  rectangles) that touch each other form a table; their x and y positions are
  the grid; a missing rule between two grid cells merges them (colspan /
  rowspan: the merged text is repeated in every row it spans, like HTML);
* a table continuing on the next page (same columns, first thing under the
  running header) loses its repeated header row; a row split by the page
  break is joined to its first part; a cell merged down across the break
  keeps its value;
* text outside tables is read as lines (top to bottom, left to right);
  lines repeated at the top or bottom of most pages (running headers and
  footers) and page numbers are dropped.

Pages without a text layer are rendered at 300 dpi and read by OCR
(``kg.readers.ocr``).
"""
from __future__ import annotations

import ctypes
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..model import InputError
from ..textmap import MappedText
from . import ocr
from .grid import grid_cells
from .layout import Page, Table, assemble, join_cell_lines

MAX_PAGES = int(os.environ.get("LEGALKG_PDF_MAX_PAGES", "1000"))
MAX_OCR_PAGES = int(os.environ.get("LEGALKG_OCR_MAX_PAGES", "40"))
TIME_BUDGET_S = float(os.environ.get("LEGALKG_PDF_TIME_BUDGET", "240"))
_MIN_TEXT_CHARS = 16          # fewer visible characters: the page is an image (scan)
_RULE = 2.0                   # a path thinner than this (pt) is a rule
_TOL = 2.5                    # rules this close are one grid line


@dataclass
class _Seg:
    l: float
    b: float
    r: float
    t: float
    text: str


def _open(path: Path, label: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise InputError(label, "password-protected (encrypted) PDF: cannot read it") from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise InputError(label, "PDF uses an unsupported security handler") from None
        if _empty_page_tree(path):
            # PDFium refuses a document without pages (its error code is stale then)
            raise InputError(label, "PDF has no pages (empty page tree)") from None
        raise InputError(label, "corrupt or truncated PDF (cannot be opened)") from None
    except OSError as exc:
        raise InputError(label, f"cannot read: {exc.strerror or exc}") from None


def _empty_page_tree(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            data = f.read(4 << 20)
    except OSError:
        return False
    return (re.search(rb"/Type\s*/Pages\b", data) is not None and re.search(rb"/Count\s+0\b", data) is not None
            and re.search(rb"/Count\s+[1-9]", data) is None)


def _rules(page: pdfium.PdfPage) -> tuple[list, list]:
    """Horizontal (y, x0, x1) and vertical (x, y0, y1) rules, PDF coordinates."""
    hs, vs = [], []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        try:
            l, b, r, t = obj.get_bounds()
        except pdfium.PdfiumError:
            continue
        w, h = r - l, t - b
        if h <= _RULE and w > 4:
            hs.append(((b + t) / 2, l, r))
        elif w <= _RULE and h > 4:
            vs.append(((l + r) / 2, b, t))
        elif w > 4 and h > 4:
            pdfium_c.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke))
            if stroke.value and pdfium_c.FPDFPath_CountSegments(obj.raw) <= 6:
                hs += [(b, l, r), (t, l, r)]
                vs += [(l, b, t), (r, b, t)]
    return hs, vs


def _tables(page: pdfium.PdfPage, tp, height: float) -> list[Table]:
    hs, vs = _rules(page)
    tables = []
    for g in grid_cells(hs, vs, tol=_TOL):
        texts = {}
        for i, j, rs, cs in g.cells:
            l, b, r, t = g.bounds(i, j, rs, cs)
            texts[(i, j)] = _cell_text(tp, l, b, r, t)
        tables.append(Table(top=height - g.ys[0], bottom=height - g.ys[-1], left=g.xs[0], right=g.xs[-1],
                            xs=tuple(g.xs), rows=g.fill(texts), rowspans=g.rowspans))
    tables.sort(key=lambda t: t.top)
    return tables


def _cell_text(tp, l: float, b: float, r: float, t: float) -> str:
    raw = tp.get_text_bounded(left=l + 0.5, bottom=b + 0.5, right=r - 0.5, top=t - 0.5)
    return join_cell_lines(raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _segments(tp, tables: list[Table], height: float) -> list[_Seg]:
    segs = []
    for i in range(tp.count_rects()):
        l, b, r, t = tp.get_rect(i)
        cy, cx = height - (b + t) / 2, (l + r) / 2
        if any(tb.top - 1 <= cy <= tb.bottom + 1 and tb.left - 1 <= cx <= tb.right + 1 for tb in tables):
            continue
        text = tp.get_text_bounded(left=l - 0.1, bottom=b - 0.1, right=r + 0.1, top=t + 0.1)
        text = text.replace("\r", "").replace("\n", " ")
        if text.strip():
            segs.append(_Seg(l, height - t, r, height - b, text))    # top-down y
    return segs


def _lines(segs: list[_Seg]) -> list[tuple[float, float, str]]:
    """Segments → (top, bottom, text) lines in reading order."""
    segs = sorted(segs, key=lambda s: (s.b, s.l))
    lines: list[list[_Seg]] = []
    for s in sorted(segs, key=lambda s: ((s.b + s.t) / 2, s.l)):
        mid = (s.b + s.t) / 2
        if lines:
            cur = lines[-1]
            top = min(x.b for x in cur)
            bot = max(x.t for x in cur)
            if top - 0.5 <= mid <= bot + 0.5:
                cur.append(s)
                continue
        lines.append([s])
    out = []
    for ln in lines:
        ln.sort(key=lambda s: s.l)
        text = ln[0].text
        size = max(1.0, max(s.t - s.b for s in ln))
        for a, b in zip(ln, ln[1:]):
            gap = b.l - a.r
            sep = "\t" if gap > 2.5 * size else ("" if gap < 0.15 * size or text.endswith(" ") else " ")
            text += sep + b.text
        out.append((min(s.b for s in ln), max(s.t for s in ln), re.sub(r"[ \t]+$", "", text)))
    return out


def _read_page(page: pdfium.PdfPage) -> Optional[Page]:
    """The page's lines and tables, or None when it has no text layer."""
    tp = page.get_textpage()
    height = page.get_height()
    visible = tp.get_text_range()
    if len(re.sub(r"\s", "", visible)) < _MIN_TEXT_CHARS:
        return None
    tables = _tables(page, tp, height)
    lines = _lines(_segments(tp, tables, height))
    return Page(height=height, lines=lines, tables=tables)


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3))


@dataclass
class PdfResult:
    text: str
    pages: tuple[int, ...]
    warnings: list[str] = field(default_factory=list)


def read_pdf_pages(path: Path, label: str) -> PdfResult:
    doc = _open(path, label)
    try:
        total = len(doc)
        if total == 0:
            raise InputError(label, "PDF has no pages")
        warnings: list[str] = []
        t0 = time.monotonic()
        pages: list[Page] = []
        ocr_done = 0
        limit = min(total, MAX_PAGES)
        for i in range(limit):
            if time.monotonic() - t0 > TIME_BUDGET_S:
                warnings.append(f"{label}: stopped after {i} of {total} pages (time budget "
                                f"{TIME_BUDGET_S:.0f} s); the rest is not read")
                break
            page = doc[i]
            try:
                try:
                    pg = _read_page(page)
                except pdfium.PdfiumError as exc:
                    warnings.append(f"{label}: page {i + 1} unreadable ({exc}); skipped")
                    pg = Page(height=page.get_height(), lines=[], tables=[])
                if pg is None:
                    if not _has_image(page):
                        pg = Page(height=page.get_height(), lines=[], tables=[])      # blank page
                    elif ocr_done >= MAX_OCR_PAGES:
                        if ocr_done == MAX_OCR_PAGES:
                            warnings.append(f"{label}: OCR limited to {MAX_OCR_PAGES} pages; "
                                            f"later image-only pages are not read")
                            ocr_done += 1
                        pg = Page(height=page.get_height(), lines=[], tables=[])
                    else:
                        ocr.require(label)
                        img = page.render(scale=ocr.DPI / 72, grayscale=False).to_pil()
                        pg = ocr.ocr_page(img, label)
                        ocr_done += 1
            finally:
                page.close()
            pages.append(pg)
        if total > limit:
            warnings.append(f"{label}: {total} pages; read the first {limit} "
                            f"(LEGALKG_PDF_MAX_PAGES); the rest is not read")
    finally:
        doc.close()
    text, starts = assemble(pages)
    return PdfResult(text, starts, warnings)


def read_pdf(path: Path, label: str) -> MappedText:
    r = read_pdf_pages(path, label)
    mt = MappedText.identity(r.text)
    return MappedText(mt.text, mt.offsets, mt.original, r.pages, tuple(r.warnings))

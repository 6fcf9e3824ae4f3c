"""OCR of scanned pages and images with Tesseract (Vietnamese model).

One Tesseract run per page (the ``tesseract`` command, TSV output with word
boxes), after:

* ink removal: strongly red pixels (stamps) and blue ones (signatures) become
  white; black text printed over a stamp stays;
* deskew: the angle (±5°) whose horizontal projection profile is sharpest,
  found on a reduced image, is undone;
* ruled tables: long horizontal and vertical strokes (morphological opening
  with line-shaped kernels) give the grid; the rules are erased before OCR so
  letters touching them read better; each word goes to the cell holding its
  centre, a missing rule between grid cells merges them (as in the PDF
  reader).

Needs Debian packages ``tesseract-ocr`` and ``tesseract-ocr-vie``; without
them a one-line ``InputError`` names them.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
from PIL import Image, ImageSequence

from ..model import InputError
from ..textmap import MappedText
from .grid import grid_cells
from .layout import Page, Table, assemble, join_cell_lines
from .ocrfix import fix_line

DPI = 300
LANG = os.environ.get("LEGALKG_OCR_LANG", "vie")
PSM = os.environ.get("LEGALKG_OCR_PSM", "4")
TIMEOUT_S = float(os.environ.get("LEGALKG_OCR_TIMEOUT", "120"))
PACKAGES = "tesseract-ocr tesseract-ocr-vie"
MAX_IMAGE_PIXELS = 60_000_000
_ARTEFACT_RE = re.compile(r"(?<=\w)_+|_+(?=\w)|^[_|—–~=]{2,}$|^[_|]$")


@lru_cache(maxsize=1)
def _tesseract() -> Optional[str]:
    return shutil.which("tesseract")


@lru_cache(maxsize=4)
def _langs(exe: str) -> frozenset:
    try:
        r = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(l.strip() for l in (r.stdout + r.stderr).splitlines()[1:] if l.strip())


def require(label: str) -> str:
    """The tesseract executable, or an InputError naming the packages to install."""
    exe = _tesseract()
    if not exe:
        raise InputError(label, f"image-only page needs OCR, but Tesseract is not installed "
                                f"(install Debian packages {PACKAGES})")
    if LANG not in _langs(exe):
        raise InputError(label, f"image-only page needs OCR, but Tesseract has no '{LANG}' model "
                                f"(install Debian package tesseract-ocr-{LANG})")
    return exe


# ------------------------------------------------------------ image prep ----
def remove_ink(rgb: np.ndarray) -> np.ndarray:
    """Grey image with red (stamp) and blue (signature) ink turned white.

    Coloured pixels and their anti-aliased fringe go; dark neutral pixels
    (black text printed over a stamp) stay."""
    r, g, b = (rgb[..., k].astype(np.int16) for k in range(3))
    colour = ((r - np.maximum(g, b) > 40) & (r > 100)) | ((b - np.maximum(r, g) > 35) & (b > 70))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if not colour.any():
        return grey
    near = cv2.dilate(colour.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    spread = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    grey[colour | (near & ((grey > 110) | (spread > 25)))] = 255
    return grey


def despeckle(grey: np.ndarray) -> np.ndarray:
    """Dust and scanner noise out: tiny dark specks (a few pixels at 300 dpi)
    with no other ink near them become white. A diacritic or the dot of an
    'i' lies close to its letter and stays."""
    ink = (grey < 160).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return grey
    small = stats[:, cv2.CC_STAT_AREA] <= _SPECK_AREA
    small[0] = False
    small_mask = small[labels]
    big = (ink > 0) & ~small_mask
    near = cv2.dilate(big.astype(np.uint8), np.ones((2 * _SPECK_GAP + 1, 2 * _SPECK_GAP + 1), np.uint8)) > 0
    lonely = small_mask & ~near
    if not lonely.any():
        return grey
    out = grey.copy()
    out[cv2.dilate(lonely.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 255
    return out


_SPECK_AREA = 10        # pixels: a speck at 300 dpi (a tone mark in 12 pt is ~25 or more)
_SPECK_GAP = 10         # pixels of white around it (a tone mark sits closer to its letter)


def skew_angle(grey: np.ndarray) -> float:
    """Angle in degrees (counter-clockwise) that straightens the text lines."""
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    _, bw = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if cv2.countNonZero(bw) < 50:
        return 0.0
    h, w = bw.shape
    centre = (w / 2, h / 2)

    def sharpness(a: float) -> float:
        m = cv2.getRotationMatrix2D(centre, a, 1.0)
        rot = cv2.warpAffine(bw, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        prof = rot.sum(axis=1, dtype=np.float64)
        return float(np.sum(np.diff(prof) ** 2))

    best = max(np.arange(-5.0, 5.01, 0.5), key=sharpness)
    fine = max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness)
    return float(round(fine, 2))


def deskew(grey: np.ndarray) -> np.ndarray:
    a = skew_angle(grey)
    if abs(a) < 0.15:
        return grey
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), a, 1.0)
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def find_rules(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Binary masks of horizontal and vertical rules."""
    bw = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    h, w = bw.shape
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, w // 25), 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(40, h // 40)))
    hor = cv2.dilate(cv2.morphologyEx(bw, cv2.MORPH_OPEN, hk), np.ones((3, 3), np.uint8))
    ver = cv2.dilate(cv2.morphologyEx(bw, cv2.MORPH_OPEN, vk), np.ones((3, 3), np.uint8))
    return hor, ver


def _segments(mask: np.ndarray, horizontal: bool) -> list[tuple[float, float, float]]:
    """Rules as (position, start, end) in pixels (y, x0, x1) or (x, y0, y1)."""
    out = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        if horizontal and w > 3 * h:
            out.append((y + h / 2, float(x), float(x + w)))
        elif not horizontal and h > 3 * w:
            out.append((x + w / 2, float(y), float(y + h)))
    return out


# ------------------------------------------------------------------- OCR ----
def _tesseract_words(grey: np.ndarray, label: str, psm: str = PSM) -> list[dict]:
    exe = require(label)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    with tempfile.TemporaryDirectory(prefix="legalkg-ocr-") as tmp:
        src = Path(tmp) / "page.png"
        cv2.imwrite(str(src), grey)
        try:
            r = subprocess.run([exe, str(src), "stdout", "-l", LANG, "--psm", psm,
                                "-c", "tessedit_do_invert=0", "-c", "preserve_interword_spaces=0", "tsv"],
                               capture_output=True, env=env, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise InputError(label, f"OCR of a page took over {TIMEOUT_S:.0f} s; gave up") from None
        except OSError as exc:
            raise InputError(label, f"cannot run tesseract: {exc}") from None
    if r.returncode != 0:
        msg = r.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(label, f"tesseract failed: {msg[-1] if msg else r.returncode}")
    words = []
    rows = csv.reader(io.StringIO(r.stdout.decode("utf-8", "replace")), delimiter="\t", quoting=csv.QUOTE_NONE)
    next(rows, None)
    for f in rows:
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        try:
            conf = float(f[10])
        except ValueError:
            conf = 0.0
        text = _ARTEFACT_RE.sub("", f[11])     # dotted fill lines read as '_' stuck to a word
        if text == "—" and conf < 60:
            text = ""                           # a stray stroke (rule remnant, signature)
        if text:
            words.append({"block": int(f[2]), "par": int(f[3]), "line": int(f[4]), "x": int(f[6]),
                          "y": int(f[7]), "w": int(f[8]), "h": int(f[9]), "conf": conf, "text": text})
    return words


def _line_groups(words: list[dict]) -> list[tuple[float, float, str, float]]:
    """Tesseract lines as (top, bottom, text, median word height), top to bottom."""
    groups: dict[tuple, list[dict]] = {}
    for w in words:
        groups.setdefault((w["block"], w["par"], w["line"]), []).append(w)
    out = []
    for ws in groups.values():
        ws.sort(key=lambda w: w["x"])
        line_h = sorted(w["h"] for w in ws)[len(ws) // 2]
        ws = [w for k, w in enumerate(ws) if not _stray_mark(ws, k, line_h)] or ws
        text = ws[0]["text"]
        for a, b in zip(ws, ws[1:]):
            gap = b["x"] - (a["x"] + a["w"])
            text += ("\t" if gap > 3 * max(a["h"], b["h"]) else " ") + b["text"]
        hs = sorted(w["h"] for w in ws)
        out.append((min(w["y"] for w in ws), max(w["y"] + w["h"] for w in ws), fix_line(text),
                    float(hs[len(hs) // 2])))
    out.sort(key=lambda l: l[0])
    return out


def _stray_mark(ws: list[dict], k: int, line_h: int) -> bool:
    """A piece of a rule read as a word: far flatter than the line's words and
    unsure ('có' 3 px high: the dashes under a header), a bullet opening the line
    aside; or a one- or two-character mark without a letter or digit standing
    apart from the words on both sides."""
    w = ws[k]
    flat = w["h"] < 0.25 * line_h and w["conf"] < 50
    if flat and (k > 0 or any(ch.isalnum() for ch in w["text"])):
        return True
    if len(w["text"]) > 2 or any(ch.isalnum() for ch in w["text"]):
        return False
    room = 2 * max(w["h"], 12)
    left = w["x"] - (ws[k - 1]["x"] + ws[k - 1]["w"]) if k > 0 else 10 ** 6
    right = ws[k + 1]["x"] - (w["x"] + w["w"]) if k + 1 < len(ws) else 10 ** 6
    return left > room and right > room


def _lines_of(words: list[dict]) -> list[tuple[float, float, str]]:
    return [(t, b, s) for t, b, s, _ in _line_groups(words)]


def _keep_word(w: dict, line_conf: dict) -> bool:
    """Drop low-confidence specks (stamp and signature remnants); keep a
    short low-confidence word on a line read with confidence ('KẾ' of a bold
    heading), when it is made of letters or digits; keep a short unsure
    token holding a digit, glyph-sized (a day or a month)."""
    if w["conf"] >= 10 or len(w["text"]) > 2:
        return True
    if any(ch.isdigit() for ch in w["text"]) and w["text"].isalnum() and w["h"] >= 20:
        return True             # a day or month number read unsure ('1i' for 11): repaired later
    return w["text"].isalnum() and line_conf.get((w["block"], w["par"], w["line"]), 0.0) >= 80


def _split_notes(lines: list[tuple[float, float, str, float]], page_h: float):
    """(body lines, footnote lines): footnotes are the run of lines at the
    foot of the page set in a clearly smaller type than the body (median word
    height), under a gap (a footnote between two paragraphs would split a
    sentence or a task running on to the next page)."""
    plain = [(t, b, s) for t, b, s, _ in lines]
    if len(lines) < 6:
        return plain, []
    heights = sorted(h for *_, h in lines)
    body_h = heights[len(heights) // 2]
    k = len(lines)
    while k > 0 and lines[k - 1][3] < 0.82 * body_h and lines[k - 1][0] > 0.6 * page_h:
        k -= 1
    if k == len(lines) or k == 0 or len(lines) - k > 8:
        return plain, []
    if lines[k][0] - lines[k - 1][1] < 0.8 * body_h:
        return plain, []
    return plain[:k], plain[k:]


def ocr_page(img: Image.Image, label: str) -> Page:
    """One page image → positioned lines and tables (pixel coordinates)."""
    require(label)
    rgb = np.asarray(img.convert("RGB"))
    grey = deskew(despeckle(remove_ink(rgb)))
    hor, ver = find_rules(grey)
    hs, vs = _segments(hor, True), _segments(ver, False)
    page_h = float(grey.shape[0])
    # grid_cells works bottom-up (PDF coordinates): flip y
    tables = grid_cells([(page_h - y, a, b) for y, a, b in hs],
                        [(x, page_h - b, page_h - a) for x, a, b in vs], tol=12.0)
    clean = grey.copy()
    clean[(hor > 0) | (ver > 0)] = 255
    boxes = []
    for g in tables:
        top, bottom = page_h - g.ys[0], page_h - g.ys[-1]
        boxes.append((top, bottom, g.xs[0], g.xs[-1]))
    # the page without its tables, then all table cells in one stacked image
    page_img = clean.copy()
    for top, bottom, left, right in boxes:
        page_img[max(0, int(top)):int(bottom) + 1, max(0, int(left)):int(right) + 1] = 255
    band = _header_columns(page_img)
    head: list[tuple[float, float, str, float]] = []
    if band:
        top, bottom, gx = band
        left = _read_words(page_img[top:bottom, :gx], label, 0, top, 0)
        right = _read_words(page_img[top:bottom, gx:], label, gx, top, 1)
        head = _side_by_side(_line_groups(left), _line_groups(right))
        page_img[top:bottom] = 255
    rest = _read_words(page_img, label, 0, 0, 2)
    cell_words = _cell_words(clean, tables, page_h, label)
    out_tables = []
    for ti, g in enumerate(tables):
        texts = {c: _cell_text(ws) for c, ws in cell_words[ti].items()}
        rows = g.fill(texts)
        top, bottom, left, right = boxes[ti]
        out_tables.append(Table(top=top, bottom=bottom, left=left, right=right,
                                xs=tuple(g.xs), rows=rows, rowspans=g.rowspans))
    body, notes = _split_notes(sorted(head + _line_groups(rest), key=lambda l: l[0]), page_h)
    return Page(height=page_h, lines=body, tables=out_tables, notes=notes)


def _read_words(img: np.ndarray, label: str, dx: int, dy: int, run: int) -> list[dict]:
    """Tesseract words of an image part, specks dropped, in page coordinates
    (blocks numbered apart per run, so lines of two runs never mix)."""
    if img.size == 0 or not (img < 128).any():
        return []
    words = _tesseract_words(img, label)
    line_conf: dict[tuple, list[float]] = {}
    for w in words:
        if len(w["text"]) > 2:
            line_conf.setdefault((w["block"], w["par"], w["line"]), []).append(w["conf"])
    mean_conf = {k: sum(v) / len(v) for k, v in line_conf.items()}
    out = []
    for w in words:
        if _keep_word(w, mean_conf):
            out.append(dict(w, x=w["x"] + dx, y=w["y"] + dy, block=w["block"] + 1000 * run))
    return out


_GUTTER = 20           # pixels of white between the two columns of a header


def _header_columns(img: np.ndarray) -> Optional[tuple[int, int, int]]:
    """(top, bottom, gutter x) of a two-column block at the top of the page (the
    issuer and number on the left, the national motto and the place and date
    on the right), read column by column: read across, lines of the two
    columns with different baselines are mixed into garbage."""
    h, w = img.shape
    ink = img < 128
    rows = np.nonzero(ink.any(axis=1))[0]
    if len(rows) == 0:
        return None
    top = int(rows[0])
    seen = ink[top:top + 150].any(axis=0)
    limit = min(h, top + int(h * 0.4))
    best = None
    for gx in _gutters(~seen, w):
        # grow down while the blank run holding the gutter stays wide enough (a
        # line across the page closes it); the gutter follows that run. Of the
        # blank runs between the first words, the column gap goes deepest.
        cur, bottom = seen, top + 150
        while bottom < limit:
            now = cur | ink[bottom:bottom + 10].any(axis=0)
            run = _run_at(~now, gx)
            if run is None or run[1] - run[0] < _GUTTER:
                break
            cur, gx, bottom = now, (run[0] + run[1]) // 2, bottom + 10
        if best is None or bottom > best[0]:
            best = (bottom, gx)
    if best is None:
        return None
    bottom, gx = best
    if not ink[top:bottom, :gx].any() or not ink[top:bottom, gx:].any():
        return None
    return top, bottom, gx


def _gutters(free: np.ndarray, w: int) -> list[int]:
    """Centres of the runs of blank columns (at least _GUTTER wide) with ink on
    both sides, in the middle of the page."""
    inked = np.nonzero(~free)[0]
    if len(inked) < 2:
        return []
    gaps = np.diff(inked) - 1
    ok = np.nonzero((gaps >= _GUTTER) & (inked[:-1] > 0.2 * w) & (inked[1:] < 0.75 * w))[0]
    return [int(inked[k] + 1 + gaps[k] // 2) for k in ok]


def _run_at(free: np.ndarray, x: int) -> Optional[tuple[int, int]]:
    """The run of blank columns [a, b) holding column x, or None."""
    if not free[x]:
        return None
    a = x
    while a > 0 and free[a - 1]:
        a -= 1
    b = x
    while b < len(free) and free[b]:
        b += 1
    return a, b


def _side_by_side(left: list, right: list) -> list[tuple[float, float, str, float]]:
    """Lines of two columns → page lines: a left and a right line at the same
    height are one line with a tab between them (as the PDF reader writes a
    two-column header)."""
    out = []
    used = set()
    for lt, lb, ls, lh in left:
        match = None
        for k, (rt, rb, rs, rh) in enumerate(right):
            if k not in used and min(lb, rb) - max(lt, rt) > 0.5 * min(lb - lt, rb - rt):
                match = k
                break
        if match is None:
            out.append((lt, lb, ls, lh))
        else:
            used.add(match)
            rt, rb, rs, rh = right[match]
            out.append((min(lt, rt), max(lb, rb), ls + "\t" + rs, max(lh, rh)))
    out += [r for k, r in enumerate(right) if k not in used]
    return sorted(out, key=lambda l: l[0])


_CELL_PAD = 5          # pixels kept off the rules of a cell
_CELL_GAP = 60         # white rows between stacked cells


def _cell_words(clean: np.ndarray, tables: list, page_h: float, label: str) -> list[dict]:
    """Words of every table cell, {cell: [word]} per table.  Cells are cut
    out, stacked one under another with white space between, and read in one
    Tesseract run: reading the page as a whole mixes the lines of
    neighbouring cells and misreads a lone digit in a wide number column."""
    out: list[dict] = [{} for _ in tables]
    crops = []
    for ti, g in enumerate(tables):
        for i, j, rs, cs in g.cells:
            left, bottom, right, top = g.bounds(i, j, rs, cs)
            y0, y1 = int(page_h - top) + _CELL_PAD, int(page_h - bottom) - _CELL_PAD
            x0, x1 = int(left) + _CELL_PAD, int(right) - _CELL_PAD
            if y1 - y0 < 8 or x1 - x0 < 8:
                continue
            crop = clean[max(0, y0):y1, max(0, x0):x1]
            ys, xs = np.nonzero(crop < 128)
            if len(ys) < 15:
                continue
            crop = crop[max(0, ys.min() - 8):ys.max() + 9, max(0, xs.min() - 8):xs.max() + 9]
            crops.append((ti, (i, j), crop))
    if not crops:
        return out
    width = max(c.shape[1] for *_, c in crops) + 2 * _CELL_GAP
    height = sum(c.shape[0] + _CELL_GAP for *_, c in crops) + _CELL_GAP
    stack = np.full((height, width), 255, np.uint8)
    spans = []
    y = _CELL_GAP
    for ti, cell, c in crops:
        stack[y:y + c.shape[0], _CELL_GAP:_CELL_GAP + c.shape[1]] = c
        spans.append((y, y + c.shape[0], ti, cell))
        y += c.shape[0] + _CELL_GAP
    starts = [s for s, *_ in spans]
    for w in _tesseract_words(stack, label, psm="4"):
        cy = w["y"] + w["h"] / 2
        k = bisect_right(starts, cy) - 1
        if k < 0:
            continue
        y0, y1, ti, cell = spans[k]
        alnum = any(ch.isalnum() for ch in w["text"])
        # specks and strokes (signature, stamp remnants): no letter or digit and unsure
        if cy <= y1 + _CELL_GAP / 2 and (alnum or w["conf"] >= 60) and (w["conf"] >= 10 or len(w["text"]) > 1 or alnum):
            out[ti].setdefault(cell, []).append(w)
    return out


def _cell_text(words: list[dict]) -> str:
    return join_cell_lines([t for _, _, t in _lines_of(words)])


def read_image_pages(path: Path, label: str) -> tuple[str, tuple[int, ...]]:
    require(label)
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        im = Image.open(path)
        frames = [f.copy() for f in ImageSequence.Iterator(im)]
    except Image.DecompressionBombError:
        raise InputError(label, f"image too large (over {MAX_IMAGE_PIXELS} pixels)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InputError(label, f"corrupt or unsupported image: {exc}") from None
    pages = []
    for f in frames[:200]:
        if f.width < 1200:           # small images: enlarge towards ~300 dpi for Tesseract
            k = 1200 / f.width
            f = f.resize((int(f.width * k), int(f.height * k)), Image.LANCZOS)
        pages.append(ocr_page(f, label))
    return assemble(pages)


def read_image(path: Path, label: str) -> MappedText:
    text, pages = read_image_pages(path, label)
    mt = MappedText.identity(text)
    return MappedText(mt.text, mt.offsets, mt.original, pages)

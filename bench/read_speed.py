"""Reader speed (issue 9 targets): PDF text layer ≥ 20 pages/s, OCR ≤ 4 s per
A4 page at 300 dpi, DOCX ≥ 50 documents/s.  Also prints pdfplumber on the same
PDF when it is installed (the measurement behind choosing pypdfium2).

Usage: python bench/read_speed.py [--ocr-pages N] [--no-ocr]
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from kg.readers.docx import docx_text  # noqa: E402
from kg.readers.ocr import DPI, ocr_page  # noqa: E402
from kg.readers.pdf import read_pdf_pages  # noqa: E402

FIX = ROOT / "tests" / "fixtures"


def bench_pdf() -> float:
    path = FIX / "readers" / "plan.pdf"
    n = len(pdfium.PdfDocument(str(path)))
    read_pdf_pages(path, "warm-up")
    runs, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 3 or runs < 2:
        read_pdf_pages(path, "bench")
        runs += 1
    rate = n * runs / (time.perf_counter() - t0)
    print(f"PDF text layer (pypdfium2 + ruled tables): {rate:.0f} pages/s "
          f"({n}-page plan, {runs} runs; target >= 20)")
    try:
        import pdfplumber
    except ImportError:
        return rate
    t0 = time.perf_counter()
    with pdfplumber.open(str(path)) as pdf:
        for p in pdf.pages:
            for t in p.find_tables():
                t.extract()
            p.extract_text()
    print(f"  for comparison, pdfplumber text + find_tables: {n / (time.perf_counter() - t0):.1f} pages/s")
    return rate


def bench_docx() -> float:
    rates = []
    for f, what in ((FIX / "readers" / "plan.docx", "25-page plan, 100-row table with merged cells"),
                    (FIX / "readers" / "tcvn3.docx", "1-page TCVN3 plan with a merged table")):
        docx_text(f, "warm-up")
        runs, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 2:
            docx_text(f, "bench")
            runs += 1
        rates.append(runs / (time.perf_counter() - t0))
        print(f"DOCX {f.name} ({what}): {rates[-1]:.0f} documents/s (target >= 50)")
    return min(rates)


def _ocr_times(path: Path, pages: int) -> list[float]:
    doc = pdfium.PdfDocument(str(path))
    times = []
    for i in range(min(pages, len(doc))):
        t0 = time.perf_counter()
        img = doc[i].render(scale=DPI / 72).to_pil()
        ocr_page(img, "bench")
        times.append(time.perf_counter() - t0)
    return times


def bench_ocr(pages: int) -> float:
    if not shutil.which("tesseract"):
        print("OCR: skipped (tesseract not installed)")
        return 0.0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    times = _ocr_times(FIX / "scans" / "cantho-70-KH-UBND-2025.pdf", pages)
    mean = sum(times) / len(times)
    print(f"OCR (render 300 dpi + ink removal + despeckle + deskew + rules + header columns + Tesseract vie): "
          f"{mean:.2f} s/page mean, max {max(times):.2f} over {len(times)} A4 pages of a real scan "
          f"(target <= 4; load average {load:.1f} on {os.cpu_count()} cores)")
    synth = [t for f in sorted((FIX / "scans_synth").glob("*.scan.pdf")) for t in _ocr_times(f, pages)]
    if synth:
        print(f"  synthetic scans of real pages (tests/fixtures/scans_synth, ruled tables, stamps): "
              f"{sum(synth) / len(synth):.2f} s/page mean, max {max(synth):.2f} over {len(synth)} pages")
    return mean


def main() -> int:
    bench_pdf()
    bench_docx()
    if "--no-ocr" not in sys.argv:
        n = int(sys.argv[sys.argv.index("--ocr-pages") + 1]) if "--ocr-pages" in sys.argv else 5
        bench_ocr(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())

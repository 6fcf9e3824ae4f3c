"""The layered citation graph in a real browser (Debian chromium via Selenium):
with the browser's own fonts no label leaves its box, no boxes overlap, labels
render at ≥ 12 px at 1280 and 390 px, and graphzoom.js zooms and pans."""
import shutil
import tempfile
from pathlib import Path

import networkx as nx
import pytest

from _browser import chrome  # noqa: E402,I001 — skips without chromium
from selenium.webdriver.common.by import By  # noqa: E402

from service.chains import chains  # noqa: E402
from web.graphsvg2 import render_svg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TITLES = ["Luật Tổ chức chính quyền địa phương", "Nghị quyết về cải cách hành chính nhà nước giai đoạn",
          "Quyết định Ủy ban nhân dân tỉnh Thừa Thiên Huế", "WWWWMMMM ĐƯỜNG ƯỚC ƠN"]


def graph():
    G = nx.MultiDiGraph()

    def doc(i, **kw):
        G.add_node(i, kind="document", number=kw.get("number"), type=kw.get("type", "Quyết định"),
                   date="2022-01-02", province=None, title=kw.get("title"), issuer=None, in_corpus=kw.get("c", False))
    doc("root", number="2866/QĐ-UBND", c=True)
    for i in range(12):
        doc(f"u{i}", title=TITLES[i % 4] if i % 2 else None, number=None if i % 2 else f"{1000 + i}/NQ-HĐND")
        G.add_edge("root", f"u{i}", key="based_on", type="based_on")
    for i in range(16):
        doc(f"d{i}", number=f"{i}/KH-UBND", type="Kế hoạch", c=i % 3 == 0)
        G.add_edge(f"d{i}", "root", key="implements", type="implements")
        if i:
            G.add_edge(f"d{i}", f"d{i - 1}", key="cites", type="cites")
    return chains(G, "root", "both", 2)


@pytest.fixture(scope="module")
def page():
    tmp = Path(tempfile.mkdtemp(prefix="legalkg-graph-"))
    for f in ("graphzoom.js", "graph.css"):
        shutil.copy(ROOT / "web" / "static" / f, tmp / f)
    svg = render_svg(graph(), lambda n: f"#{n}")
    (tmp / "g.html").write_text(
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="graph.css"><script src="graphzoom.js" defer></script></head>'
        f'<body><main><figure class="graph-figure">{svg}</figure></main></body></html>', encoding="utf-8")
    yield tmp / "g.html"
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    drv = chrome("--window-size=1280,1000", page_load_timeout=60)
    yield drv
    drv.quit()


MEASURE = """
const svg = document.querySelector('svg.citegraph');
const scale = svg.getScreenCTM().a;
return {scale: scale, viewBox: svg.getAttribute('viewBox'), ready: !!document.querySelector('.graphzoom-frame.ready'),
  nodes: [...svg.querySelectorAll('a.node')].map(a => {
    const r = a.querySelector('rect').getBBox();
    return {id: a.dataset.id, rect: [r.x, r.y, r.width, r.height],
            texts: [...a.querySelectorAll('text')].map(t => { const b = t.getBBox();
              return {box: [b.x, b.y, b.width, b.height],
                      px: parseFloat(getComputedStyle(t).fontSize) * scale}; })};
  })};
"""


@pytest.mark.parametrize("width", [1280, 390])
def test_labels_fit_and_readable(browser, page, width):
    browser.set_window_size(width, 900)
    browser.get(page.as_uri())
    m = browser.execute_script(MEASURE)
    assert m["ready"], "graphzoom.js did not start"
    rects = []
    for n in m["nodes"]:
        x, y, w, h = n["rect"]
        rects.append((x, y, w, h))
        for t in n["texts"]:
            tx, ty, tw, th = t["box"]
            assert x <= tx and tx + tw <= x + w, (n["id"], t)   # the real text fits its box
            assert t["px"] >= 11.99, (n["id"], t["px"])         # rendered at ≥ 12 px
    for i, (x, y, w, h) in enumerate(rects):
        for (x2, y2, w2, h2) in rects[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_zoom_buttons_and_keys(browser, page):
    browser.set_window_size(1280, 900)
    browser.get(page.as_uri())
    def vb_width():
        return float(browser.execute_script(
            "return document.querySelector('svg.citegraph').getAttribute('viewBox')").split()[2])
    before = vb_width()
    browser.find_element(By.CSS_SELECTOR, ".graphzoom-bar button[aria-label='Phóng to']").click()
    zoomed = vb_width()
    assert zoomed < before
    frame = browser.find_element(By.CSS_SELECTOR, ".graphzoom-frame")
    frame.send_keys("-")
    frame.send_keys("-")
    assert vb_width() > zoomed
    browser.find_element(By.CSS_SELECTOR, ".graphzoom-bar button[aria-label='Xem toàn bộ']").click()
    assert browser.execute_script("return document.querySelector('svg.citegraph').getScreenCTM().a") <= 1.0

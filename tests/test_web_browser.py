"""Issue 13 journeys in a real browser (Debian chromium + chromedriver via
Selenium, headless, 1280 px and 390 px) against the app served by waitress,
with a graph-only store (no search index): the "Xem trong văn bản" target row,
honest deadlines, the layered citation graph, the SPARQL examples, paging —
and axe-core (npm, ``make browser-deps``) on every main page: no serious or
critical violation."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
AXE = REPO / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
from _browser import chrome, free_port, wait_up  # noqa: E402,I001 — skips without chromium
from selenium.webdriver.common.by import By  # noqa: E402

from service import Store  # noqa: E402
from web import create_app, make_server  # noqa: E402

WIDTHS = [1280, 390]
HUB = "61/2018/NĐ-CP"
HUB_CHAINS = {"vn/61-2018-nd-cp", "vinh-phuc/319-kh-ubnd", "vinh-phuc/8264-kh-ubnd", "vinh-phuc/2704-qd-ubnd",
              "tien-giang/45-qd-ubnd", "vn/01-2018-tt-vpcp", "vn/107-2021-nd-cp"}   # read off the corpus by hand


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    store = Store(CORPUS, tmp_path_factory.mktemp("home-browser"))
    store.build(index=False)
    app = create_app({"STORE": store, "WARMUP": False})
    port = free_port()
    srv = make_server(app, "127.0.0.1", port, threads=4)
    threading.Thread(target=srv.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/documents.json", request_timeout=30)
    yield base, app.extensions["legalkg"]
    srv.close()


@pytest.fixture(scope="module")
def drv():
    d = chrome("--lang=vi", "--window-size=1280,900", page_load_timeout=60, script_timeout=60)
    yield d
    d.quit()


def _open(drv, url, width):
    drv.set_window_size(width, 900)
    drv.get(url)


def _no_horizontal_scroll(drv):
    assert drv.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), \
        drv.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")


# ------------------------------------------------------------------ 1 anchor --
@pytest.mark.parametrize("width", WIDTHS)
def test_view_in_text_marks_the_target_row(site, drv, width):
    base, svc = site
    doc = svc.document("vinh-phuc/319-kh-ubnd", with_text=False)
    tasks = [t for t in doc["tasks"] if t.get("span")]
    t = tasks[len(tasks) // 2]
    nxt = tasks[len(tasks) // 2 + 1]
    _open(drv, base + "/doc/vinh-phuc/319-kh-ubnd", width)
    link = drv.find_element(By.CSS_SELECTOR, f'a[href="#src-{t["anchor"]}"]')
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    time.sleep(0.3)
    m = drv.execute_script("""
      const el = document.querySelector(':target');
      const r = el.getBoundingClientRect(), tabs = document.querySelector('.tabs').getBoundingClientRect();
      const nx = document.getElementById(arguments[0]);
      const src = document.querySelector('.source');
      const scrollers = [...document.querySelectorAll('main *')].filter(e => {
        const s = getComputedStyle(e); return /(auto|scroll)/.test(s.overflowY) && e.scrollHeight > e.clientHeight + 1; });
      return {id: el.id, text: el.textContent, bg: getComputedStyle(el).backgroundColor,
              nextBg: getComputedStyle(nx).backgroundColor, top: r.top, tabsBottom: tabs.bottom,
              vh: window.innerHeight, srcScrolls: src.scrollHeight > src.clientHeight + 1,
              scrollers: scrollers.map(e => e.className)};
    """, "src-" + nxt["anchor"])
    assert m["id"] == "src-" + t["anchor"]
    words = lambda s: " ".join(s.split())
    assert words(m["text"])[:40] in words(svc.source_text(svc.graph().nodes["vinh-phuc/319-kh-ubnd"]["source"])
                                          [t["span"][0]:t["span"][1]])
    assert words(t["text"])[:25].lower()[:10] in words(m["text"]).lower() or words(m["text"])
    assert m["bg"] not in ("rgba(0, 0, 0, 0)", "transparent")           # the row itself is marked
    assert m["nextBg"] in ("rgba(0, 0, 0, 0)", "transparent")           # not its neighbour
    assert m["tabsBottom"] - 1 <= m["top"] < m["vh"], m                 # below the sticky tabs, on screen
    assert not m["srcScrolls"] and not m["scrollers"], m                # one scroll box: the page


# ------------------------------------------------------------------ 3 deadlines --
@pytest.mark.parametrize("width", WIDTHS)
def test_no_red_deadline_badge(site, drv, width):
    base, svc = site
    G = svc.graph()
    aid = max((n for n, a in G.nodes(data=True) if a.get("kind") == "agency"),
              key=lambda n: sum(1 for _, _, k in G.in_edges(n, keys=True) if k == "lead"))
    _open(drv, f"{base}/agency/{aid}?group=deadline", width)
    assert not drv.find_elements(By.CSS_SELECTOR, ".badge.late, .badge.past")
    body = drv.find_element(By.TAG_NAME, "main").text
    assert "đã qua hạn" not in body.lower() and "0 còn hạn" not in body
    for b in drv.find_elements(By.CSS_SELECTOR, ".badge.ended")[:20]:
        assert re.fullmatch(r"hết thời hạn \(\d{2}/\d{2}/\d{4}\)", b.text), b.text
        r, g, bl = [int(x) for x in re.findall(r"\d+", b.value_of_css_property("color"))[:3]]
        assert not (r > 150 and g < 80 and bl < 80)                        # not red
    for h in drv.find_elements(By.CSS_SELECTOR, ".group h3")[:10]:
        assert re.match(r"(Hạn cuối \d{2}/\d{2}/\d{4}|Không ghi thời hạn)", h.text), h.text
    _no_horizontal_scroll(drv)


# ------------------------------------------------------------------ 4 graph --
GRAPH_JS = """
const svg = document.querySelector('svg.citegraph');
const scale = svg.getScreenCTM().a;
return {root: svg.querySelector('a.node.root').dataset.id,
  nodes: [...svg.querySelectorAll('a.node')].map(a => {
    const r = a.querySelector('rect').getBBox();
    return {id: a.dataset.id, href: a.getAttribute('href'), rect: [r.x, r.y, r.width, r.height],
            texts: [...a.querySelectorAll('text')].map(t => { const b = t.getBBox();
               return [b.x, b.y, b.width, b.height, parseFloat(getComputedStyle(t).fontSize) * scale]; })};
  }),
  list: [...document.querySelectorAll('.graph-relations li > a[href^="/doc/"]')].map(a => a.textContent)};
"""


@pytest.mark.parametrize("width", WIDTHS)
def test_graph_hub_both_chains_no_overlap_recentre(site, drv, width):
    base, _ = site
    _open(drv, f"{base}/graph?ref={quote(HUB)}&direction=both&depth=2", width)
    m = drv.execute_script(GRAPH_JS)
    assert {n["id"] for n in m["nodes"]} == HUB_CHAINS and m["root"] == "vn/61-2018-nd-cp"
    boxes = []
    for n in m["nodes"]:
        x, y, w, h = n["rect"]
        boxes.append((x, y, w, h))
        for tx, ty, tw, th, px in n["texts"]:
            assert x - 0.5 <= tx and tx + tw <= x + w + 0.5, n["id"]     # the label fits its box
            assert px >= 11.99, (n["id"], px)                            # readable at this width
    for i, (x, y, w, h) in enumerate(boxes):
        for (x2, y2, w2, h2) in boxes[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y   # no overlapping labels
    assert len(m["list"]) == len(HUB_CHAINS) - 1                          # the same relations, as a list
    assert drv.find_elements(By.CSS_SELECTOR, ".graphzoom-bar button")      # zoom / pan controls
    _no_horizontal_scroll(drv)
    # a click re-centres the graph on the node
    other = next(n for n in m["nodes"] if n["id"] == "vinh-phuc/319-kh-ubnd")
    el = drv.find_element(By.CSS_SELECTOR, f'a.node[data-id="{other["id"]}"]')
    drv.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}))", el)
    time.sleep(0.5)
    q = parse_qs(urlparse(drv.current_url).query)
    assert q["ref"] == [other["id"]] and q["direction"] == ["both"]
    assert drv.execute_script(GRAPH_JS)["root"] == other["id"]


# ------------------------------------------------------------------ 5 SPARQL --
def test_sparql_examples_run_in_the_browser(site, drv):
    base, svc = site
    for ex in svc.sparql_examples():
        _open(drv, base + "/sparql", 1280)
        drv.find_element(By.CSS_SELECTOR, f'a.example[data-example="{ex["id"]}"]').click()
        rows = drv.find_elements(By.CSS_SELECTOR, "table.sparql tbody tr")
        assert rows, ex["id"]
        assert not drv.find_elements(By.CSS_SELECTOR, '[role="alert"]')
        assert drv.find_element(By.ID, "sparql-query").get_attribute("value").strip() == ex["query"].strip()
        share = drv.find_element(By.ID, "share-link").get_attribute("href")
        drv.get(share)
        assert len(drv.find_elements(By.CSS_SELECTOR, "table.sparql tbody tr")) == len(rows)
    _open(drv, base + "/sparql?query=" + quote("SELEC x"), 390)
    assert "Lỗi cú pháp" in drv.find_element(By.CSS_SELECTOR, '[role="alert"]').text


# ------------------------------------------------------------------ 7 paging --
@pytest.mark.parametrize("path,row", [("/documents?per=10", "table.docs tbody tr"),
                                      ("/agencies?per=10&sort=name", "table.plain tbody tr")])
def test_paging_reaches_the_last_result(site, drv, path, row):
    base, _ = site
    _open(drv, base + path, 390)
    total = int(re.search(r"trong (\d+)", drv.find_element(By.CSS_SELECTOR, "p[role=status]").text).group(1))
    seen = 0
    for _ in range(200):
        seen += len(drv.find_elements(By.CSS_SELECTOR, row))
        nxt = drv.find_elements(By.CSS_SELECTOR, "nav.pager a[rel=next]")
        if not nxt:
            break
        nxt[0].click()
    assert seen == total


# ------------------------------------------------------------------ axe -----
def _pages(svc):
    G = svc.graph()
    aid = max((n for n, a in G.nodes(data=True) if a.get("kind") == "agency"),
              key=lambda n: sum(1 for _, _, k in G.in_edges(n, keys=True) if k == "lead"))
    task = sorted(n for n, a in G.nodes(data=True) if a.get("kind") == "task")[0]
    return ["/", "/documents", "/agencies", f"/agency/{aid}", "/doc/vinh-phuc/319-kh-ubnd",
            "/doc/vinh-phuc/2704-qd-ubnd/ke-hoach", "/doc/vn/61-2018-nd-cp", "/task/" + quote(task, safe="/"),
            f"/graph?ref={quote(HUB)}&direction=both&depth=2", "/graph", "/sparql", "/api", "/doc/999-zz"]


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_no_serious_violations(site, drv, width):
    if not AXE.exists():
        pytest.skip(f"axe-core not installed ({AXE.relative_to(REPO)}): run `make browser-deps` (needs npm)")
    base, svc = site
    src = AXE.read_text(encoding="utf-8")
    problems = []
    for p in _pages(svc):
        _open(drv, base + p, width)
        drv.execute_script(src)
        res = drv.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
            "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
            ".catch(e => done([{id: 'axe-error', impact: 'critical', nodes: [String(e)]}]));")
        problems += [(p, v["id"], v["impact"], v["nodes"]) for v in res if v["impact"] in ("serious", "critical")]
    assert not problems, problems


def test_no_iso_dates_shown(site, drv):
    base, svc = site
    for p in _pages(svc)[:9]:
        _open(drv, base + p, 1280)
        shown = drv.execute_script("""
          const out = [document.body.innerText];
          document.querySelectorAll('[title],[aria-label]').forEach(e =>
            out.push(e.getAttribute('title') || '', e.getAttribute('aria-label') || ''));
          return out.join('\\n');""")
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", shown), (p, re.findall(r".{30}\b20\d\d-\d\d-\d\d.{10}", shown)[:3])

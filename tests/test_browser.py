"""A real browser (Debian chromium + chromedriver, via Selenium) against the app
served by waitress on a loopback port: ask a question, read the answer card,
open the answer's document, open its citation graph.  Screenshots go to
tests/screenshots/ (git-ignored)."""
from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from _browser import chrome, free_port, wait_up  # noqa: E402,I001 — skips without chromium
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from waitress.server import create_server  # noqa: E402

from web import create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "tests" / "screenshots"
QUESTION = "ai chủ trì số hóa kết quả TTHC"


@pytest.fixture(scope="module")
def server(store):
    app = create_app({"STORE": store, "WARMUP": False})
    port = free_port()
    srv = create_server(app, host="127.0.0.1", port=port, threads=4)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/healthz")
    # load the model before the browser starts timing page loads
    with urllib.request.urlopen(base + "/api/ask?q=warm", timeout=300) as r:
        assert r.status == 200
    yield base
    srv.close()


@pytest.fixture(scope="module")
def browser():
    drv = chrome("--disable-quic", "--window-size=1280,1000", "--lang=vi", page_load_timeout=120, console_log=True)
    yield drv
    drv.quit()


def _shot(drv, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = drv.execute_script("return Math.min(document.documentElement.scrollHeight, 4000)")
    drv.set_window_size(1280, max(800, int(height)))
    drv.save_screenshot(str(SHOTS / f"{name}.png"))
    drv.set_window_size(1280, 1000)


def _no_console_errors(drv):
    try:
        logs = drv.get_log("browser")
    except Exception:  # noqa: BLE001 — log API not available
        return
    bad = [l for l in logs if l.get("level") == "SEVERE"]
    assert not bad, bad   # includes CSP violations and failed loads


def test_ask_open_document_open_graph(server, browser):
    wait = WebDriverWait(browser, 60)
    browser.get(server + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    box = browser.find_element(By.ID, "q")
    box.send_keys(QUESTION)
    box.send_keys(Keys.ENTER)

    card = wait.until(EC.visibility_of_element_located((By.ID, "answer")))
    text = card.text.lower()     # labels are upper-cased by CSS
    assert "cơ quan chủ trì" in text and "cơ quan phối hợp" in text and "thời hạn" in text
    # the card names the lead agency the API answers for the same question
    api = json.loads(urllib.request.urlopen(server + "/api/ask?" + urllib.parse.urlencode({"q": QUESTION})).read())
    assert api["route"] == "task" and api["answer"]["agencies"]
    assert api["answer"]["agencies"][0]["name"].lower() in text
    marks = card.find_elements(By.TAG_NAME, "mark")
    assert marks, "matched query words are highlighted"
    # the answer card comes before the result list
    results = browser.find_element(By.ID, "results-h")
    assert card.location["y"] < results.location["y"]
    _no_console_errors(browser)
    _shot(browser, "1-answer")

    # open the document of the first source row
    link = card.find_element(By.CSS_SELECTOR, ".sources a.doclink")
    number = link.text
    link.click()
    wait.until(EC.visibility_of_element_located((By.ID, "luoc-do")))
    assert browser.find_element(By.TAG_NAME, "h1").text == number
    assert "/doc/" in browser.current_url
    assert browser.find_elements(By.CSS_SELECTOR, "#luoc-do .rel-box")
    assert browser.find_elements(By.CSS_SELECTOR, "table.tasks tbody tr")
    assert browser.find_elements(By.CSS_SELECTOR, "#toan-van a.ref")
    _no_console_errors(browser)
    _shot(browser, "2-document")

    # open its citation graph and re-centre it by clicking a node
    browser.find_element(By.CSS_SELECTOR, ".doc-head a.button[href^='/graph']").click()
    svg = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "svg.citegraph")))
    nodes = svg.find_elements(By.CSS_SELECTOR, "a[data-id]")
    assert len(nodes) > 3
    assert "/graph" in browser.current_url
    _no_console_errors(browser)
    _shot(browser, "3-graph")
    target = next(a for a in nodes if "root" not in (a.get_attribute("class") or ""))
    target_id = target.get_attribute("data-id")
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", target)
    wait.until(EC.url_contains("ref=" + target_id.split("/")[0]))
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "svg.citegraph a.node.root").get_attribute("data-id")
               == target_id)
    _no_console_errors(browser)


def test_agency_page_and_mobile_layout(server, browser):
    browser.get(server + "/search?q=" + urllib.request.quote(QUESTION))
    WebDriverWait(browser, 60).until(EC.visibility_of_element_located((By.ID, "answer")))
    browser.find_element(By.CSS_SELECTOR, "#answer dd a[href^='/agency/']").click()
    WebDriverWait(browser, 30).until(EC.visibility_of_element_located((By.ID, "h-lead")))
    assert browser.find_element(By.PARTIAL_LINK_TEXT, "Excel").get_attribute("href").endswith(".xlsx")
    _shot(browser, "4-agency")
    browser.set_window_size(390, 900)
    browser.get(server + "/search?q=" + urllib.request.quote(QUESTION))
    card = WebDriverWait(browser, 60).until(EC.visibility_of_element_located((By.ID, "answer")))
    # no horizontal overflow on a phone-sized screen
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert card.size["width"] <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "5-mobile.png"))
    browser.set_window_size(1280, 1000)

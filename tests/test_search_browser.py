"""Browser journey on the search page (Selenium + Debian chromium, as
tests/test_browser.py): facet counts equal the results each facet gives, the
question's province is a removable chip, paging reaches the last result, an
off-topic question shows 'not found' with the nearest rows."""
from __future__ import annotations

import re
import urllib.parse

import pytest

from test_browser import browser, server  # noqa: F401 — the module fixtures (skip without chromium)

from selenium.webdriver.common.by import By  # noqa: E402

Q = "cải cách hành chính Tiền Giang"


def _open(drv, base, **args):
    drv.get(base + "/search?" + urllib.parse.urlencode(args))


def _total(drv) -> int:
    els = drv.find_elements(By.ID, "total")
    return int(els[0].text) if els else 0


def test_facets_chips_paging(server, browser):  # noqa: F811
    _open(browser, server, q=Q)
    chip = browser.find_element(By.CSS_SELECTOR, "a.chip.from-question")
    assert "Tiền Giang" in chip.text
    chip.click()                                       # drop the question's province
    assert "province=*" in urllib.parse.unquote(browser.current_url)
    assert not browser.find_elements(By.CSS_SELECTOR, "a.chip.from-question")
    # every facet link gives as many results as it says
    links = [(a.get_attribute("href"), int(a.find_element(By.XPATH, "following-sibling::span").get_attribute("textContent")))
             for a in browser.find_elements(By.CSS_SELECTOR, "details.facet li a")]
    assert links
    for href, count in links[:8]:
        browser.get(href)
        assert _total(browser) == count, href
        chips = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "a.chip")]
        assert not any(re.search(r"[a-z-]+/[0-9a-z-]+", c) for c in chips), chips   # labels, not ids
    # paging to the last result
    _open(browser, server, q=Q, province="*", n=5)
    total = _total(browser)
    seen = 0
    for _ in range(50):
        seen += len(browser.find_elements(By.CSS_SELECTOR, "li.result"))
        nxt = browser.find_elements(By.CSS_SELECTOR, "a[rel=next]")
        if not nxt:
            break
        nxt[0].click()
    assert seen == total and total > 5


def test_offtopic_shows_not_found_with_nearest(server, browser):  # noqa: F811
    _open(browser, server, q="Công thức nấu phở bò ngon")
    card = browser.find_element(By.ID, "answer")
    assert card.get_attribute("data-route") == "none"
    assert "Không tìm thấy nhiệm vụ phù hợp trong kho văn bản" in card.text
    assert browser.find_elements(By.CSS_SELECTOR, "li.result.nearest")


@pytest.mark.parametrize("q,route", [("61/2018/NĐ-CP", "document"), ("Sở Tư pháp phối hợp những việc gì", "agency")])
def test_route_cards(server, browser, q, route):  # noqa: F811
    _open(browser, server, q=q)
    assert browser.find_element(By.ID, "answer").get_attribute("data-route") == route

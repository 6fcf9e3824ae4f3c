"""Shared set-up of the real-browser tests (Debian chromium + chromedriver via
Selenium, headless): importing this module skips the importing test module
when either is missing; ``chrome()`` starts a driver, ``free_port()`` and
``wait_up()`` serve the app on a loopback port."""
from __future__ import annotations

import socket
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("browser test needs Debian chromium and chromium-driver (make browser-deps): "
                "/usr/bin/chromium or /usr/bin/chromedriver missing", allow_module_level=True)
pytest.importorskip("selenium", reason="browser test needs selenium (pip install selenium)")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

BASE_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run")


def chrome(*extra: str, page_load_timeout: float = 60, script_timeout: float | None = None,
           console_log: bool = False) -> webdriver.Chrome:
    """A headless chromium with a fresh profile; ``extra`` arguments after the common ones."""
    opts = webdriver.ChromeOptions()
    for a in BASE_ARGS + extra:
        opts.add_argument(a)
    opts.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='legalkg-chrome-')}")
    opts.binary_location = str(CHROMIUM)
    if console_log:
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    drv.set_page_load_timeout(page_load_timeout)
    if script_timeout is not None:
        drv.set_script_timeout(script_timeout)
    return drv


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, timeout: float = 30, request_timeout: float = 5) -> None:
    """Poll ``url`` until it answers 200 (OSError after ``timeout`` seconds)."""
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=request_timeout) as r:
                if r.status == 200:
                    return
        except OSError:
            if time.time() > deadline:
                raise
        time.sleep(0.2)

"""Helpers shared by tests/test_web.py and tests/test_web_api.py (the fixtures
``client``, ``G`` and ``some_agency`` are in tests/conftest.py)."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
DOC = "vinh-phuc/319-kh-ubnd"
DOC_NUMBER = "319/KH-UBND"
QUESTION = "ai chủ trì số hóa kết quả TTHC"
JSON_ACCEPT = {"Accept": "application/json"}
BROWSER_ACCEPT = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _html(resp):
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        names = {k.lower() for k, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "script":
            self.in_script = True
        for n in names:
            if n.startswith("on"):
                self.problems.append(f"<{tag} {n}=…> event handler attribute")
            if n == "style":
                self.problems.append(f"<{tag} style=…> inline style")
        if tag == "style":
            self.problems.append("inline <style>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append("script content")


def _assert_safe_html(body: str):
    """No inline script, no inline event handler, no inline style (the CSP forbids them)."""
    audit = _Audit()
    audit.feed(body)
    assert not audit.problems, audit.problems

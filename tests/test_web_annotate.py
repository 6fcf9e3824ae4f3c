"""``web.highlight.annotate``: the anchor of a task holds exactly that task's
text (so ``:target`` marks the row itself), links inside or across it stay
links, and everything is escaped.  Table-driven: (text, links, anchors) → HTML."""
import re

import pytest

from web.highlight import annotate


def link(s, e, i=None):
    return {"start": s, "end": e, "href": f"/doc/{s}", "title": "t", "cls": "ref", "id": i or f"m-{s}"}


CASES = [
    # two rows: row 25's anchor wraps row 25's text only
    ("25. Row A\n26. Row B\n", [], [(0, 9, "src-25"), (10, 19, "src-26")],
     '<span class="anchor" id="src-25">25. Row A</span>\n<span class="anchor" id="src-26">26. Row B</span>\n'),
    # a reference inside a row
    ("do X theo 1/KH tiếp", [link(10, 14)], [(0, 19, "src-1")],
     '<span class="anchor" id="src-1">do X theo <a class="ref" id="m-10" href="/doc/10" title="t">1/KH</a>'
     ' tiếp</span>'),
    # a reference crossing the row's end is split in two pieces; only the first carries the id
    ("abc 1/KH-UB def", [link(4, 11)], [(0, 7, "src-1")],
     '<span class="anchor" id="src-1">abc <a class="ref" id="m-4" href="/doc/4" title="t">1/K</a></span>'
     '<a class="ref" href="/doc/4" title="t">H-UB</a> def'),
    # crossing anchors are clipped into their parent; an (offset, id) pair is an empty anchor
    ("abcdefgh", [], [(0, 5, "a"), (3, 8, "b"), (6, "c")],
     '<span class="anchor" id="a">abc<span class="anchor" id="b">de</span></span>f'
     '<span class="anchor" id="c"></span>gh'),
    # escaped, ids deduplicated
    ("<b>&</b>", [], [(0, 3, "x"), (0, 8, "x")], '<span class="anchor" id="x">&lt;b&gt;</span>&amp;&lt;/b&gt;'),
]


@pytest.mark.parametrize("text,links,anchors,want", CASES)
def test_annotate(text, links, anchors, want):
    html = str(annotate(text, links, anchors))
    assert html == want
    # the visible text is unchanged
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text
    assert html.count("<span") == html.count("</span>") and html.count("<a ") == html.count("</a>")

"""SVG of a citation subgraph on the layered layout of ``web.graphlayout``,
and the same relations as an accessible list.

The SVG works without JavaScript (every node is a link that re-centres the
graph on it; a ``viewBox`` lets it scale down to a phone) and under the strict
CSP (presentation attributes only, no inline style or script); the static
``web/static/graphzoom.js`` adds zoom and pan.  Every text is escaped by
``markupsafe``.
"""
from __future__ import annotations

from typing import Callable

from markupsafe import Markup

from kg.vocab import CITATION_TYPES, RELATION_COLORS, RELATION_NAMES

from .graphlayout import FONT_FAMILY, Style, layout, levels

COLORS = {k: RELATION_COLORS[k] for k in CITATION_TYPES}
LABELS = {k: RELATION_NAMES[k] for k in CITATION_TYPES}

UP_TITLE = "Văn bản căn cứ"
DOWN_TITLE = "Văn bản thực hiện, hướng dẫn, sửa đổi, dẫn chiếu"
_FILL = {"root": ("#b91c1c", "#7f1d1d", "#ffffff"), "corpus": ("#1e3a8a", "#172554", "#ffffff"),
         "external": ("#ffffff", "#1e3a8a", "#111827")}
# dash patterns so the relation is not told by colour alone
DASH = {"based_on": "", "implements": "", "guides": "6 3", "amends": "2 3", "replaces": "8 3 2 3",
        "repeals": "2 2", "cites": "4 4"}


def legend() -> list[dict]:
    """Relation types with their label, colour and dash pattern (the legend under the graph)."""
    return [{"type": k, "label": LABELS[k], "color": COLORS[k], "dash": DASH.get(k, "")} for k in LABELS]


def positions(lay: dict) -> dict:
    """Box of every node for the JSON twin: {id: {"x", "y", "w", "h", "level"}} (px, top-left)."""
    return {n: {"x": round(b.x, 1), "y": round(b.y, 1), "w": round(b.w, 1), "h": round(b.h, 1), "level": b.level}
            for n, b in sorted(lay["boxes"].items())}


def _label(d: dict, n: int = 80) -> str:
    s = d.get("number") or d.get("title") or d.get("id") or ""
    return s if len(s) <= n else s[: n - 1] + "…"


def _dmy(iso) -> str:
    s = str(iso or "")
    return f"{s[8:10]}/{s[5:7]}/{s[:4]}" if len(s) >= 10 and s[4] == "-" and s[7] == "-" else s


def _tip(d: dict) -> str:
    """Tooltip and aria-label: type · number · dd/mm/yyyy · province · title."""
    return " · ".join(str(v) for v in (d.get("type"), d.get("number"), _dmy(d.get("date")), d.get("province"),
                                        d.get("title")) if v) or d.get("id", "")


def render_svg(data: dict, href: Callable[[str], str], standalone: bool = False,
               style: Style | None = None, lay: dict | None = None) -> Markup:
    """``href(doc_id)`` gives each node's link, e.g. ``/graph?ref=<id>&direction=both&depth=2``."""
    lay = lay or layout(data, style)
    st = style or Style()
    W, H, root = lay["width"], lay["height"], lay["root"]
    boxes = lay["boxes"]
    docs = {n["id"]: n for n in data["nodes"]}
    docs.setdefault(root, data["root"])
    rb = boxes[root]
    ns = Markup(' xmlns="http://www.w3.org/2000/svg"') if standalone else Markup("")
    out = [Markup('<svg%s class="citegraph layered" viewBox="0 0 %s %s" width="%s" height="%s" role="group" '
                  'aria-labelledby="g-title g-desc" font-family="%s" font-size="%s" '
                  'data-root-x="%.1f" data-root-y="%.1f">')
           % (ns, W, H, W, H, FONT_FAMILY, st.font_size, rb.cx, rb.y + rb.h / 2)]
    out.append(Markup('<title id="g-title">Đồ thị trích dẫn quanh %s</title>') % _label(data["root"]))
    n_up = sum(1 for b in boxes.values() if b.level < 0)
    n_down = sum(1 for b in boxes.values() if b.level > 0)
    out.append(Markup('<desc id="g-desc">%d văn bản căn cứ ở trên, %d văn bản thực hiện hoặc dẫn chiếu ở dưới, '
                      '%d quan hệ. Bấm vào một văn bản để vẽ lại đồ thị quanh văn bản đó.</desc>')
               % (n_up, n_down, len(lay["edges"])))
    out.append(Markup("<defs>"))
    for k, col in COLORS.items():
        out.append(Markup('<marker id="arr-%s" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
                          'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/>'
                          '</marker>') % (k, col))
    out.append(Markup("</defs>"))
    out.append(Markup('<g class="edges" fill="none">'))
    for e in lay["edges"]:
        s, t, k = e["source"], e["target"], e["type"]
        d = " ".join(("M" if i == 0 else "L") + "%.1f,%.1f" % p for i, p in enumerate(e["points"]))
        dash = DASH.get(k, "")
        out.append(Markup('<path class="edge rel-%s" data-source="%s" data-target="%s" d="%s" stroke="%s" '
                          'stroke-width="1.6"%s marker-end="url(#arr-%s)"><title>%s — %s → %s</title></path>')
                   % (k, s, t, d, COLORS.get(k, "#6b7280"),
                      Markup(' stroke-dasharray="%s"') % dash if dash else Markup(""), k if k in COLORS else "cites",
                      _label(docs.get(s, {"id": s})), LABELS.get(k, k), _label(docs.get(t, {"id": t}))))
    out.append(Markup("</g>"))
    out.append(Markup('<g class="nodes">'))
    for n in sorted(boxes, key=lambda i: (boxes[i].row, boxes[i].x)):
        b = boxes[n]
        d = docs[n]
        kind = "root" if n == root else ("corpus" if d.get("in_corpus") else "external")
        fill, stroke, ink = _FILL[kind]
        tip = _tip(d)
        # the accessible name is the visible label text (WCAG 2.5.3 "label in name"); the <title>
        # (type · number · dd/mm/yyyy · province · title) is the tooltip and the description
        out.append(Markup('<a class="node %s" href="%s" data-id="%s">') % (kind, href(n), n))
        out.append(Markup("<title>%s</title>") % tip)
        out.append(Markup('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6" fill="%s" stroke="%s" '
                          'stroke-width="%s"/>') % (b.x, b.y, b.w, b.h, fill, stroke, 2.5 if kind == "root" else 1.5))
        y = b.y + (b.h - sum(fs * st.line_height for fs in b.font_sizes)) / 2
        for i, (line, fs) in enumerate(zip(b.lines, b.font_sizes)):
            y += fs * st.line_height
            out.append(Markup('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="%s" fill="%s"%s>%s</text>')
                       % (b.cx, y - fs * (st.line_height - 1) - 1, fs, ink,
                          Markup(' font-weight="700"') if i == 0 else Markup(""), line))
        out.append(Markup("</a>"))
    out.append(Markup("</g></svg>"))
    return Markup("").join(out)


def relation_list(data: dict) -> dict:
    """The same relations as the drawing, for an accessible list in a template:

    {"up": {"title", "levels": [{"level": 1, "items": [{"doc", "relations": [{"type",
    "label", "color", "other"}]}]}]}, "down": {...}}.  An upward item lists the
    documents one step nearer the root that rest on it; a downward item the
    documents one step nearer the root that it rests on (implements, guides, cites…).
    """
    lv = levels(data)
    root = data["root"]["id"]
    docs = {n["id"]: n for n in data["nodes"]}
    docs.setdefault(root, data["root"])
    rels: dict = {}
    for e in data["edges"]:
        s, t = e["source"], e["target"]
        if s not in lv or t not in lv:
            continue
        # attach the relation to the endpoint farther from the root (both, for an edge within a layer)
        for node, other in ((s, t), (t, s)):
            if abs(lv[node]) >= abs(lv[other]) and node != root:
                rels.setdefault(node, []).append({"type": e["type"], "label": LABELS.get(e["type"], e["type"]),
                                                  "color": COLORS.get(e["type"], "#6b7280"),
                                                  "outgoing": node == s, "other": docs[other]})
    out = {}
    for side, title, sign in (("up", UP_TITLE, -1), ("down", DOWN_TITLE, 1)):
        by_level: dict = {}
        for n, L in lv.items():
            if L * sign > 0:
                by_level.setdefault(abs(L), []).append(n)
        levels_out = []
        for L in sorted(by_level):
            items = [{"doc": docs[n],
                      "relations": sorted(rels.get(n, []), key=lambda r: (r["type"], r["other"]["id"]))}
                     for n in sorted(by_level[L], key=lambda i: (docs[i].get("number") or docs[i].get("title") or i, i))]
            levels_out.append({"level": L, "items": items})
        out[side] = {"title": title, "count": sum(len(v) for v in by_level.values()), "levels": levels_out}
    return out

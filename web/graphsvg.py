"""Server-side layout and SVG rendering of a citation subgraph (no JS needed).

Radial layout: the root in the centre, documents at BFS distance d on ring d,
each ring ordered by the angle of the parent so branches stay together.
Everything is escaped; presentation attributes (not inline styles) keep the
SVG valid under a strict Content-Security-Policy and usable standalone.
"""
from __future__ import annotations

import math
from collections import defaultdict, deque
from typing import Callable

from markupsafe import Markup

from kg.vocab import CITATION_TYPES, RELATION_COLORS, RELATION_NAMES

COLORS = {k: RELATION_COLORS[k] for k in CITATION_TYPES}
LABELS = {k: RELATION_NAMES[k] for k in CITATION_TYPES}


def short(d: dict, n: int = 22) -> str:
    s = d.get("number") or d.get("title") or d.get("id") or ""
    return s if len(s) <= n else s[: n - 1] + "…"


def layout(data: dict) -> dict:
    """Positions for ``service.query.cites`` output: {id: (x, y)} plus canvas size."""
    root = data["root"]["id"]
    nodes = {n["id"]: n for n in data["nodes"]}
    adj = defaultdict(set)
    for e in data["edges"]:
        adj[e["source"]].add(e["target"])
        adj[e["target"]].add(e["source"])
    level = {root: 0}
    parent = {root: None}
    q = deque([root])
    while q:
        u = q.popleft()
        for v in sorted(adj[u], key=lambda x: (nodes.get(x, {}).get("number") or x)):
            if v not in level:
                level[v] = level[u] + 1
                parent[v] = u
                q.append(v)
    for n in nodes:  # unreachable (should not happen): outermost ring
        if n not in level:
            level[n] = max(level.values(), default=0) + 1
            parent[n] = None
    rings = defaultdict(list)
    for n, l in level.items():
        rings[l].append(n)
    angle = {root: 0.0}
    radius = {0: 0.0}
    prev_r = 0.0
    for l in sorted(k for k in rings if k > 0):
        members = rings[l]
        kind_order = {}
        for e in data["edges"]:
            for a, b in ((e["source"], e["target"]), (e["target"], e["source"])):
                if parent.get(a) == b:
                    kind_order.setdefault(a, e["type"])
        types = list(LABELS)
        members.sort(key=lambda n: (angle.get(parent.get(n), 0.0),
                                    types.index(kind_order.get(n, "cites")) if kind_order.get(n, "cites") in types else 9,
                                    nodes.get(n, {}).get("number") or n))
        r = max(prev_r + 190.0, len(members) * 58.0 / (2 * math.pi))
        radius[l] = r
        prev_r = r
        if l == 1 or len(members) * 58.0 >= 2 * math.pi * r * 0.9:
            # evenly around the whole ring
            for i, n in enumerate(members):
                angle[n] = 2 * math.pi * i / len(members) - math.pi / 2 + (0.0 if l % 2 else math.pi / max(len(members), 1))
            continue
        # outer rings: each node near its parent, pushed apart just enough not to overlap
        gap = 58.0 / r
        want = [angle.get(parent.get(n), 0.0) for n in members]
        got = []
        for w in want:
            got.append(w if not got else max(w, got[-1] + gap))
        shift = sum(g - w for g, w in zip(got, want)) / len(got)
        for n, g in zip(members, got):
            angle[n] = g - shift
    rmax = max(radius.values()) if radius else 0.0
    margin = 130.0
    size = 2 * (rmax + margin)
    c = size / 2
    pos = {n: (c + radius[level[n]] * math.cos(angle[n]), c + radius[level[n]] * math.sin(angle[n])) for n in nodes}
    return {"pos": pos, "width": size, "height": size, "center": (c, c), "level": level}


def render_svg(data: dict, href: Callable[[str], str], standalone: bool = False) -> Markup:
    lay = layout(data)
    pos, W, H = lay["pos"], lay["width"], lay["height"]
    cx, cy = lay["center"]
    root = data["root"]["id"]
    nodes = {n["id"]: n for n in data["nodes"]}
    out = []
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    title = f"Đồ thị trích dẫn quanh {short(data['root'], 60)}"
    out.append(Markup('<svg%s class="citegraph" viewBox="0 0 %d %d" width="%d" height="%d" role="group" '
                      'aria-labelledby="g-title g-desc" font-family="system-ui, sans-serif" font-size="12">')
               % (Markup(ns), W, H, W, H))
    out.append(Markup('<title id="g-title">%s</title>') % title)
    out.append(Markup('<desc id="g-desc">%d văn bản, %d quan hệ. Bấm vào một văn bản để mở.</desc>')
               % (len(nodes), len(data["edges"])))
    out.append(Markup("<defs>"))
    for k, col in COLORS.items():
        out.append(Markup('<marker id="arr-%s" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
                          'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>')
                   % (k, col))
    out.append(Markup("</defs>"))
    # rings
    for l in sorted(set(lay["level"].values())):
        if l == 0:
            continue
        pts = [pos[n] for n, lv in lay["level"].items() if lv == l and n in pos]
        if pts:
            r = math.hypot(pts[0][0] - cx, pts[0][1] - cy)
            out.append(Markup('<circle class="ring" cx="%.1f" cy="%.1f" r="%.1f" fill="none" stroke="#e5e7eb" '
                              'stroke-dasharray="4 4"/>') % (cx, cy, r))
    # edges (parallel ones bent apart)
    pair_count = defaultdict(int)
    for e in data["edges"]:
        s, t = e["source"], e["target"]
        if s not in pos or t not in pos:
            continue
        key = tuple(sorted((s, t)))
        i = pair_count[key]
        pair_count[key] += 1
        (x1, y1), (x2, y2) = pos[s], pos[t]
        dx, dy = x2 - x1, y2 - y1
        L = math.hypot(dx, dy) or 1.0
        r1 = 16 if s == root else 9
        r2 = 16 if t == root else 9
        x1b, y1b = x1 + dx / L * r1, y1 + dy / L * r1
        x2b, y2b = x2 - dx / L * (r2 + 2), y2 - dy / L * (r2 + 2)
        off = 22.0 * ((i + 1) // 2) * (1 if i % 2 else -1)
        mx, my = (x1b + x2b) / 2 - dy / L * off, (y1b + y2b) / 2 + dx / L * off
        col = COLORS.get(e["type"], "#6b7280")
        out.append(Markup('<path class="edge rel-%s" data-source="%s" data-target="%s" d="M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f" '
                          'fill="none" stroke="%s" stroke-width="1.6" marker-end="url(#arr-%s)">'
                          '<title>%s —%s→ %s</title></path>')
                   % (e["type"], s, t, x1b, y1b, mx, my, x2b, y2b, col, e["type"],
                      short(nodes.get(s, {"id": s}), 60), LABELS.get(e["type"], e["type"]), short(nodes.get(t, {"id": t}), 60)))
    # nodes
    for n, (x, y) in pos.items():
        d = nodes[n]
        is_root = n == root
        r = 16 if is_root else 9
        fill = "#b91c1c" if is_root else ("#1e3a8a" if d.get("in_corpus") else "#ffffff")
        stroke = "#7f1d1d" if is_root else "#1e3a8a"
        cls = "node root" if is_root else ("node corpus" if d.get("in_corpus") else "node external")
        if is_root:
            anchor, lx, ly = "middle", x, y + r + 16
        elif abs(x - cx) < 30:
            anchor, lx, ly = "middle", x, y + (r + 14 if y > cy else -r - 6)
        elif x > cx:
            anchor, lx, ly = "start", x + r + 5, y + 4
        else:
            anchor, lx, ly = "end", x - r - 5, y + 4
        tip = " · ".join(str(v) for v in (d.get("type"), d.get("number"), d.get("date"), d.get("province"),
                                          d.get("title")) if v)
        out.append(Markup('<a class="%s" href="%s" data-id="%s" aria-label="%s">') % (cls, href(n), n, tip or n))
        out.append(Markup("<title>%s</title>") % (tip or n))
        out.append(Markup('<circle cx="%.1f" cy="%.1f" r="%d" fill="%s" stroke="%s" stroke-width="2"/>')
                   % (x, y, r, fill, stroke))
        out.append(Markup('<text x="%.1f" y="%.1f" text-anchor="%s" fill="#111827" stroke="#ffffff" stroke-width="3" paint-order="stroke"%s>%s</text>')
                   % (lx, ly, anchor, Markup(' font-weight="700"') if is_root else Markup(""), short(d)))
        out.append(Markup("</a>"))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


def legend() -> list[dict]:
    return [{"type": k, "label": LABELS[k], "color": COLORS[k]} for k in LABELS]

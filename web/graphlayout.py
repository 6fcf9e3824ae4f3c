"""Layered (Sugiyama-style) layout of a citation subgraph, computed in Python.

Input: the output of ``service.chains.chains``: {root,
nodes, edges[, level]}.  Layers are the signed chain distances — the upward
chain (what the root rests on) above the root, the downward chain (what rests
on it) below.  Within a layer the order comes from a few barycentric sweeps
(crossing reduction); a layer wider than ``max_width`` is wrapped into
several rows of about equal width instead of overflowing.

Node boxes are sized from their label text with a conservative per-character
width table (DejaVu Sans Bold, the widest common sans-serif, so the real text
fits in every browser font that the SVG names); Vietnamese diacritics are
combining marks and add no width.  Boxes in a row are separated by ``h_gap``,
so no two boxes (and hence no two labels) overlap.  Edges are polylines:
straight between adjacent rows, threaded through the gaps of any row they
pass, and a small bracket under (over) the row for an edge inside one row.

Everything is deterministic: every ordering is keyed on ids, never on set or
dict iteration of unordered data.
"""
from __future__ import annotations

import math
import unicodedata
from collections import deque
from dataclasses import dataclass, field

# Advance widths in em, printable ASCII: the larger of DejaVu Sans Book and Bold, rounded up
# (measured with PIL ImageFont.getlength); Verdana is close, Arial and system-ui narrower.
_W = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    (0.35, 0.46, 0.53, 0.84, 0.70, 1.01, 0.88, 0.31, 0.46, 0.46, 0.53, 0.84, 0.38, 0.42, 0.38, 0.37,
     0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.70, 0.40, 0.40, 0.84, 0.84, 0.84, 0.59,
     1.00, 0.78, 0.77, 0.74, 0.84, 0.69, 0.69, 0.83, 0.84, 0.38, 0.38, 0.78, 0.64, 1.00, 0.84, 0.86,
     0.74, 0.86, 0.78, 0.73, 0.69, 0.82, 0.78, 1.11, 0.78, 0.73, 0.73, 0.46, 0.37, 0.46, 0.84, 0.50,
     0.50, 0.68, 0.72, 0.60, 0.72, 0.68, 0.44, 0.72, 0.72, 0.35, 0.35, 0.67, 0.35, 1.06, 0.72, 0.69,
     0.72, 0.72, 0.50, 0.60, 0.48, 0.72, 0.66, 0.93, 0.66, 0.66, 0.59, 0.72, 0.37, 0.72, 0.84)))
_W_SPECIAL = {"Đ": 0.84, "đ": 0.72, "Ơ": 0.92, "ơ": 0.69, "Ư": 0.86, "ư": 0.72, "…": 1.0, "·": 0.39, "–": 0.50, "—": 1.0, "“": 0.66, "”": 0.66}
_W_DEFAULT = 1.0

FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
REL_ORDER = ("based_on", "implements", "guides", "amends", "replaces", "repeals", "cites")


def text_width(text: str, font_size: float) -> float:
    """Upper estimate of the rendered width of ``text`` in px (combining marks count 0)."""
    w = 0.0
    for ch in unicodedata.normalize("NFC", text or ""):
        if ch in _W_SPECIAL:
            w += _W_SPECIAL[ch]
            continue
        nfd = unicodedata.normalize("NFD", ch)
        if unicodedata.combining(nfd[0]):
            continue
        # tone and hat marks stack above or below; only the horn (ơ, ư) widens a letter
        base = nfd[0] + "\u031b" if "\u031b" in nfd else nfd[0]
        base = unicodedata.normalize("NFC", base)
        w += _W_SPECIAL.get(base) or _W.get(base, _W_DEFAULT)
    return w * font_size


def clip(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _dmy(iso) -> str:
    if isinstance(iso, str) and len(iso) == 10 and iso[4] == "-" and iso[7] == "-":
        return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"
    return iso or ""


def node_lines(d: dict, max_chars: int = 34) -> list[str]:
    """Two label lines: the number (or the title), then type · dd/mm/yyyy."""
    first = d.get("number") or clip(d.get("title") or "", max_chars) or d.get("id") or ""
    second = " · ".join(x for x in (d.get("type") or "", _dmy(d.get("date"))) if x)
    return [clip(first, max_chars)] + ([clip(second, max_chars)] if second else [])


@dataclass
class Style:
    font_size: float = 13.0          # first label line (≥ 12 px)
    small_size: float = 12.0         # second label line (≥ 12 px)
    root_font_size: float = 14.0
    pad_x: float = 10.0
    pad_y: float = 6.0
    line_height: float = 1.3
    h_gap: float = 24.0              # between boxes in a row
    row_gap: float = 40.0            # between the wrapped rows of one layer
    layer_gap: float = 64.0          # between layers
    margin: float = 16.0
    max_width: float = 960.0         # a layer wider than this wraps
    sweeps: int = 4


@dataclass
class Box:
    id: str
    x: float
    y: float
    w: float
    h: float
    lines: list
    level: int
    row: int
    font_sizes: list = field(default_factory=list)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    def as_dict(self) -> dict:
        return {"id": self.id, "x": round(self.x, 1), "y": round(self.y, 1), "w": round(self.w, 1),
                "h": round(self.h, 1), "lines": self.lines, "font_sizes": self.font_sizes,
                "level": self.level, "row": self.row}


def levels(data: dict) -> dict:
    """Signed layer per node: ``data['level']`` when given (kg.chains), else BFS along
    out-edges (negative) and in-edges (positive) from the root, then any other node
    at its undirected distance below the root."""
    if data.get("level"):
        return {n["id"]: int(data["level"].get(n["id"], 0)) for n in data["nodes"]}
    root = data["root"]["id"]
    outs: dict = {}
    ins: dict = {}
    for e in data["edges"]:
        outs.setdefault(e["source"], []).append(e["target"])
        ins.setdefault(e["target"], []).append(e["source"])

    def bfs(adj):
        dist = {root: 0}
        q = deque([root])
        while q:
            u = q.popleft()
            for v in sorted(adj.get(u, ())):
                if v not in dist:
                    dist[v] = dist[u] + 1
                    q.append(v)
        return dist

    up, down = bfs(outs), bfs(ins)
    both = {k: sorted(set(outs.get(k, ())) | set(ins.get(k, ()))) for k in set(outs) | set(ins)}
    und = bfs(both)
    lv = {}
    for n in (x["id"] for x in data["nodes"]):
        if n in up and (n not in down or up[n] <= down[n]):
            lv[n] = -up[n]
        elif n in down:
            lv[n] = down[n]
        else:
            lv[n] = und.get(n, 1)
    lv[root] = 0
    return lv


def _crossings(order_a: list, order_b: list, nbrs: dict) -> int:
    pos_b = {n: i for i, n in enumerate(order_b)}
    pairs = sorted((i, pos_b[m]) for i, n in enumerate(order_a) for m in nbrs.get(n, ()) if m in pos_b)
    c = 0
    for i in range(len(pairs)):
        for j in range(i + 1, len(pairs)):
            if pairs[i][0] < pairs[j][0] and pairs[i][1] > pairs[j][1]:
                c += 1
    return c


def _order_layers(layer_ids: list, members: dict, nbrs: dict, first_rel: dict, names: dict, sweeps: int) -> dict:
    """Barycentric crossing reduction; returns {layer: [ids in order]}."""
    rank = {r: i for i, r in enumerate(REL_ORDER)}
    order = {L: sorted(members[L], key=lambda n: (rank.get(first_rel.get(n), 99), names[n], n)) for L in layer_ids}

    def npos(L):
        m = order[L]
        return {n: (i + 0.5) / len(m) for i, n in enumerate(m)}

    def total():
        return sum(_crossings(order[a], order[b], nbrs) for a, b in zip(layer_ids, layer_ids[1:]))

    best = {L: list(v) for L, v in order.items()}
    best_c = total()
    for s in range(sweeps):
        seq = layer_ids[1:] if s % 2 == 0 else layer_ids[-2::-1]
        for L in seq:
            ref = layer_ids[layer_ids.index(L) - 1] if s % 2 == 0 else layer_ids[layer_ids.index(L) + 1]
            rp = npos(ref)
            cur = npos(L)
            key = {}
            for n in order[L]:
                xs = [rp[m] for m in nbrs.get(n, ()) if m in rp]
                key[n] = sum(xs) / len(xs) if xs else cur[n]
            order[L] = sorted(order[L], key=lambda n: (key[n], cur[n], n))
        c = total()
        if c < best_c:
            best_c, best = c, {L: list(v) for L, v in order.items()}
    return best


def _wrap(ids: list, widths: dict, max_width: float, gap: float) -> list:
    """Split a layer into rows of about equal width, each at most max_width if possible."""
    total = sum(widths[n] for n in ids) + gap * max(len(ids) - 1, 0)
    if total <= max_width or len(ids) <= 1:
        return [ids]
    k = math.ceil(total / max_width)
    while True:
        target = total / k
        rows, cur, cw = [], [], 0.0
        for n in ids:
            add = widths[n] + (gap if cur else 0.0)
            if cur and (cw + add > max_width or (cw + add / 2 > target and len(rows) < k - 1)):
                rows.append(cur)
                cur, cw = [], 0.0
                add = widths[n]
            cur.append(n)
            cw += add
        rows.append(cur)
        if len(rows) <= k or k >= len(ids):
            return rows
        k += 1


def layout(data: dict, style: Style | None = None) -> dict:
    """{width, height, boxes: {id: Box}, edges: [{source, target, type, points}], rows, root}."""
    st = style or Style()
    root = data["root"]["id"]
    docs = {n["id"]: n for n in data["nodes"]}
    docs.setdefault(root, data["root"])
    lv = levels(data)
    lv.setdefault(root, 0)
    edges = [e for e in data["edges"] if e["source"] in docs and e["target"] in docs]
    nbrs: dict = {}
    first_rel: dict = {}
    for e in sorted(edges, key=lambda e: (e["source"], e["target"], e["type"])):
        s, t = e["source"], e["target"]
        nbrs.setdefault(s, []).append(t)
        nbrs.setdefault(t, []).append(s)
        for a, b in ((s, t), (t, s)):
            if abs(lv[b]) < abs(lv[a]) or b == root:
                first_rel.setdefault(a, e["type"])
    for k in nbrs:
        nbrs[k] = sorted(set(nbrs[k]))

    # box sizes from the label text
    lines, sizes, widths = {}, {}, {}
    for n, d in docs.items():
        ln = node_lines(d)
        fs = [st.root_font_size if n == root else st.font_size] + [st.small_size] * (len(ln) - 1)
        lines[n], sizes[n] = ln, fs
        widths[n] = max(text_width(t, f) for t, f in zip(ln, fs)) + 2 * st.pad_x  # bold-face widths
    box_h = 2 * st.pad_y + st.line_height * (st.root_font_size + st.small_size)

    layer_ids = sorted(set(lv.values()))
    members = {L: [n for n in sorted(docs) if lv[n] == L] for L in layer_ids}
    names = {n: (docs[n].get("number") or docs[n].get("title") or n) for n in docs}
    order = _order_layers(layer_ids, members, nbrs, first_rel, names, st.sweeps)

    # rows: upward layers wrap with their first row nearest the root
    rows = []  # (layer, [ids]) top to bottom
    for L in layer_ids:
        rs = _wrap(order[L], widths, st.max_width, st.h_gap)
        rows.extend((L, r) for r in (reversed(rs) if L < 0 else rs))
    row_w = [sum(widths[n] for n in r) + st.h_gap * (len(r) - 1) for _, r in rows]
    inner = max(row_w) if row_w else 0.0
    W = inner + 2 * st.margin
    boxes: dict = {}
    row_spans = []
    y = st.margin
    for i, ((L, r), rw) in enumerate(zip(rows, row_w)):
        if i:
            y += st.layer_gap if rows[i - 1][0] != L else st.row_gap
        x = st.margin + (inner - rw) / 2
        for n in r:
            boxes[n] = Box(n, x, y, widths[n], box_h, lines[n], L, i, sizes[n])
            x += widths[n] + st.h_gap
        row_spans.append((y, y + box_h))
        y += box_h
    H = y + st.margin
    routes = _route(edges, boxes, rows, row_spans, W, st)
    return {"width": round(W, 1), "height": round(H, 1), "root": root, "boxes": boxes, "edges": routes,
            "rows": [[n for n in r] for _, r in rows], "row_spans": row_spans}


def _gaps(row: list, boxes: dict, W: float) -> list:
    xs = [(boxes[n].x, boxes[n].x + boxes[n].w) for n in row]
    out, prev = [], 0.0
    for a, b in xs:
        out.append((prev, a))
        prev = b
    out.append((prev, W))
    return [(a, b) for a, b in out if b - a >= 8.0]


def _route(edges: list, boxes: dict, rows: list, spans: list, W: float, st: Style) -> list:
    seen_pair: dict = {}
    out = []
    for e in sorted(edges, key=lambda e: (e["source"], e["target"], e["type"])):
        s, t = boxes[e["source"]], boxes[e["target"]]
        pair = tuple(sorted((s.id, t.id)))
        k = seen_pair.get(pair, 0)
        seen_pair[pair] = k + 1
        shift = 6.0 * ((k + 1) // 2) * (1 if k % 2 else -1)
        if s.row == t.row:
            below = s.level >= 0
            yb = s.y + s.h if below else s.y
            dy = (10.0 + 5.0 * (k % 4)) * (1 if below else -1)
            pts = [(s.cx + shift, yb), (s.cx + shift, yb + dy), (t.cx + shift, yb + dy), (t.cx + shift, yb)]
        else:
            top, bot = (s, t) if s.row < t.row else (t, s)
            p0 = (top.cx + shift, top.y + top.h)
            p1 = (bot.cx + shift, bot.y)
            pts = [p0]
            cur = p0
            for r in range(top.row + 1, bot.row):
                y0, y1 = spans[r]
                ym = (y0 + y1) / 2
                f = (ym - cur[1]) / ((p1[1] - cur[1]) or 1.0)
                xl = cur[0] + (p1[0] - cur[0]) * f
                best = None
                for a, b in _gaps(rows[r][1], boxes, W):
                    gx = min(max(xl, a + 4.0), b - 4.0)
                    if best is None or abs(gx - xl) < abs(best - xl):
                        best = gx
                pts += [(best, y0 - 6.0), (best, y1 + 6.0)]
                cur = pts[-1]
            pts.append(p1)
            if top is t:
                pts.reverse()
        out.append({"source": s.id, "target": t.id, "type": e["type"],
                    "points": [(round(x, 1), round(y, 1)) for x, y in pts]})
    return out


def overlaps(boxes) -> list:
    """Pairs of boxes that overlap (for tests and checks): [(id, id), ...]."""
    bs = sorted(boxes.values() if isinstance(boxes, dict) else boxes, key=lambda b: (b.y, b.x))
    bad = []
    for i, a in enumerate(bs):
        for b in bs[i + 1:]:
            if b.y >= a.y + a.h:
                break
            if a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h:
                bad.append((a.id, b.id))
    return bad

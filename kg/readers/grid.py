"""Ruled tables from line segments (PDF paths or rules found in a scan).

Coordinates have y growing upwards (PDF); OCR flips its pixel rows first.
Rules that touch form one table; their clustered x and y positions are the
grid; a grid line missing between two neighbouring grid cells merges them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

Rule = tuple[float, float, float]      # (position, start, end)


@dataclass
class Grid:
    xs: list[float]                    # left → right
    ys: list[float]                    # top → bottom (descending y)
    cells: list[tuple[int, int, int, int]] = field(default_factory=list)   # (row, col, rowspan, colspan)
    rowspans: list[list[int]] = field(default_factory=list)

    def cell_at(self, x: float, y: float) -> Optional[tuple[int, int]]:
        for i, j, rs, cs in self.cells:
            if self.xs[j] <= x <= self.xs[j + cs] and self.ys[i + rs] <= y <= self.ys[i]:
                return (i, j)
        return None

    def bounds(self, i: int, j: int, rs: int, cs: int) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of a cell."""
        return self.xs[j], self.ys[i + rs], self.xs[j + cs], self.ys[i]

    def fill(self, texts: dict[tuple[int, int], str]) -> list[list[str]]:
        """Rows of cell texts; a merged cell's text in every row it spans, in
        its first column (the spanned columns stay empty, as HTML colspan)."""
        nr, nc = len(self.ys) - 1, len(self.xs) - 1
        rows = [[""] * nc for _ in range(nr)]
        for i, j, rs, cs in self.cells:
            t = texts.get((i, j), "")
            for a in range(i, i + rs):
                rows[a][j] = t
        return rows


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    group: list[float] = []
    for v in sorted(values):
        if group and v - group[-1] > tol:
            out.append(sum(group) / len(group))
            group = []
        group.append(v)
    if group:
        out.append(sum(group) / len(group))
    return out


def _covered(rules: list[Rule], pos: float, lo: float, hi: float, tol: float) -> bool:
    mid = (lo + hi) / 2
    return any(abs(p - pos) <= tol and a - tol <= mid <= b + tol for p, a, b in rules)


def grid_cells(hs: list[Rule], vs: list[Rule], tol: float = 2.5, max_rules: int = 4000) -> list[Grid]:
    """Tables made of horizontal (y, x0, x1) and vertical (x, y0, y1) rules."""
    if len(hs) < 2 or len(vs) < 2 or len(hs) + len(vs) > max_rules:
        return []

    def touches(h: Rule, v: Rule) -> bool:
        return h[1] - tol <= v[0] <= h[2] + tol and v[1] - tol <= h[0] <= v[2] + tol

    # a rule of a grid meets at least two rules across it (drops underlines, arcs of stamps)
    for _ in range(2):
        hs = [h for h in hs if sum(1 for v in vs if touches(h, v)) >= 2]
        vs = [v for v in vs if sum(1 for h in hs if touches(h, v)) >= 2]
    if len(hs) < 2 or len(vs) < 2:
        return []
    n = len(hs) + len(vs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if touches(h, v):
                a, b = find(i), find(len(hs) + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list, list]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    grids = []
    for gh, gv in groups.values():
        ys = _cluster([y for y, _, _ in gh], tol)[::-1]
        xs = _cluster([x for x, _, _ in gv], tol)
        if len(ys) < 2 or len(xs) < 2 or (len(ys) - 1) * (len(xs) - 1) < 2:
            continue
        grids.append(_cells(Grid(xs, ys), gh, gv, tol))
    grids.sort(key=lambda g: -g.ys[0])
    return grids


def _cells(g: Grid, hs: list[Rule], vs: list[Rule], tol: float) -> Grid:
    xs, ys = g.xs, g.ys
    nr, nc = len(ys) - 1, len(xs) - 1
    seen = [[False] * nc for _ in range(nr)]
    g.rowspans = [[1] * nc for _ in range(nr)]
    for i in range(nr):
        for j in range(nc):
            if seen[i][j]:
                continue
            cs = 1
            while j + cs < nc and not seen[i][j + cs] and not _covered(vs, xs[j + cs], ys[i + 1], ys[i], tol):
                cs += 1
            rs = 1
            while i + rs < nr and not any(_covered(hs, ys[i + rs], xs[k], xs[k + 1], tol)
                                          for k in range(j, j + cs)):
                rs += 1
            for a in range(i, i + rs):
                for k in range(j, j + cs):
                    seen[a][k] = True
            g.cells.append((i, j, rs, cs))
            g.rowspans[i][j] = rs
    return g

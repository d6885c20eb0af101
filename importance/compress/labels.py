"""Where a chart's point labels go so that no two of them intersect, at any size it is drawn.

A chart is as wide as its container (1280 px or 800 px screens, a sidebar open or not), so the
labels are placed in pixels for every plot size in `PLOT_WIDTHS` x `PLOT_HEIGHTS` (the axes'
titles and ticks take a share that depends on their text): a label goes to the first
side of its point (`POSITIONS`, Plotly's `textposition`) where its box, from a text-width
estimate (`text_box`), stays inside the plot and meets no label placed before it at any of
those sizes; a label with no such side is left off (its name stays in the hover). The axes'
ranges are fixed by `padded_range`, so data and pixels correspond as computed here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

FONT_PX = 11  # the labels' font size
CHAR_EM = 0.62  # an upper estimate of a sans-serif character's width, in font sizes
LINE_EM = 1.25  # a line's height, in font sizes
GAP_PX = 2.0  # space kept around each label
MARKER_PX = 6  # the labelled markers' size
PLOT_WIDTHS = (260, 360, 480, 640, 860, 1150)  # plot areas checked, px (charts stretch)
PLOT_HEIGHTS = (230, 270, 310)  # px: a fixed figure height less the title, legend, x axis
POSITIONS = ("top right", "top left", "bottom right", "bottom left", "middle right",
             "middle left", "top center", "bottom center")
PAD = 0.08  # share of each axis's span added on both sides


@dataclass(frozen=True)
class Box:
    """A label's box in pixels, y downwards."""

    x0: float
    y0: float
    x1: float
    y1: float

    def meets(self, other: Box) -> bool:
        """Whether the two boxes overlap (touching edges do not)."""
        return (self.x0 < other.x1 and other.x0 < self.x1
                and self.y0 < other.y1 and other.y0 < self.y1)


def text_size(text: str, font_px: float = FONT_PX) -> tuple[float, float]:
    """(width, height) in pixels of `text` on one line, estimated from its length."""
    return len(text) * CHAR_EM * font_px, LINE_EM * font_px


def padded_range(values: Sequence[float], log: bool = False) -> tuple[float, float]:
    """An axis range around `values` with `PAD` of the span on each side (log10 units on a
    log axis, as Plotly takes them); a single value gets +-10% of itself."""
    vals = [math.log10(v) for v in values] if log else list(values)
    low, high = min(vals), max(vals)
    span = high - low or (0.04 if log else abs(high) * 0.2 or 1.0)
    return low - PAD * span, high + PAD * span


def _scale(v: float, lo: float, hi: float, log: bool) -> float:
    """`v` as a share of the axis from `lo` to `hi` (0 at lo, 1 at hi)."""
    v = math.log10(v) if log else v
    return (v - lo) / (hi - lo)


def text_box(px: float, py: float, text: str, position: str,
             font_px: float = FONT_PX) -> Box:
    """The box of `text` drawn at `position` of a marker at pixel (`px`, `py`), as Plotly
    offsets it: beside the marker by its radius, on the side named."""
    w, h = text_size(text, font_px)
    vertical, horizontal = position.split()
    r = MARKER_PX / 2 + GAP_PX
    x0 = {"right": px + r, "left": px - r - w, "center": px - w / 2}[horizontal]
    y0 = {"top": py - r - h, "bottom": py + r, "middle": py - h / 2}[vertical]
    return Box(x0 - GAP_PX, y0 - GAP_PX, x0 + w + GAP_PX, y0 + h + GAP_PX)


def place_labels(xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *,
                 x_range: tuple[float, float], y_range: tuple[float, float],
                 x_log: bool = False, y_log: bool = False,
                 widths: Sequence[float] = PLOT_WIDTHS,
                 heights: Sequence[float] = PLOT_HEIGHTS) -> list[str | None]:
    """A Plotly `textposition` for each point's label, or None where it is left off: no two
    placed labels intersect and each stays inside the plot, at every plot size of `widths`
    x `heights` (px). Ranges as the axes have them (log10 units on a log axis)."""
    shares = [(_scale(x, *x_range, x_log), _scale(y, *y_range, y_log))
              for x, y in zip(xs, ys, strict=True)]
    sizes = [(w, h) for w in widths for h in heights]
    placed: list[list[Box]] = []  # per placed label, its box at each size
    out: list[str | None] = []
    for (sx, sy), text in zip(shares, texts, strict=True):
        choice = None
        for position in POSITIONS:
            boxes = [text_box(sx * w, (1 - sy) * h, text, position) for w, h in sizes]
            inside = all(b.x0 >= 0 and b.x1 <= w and b.y0 >= 0 and b.y1 <= h
                         for b, (w, h) in zip(boxes, sizes, strict=True))
            if inside and not any(b.meets(other[k]) for other in placed
                                  for k, b in enumerate(boxes)):
                choice = position
                placed.append(boxes)
                break
        out.append(choice)
    return out

"""A line chart as inline SVG, for the first screen: drawn by the browser as it reads the page,
without Plotly's 4.7 MB script, whose loading and parsing made a cold open wait about two
seconds for its first chart. Ticks are placed for people: whole days on the time axis, round
numbers (1, 2 or 5 times a power of ten) on the value axis."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from importance import text

WIDTH, LEFT, RIGHT, TOP, BOTTOM = 820, 80, 16, 40, 48  # viewBox units
FONT = "font-family:sans-serif;font-size:13px;fill:#1f2937"
GRID = "#e5e7eb"


def nice_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round values enclosing [low, high], 1, 2 or 5 times a power of ten apart (about
    `most` of them), each written without float artefacts by `text.significant`."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(most - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step
    count = int(math.ceil((high - first) / step - 1e-9)) + 1
    digits = max(0, -math.floor(math.log10(step)))
    return [round(first + i * step, digits) for i in range(count)]


def show(svg: str) -> None:
    """Draw an SVG from this module (`st.html` drops inline SVG; markdown keeps it)."""
    import streamlit as st

    st.markdown(svg, unsafe_allow_html=True)


def line_chart(index: pd.DatetimeIndex, values: np.ndarray, *, title: str, y_label: str,
               x_label: str, color: str, height: int = 260) -> str:
    """An SVG line chart of `values` over the time `index` (wall-clock), scaled to the width
    of its container, with day ticks, round value ticks and axis titles."""
    y = np.asarray(values, dtype=float)
    t = pd.DatetimeIndex(index).as_unit("ns")  # `asi8` in the nanoseconds of `Timestamp.value`
    if len(t) < 2 or not np.isfinite(y).any():
        return ""
    x0, x1 = t[0].value, t[-1].value
    lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
    ticks = nice_ticks(lo, hi)
    lo, hi = min([lo, *ticks]), max([hi, *ticks])
    hi = hi if hi > lo else lo + 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM

    def px(v: float) -> float:
        return LEFT + (v - x0) / (x1 - x0) * plot_w

    def py(v: float) -> float:
        return TOP + (hi - v) / (hi - lo) * plot_h

    points = [f"{px(a):.1f} {py(b):.1f}" for a, b in zip(t.asi8, y, strict=True)
              if math.isfinite(b)]
    line = "M" + " L".join(points)
    parts = [f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
             f'aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="0" y="18" style="{FONT};font-size:16px">{html.escape(title)}</text>']
    for v in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(v):.1f}" '
                     f'y2="{py(v):.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{py(v) + 4:.1f}" text-anchor="end" '
                     f'style="{FONT}">{text.significant(v)}</text>')
    days = pd.date_range(t[0].normalize(), t[-1], freq="D")
    for d in days[days >= t[0]]:
        parts.append(f'<text x="{px(d.value):.1f}" y="{TOP + plot_h + 18}" '
                     f'text-anchor="middle" style="{FONT}">{d.strftime("%a %d")}</text>')
    parts += [f'<text x="{LEFT + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
              f'style="{FONT}">{html.escape(x_label)}</text>',
              f'<text transform="translate(14 {TOP + plot_h / 2:.1f}) rotate(-90)" '
              f'text-anchor="middle" style="{FONT}">{html.escape(y_label)}</text>',
              f'<path d="{line}" fill="none" stroke="{color}" stroke-width="1.2"/>',
              "</svg>"]
    return "".join(parts)

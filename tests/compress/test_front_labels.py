"""The Compress front's names: placed so that no two label boxes (from the text-width estimate)
intersect at any plot size a chart is drawn at, inside the plot; a name with no room is left
off the chart (it stays in the hover)."""

from __future__ import annotations

import itertools
import math

from importance.compress import labels
from importance.compress.labels import padded_range, place_labels, text_box

NAMES = ["fp32", "fp16-storage", "bf16-storage", "fp16", "bf16", "int8-dynamic",
         "structured-50-ft", "structured-75-ft"]


def _boxes(xs, ys, texts, where, x_range, y_range, w, h):
    out = []
    for x, y, t, p in zip(xs, ys, texts, where, strict=True):
        if p is None:
            continue
        sx = (x - x_range[0]) / (x_range[1] - x_range[0])
        sy = (math.log10(y) - y_range[0]) / (y_range[1] - y_range[0])
        out.append((text_box(sx * w, (1 - sy) * h, t, p), w, h))
    return out


def _check(xs, ys, texts):
    x_range, y_range = padded_range(xs), padded_range(ys, log=True)
    where = place_labels(xs, ys, texts, x_range=x_range, y_range=y_range, y_log=True)
    for w, h in itertools.product(labels.PLOT_WIDTHS, labels.PLOT_HEIGHTS):
        boxes = _boxes(xs, ys, texts, where, x_range, y_range, w, h)
        for (a, *_), (b, *_) in itertools.combinations(boxes, 2):
            assert not a.meets(b), (w, h, a, b)
        for box, *_ in boxes:
            assert box.x0 >= 0 and box.x1 <= w and box.y0 >= 0 and box.y1 <= h, (w, h, box)
    return where


def test_crowded_names_never_meet_and_some_are_left_off():
    """The storage formats measured at almost the same point: the names that would meet are
    left off, at every size."""
    xs = [1.00, 1.01, 1.02, 1.03, 1.04, 2.0, 3.0, 3.05]
    ys = [10.0, 10.01, 10.02, 10.0, 10.01, 10.1, 11.0, 11.05]
    where = _check(xs, ys, NAMES)
    assert where[0] is not None  # the first name always finds room
    assert None in where  # five names at one point cannot all be written


def test_names_apart_are_all_written():
    xs = [1.0, 5.0, 9.0]
    ys = [10.0, 14.0, 20.0]
    assert None not in _check(xs, ys, ["fp32", "int8-dynamic", "structured-50-ft"])


def test_boxes_follow_the_text_width_estimate():
    """A longer name has a wider box; touching boxes do not meet."""
    short, long = text_box(100, 100, "fp32", "top right"), text_box(100, 100, "int8-dynamic",
                                                                    "top right")
    assert long.x1 - long.x0 > short.x1 - short.x0
    assert long.x0 == short.x0 and long.y1 == short.y1
    left = text_box(100, 100, "fp32", "top left")
    assert left.x1 <= short.x0 and not left.meets(short)


def test_the_compress_charts_draw_the_placed_names():
    """The page's front trace writes the names `place_labels` placed and no others."""
    from ui.compress import figure

    def v(name, kwh, kb, mae):
        return {"name": name, "status": "measured", "energy_kwh_per_1000": kwh,
                "size_bytes": kb * 1024, "test_mae": mae, "latency_ratio": 1.0,
                "device": "CPU (test)"}

    variants = [v("fp32", 2e-7, 40, 10.0), v("fp16-storage", 2.01e-7, 20, 10.0),
                v("bf16-storage", 2.02e-7, 20, 10.01), v("int8-dynamic", 1e-7, 12, 10.3)]
    fig = figure(variants, "mwh")
    (front,) = [t for t in fig.data if t.name == "front"]
    xs, ys = list(front.x), list(front.y)
    where = place_labels(xs, ys, list(front.customdata), x_range=tuple(fig.layout.xaxis.range),
                         y_range=tuple(fig.layout.yaxis.range), y_log=True)
    assert list(front.text) == [n if p else "" for n, p in zip(front.customdata, where,
                                                                strict=True)]
    assert [p for p in front.textposition if p] and any(front.text)

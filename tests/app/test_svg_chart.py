"""ui.svg: the first screen's inline line chart, with ticks for people."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from importance.text import significant
from ui.svg import LEFT, RIGHT, WIDTH, line_chart, nice_ticks


def test_value_ticks_are_round_numbers_written_without_float_artefacts():
    assert nice_ticks(0.0, 100.0) == [0.0, 50.0, 100.0]
    assert nice_ticks(12.3, 70.12987012987011) == [0.0, 20.0, 40.0, 60.0, 80.0]
    assert [significant(v) for v in nice_ticks(0.1, 0.7)] == ["0", "0.2", "0.4", "0.6", "0.8"]
    assert [significant(v) for v in nice_ticks(1200, 9800)] == ["0", "5,000", "10,000"]
    assert significant(0.30000000000000004) == "0.3"
    assert nice_ticks(5.0, 5.0) == [5.0] and nice_ticks(float("nan"), 1.0) == []


def test_the_chart_draws_every_point_with_day_ticks_and_escaped_titles():
    index = pd.date_range("2013-12-16", periods=7 * 144, freq="10min").as_unit("us")
    values = 100 + 50 * np.sin(np.arange(len(index)) / 23)
    svg = line_chart(index, values, title="Square <5060> & co", y_label="internet",
                     x_label="time (Europe/Rome)", color="#111827")
    (line,) = re.findall(r'<path d="M([^"]+)"', svg)
    xs = [float(p.split()[0]) for p in line.split(" L")]
    assert len(xs) == len(index)  # every point, placed across the plot (any time unit)
    assert xs[0] == LEFT and xs[-1] == WIDTH - RIGHT and xs == sorted(xs)
    days = re.findall(r">(\w{3} \d{2})</text>", svg)
    assert days == ["Mon 16", "Tue 17", "Wed 18", "Thu 19", "Fri 20", "Sat 21", "Sun 22"]
    assert "Square &lt;5060&gt; &amp; co" in svg and "<5060>" not in svg
    labels = re.findall(r'text-anchor="end" style="[^"]+">([^<]+)</text>', svg)
    assert labels == ["50", "100", "150"]  # round values enclosing the data's range
    assert line_chart(index[:1], values[:1], title="t", y_label="y", x_label="x",
                      color="#000") == ""  # one point is no line

"""A deterministic, Milan-like synthetic dataset: the embedded default.

It imitates the statistics of the Telecom Italia "SMS, Call, Internet - MI" dataset
(Barlacchi et al., Sci. Data 2:150055, 2015; ODbL) as summarised in MILAN_FORMAT.md: 10-minute
activity per square from 2013-11-01 to 2014-01-01 (Europe/Rome), with the weekday hourly
profile, cell-specific weekend and holiday levels, bursts, and multiplicative AR(1) noise.

Every (square, day) draws from its own generator seeded by (seed, square, day), so one day
of any set of squares (`write_raw_day`, up to the full 10,000-square grid) equals that day
of `generate_default`. The AR(1) noise of a day is bridged to the next day's start state,
so it stays continuous across midnight.

Regenerate the committed file with `python -m importance.data.synthetic`; `--out PATH` writes
it elsewhere, byte-identical (`cmp PATH data/milan_synthetic.csv.gz` checks it). Its names (the
file, the squares) are in `importance.data.embedded`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from importance.data.embedded import DEFAULT_DATASET
from importance.data.milan import ACTIVITIES, SLOT_MS

SEED = 20131101
FIRST_DAY = dt.date(2013, 11, 1)
START_MS = 1_383_260_400_000  # 2013-11-01 00:00 Europe/Rome (CET, UTC+1, no DST change after)
N_DAYS = 62
SLOTS_PER_DAY = 144
HOLIDAYS = frozenset({
    dt.date(2013, 11, 1), dt.date(2013, 12, 7), dt.date(2013, 12, 8), dt.date(2013, 12, 24),
    dt.date(2013, 12, 25), dt.date(2013, 12, 26), dt.date(2013, 12, 31), dt.date(2014, 1, 1),
})
CHRISTMAS_BREAK = (dt.date(2013, 12, 21), dt.date(2014, 1, 6))  # fewer people in town
BREAK_LEVEL = 0.88
# Hourly weekday profile (MILAN_FORMAT.md), normalised to its mean; hour h covers h..h+1.
WEEKDAY_PROFILE = np.array([.63, .53, .49, .48, .48, .53, .71, .95, 1.17, 1.30, 1.33, 1.30,
                            1.35, 1.30, 1.29, 1.31, 1.33, 1.32, 1.29, 1.21, 1.10, .99, .87, .76])
HOURS = (np.arange(SLOTS_PER_DAY) + 0.5) / 6  # slot centres, in hours after midnight
WEEKEND_HOURS = HOURS - 1.5 * np.exp(-0.5 * ((HOURS - 9) / 2.5) ** 2)  # later morning ramp

DAY_SD = 0.06  # day-to-day level, log scale
WHITE_SD = 0.05  # slot-to-slot white noise, log scale
BURST_RATE = 0.15  # bursts per square per day
ZERO_SCALE = 0.05  # an activity is 0 with probability exp(-value / ZERO_SCALE)
ABSENT_SCALE = 0.004  # a pair has no activity with probability ABSENT_SCALE / expected total
HOLIDAY_ABSENT = 3.0  # ... that many times more often on holidays
PARAMS_STREAM = 1_000_000  # seed-sequence key of the parameters of squares not in CELLS
SPLIT_STREAM = 1_000_001  # seed-sequence key of the raw writer's country-code split


@dataclass(frozen=True)
class Cell:
    """How one square behaves (its name, if it has one: `embedded.SQUARE_NAMES`)."""

    level: float  # mean internet per 10 min on an ordinary weekday
    weekend: float  # weekend / weekday daily level
    holiday: float  # holiday / weekday daily level
    sharpness: float  # exponent on the hourly profile: higher = deeper night trough
    evening: float = 0.0  # extra activity around 22:00 (nightlife)


@dataclass(frozen=True)
class Activity:
    """How one activity differs from internet."""

    share: float  # level relative to internet
    sharpness: float  # added to the cell's profile exponent
    weekend: float  # multiplies the cell's weekend and holiday levels
    phi: float  # AR(1) coefficient of the log-noise
    sigma: float  # stationary standard deviation of the log-noise


CELLS = {
    5060: Cell(level=1000.0, weekend=1.15, holiday=0.6, sharpness=3.5),
    4259: Cell(level=300.0, weekend=0.43, holiday=0.5, sharpness=2.5),
    4456: Cell(level=430.0, weekend=1.3, holiday=1.4, sharpness=2.0, evening=0.8),
    1001: Cell(level=3.5, weekend=0.9, holiday=0.8, sharpness=1.5),
    2100: Cell(level=5.5, weekend=0.85, holiday=0.75, sharpness=1.6),
    3901: Cell(level=8.0, weekend=0.95, holiday=0.85, sharpness=1.4),
    6800: Cell(level=12.0, weekend=0.8, holiday=0.7, sharpness=1.7),
    8170: Cell(level=20.0, weekend=0.9, holiday=0.8, sharpness=1.5),
    9957: Cell(level=28.0, weekend=0.85, holiday=0.75, sharpness=1.6),
}
SQUARES = tuple(sorted(CELLS))  # the squares of embedded.SQUARE_NAMES

MODEL = {
    "sms_in": Activity(share=0.14, sharpness=-0.4, weekend=1.0, phi=0.8, sigma=0.2),
    "sms_out": Activity(share=0.11, sharpness=-0.4, weekend=0.95, phi=0.8, sigma=0.22),
    "call_in": Activity(share=0.10, sharpness=0.4, weekend=0.75, phi=0.8, sigma=0.2),
    "call_out": Activity(share=0.12, sharpness=0.4, weekend=0.75, phi=0.8, sigma=0.2),
    "internet": Activity(share=1.0, sharpness=0.0, weekend=1.0, phi=0.92, sigma=0.1),
}


def _model(attribute: str) -> np.ndarray:
    return np.array([getattr(MODEL[a], attribute) for a in ACTIVITIES])


SHARE, SHARPNESS, WEEKEND, PHI, SIGMA = map(
    _model, ("share", "sharpness", "weekend", "phi", "sigma"))

# Raw layout: ~86 country codes per day; 39 (Italy) carries almost all internet.
COUNTRY_CODES = np.array([
    0, 39, 1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52,
    53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 98,
    212, 213, 216, 220, 221, 225, 233, 234, 237, 251, 254, 351, 352, 353, 354, 355, 356, 357,
    358, 359, 370, 371, 372, 373, 374, 375, 377, 380, 381, 385, 386, 387, 389, 420, 421, 852,
    886, 966, 971, 972, 974,
])
OTHER_CODES = COUNTRY_CODES[COUNTRY_CODES != 39]
OTHER_WEIGHTS = np.arange(1, OTHER_CODES.size + 1) ** -0.7
OTHER_WEIGHTS /= OTHER_WEIGHTS.sum()  # 0 (unknown) most common, then 1, 7, 20, ...
CODES_BY_TEXT = np.array(sorted(COUNTRY_CODES, key=str))  # raw rows sort codes as strings
TEXT_RANK = np.zeros(COUNTRY_CODES.max() + 1, dtype=np.int64)
TEXT_RANK[CODES_BY_TEXT] = np.arange(CODES_BY_TEXT.size)  # code -> position in text order
OTHER_PRESENCE = np.array([0.35, 0.2, 0.15, 0.2, 0.3])  # per activity, on a non-39 row
OTHER_SHARE = np.array([0.12, 0.10, 0.08, 0.08, 0.001])  # of a pair's activity off code 39
MAX_ROWS_PER_PAIR = 36
INTERNET = ACTIVITIES.index("internet")


def cell(square: int, seed: int = SEED) -> Cell:
    """The named cells, or plausible parameters drawn for any other square."""
    if square in CELLS:
        return CELLS[square]
    rng = np.random.default_rng([seed, square, PARAMS_STREAM])
    return Cell(level=float(np.clip(rng.lognormal(3.4, 1.21), 0.5, 1500)),
                weekend=rng.uniform(0.6, 1.2), holiday=rng.uniform(0.5, 1.0),
                sharpness=rng.uniform(1.2, 2.5))


def generate_default(seed: int = SEED) -> pd.DataFrame:
    """All squares over the 62 days, long format; pairs with no activity have no row."""
    values = np.concatenate([day_values(SQUARES, day, seed) for day in range(N_DAYS)], axis=1)
    n_slots = N_DAYS * SLOTS_PER_DAY
    frame = pd.DataFrame({
        "square_id": np.repeat(np.array(SQUARES, dtype=np.int64), n_slots),
        "time_interval": np.tile(START_MS + np.arange(n_slots, dtype=np.int64) * SLOT_MS,
                                 len(SQUARES)),
        **{a: values[..., i].ravel() for i, a in enumerate(ACTIVITIES)},
    })
    return frame[values.reshape(-1, len(ACTIVITIES)).any(axis=1)].reset_index(drop=True)


def default_csv(seed: int = SEED) -> bytes:
    """The committed file's uncompressed bytes."""
    return generate_default(seed).to_csv(index=False, lineterminator="\n").encode()


def write_default(path: str | Path = DEFAULT_DATASET, seed: int = SEED) -> Path:
    """Write the default dataset as gzip with a fixed header (mtime 0, no name)."""
    path = Path(path)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                compresslevel=9, mtime=0) as out:
        out.write(default_csv(seed))
    return path


def write_raw_day(path: str | Path, date: dt.date, squares: Sequence[int] = SQUARES,
                  rows_per_cell: float = 3.3, seed: int = SEED) -> Path:
    """Write one day in the raw Milan layout (TSV, no header, split over country codes).

    The per-square sums over country codes equal `generate_default` on that day (up to
    float rounding). Rows are ordered by square id as a string, then time, then code.
    """
    day = (date - FIRST_DAY).days
    if not 0 <= day < N_DAYS:
        raise ValueError(f"{date} is outside the synthetic window {FIRST_DAY} + {N_DAYS} days")
    squares = sorted(squares, key=str)
    values = day_values(squares, day, seed)
    rng = np.random.default_rng([seed, day, SPLIT_STREAM])
    table = _raw_table(values.reshape(-1, len(ACTIVITIES)), np.array(squares), day,
                       rows_per_cell, rng)
    options = pa_csv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    pa_csv.write_csv(table, str(path), options)
    return Path(path)


def day_values(squares: Sequence[int], day: int, seed: int = SEED) -> np.ndarray:
    """Activity on day `day` of the window: squares x 144 slots x 5 activities."""
    date = FIRST_DAY + dt.timedelta(days=day)
    expected = _expected([cell(s, seed) for s in squares], date)
    draws = [_draws(s, day, seed) for s in squares]
    start, level, innovations, white, uniforms, burst = (np.stack(d) for d in zip(*draws,
                                                                                  strict=True))
    end = np.stack([_start_state(s, day + 1, seed) for s in squares])
    log_noise = (SIGMA * _ar1_bridge(start, innovations, end) - SIGMA**2 / 2
                 + WHITE_SD * white - WHITE_SD**2 / 2
                 + DAY_SD * level[:, None, None] - DAY_SD**2 / 2)
    values = expected * burst[:, :, None] * np.exp(log_noise)
    values[uniforms[..., :5] < np.exp(-values / ZERO_SCALE)] = 0.0
    absent_rate = ABSENT_SCALE * (HOLIDAY_ABSENT if date in HOLIDAYS else 1.0)
    values[uniforms[..., 5] < absent_rate / expected.sum(axis=-1)] = 0.0
    return _round_significant(values)


def _expected(cells: Sequence[Cell], date: dt.date) -> np.ndarray:
    """Mean activity per square, slot and activity: level x day factor x daily profile."""
    def column(attribute: str) -> np.ndarray:
        return np.array([getattr(c, attribute) for c in cells])[:, None, None]

    kind = "holiday" if date in HOLIDAYS else "weekend" if date.weekday() >= 5 else "weekday"
    hours = HOURS if kind == "weekday" else WEEKEND_HOURS
    hourly = np.interp(hours, np.arange(24) + 0.5, WEEKDAY_PROFILE, period=24)
    evening = np.exp(-0.5 * (((hours - 22 + 12) % 24 - 12) / 2) ** 2)
    shape = (hourly[None, :, None] ** (column("sharpness") + SHARPNESS)
             * (1 + column("evening") * evening[None, :, None]))
    shape /= shape.mean(axis=1, keepdims=True)
    factor = 1.0 if kind == "weekday" else column(kind) * WEEKEND
    season = BREAK_LEVEL if CHRISTMAS_BREAK[0] <= date <= CHRISTMAS_BREAK[1] else 1.0
    return column("level") * season * factor * SHARE * shape


def _start_state(square: int, day: int, seed: int) -> np.ndarray:
    """The standardised AR(1) state at 00:00: the first draw of that day's generator."""
    return np.random.default_rng([seed, square, day]).standard_normal(len(ACTIVITIES))


def _draws(square: int, day: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng([seed, square, day])
    start = rng.standard_normal(len(ACTIVITIES))  # == _start_state(square, day, seed)
    level = rng.standard_normal()
    innovations = rng.standard_normal((SLOTS_PER_DAY, len(ACTIVITIES)))
    white = rng.standard_normal((SLOTS_PER_DAY, len(ACTIVITIES)))
    uniforms = rng.random((SLOTS_PER_DAY, len(ACTIVITIES) + 1))  # zero / absent draws
    return start, level, innovations, white, uniforms, _burst(rng)


def _burst(rng: np.random.Generator) -> np.ndarray:
    """Multiplier with occasional multi-slot spikes (events)."""
    out = np.ones(SLOTS_PER_DAY)
    for _ in range(rng.poisson(BURST_RATE)):
        start, length = rng.integers(SLOTS_PER_DAY), rng.integers(3, 13)
        height = rng.uniform(0.5, 2.0)
        t = np.arange(start, min(start + length, SLOTS_PER_DAY))
        out[t] += height * np.sin(np.pi * (t - start + 0.5) / length) ** 2
    return out


def _ar1_bridge(start: np.ndarray, innovations: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Standardised AR(1) paths from `start`, conditioned to reach `end` one slot after the
    day (the next day's start): squares x slots x activities."""
    n_slots = innovations.shape[1]
    path = np.empty((start.shape[0], n_slots + 1, start.shape[1]))
    path[:, 0] = start
    scale = np.sqrt(1 - PHI**2)
    for t in range(1, n_slots + 1):
        path[:, t] = PHI * path[:, t - 1] + scale * innovations[:, t - 1]
    t = np.arange(n_slots + 1)[:, None]
    pull = PHI ** (n_slots - t) * (1 - PHI ** (2 * t)) / (1 - PHI ** (2 * n_slots))
    path += pull * (end - path[:, -1])[:, None, :]
    return path[:, :-1]


def _round_significant(values: np.ndarray, digits: int = 4) -> np.ndarray:
    """Round to `digits` significant digits; the results print as short decimals."""
    out = np.zeros_like(values)
    positive = values > 0
    v = values[positive]
    exponent = np.floor(np.log10(v)).astype(int) - (digits - 1)
    scale = 10.0 ** np.abs(exponent)
    out[positive] = np.where(exponent < 0, np.round(v * scale) / scale,
                             np.round(v / scale) * scale)
    return out


def _raw_table(values: np.ndarray, squares: np.ndarray, day: int, rows_per_cell: float,
               rng: np.random.Generator) -> pa.Table:
    """Split each (square, slot) pair's activity over country-code rows."""
    pairs = np.flatnonzero(values.any(axis=1))
    extra = np.minimum(rng.poisson(rows_per_cell - 1, pairs.size), MAX_ROWS_PER_PAIR - 1)
    extra_pairs = np.repeat(pairs, extra)
    extra_codes = rng.choice(OTHER_CODES, size=extra_pairs.size, p=OTHER_WEIGHTS)
    rows = np.zeros((values.shape[0], CODES_BY_TEXT.size), dtype=bool)  # pair x code
    rows[pairs, TEXT_RANK[39]] = True
    rows[extra_pairs, TEXT_RANK[extra_codes]] = True
    pair, code = np.divmod(np.flatnonzero(rows), CODES_BY_TEXT.size)  # sorted, distinct
    code = CODES_BY_TEXT[code]
    is_39 = (code == 39)[:, None]
    total = values[pair]
    present = ~is_39 & (total > 0) & (rng.random(total.shape) < OTHER_PRESENCE)
    bare = ~is_39[:, 0] & ~present.any(axis=1)  # a row needs some activity: give it internet
    present[bare, INTERNET] = total[bare, INTERNET] > 0
    weight = np.where(present, rng.uniform(0.2, 1.8, total.shape), 0.0)
    weight_per_pair = _sum_by(pair, weight, values.shape[0])
    other = np.divide(total * OTHER_SHARE * weight, weight_per_pair[pair],
                      out=np.zeros_like(weight), where=present)
    own = total - _sum_by(pair, other, values.shape[0])[pair]
    cells = np.where(is_39, own, other)
    keep = is_39[:, 0] | present.any(axis=1)
    non_empty = (cells > 0)[keep]
    slot = pair[keep] % SLOTS_PER_DAY
    columns = {
        "square_id": pa.array(squares[pair[keep] // SLOTS_PER_DAY]),
        "time_interval": pa.array(START_MS + (day * SLOTS_PER_DAY + slot) * SLOT_MS),
        "country_code": pa.array(code[keep]),
        **{a: pa.array(cells[keep, i], mask=~non_empty[:, i]) for i, a in enumerate(ACTIVITIES)},
    }
    return pa.table(columns)


def _sum_by(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Column-wise sums of `values` rows per group: n_groups x columns."""
    return np.stack([np.bincount(group, weights=values[:, i], minlength=n_groups)
                     for i in range(values.shape[1])], axis=1)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Regenerate the embedded synthetic Milan-like dataset (bit-identical).")
    parser.add_argument("--out", type=Path, default=DEFAULT_DATASET, help="default: %(default)s")
    parser.add_argument("--seed", type=int, default=SEED, help="default: %(default)s")
    args = parser.parse_args(argv)
    path = write_default(args.out, args.seed)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()

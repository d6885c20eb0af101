"""Which cells matter in a run on several series (a panel): per cell, the share of its
training windows kept in each epoch and overall, the cells never or always kept, the
distribution of its windows' latest scores, and, for Milan squares, its place on the grid.

Everything is derived from the run's stored arrays: `selected` (epochs x windows),
`scores`, and `train_series`, each training window's series as an index into the run's
series ids (`config.data.series`); the epochs that selected by score come from the summary's
epoch records (`importance.aggregates.importance.epochs_by_score`). No per-cell table is
stored with the run: the arrays are enough, and the Importance page and `importance compare`
read them anyway; for 1,000 cells x 500 windows x 16 epochs `cell_selection` takes about
0.05 s on this project's shared 2-core machine (0.2 s with the windows in no cell order),
where reading those arrays takes 0.7 s. (A per-cell table in summary.json would slow every
listing of the runs, which reads each summary.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from importance.aggregates.forecasts import run_series
from importance.aggregates.importance import (
    epoch_list,
    epochs_by_score,
    latest_scores,
    score_based_epochs,
)
from importance.runs.identity import RunInfo
from importance.runs.store import StoredRun

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # of a cell's windows' latest scores
N_RANKED = 10  # cells listed as most and least kept


@dataclass(frozen=True)
class CellSelection:
    """Per cell (series) of a panel run, which share of its training windows was kept."""

    names: tuple[str, ...]  # (C,) the run's series ids
    windows: np.ndarray  # (C,) training windows of each cell
    per_epoch: np.ndarray  # (E, C) share of the cell's windows kept that epoch; NaN: none
    based: np.ndarray  # (E,) bool: the epochs that selected by score
    kept: np.ndarray  # (C,) share of the cell's windows kept over the `counted` epochs
    quantiles: np.ndarray  # (C, len(QUANTILES)) of its windows' latest scores; NaN: none

    @property
    def counted(self) -> np.ndarray:
        """(E,) bool: the epochs counted in `kept` (`counted_epochs`)."""
        return counted_epochs(self.based)

    def counted_words(self) -> str:
        """Which epochs `kept` counts, in words."""
        if self.based.any():
            return f"the epochs that selected by score ({epoch_list(np.flatnonzero(self.based))})"
        return "every epoch (none selected by score)"

    def never(self) -> list[str]:
        """Cells none of whose windows was kept in any counted epoch."""
        return [self.names[i] for i in np.flatnonzero(self.kept == 0)]

    def always(self) -> list[str]:
        """Cells every one of whose windows was kept in every counted epoch."""
        return [self.names[i] for i in np.flatnonzero(self.kept == 1)]

    def order(self) -> np.ndarray:
        """Cell indices from the most kept to the least (ties: in the run's order; cells
        without a window last)."""
        kept = np.where(np.isfinite(self.kept), self.kept, -np.inf)
        return np.argsort(-kept, kind="stable")

    def ranked(self, n: int = N_RANKED) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The `n` most kept cells (most first) and the `n` least kept (least first), as
        `series, kept` frames; fewer than 2n cells: split between the two."""
        return ranked_cells(self.names, self.kept, n)

    def table(self) -> pd.DataFrame:
        """One row per cell from the most kept: series, windows, kept share, the shares per
        epoch ("epoch 1", ...) and the quantiles of its latest scores ("score p50", ...)."""
        order = self.order()
        frame = pd.DataFrame({"series": np.asarray(self.names, dtype=object)[order],
                              "windows": self.windows[order], "kept": self.kept[order]})
        for e in range(self.per_epoch.shape[0]):
            frame[f"epoch {e + 1}"] = self.per_epoch[e, order]
        for k, q in enumerate(QUANTILES):
            frame[f"score p{round(100 * q)}"] = self.quantiles[order, k]
        return frame


def counted_epochs(based: np.ndarray) -> np.ndarray:
    """(E,) bool: the epochs a cell's overall kept share counts: those that selected by score
    (`based`; an importance strategy's warm-up epochs pick at random), or every epoch when
    none did (`importance.aggregates.importance.selection_to_show`'s rule)."""
    return based if based.any() else np.ones_like(based)


def ranked_cells(names: Sequence[str], kept: np.ndarray, n: int = N_RANKED
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The `n` most kept cells (most first) and the `n` least kept (least first) of
    `kept` (C,) per cell, as `series, kept` frames; cells without a share (NaN) are left out,
    and with fewer than 2n cells the most kept half goes first."""
    kept = np.asarray(kept, dtype=float)
    ok = np.flatnonzero(np.isfinite(kept))
    order = ok[np.argsort(-kept[ok], kind="stable")]
    top = order[:min(n, (len(order) + 1) // 2)]
    bottom = order[len(top):][::-1][:n]
    frame = [pd.DataFrame({"series": [str(names[i]) for i in part], "kept": kept[part]})
             for part in (top, bottom)]
    return frame[0], frame[1]


def _groups(train_series: np.ndarray, n_cells: int) -> tuple[np.ndarray | None, np.ndarray]:
    """(order that sorts windows by cell, None when they are sorted already; windows per
    cell (C,)), checking every index names one of the `n_cells` series."""
    owner = np.asarray(train_series)
    if owner.size and (owner.min() < 0 or owner.max() >= n_cells):
        raise ValueError(f"train_series holds series index {int(owner.max())} but the run "
                         f"names {n_cells} series: the run's arrays and config disagree")
    counts = np.bincount(owner, minlength=n_cells)
    if np.all(owner[1:] >= owner[:-1]):
        return None, counts
    small = owner.astype(np.int16) if n_cells <= np.iinfo(np.int16).max else owner
    return np.argsort(small, kind="stable"), counts  # int16: a radix sort, ~10x faster


def _group_sums(values: np.ndarray, order: np.ndarray | None, counts: np.ndarray) -> np.ndarray:
    """(E, N) -> (E, C): sums over each cell's windows (0 for a cell without windows)."""
    v = values if order is None else values[:, order]
    out = np.zeros((v.shape[0], len(counts)), dtype=np.float64)
    full = np.flatnonzero(counts)
    if full.size:
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[full]
        out[:, full] = np.add.reduceat(v, starts, axis=1, dtype=np.float64)
    return out


def _sorted_in_groups(values: np.ndarray, owner: np.ndarray, order: np.ndarray | None,
                      counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N,) values of cells `owner` (`order`, `counts`: `_groups`) -> (each cell's values
    ascending, NaN last, one cell after another; where each cell's start). Cells of similar
    sizes sort as the rows of one NaN-padded 2-D array; very unequal ones by value, then
    stably by cell."""
    v = np.asarray(values, dtype=np.float64)
    owner = np.asarray(owner, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    width = int(counts.max()) if counts.size else 0
    if len(counts) * width <= 4 * len(v):
        if order is None:  # cell after cell: a window's place in its cell's row
            rank = np.arange(len(v)) - starts[owner]
        else:
            rank = np.empty(len(v), dtype=np.int64)
            rank[order] = np.arange(len(v)) - starts[owner[order]]
        padded = np.full((len(counts), width), np.nan)
        padded[owner, rank] = v
        return np.sort(padded, axis=1).ravel(), np.arange(len(counts), dtype=np.int64) * width
    by_value = np.argsort(v)  # NaN last
    return v[by_value[np.argsort(owner[by_value], kind="stable")]], starts


def group_quantiles(values: np.ndarray, owner: np.ndarray, counts: np.ndarray,
                    qs: Sequence[float] = QUANTILES, order: np.ndarray | None = None
                    ) -> np.ndarray:
    """(N,) values of cells `owner` (each cell's windows: `counts`; `order`: `_groups`') ->
    (C, len(qs)) quantiles of each cell's finite values (linear interpolation, as
    `np.quantile`); NaN for a cell without one."""
    if order is None and np.any(np.diff(owner) < 0):
        order, _ = _groups(owner, len(counts))
    v, starts = _sorted_in_groups(values, owner, order, counts)
    finite = np.bincount(np.asarray(owner)[np.isfinite(values)], minlength=len(counts))
    out = np.full((len(counts), len(qs)), np.nan)
    has = finite > 0
    first, n = starts[has], finite[has]
    for k, q in enumerate(qs):
        pos = first + q * (n - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, first + n - 1)
        out[has, k] = v[lo] + (pos - lo) * (v[hi] - v[lo])
    return out


def cell_selection(scores: np.ndarray, selected: np.ndarray, train_series: np.ndarray,
                   names: Sequence[str], by_score: np.ndarray | None = None) -> CellSelection:
    """Per cell, the kept shares and score quantiles of a panel run: `scores` and `selected`
    (E, N), `train_series` (N,) each window's cell as an index into `names`, `by_score` the
    run's stored `epochs_by_score` (None: inferred, `score_based_epochs`). Overall shares
    count the `counted_epochs`."""
    selected = np.asarray(selected, dtype=bool)
    order, counts = _groups(train_series, len(names))
    kept_n = _group_sums(selected, order, counts)  # (E, C)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_epoch = kept_n / counts  # NaN where a cell has no window
    based = score_based_epochs(scores, by_score)
    counted = counted_epochs(based)
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = kept_n[counted].sum(axis=0) / (counts * counted.sum())
    quantiles = group_quantiles(latest_scores(scores), train_series, counts, order=order)
    return CellSelection(tuple(str(n) for n in names), counts, per_epoch, based, kept,
                         quantiles)


def is_panel_run(run: RunInfo | StoredRun, arrays: Mapping[str, np.ndarray]) -> bool:
    """Whether a run trained one model on several series and stored each window's series."""
    return bool(run_series(run)) and "train_series" in arrays


def run_cells(run: RunInfo | StoredRun, arrays: Mapping[str, np.ndarray]) -> CellSelection:
    """`cell_selection` of a stored panel run (`is_panel_run`): its arrays, its series ids
    (`config.data.series`, the order of `train_series`) and its epochs that selected by score."""
    return cell_selection(arrays["scores"], arrays["selected"], arrays["train_series"],
                          run_series(run), epochs_by_score(run.summary))


def _share(x: float) -> str:
    """A share in percent, never rounded to 0% or 100% unless it is exactly that."""
    return f"{x:.1%}" if 0 < x < 0.005 or 0.995 < x < 1 else f"{x:.0%}"


def cells_text(cells: CellSelection, n_shown: int = 10) -> str:
    """In words: how many cells, how the kept share spreads, and which cells were never or
    always kept (named up to `n_shown` each)."""
    def named(group: list[str]) -> str:
        more = len(group) - n_shown
        return ", ".join(group[:n_shown]) + (f" and {more:,} more" if more > 0 else "")

    finite = cells.kept[np.isfinite(cells.kept)]
    if finite.size == 0:
        return "No cell has a training window."
    out = [f"Over {len(cells.names):,} cells and {cells.counted_words()}, a cell's windows "
           f"were kept {_share(np.median(finite))} of the time at the median, from "
           f"{_share(finite.min())} to {_share(finite.max())}."]
    never, always = cells.never(), cells.always()
    out.append(f"Never kept ({len(never):,}): {named(never)}." if never
               else "No cell was never kept.")
    out.append(f"Always kept ({len(always):,}): {named(always)}." if always
               else "No cell was always kept.")
    return " ".join(out)


def square_map(cells: CellSelection) -> pd.DataFrame:
    """For Milan grid squares (`sweep.view.milan_squares`: every id 1..10000): per square its
    grid column and row (`evidence.grid_position`: west to east, south to north) and kept
    share, as `square, col, row, kept`; empty for other series."""
    from importance.evidence import grid_position  # imports scipy (2 s): only when asked
    from importance.sweep.view import milan_squares

    if not milan_squares(cells.names):
        return pd.DataFrame(columns=["square", "col", "row", "kept"])
    cols, rows = zip(*(grid_position(n) for n in cells.names), strict=True)
    return pd.DataFrame({"square": list(cells.names), "col": cols, "row": rows,
                         "kept": cells.kept})


def mean_kept(selections: Sequence[CellSelection]) -> np.ndarray:
    """(C,) kept share per cell averaged over runs on the same cells (seeds of one strategy);
    ValueError when the runs name other cells."""
    names = selections[0].names
    if any(s.names != names for s in selections[1:]):
        raise ValueError("the runs were trained on different series: their cells cannot be "
                         "averaged")
    return np.mean([s.kept for s in selections], axis=0)


def ranked_records(names: Sequence[str], kept: np.ndarray, n: int = N_RANKED
                   ) -> dict[str, Any]:
    """`ranked_cells` as JSON: {"most_kept": [{"series", "kept"}...], "least_kept": [...]}."""
    most, least = ranked_cells(names, kept, n)
    return {"most_kept": most.to_dict("records"), "least_kept": least.to_dict("records")}

"""One entry point for every source: sniff the file's kind, describe it, load one series.

Kinds are told apart by content, not by name (uploads keep only their suffix):
Parquet by its magic bytes; Milan aggregates by a `square_id,time_interval` header; Milan
raw by a header-less first line of 8 tab-separated fields starting with two integers;
anything else is a generic CSV/TSV (`importance.data.generic`: any layout, dialect and
encoding). Gzip is detected by content as well. Several files are combined when they are raw
Milan days, or generic files of one layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from importance.config import DataConfig
from importance.data import files, generic, milan, timestamps
from importance.data.embedded import DEFAULT_DATASET, DEFAULT_SOURCE, DEFAULT_SQUARE, SQUARE_NAMES
from importance.data.types import DataError, LoadedSeries, SourceInfo

MILAN_LAYOUTS = {"milan_raw": "Milan raw daily files (square, 10-minute slot, country code)",
                 "milan_aggregates": "Milan aggregates (square_id, time_interval, values)"}
KIND_NAMES = {"milan_raw": "raw Milan day", "milan_aggregates": "Milan aggregates",
              "generic": "generic CSV/Parquet"}

Source = str | Path | Sequence[str | Path] | None


def describe_source(path_or_paths: Source = None, *, time_column: str | None = None,
                    series_column: str | None = None, year: int | None = None) -> SourceInfo:
    """What a file (or several files of one layout) offers; None = the embedded default."""
    paths = _paths(path_or_paths)
    kind = _kind(paths)
    if kind == "generic":
        return generic.describe_generic(paths, time_column=time_column,
                                        series_column=series_column, year=year)
    activities = _activities(kind, paths)
    grid = _milan_grid(kind, paths, None, milan.default_activity(activities))
    series = [str(square) for square in grid.values.columns]
    return SourceInfo(path=", ".join(map(str, paths)), kind=kind, series=series,
                      columns=activities, default_series=_default_square(series),
                      default_column=milan.default_activity(activities),
                      labels=_labels(series, paths), layout=MILAN_LAYOUTS[kind],
                      detected=(("layout", MILAN_LAYOUTS[kind]),
                                ("time zone", f"{milan.TZ} (Milan's local time)")))


def load_series(path_or_paths: Source = None, *, series: str | None = None,
                column: str | None = None, time_column: str | None = None,
                series_column: str | None = None, tz: str | None = None,
                year: int | None = None) -> LoadedSeries:
    """One regular, gap-filled series; None = the embedded default.

    For Milan files `series` is a square id and `column` an activity; `time_column`,
    `series_column` and `year` apply to generic files only. `tz` is the series' zone: None
    keeps the data's own (wall-clock time when the timestamps have none).
    """
    paths = _paths(path_or_paths)
    kind = _kind(paths)
    if tz is not None:
        timestamps.check_zone(tz)
    if kind == "generic":
        return generic.load_generic(paths, series=series, column=column,
                                    time_column=time_column, series_column=series_column,
                                    tz=tz, year=year)
    activity = column or milan.default_activity(_activities(kind, paths))
    grid = _milan_grid(kind, paths, None if series is None else [series], activity)
    square = str(series).strip() if series is not None else _default_square(
        [str(s) for s in grid.values.columns])
    values = grid.values[int(square)]
    name = _labels([square], paths).get(square)
    zone = (f"{tz} (chosen)" if tz else f"{milan.TZ} (Milan's local time)")
    return LoadedSeries(
        values=(values.tz_convert(tz) if tz else values).rename(activity),
        freq=milan.SLOT,
        filled=values.index[grid.absent[int(square)].to_numpy()],
        fill_method=milan.FILL_METHOD,
        source=DEFAULT_SOURCE if _is_default(paths) else ", ".join(map(str, paths)),
        label=f"square {square}{f' ({name})' if name else ''} · {activity}",
        series=square,
        column=activity,
        detected=(("layout", MILAN_LAYOUTS[kind]), ("time zone", zone)),
    )


def load(data: DataConfig) -> LoadedSeries:
    """The series a run config names (one: load each of a panel's `data.members()`)."""
    if data.is_panel:
        raise DataError(f"several series named ({', '.join(data.series)}): load them one "
                        "at a time (DataConfig.members)")
    return load_series(data.path, series=data.series, column=data.column,
                       time_column=data.time_column, series_column=data.series_column,
                       tz=data.tz, year=data.year)


def describe(data: DataConfig) -> SourceInfo:
    """What the source of a run config offers."""
    return describe_source(data.path, time_column=data.time_column,
                           series_column=data.series_column, year=data.year)


def _paths(path_or_paths: Source) -> list[Path]:
    if path_or_paths is None:
        return [DEFAULT_DATASET]
    if isinstance(path_or_paths, str | Path):
        return [Path(path_or_paths)]
    paths = [Path(p) for p in path_or_paths]
    if not paths:
        raise DataError("no files given")
    return paths


def _kind(paths: list[Path]) -> str:
    kinds = {path: _sniff(path) for path in paths}
    found = set(kinds.values())
    if len(paths) > 1 and (len(found) > 1 or found == {"milan_aggregates"}):
        listed = ", ".join(f"{p.name} ({KIND_NAMES[k]})" for p, k in kinds.items())
        raise DataError(f"these files cannot be combined: {listed}; combine raw Milan daily "
                        "files, or generic CSV/Parquet files of one layout")
    return kinds[paths[0]]


def _sniff(path: Path) -> str:
    """"milan_raw", "milan_aggregates" or "generic", from the file's content."""
    if files.is_parquet(path):
        return "generic"
    line = files.first_line(path)
    if line.replace(" ", "").replace('"', "").lower().startswith("square_id,time_interval,"):
        return "milan_aggregates"
    fields = line.split("\t")
    if len(fields) == len(milan.RAW_COLUMNS) and all(f.strip().isdigit() for f in fields[:2]):
        return "milan_raw"
    return "generic"


def _activities(kind: str, paths: list[Path]) -> list[str]:
    if kind == "milan_raw":
        return [*milan.ACTIVITIES, milan.TOTAL]
    return milan.aggregates_activities(paths[0])


def _milan_grid(kind: str, paths: list[Path], squares: list[str] | None,
                activity: str) -> milan.MilanGrid:
    if kind == "milan_raw":
        return milan.milan_raw_grid(paths, squares=squares, activity=activity)
    return milan.milan_aggregates_grid(paths[0], squares=squares, activity=activity)


def _default_square(series: list[str]) -> str:
    return DEFAULT_SQUARE if DEFAULT_SQUARE in series else series[0]


def _is_default(paths: list[Path]) -> bool:
    return len(paths) == 1 and paths[0].resolve() == DEFAULT_DATASET


def _labels(series: list[str], paths: list[Path]) -> dict[str, str]:
    """Names of known squares: the landmarks, plus the synthetic default's own names."""
    names = SQUARE_NAMES if _is_default(paths) else milan.LANDMARKS
    return {s: names[int(s)] for s in series if s.isdigit() and int(s) in names}

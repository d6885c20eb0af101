"""One entry point for every source: sniff the file's kind, describe it, load its series
(each file parsed once per process while it is unchanged: `importance.data.cache`).

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
from typing import NamedTuple

from importance.config import DataConfig
from importance.data import bulk, cache, files, generic, milan, timestamps
from importance.data.embedded import DEFAULT_DATASET, DEFAULT_SQUARE, SQUARE_NAMES
from importance.data.types import DEFAULT_SOURCE, DataError, LoadedSeries, SourceInfo

MILAN_LAYOUTS = {"milan_raw": "Milan raw daily files (square, 10-minute slot, country code)",
                 "milan_aggregates": "Milan aggregates (square_id, time_interval, values)"}
KIND_NAMES = {"milan_raw": "raw Milan day", "milan_aggregates": "Milan aggregates",
              "generic": "generic CSV/Parquet"}

Source = str | Path | Sequence[str | Path] | None


def describe_source(path_or_paths: Source = None, *, time_column: str | None = None,
                    series_column: str | None = None, year: int | None = None) -> SourceInfo:
    """What a file (or several files of one layout) offers; None = the embedded default. The
    files are parsed once while they are unchanged (`importance.data.cache`)."""
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
    keeps the data's own (wall-clock time when the timestamps have none). Loaded once per
    process while the files are unchanged (`load_many`).
    """
    return load_many(path_or_paths, [series], column=column, time_column=time_column,
                     series_column=series_column, tz=tz, year=year)[0]


def load_many(path_or_paths: Source, series: Sequence[str | None], *,
              column: str | None = None, time_column: str | None = None,
              series_column: str | None = None, tz: str | None = None,
              year: int | None = None) -> tuple[LoadedSeries, ...]:
    """Several series of one source (`load_series`' arguments), its file(s) parsed once for
    all of them; each series is kept (`importance.data.cache.SERIES`) while the files are
    unchanged, so asking again reads nothing."""
    paths = _paths(path_or_paths)
    options = (column, time_column, series_column, tz, year)
    source = cache.source_key(paths)
    found = {s: cache.SERIES.get((source, s, options)) for s in dict.fromkeys(series)}
    todo = [s for s, loaded in found.items() if loaded is None]
    if todo:
        for s, loaded in zip(todo, _read(paths, todo, *options), strict=True):
            cache.SERIES.put((source, s, options), loaded, _series_bytes(loaded))
            found[s] = loaded
    return tuple(found[s] for s in series)


def load(data: DataConfig) -> LoadedSeries:
    """The series a run config names (one: `load_members` for a panel's)."""
    if data.is_panel:
        raise DataError(f"several series named ({', '.join(data.series)}): load them one "
                        "at a time (DataConfig.members), or with load_members")
    return load_members(data)[0]


def load_members(data: DataConfig) -> tuple[LoadedSeries, ...]:
    """Each series `data` names (one, or a panel's), the file(s) parsed once for all
    (`load_many`)."""
    return load_many(data.path, [m.series for m in data.members()], column=data.column,
                     time_column=data.time_column, series_column=data.series_column,
                     tz=data.tz, year=data.year)


def describe(data: DataConfig) -> SourceInfo:
    """What the source of a run config offers."""
    return describe_source(data.path, time_column=data.time_column,
                           series_column=data.series_column, year=data.year)


class Volume(NamedTuple):
    """A series' total of the chosen column, and why it has nothing to forecast ("" when it
    has: the series loads and is not constant)."""

    total: float
    dead: str = ""


def volumes(data: DataConfig, series: Sequence[str]) -> dict[str, Volume]:
    """The `Volume` of each series of `data`'s source (a Milan file: from its grid, read once;
    another file: each series loaded, the file parsed once; a series that cannot be loaded
    is dead, with the reason)."""
    paths = _paths(data.path)
    kind = _kind(paths)
    if kind in MILAN_LAYOUTS:
        grid = _milan_grid(kind, paths, None,
                           data.column or milan.default_activity(_activities(kind, paths)))
        wanted = [int(s) for s in series]
        values = grid.values[wanted]
        low, high, total = values.min(), values.max(), values.sum()
        return {s: Volume(float(total[k]), _constant_words(low[k]) if low[k] == high[k] else "")
                for s, k in zip(series, wanted, strict=True)}
    options = dict(column=data.column, time_column=data.time_column,
                   series_column=data.series_column, tz=data.tz, year=data.year)
    try:
        loaded = dict(zip(series, load_many(data.path, series, **options), strict=True))
    except DataError:  # some series cannot be loaded: which, and why
        loaded = {}
        for s in series:
            try:
                loaded[s] = load_many(data.path, [s], **options)[0]
            except DataError as exc:
                loaded[s] = exc
    return {s: Volume(float("nan"), str(one)) if isinstance(one, DataError) else
            Volume(float(one.values.sum()),
                   _constant_words(one.values.iloc[0]) if one.constant else "")
            for s, one in loaded.items()}


def _constant_words(value: float) -> str:
    return f"constant: every value is {value:g}"


def _read(paths: list[Path], series: Sequence[str | None], column: str | None,
          time_column: str | None, series_column: str | None, tz: str | None,
          year: int | None) -> list[LoadedSeries]:
    """`series` of the files, parsed once (`load_many` without the keeping)."""
    kind = _kind(paths)
    if tz is not None:
        timestamps.check_zone(tz)
    if kind == "generic":
        parts = generic.parsed(paths, time_column, series_column, year)
        return bulk.load_series(parts, series, column, tz)
    activity = column or milan.default_activity(_activities(kind, paths))
    named = None if None in series else [str(s).strip() for s in series]
    grid = _milan_grid(kind, paths, named, activity)
    default = _default_square([str(c) for c in grid.values.columns])
    return [_milan_series(grid, paths, kind, default if s is None else str(s).strip(),
                          activity, tz) for s in series]


def _milan_series(grid: milan.MilanGrid, paths: list[Path], kind: str, square: str,
                  activity: str, tz: str | None) -> LoadedSeries:
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


def _series_bytes(loaded: LoadedSeries) -> int:
    return cache.frame_bytes(loaded.values, loaded.filled)


def source_key(path_or_paths: Source) -> cache.SourceKey:
    """The source's files as the caches know them (`importance.data.cache.file_key`)."""
    return cache.source_key(_paths(path_or_paths))


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


def _milan_grid(kind: str, paths: list[Path], squares: Sequence[str] | None,
                activity: str) -> milan.MilanGrid:
    """The grid of `squares` (None: all), read once while the files are unchanged; taken from
    the whole grid when that is kept already (a describe before the load)."""
    source = cache.source_key(paths)
    whole = cache.PARSED.get((kind, source, None, activity))
    if whole is not None and squares is not None and all(
            s.isdigit() and int(s) in whole.values.columns for s in squares):
        chosen = sorted({int(s) for s in squares})
        return milan.MilanGrid(whole.values[chosen], whole.absent[chosen])
    asked = None if squares is None else tuple(sorted(set(squares)))
    return cache.PARSED.through(
        (kind, source, asked, activity),
        lambda: (milan.milan_raw_grid(paths, squares=asked, activity=activity)
                 if kind == "milan_raw" else
                 milan.milan_aggregates_grid(paths[0], squares=asked, activity=activity)),
        lambda grid: cache.frame_bytes(grid.values, grid.absent))


def _default_square(series: list[str]) -> str:
    return DEFAULT_SQUARE if DEFAULT_SQUARE in series else series[0]


def _is_default(paths: list[Path]) -> bool:
    return len(paths) == 1 and paths[0].resolve() == DEFAULT_DATASET


def _labels(series: list[str], paths: list[Path]) -> dict[str, str]:
    """Names of known squares: the landmarks, plus the synthetic default's own names."""
    names = SQUARE_NAMES if _is_default(paths) else milan.LANDMARKS
    return {s: names[int(s)] for s in series if s.isdigit() and int(s) in names}

"""The data layer: load regular univariate series from the Milan dataset (raw daily files or
aggregates), a generic CSV/Parquet file, or the embedded synthetic default; each file is parsed
once per process while it is unchanged (`importance.data.cache`)."""

from importance.data.embedded import DEFAULT_DATASET
from importance.data.loader import (
    describe,
    describe_source,
    load,
    load_many,
    load_members,
    load_series,
)
from importance.data.milan import read_milan_aggregates, read_milan_raw
from importance.data.types import DataError, LoadedSeries, SourceInfo

__all__ = [
    "DEFAULT_DATASET",
    "DataError",
    "LoadedSeries",
    "SourceInfo",
    "describe",
    "describe_source",
    "load",
    "load_many",
    "load_members",
    "load_series",
    "read_milan_aggregates",
    "read_milan_raw",
]

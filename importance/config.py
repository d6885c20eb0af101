"""Frozen run configuration: exactly what the run store saves."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

LR_SCHEDULES = ("cosine", "constant")


@dataclass(frozen=True)
class DataConfig:
    # None = the embedded default dataset; several files (same layout) are combined
    path: str | tuple[str, ...] | None = None
    series: str | None = None  # square id / series id; None = the source's default
    column: str | None = None  # activity / value column; None = the source's default
    # The series' zone (IANA name). None = the data's own: its zone when the timestamps carry
    # one, else the wall-clock time as written. A zone localises naive times (DST rule in
    # importance.data.timestamps) or converts aware ones.
    tz: str | None = None
    year: int | None = None  # year of dates written without one (transposed daily exports)
    time_column: str | None = None  # generic files: None = detected
    series_column: str | None = None  # generic files: None = detected (long format)


@dataclass(frozen=True)
class WindowConfig:
    lookback: int = 144  # input steps per window (144 x 10 min = one day)
    horizon: int = 1  # steps forecast per window
    stride: int = 1  # steps between consecutive window starts
    train_frac: float = 0.7  # chronological split; no window crosses a boundary
    val_frac: float = 0.15
    log1p: bool = True  # log1p before scaling: traffic is heavy-tailed
    calendar: bool = True  # hour-of-day and day-of-week as sin/cos input features


@dataclass(frozen=True)
class ModelConfig:
    kind: str = "lstm"  # lstm | gru | mlp
    hidden: int = 32
    layers: int = 1


@dataclass(frozen=True)
class TrainConfig:
    strategy: str = "full"
    strategy_params: dict[str, Any] = field(default_factory=dict)
    epochs: int = 16
    # Small batches cost about as much per epoch as large ones here (the recurrence over the
    # lookback dominates on CPU) and take more steps: 64 reached a lower MAE than 128.
    batch_size: int = 64
    lr: float = 1e-2  # peak learning rate (Adam)
    lr_schedule: str = "cosine"  # cosine: decay to LR_FLOOR x lr over the epochs | constant
    seed: int = 0
    country: str = "ITA"  # ISO 3166 alpha-3, for the grid's carbon intensity
    tol: float = 0.02  # relative tolerance for energy/time-to-target


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """The config `to_dict` wrote. Unknown sections or fields (a config written by a newer
        version) and sections that are not objects raise ValueError naming them."""
        parts = {f.name: f.type for f in fields(cls)}
        kinds = {"data": DataConfig, "window": WindowConfig, "model": ModelConfig,
                 "train": TrainConfig}
        if not isinstance(d, dict):
            raise ValueError(f"a run config is an object of sections, got {type(d).__name__}")
        unknown = set(d) - set(parts)
        if unknown:
            raise ValueError(f"unknown run config sections {sorted(unknown)}; "
                             f"allowed: {sorted(parts)} (written by a newer version?)")
        for name, section in d.items():
            if not isinstance(section, dict):
                raise ValueError(f"run config section {name!r} must be an object of fields, "
                                 f"got {type(section).__name__}")
            known = {f.name for f in fields(kinds[name])}
            extra = set(section) - known
            if extra:
                raise ValueError(f"unknown fields {sorted(extra)} in run config section "
                                 f"{name!r} (written by a newer version?); allowed: "
                                 f"{sorted(known)}")
        train = d.get("train")
        if train is not None and "lr_schedule" not in train:
            # stored before the schedule existed: those runs trained at a constant rate
            d = {**d, "train": {**train, "lr_schedule": "constant"}}
        data = d.get("data")
        if data is not None and isinstance(data.get("path"), list):  # JSON has no tuples
            d = {**d, "data": {**data, "path": tuple(data["path"])}}
        return cls(**{k: kinds[k](**v) for k, v in d.items()})

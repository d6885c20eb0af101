"""Frozen run configuration: exactly what the run store saves."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

LR_SCHEDULES = ("cosine", "constant")
LINEAR_KINDS = ("dlinear", "nlinear")  # importance.models.linear


@dataclass(frozen=True)
class DataConfig:
    # None = the embedded default dataset; several files (same layout) are combined
    path: str | tuple[str, ...] | None = None
    # Square id / series id; None = the source's default. Several ids of one file: one model
    # trained on all their windows, each series scaled on its own (importance.data.panel)
    series: str | tuple[str, ...] | None = None
    column: str | None = None  # activity / value column; None = the source's default
    # The series' zone (IANA name). None = the data's own: its zone when the timestamps carry
    # one, else the wall-clock time as written. A zone localises naive times (DST rule in
    # importance.data.timestamps) or converts aware ones.
    tz: str | None = None
    year: int | None = None  # year of dates written without one (transposed daily exports)
    time_column: str | None = None  # generic files: None = detected
    series_column: str | None = None  # generic files: None = detected (long format)

    @property
    def is_panel(self) -> bool:
        """Several series named (a tuple of ids): one model on all of them."""
        return isinstance(self.series, tuple)

    def members(self) -> tuple[DataConfig, ...]:
        """One single-series config per chosen series; (self,) when one series is named."""
        if not isinstance(self.series, tuple):
            return (self,)
        return tuple(replace(self, series=s) for s in self.series)


@dataclass(frozen=True)
class WindowConfig:
    lookback: int = 144  # input steps per window (144 x 10 min = one day)
    horizon: int = 1  # steps forecast per window
    stride: int = 1  # steps between consecutive window starts
    train_frac: float = 0.7  # chronological split; no window crosses a boundary
    val_frac: float = 0.15
    log1p: bool = True  # log1p before scaling: traffic is heavy-tailed
    calendar: bool = True  # hour-of-day and day-of-week as sin/cos input features
    # With `calendar`: this country's public holidays (ISO 3166 alpha-3 or alpha-2) as a 0/1
    # input feature, by each step's local date; None = none
    holidays: str | None = "ITA"


@dataclass(frozen=True)
class ModelConfig:
    kind: str = "lstm"  # lstm | gru | mlp | dlinear | nlinear
    hidden: int = 32  # recurrent and MLP kinds only
    layers: int = 1
    # Reversible instance normalisation of each window (importance.models.base). On the default
    # data (LSTM, 16 epochs, seeds 0-2) it took test MAE from 54.5/56.9/63.4 to 47.7/48.3/47.8,
    # below Holt-Winters (49.1), the best classical model (`python -m benchmarks.bench_models`).
    revin: bool = True


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
    # Early stopping (importance.stopping): stop after `patience` epochs in a row without a
    # validation MAE `min_delta` (relative) below the last such improvement; None or 0 = off.
    # The schedule stays defined over `epochs`, so a stopped run ends at a higher rate.
    # Measured on the embedded default (16 epochs, cosine; full seeds 0-2, gradnorm and random
    # seed 0): the validation MAE is noisy (+3% to +10% bumps) and the best epoch came late
    # (11, 13, 14; 15; 13 of 16). The longest run of epochs without a 0.1% gain before a later
    # best was 3 (full), 4 (random) and 6 (gradnorm: 72.80 at epoch 8, 72.00 at 15), so
    # patience 7 cuts none of them (5 would have cut gradnorm at 13, 1.1% above its best)
    # yet ends a run whose best comes at epoch 2-4 of 16, as on the real series of issue 11,
    # at epoch 9-11. A min_delta of 0 or 0.5% stops those runs at the same epochs.
    patience: int | None = 7
    min_delta: float = 0.001
    seed: int = 0
    # The grid whose carbon intensity the run's emissions use (ISO 3166 alpha-3): where the
    # machine trains, not where the data is from (importance.grid); `grid_source` says how it
    # was chosen and is not part of what makes two configs equal.
    country: str = "ITA"
    grid_source: str = field(default="", compare=False)
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
        train = d.get("train")
        if train is not None and "patience" not in train:
            # stored before early stopping existed: those runs trained every epoch
            d = {**d, "train": {"min_delta": 0.0, **train, "patience": None}}
        model = d.get("model")
        if model is not None and "revin" not in model:  # stored before the option existed
            d = {**d, "model": {**model, "revin": False}}
        window = d.get("window")
        if window is not None and "holidays" not in window:
            # stored before the holiday feature existed: those runs had none
            d = {**d, "window": {**window, "holidays": None}}
        data = d.get("data")
        for key in ("path", "series"):  # JSON has no tuples
            data = d.get("data")
            if data is not None and isinstance(data.get(key), list):
                d = {**d, "data": {**data, key: tuple(data[key])}}
        return cls(**{k: kinds[k](**v) for k, v in d.items()})


def comparison_key(config: RunConfig) -> str:
    """What must match for runs to be one comparison: everything but the strategy, its
    parameters and the seed (a comparison spans its seeds). The one definition: the verdict
    pairs by it and the pages group a batch by it."""
    t = config.train
    return repr((config.data, config.window, config.model, t.epochs, t.batch_size, t.lr,
                 t.lr_schedule, t.country, t.patience, t.min_delta))

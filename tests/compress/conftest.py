"""Tiny stored runs of every model kind (few epochs, hidden 8, lookback 12, sparse windows)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.runs.store import RunStore
from tests.conftest import make_series


def tiny_config(path: Path, kind: str, layers: int = 1) -> RunConfig:
    return RunConfig(data=DataConfig(path=str(path)),
                     window=WindowConfig(lookback=12, stride=4),
                     model=ModelConfig(kind=kind, hidden=8, layers=layers),
                     train=TrainConfig(epochs=2, patience=None))


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> RunStore:
    return RunStore(tmp_path_factory.mktemp("compress") / "runs")


@pytest.fixture(scope="session")
def tiny_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "cell.csv"
    s = make_series(days=6)
    s.index = s.index.tz_convert("UTC")
    s.rename("load").to_frame().reset_index().to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def tiny_run(tiny_store: RunStore, tiny_csv: Path) -> Callable[..., str]:
    """`tiny_run(kind, layers=1)`: the id of a stored tiny run (trained once per session)."""
    from importance.experiment import run_experiment

    made: dict[tuple[str, int], str] = {}

    def make(kind: str, layers: int = 1) -> str:
        if (kind, layers) not in made:
            made[kind, layers] = run_experiment(tiny_config(tiny_csv, kind, layers),
                                                store=tiny_store)
        return made[kind, layers]

    return make

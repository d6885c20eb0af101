"""AppTest fixtures: a temporary run store per test, a fresh job manager that stops its jobs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `ui` is an app folder, not an installed package
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def runs_dir(dashboard_runs: Path) -> Path:
    """Each test gets its own run store and uploads folder, and a fresh job manager."""
    return dashboard_runs


@pytest.fixture
def manager():
    """The dashboard's job manager; every job is stopped when the test ends."""
    from ui import runs

    mgr = runs.manager()
    yield mgr
    for job in mgr.jobs():
        mgr.cancel(job.id)
    assert mgr.wait(timeout=60), "a job did not stop"

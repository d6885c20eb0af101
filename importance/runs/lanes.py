"""The job manager's lanes: how many runs the dashboard trains at once, and on what.

Lanes > 1: a Dask `LocalCluster` of that many worker processes (never a home-made pool), each
training one run on `cores // lanes` torch threads, so runs at once never share a core. The
energy meter divides the machine-wide parts of each reading among the runs measured at once
(`importance.energy`), and each run records how many ran beside it (`concurrent_runs`), so the
verdict can pair seeds trained side by side. One lane: one local worker process
(`LocalProcessExecutor`), whose torch threads give way while other processes want the cores
(`importance.runtime`).
"""

from __future__ import annotations

import os

from importance.runs.dask_executor import ADDRESS_ENV, DaskExecutor
from importance.runs.executor import Executor, LocalProcessExecutor
from importance.runtime import cores, gpu_present

LANES_ENV = "IMPORTANCE_LANES"


def default_lanes() -> int:
    """Runs the dashboard trains at once: `$IMPORTANCE_LANES`, else one per core, else 1 where
    a GPU is present (runs would share it; their timing and energy are not yet apportioned
    there)."""
    given = os.environ.get(LANES_ENV, "").strip()
    if given:
        try:
            n = int(given)
        except ValueError:
            raise ValueError(f"${LANES_ENV} must be a whole number of runs at once, "
                             f"got {given!r}") from None
        if n < 1:
            raise ValueError(f"${LANES_ENV} must be at least 1, got {n}")
        return n
    if gpu_present():
        return 1
    return cores()


def default_executor(lanes: int | None = None) -> Executor:
    """The Dask cluster at `$IMPORTANCE_DASK_ADDRESS` when it is set (the dashboard's runs
    then train where its sweeps do); else, for more than one lane, a local Dask cluster of
    `lanes` workers on `cores // lanes` threads each; else a `LocalProcessExecutor`."""
    address = os.environ.get(ADDRESS_ENV)
    if address:
        return DaskExecutor(address)
    lanes = default_lanes() if lanes is None else lanes
    if lanes > 1:
        ex = DaskExecutor(n_workers=lanes, threads=max(1, cores() // lanes))
        ex.warm_up()  # every worker imports torch now, not at its first run
        return ex
    return LocalProcessExecutor()

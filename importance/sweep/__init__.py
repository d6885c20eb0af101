"""Sweeps: a grid of runs (strategies x keep ratios x seeds x series) trained on Dask
workers, stored as ordinary runs plus a sweep record (`importance sweep`).

- `grid`: the axes, their cells (stable keys) and the sweep id;
- `groups`: groups of cells (`--groups`, `--groups-file`), one global model per group;
- `runner`: the driver loop (`Sweep.run`: resume, store, stop) over an executor of
  `importance.runs.executor` (the interface the dashboard's jobs use too), by default
  `importance.runs.dask_executor.DaskExecutor`;
- `store`: the sweep's record, `<runs>/.sweeps/<id>/sweep.json`;
- `cli`: the `importance sweep` command.

On an existing cluster (the workers need this project installed, the same checkout, with its
pinned torch and dask/distributed; data files at the same path; no shared folder for runs):

    dask scheduler --host 0.0.0.0 --port 8786                  # on one machine
    dask worker tcp://SCHEDULER:8786 --nworkers 8 --nthreads 1  # on each worker machine
    importance sweep --address tcp://SCHEDULER:8786 ...         # or $IMPORTANCE_DASK_ADDRESS

Importing this package does not import Dask or torch.
"""

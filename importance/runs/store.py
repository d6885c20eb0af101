"""Run store: one folder per run, written atomically (temp folder + rename).

Layout of `<root>/<run_id>/`::

    config.json       RunConfig.to_dict()
    summary.json      test metrics, totals, energy method, per-epoch records, how the run
                      ended ("ended": "completed"; runs stored before that key are completed)
    scores.npz        per-epoch scores (E, N), selections (packed bits), loss weights,
                      train window times and the final model's train errors (several series:
                      `train_series`, each window's series as an index into config's ids)
    predictions.csv   test forecasts in original units (origin, step, time, actual, forecast);
                      times in UTC for an aware series, wall-clock for a naive one; several
                      series: a `series` column first
    model.pt          state_dict (load with weights_only=True)

Only finished runs are stored: a cancelled or diverged run (`importance.training.Cancelled`,
`NonFiniteLoss`) leaves no folder.

Faults stay local to their folder:

- A run id is one folder name (`check_run_id`); anything else (`../x`, an absolute path, a
  separator) raises ValueError before the disk is touched.
- A folder that cannot be read (missing file, invalid JSON, a config from a newer version,
  a damaged archive) is *unreadable*: `scan()` / `unreadable()` report it with the reason,
  `ids()` and `summaries()` skip it, and `load` raises `UnreadableRun` for it. The checks
  are cheap (the JSON files, the archives' directories) and cached by the files' sizes and
  times; an archive damaged inside its members is found when it is read (`UnreadableRun`).
- Every file is flushed and fsynced before the temp folder is renamed, and the rename is
  fsynced, so a crash leaves either a whole run or a `.tmp-*` folder. Opening a store removes
  the `.tmp-*` folders untouched for `TMP_GRACE_S` (a save in progress in another process
  writes into its folder every few seconds, so it is never taken for a leftover).
- JSON never holds NaN or infinity: they are written as null, and read back as NaN in the
  numeric fields (files written before, with bare NaN, read as they always did).
- Names starting with "." (temp folders, `.uploads`) and plain files are not runs.
- Runs stored before `samples_scoring_backprop` existed counted training forwards and exact
  rescoring in `samples_forward`; they read back in today's terms (`_upgrade_counts`).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from importance.config import RunConfig
from importance.timeaxis import stored

if TYPE_CHECKING:
    import torch

DEFAULT_RUNS_DIR = "runs"
RUN_FILES = ("config.json", "summary.json", "scores.npz", "predictions.csv", "model.pt")
TMP_PREFIX = ".tmp-"
TMP_GRACE_S = 600.0  # a temp folder untouched this long is a leftover of an interrupted save
COMPLETED = "completed"  # summary["ended"] of every stored run
# Summary keys the pages and commands read without a default; a summary lacking one is unreadable.
SUMMARY_KEYS = ("run_id", "strategy", "test_mae", "samples_backprop", "wall_s", "energy_kwh",
                "emissions_kg", "epochs")
# Numeric summary fields: null (a NaN or infinity when written) reads back as NaN.
NUMERIC_KEYS = ("test_mae", "test_rmse", "test_smape", "scoring_s", "training_s", "eval_s",
                "wall_s", "scoring_kwh", "energy_kwh", "emissions_kg")
NPZ_MEMBERS = ("scores.npy", "selected_bits.npy", "n_train.npy")
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def default_runs_dir() -> Path:
    """`$IMPORTANCE_RUNS_DIR` or ./runs."""
    return Path(os.environ.get("IMPORTANCE_RUNS_DIR", DEFAULT_RUNS_DIR))


def check_run_id(run_id: object) -> str:
    """`run_id` if it names one folder inside a store, else ValueError naming it.

    Allowed: letters, digits, ".", "_" and "-", starting with a letter or digit (so never
    "..", a hidden temp folder, an absolute path or a path with separators), at most 200.
    """
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise ValueError(f"invalid run id {run_id!r}: a run id is one folder name of letters, "
                         "digits, '.', '_' and '-' that starts with a letter or digit")
    return run_id


class UnreadableRun(ValueError):
    """A run folder that exists but cannot be read; `reason` says why."""

    def __init__(self, run_id: str, reason: str):
        self.run_id, self.reason = run_id, reason
        super().__init__(f"run {run_id!r} is unreadable: {reason}")

    def __reduce__(self):
        return (type(self), (self.run_id, self.reason))


@dataclass(frozen=True)
class RunScan:
    """A store's folders: the readable run ids and the unreadable ones with their reasons."""

    ids: list[str]  # oldest first (ids start with a UTC timestamp)
    unreadable: list[tuple[str, str]]  # (folder name, reason), by name


@dataclass(frozen=True)
class RunArtifacts:
    """Everything a finished run writes."""

    run_id: str
    config: RunConfig
    summary: dict[str, Any]
    arrays: dict[str, np.ndarray]
    predictions: pd.DataFrame
    state_dict: dict[str, torch.Tensor]  # torch is imported lazily: listing runs stays fast


class StoredRun:
    """A run folder; large parts are read on first access.

    Raises `UnreadableRun` when its summary or config cannot be read, and when a large part
    turns out damaged on first access.
    """

    def __init__(self, path: Path):
        self.path = path
        self.run_id = path.name
        self.summary: dict[str, Any] = _read_summary(path)
        config = _read_json(path, "config.json")
        try:
            self.config = RunConfig.from_dict(config)
        except (ValueError, TypeError) as exc:
            raise UnreadableRun(self.run_id, f"config.json: {exc}") from None
        self._arrays: dict[str, np.ndarray] | None = None

    @property
    def ended(self) -> str:
        """How the run ended: "completed" for every stored run so far (the key may be absent
        from runs stored before it existed)."""
        return str(self.summary.get("ended") or COMPLETED)

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            try:
                with np.load(self.path / "scores.npz") as z:
                    raw = {k: z[k] for k in z.files}
                n = int(raw["n_train"])
                raw["selected"] = np.unpackbits(raw["selected_bits"], axis=1)[:, :n].astype(bool)
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile,
                    zlib.error) as exc:
                raise UnreadableRun(self.run_id, f"scores.npz is damaged ({exc})") from None
            self._arrays = raw
        return self._arrays

    @property
    def epochs(self) -> pd.DataFrame:
        return pd.DataFrame(self.summary["epochs"])

    def predictions(self) -> pd.DataFrame:
        """Test forecasts; `origin` and `time` in UTC for an aware series, naive wall-clock
        times for a naive one (as written: `importance.timeaxis.stored`)."""
        try:
            df = pd.read_csv(self.path / "predictions.csv", dtype={"series": str})
            for col in ("origin", "time"):
                df[col] = stored(pd.to_datetime(df[col], format="ISO8601"))
        except (OSError, ValueError, KeyError, pd.errors.ParserError) as exc:
            raise UnreadableRun(self.run_id, f"predictions.csv is damaged ({exc})") from None
        return df

    def state_dict(self) -> dict[str, torch.Tensor]:
        import torch

        try:
            return torch.load(self.path / "model.pt", weights_only=True)
        except (OSError, RuntimeError, EOFError, ValueError, zipfile.BadZipFile) as exc:
            raise UnreadableRun(self.run_id, f"model.pt is damaged ({exc})") from None


class RunStore:
    """Runs under one root folder, listable and loadable by id.

    Opening a store removes leftover temp folders of interrupted saves (`remove_leftovers`).
    """

    def __init__(self, root: str | Path | None = None, *, tmp_grace_s: float = TMP_GRACE_S):
        self.root = Path(root) if root is not None else default_runs_dir()
        self.tmp_grace_s = tmp_grace_s
        self._checked: dict[str, tuple[tuple, str | None]] = {}  # name -> (file stats, reason)
        self.remove_leftovers()

    def remove_leftovers(self) -> list[Path]:
        """Remove `.tmp-*` folders in which nothing changed for `tmp_grace_s` seconds; return
        them. Younger ones may be a save in progress (here or in another process): kept."""
        if not self.root.is_dir():
            return []
        removed = []
        now = time.time()
        for p in self.root.glob(f"{TMP_PREFIX}*"):
            try:
                if not p.is_dir() or now - _newest_mtime(p) < self.tmp_grace_s:
                    continue
            except OSError:  # renamed or removed meanwhile
                continue
            shutil.rmtree(p, ignore_errors=True)
            if not p.exists():
                removed.append(p)
        return removed

    def save(self, run: RunArtifacts) -> Path:
        check_run_id(run.run_id)
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.root / run.run_id
        if final.exists():
            raise FileExistsError(f"run {run.run_id!r} already exists in {self.root}")
        tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{run.run_id}-", dir=self.root))
        try:
            _write(tmp / "config.json", lambda f: f.write(_dumps(run.config.to_dict())), "w")
            _write(tmp / "summary.json", lambda f: f.write(_dumps(run.summary)), "w")
            _write(tmp / "scores.npz", lambda f: np.savez_compressed(f, **run.arrays))
            _write(tmp / "predictions.csv",
                   lambda f: run.predictions.to_csv(f, index=False), "w")
            import torch

            _write(tmp / "model.pt", lambda f: torch.save(run.state_dict, f))
            _fsync_dir(tmp)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _fsync_dir(self.root)
        return final

    def scan(self) -> RunScan:
        """Every run folder, readable or not (see the module docstring)."""
        if not self.root.is_dir():
            return RunScan([], [])
        good, bad = [], []
        for p in sorted(self.root.iterdir()):
            if p.name.startswith(".") or not p.is_dir():
                continue
            reason = self._reason(p)
            if reason is None:
                good.append(p.name)
            else:
                bad.append((p.name, reason))
        return RunScan(good, bad)

    def ids(self) -> list[str]:
        """Readable run ids, oldest first (ids start with a UTC timestamp)."""
        return self.scan().ids

    def unreadable(self) -> list[tuple[str, str]]:
        """(folder name, reason) of every run folder that cannot be read, by name."""
        return self.scan().unreadable

    def load(self, run_id: str) -> StoredRun:
        """The run `run_id`: ValueError for an invalid id, KeyError for an unknown one,
        `UnreadableRun` (a ValueError) for a folder that cannot be read."""
        path = self.root / check_run_id(run_id)
        if not path.is_dir():
            known = ", ".join(self.ids()[-5:]) or "none"
            raise KeyError(f"no run {run_id!r} in {self.root} (latest: {known})")
        reason = self._reason(path)
        if reason is not None:
            raise UnreadableRun(run_id, reason)
        return StoredRun(path)

    def summaries(self) -> list[dict[str, Any]]:
        """summary.json of every readable run, oldest first."""
        out = []
        for run_id in self.ids():
            try:
                out.append(self.load(run_id).summary)
            except (KeyError, UnreadableRun):  # removed or damaged since the scan
                continue
        return out

    def _reason(self, path: Path) -> str | None:
        """Why the folder cannot be read, or None; cached while its files are unchanged."""
        try:
            stats = tuple(_stat(path / name) for name in RUN_FILES)
        except OSError as exc:
            return f"cannot be read ({exc})"
        cached = self._checked.get(path.name)
        if cached is not None and cached[0] == stats:
            return cached[1]
        reason = _check(path, stats)
        self._checked[path.name] = (stats, reason)
        return reason


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def _check(path: Path, stats: tuple) -> str | None:
    try:
        check_run_id(path.name)
    except ValueError:
        return "the folder name is not a run id"
    missing = [name for name, st in zip(RUN_FILES, stats, strict=True) if st is None]
    if missing:
        return f"missing {', '.join(missing)}"
    empty = [name for name, st in zip(RUN_FILES, stats, strict=True) if st[0] == 0]
    if empty:
        return f"empty {', '.join(empty)}"
    try:
        StoredRun(path)
    except UnreadableRun as exc:
        return exc.reason
    for name, members in (("scores.npz", NPZ_MEMBERS), ("model.pt", ())):
        try:
            with zipfile.ZipFile(path / name) as z:  # reads only the archive's directory
                names = {n.rsplit("/", 1)[-1] for n in z.namelist()}
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            return f"{name} is damaged ({exc})"
        lacking = [m for m in members if m not in names]
        if lacking:
            return f"{name} lacks {', '.join(m.removesuffix('.npy') for m in lacking)}"
    return None


def _read_json(path: Path, name: str) -> Any:
    try:
        text = (path / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnreadableRun(path.name, f"missing {name}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableRun(path.name, f"{name} cannot be read ({exc})") from None
    try:
        return json.loads(text)  # bare NaN / Infinity (files written before) are accepted
    except json.JSONDecodeError as exc:
        raise UnreadableRun(path.name, f"{name} is not valid JSON ({exc})") from None


def _read_summary(path: Path) -> dict[str, Any]:
    summary = _read_json(path, "summary.json")
    if not isinstance(summary, dict):
        raise UnreadableRun(path.name, "summary.json does not hold an object")
    lacking = [k for k in SUMMARY_KEYS if k not in summary]
    if lacking:
        raise UnreadableRun(path.name, f"summary.json lacks {', '.join(lacking)}")
    epochs = summary["epochs"]
    if not isinstance(epochs, list) or not all(isinstance(e, dict) for e in epochs):
        raise UnreadableRun(path.name, "summary.json: epochs is not a list of records")
    _upgrade_counts(summary)
    for key in NUMERIC_KEYS:
        if key in summary and summary[key] is None:
            summary[key] = math.nan
    for record in epochs:  # every per-epoch field but score_method is a number
        for key, value in record.items():
            if value is None and key != "score_method":
                record[key] = math.nan
    return summary


def _upgrade_counts(summary: dict[str, Any]) -> None:
    """Sample counts of a run stored before `samples_scoring_backprop`: its `samples_forward`
    held the training forwards too, and exact rescoring (a per-sample backward)."""
    if "samples_scoring_backprop" in summary or summary.get("kind") == "classical":
        return
    for record in summary["epochs"]:
        exact = record.get("n_scored", 0) if record.get("score_method") == "exact" else 0
        record["samples_scoring_backprop"] = exact
        record["samples_forward"] = (record.get("samples_forward", 0)
                                     - record.get("samples_backprop", 0) - exact)
    if summary["epochs"]:
        for key in ("samples_forward", "samples_scoring_backprop"):
            summary[key] = int(sum(r[key] for r in summary["epochs"]))


def _finite(obj: Any) -> Any:
    """`obj` with NaN and infinities (float or NumPy) replaced by None, NumPy scalars and
    arrays by plain Python values: JSON that every reader accepts."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _finite(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _dumps(obj: Any) -> str:
    return json.dumps(_finite(obj), indent=1, allow_nan=False)


def write_atomically(path: Path, data: bytes, *, prefix: str) -> None:
    """Replace `path` with `data` in one rename: written to a `prefix`-named temp file beside
    it and fsynced first, so readers see the old file or the new one, never a part."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    os.close(fd)
    try:
        _write(Path(tmp), lambda f: f.write(data))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(path: Path, write: Callable[[Any], object], mode: str = "wb") -> None:
    """Write a file through `write(f)`, then flush and fsync it."""
    kw = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
    with open(path, mode, **kw) as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    """Persist a folder's entries (a rename); a no-op where folders cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _newest_mtime(path: Path) -> float:
    """The latest modification time of a folder and the files directly in it."""
    newest = path.stat().st_mtime
    for child in path.iterdir():
        try:
            newest = max(newest, child.stat().st_mtime)
        except FileNotFoundError:
            continue
    return newest

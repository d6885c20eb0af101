"""`importance sweep` ends with the evidence engine's verdict on its finished runs, printed and
in `--json`. The runs train in this process (an executor standing in for Dask, which
tests/sweep/test_sweep_dask.py covers): tiny runs on the embedded data."""

from __future__ import annotations

import json

import importance.runs.dask_executor
from importance.cli import main
from importance.compare_cli import plain
from importance.experiment import train_run
from importance.runs.store import RunStore
from importance.runs.tasks import DONE, Outcome, Task

TINY = ["--epochs", "1", "--lookback", "12", "--hidden", "4", "--stride", "4", "--no-progress"]


class InProcess:
    """An executor that trains each task as it is submitted, here."""

    workers = 1

    def __init__(self, address: str | None = None, n_workers: int | None = None):
        self.address = address
        self._done: list[Outcome] = []

    def submit(self, task: Task) -> None:
        art = train_run(task.config)
        self._done.append(Outcome(task.key, DONE, run_id=art.run_id, artifacts=art))

    def events(self, timeout: float = 0.0) -> list[Outcome]:
        out, self._done = self._done, []
        return out

    def cancel(self, key: str | None = None, grace: float = 0.0) -> None:
        pass

    def shutdown(self) -> None:
        pass


def test_sweep_json_holds_the_verdict_of_its_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(importance.runs.dask_executor, "DaskExecutor", InProcess)
    runs, out = tmp_path / "runs", tmp_path / "sweep.json"
    args = ["sweep", "--strategies", "full,gradnorm,rs2", "--keep-ratios", "0.5",
            "--seeds", "0-1", *TINY, "--runs-dir", str(runs), "--json", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    doc = json.loads(out.read_text())
    found = doc["verdict"]
    assert found["seeds"] == 2 and found["best"] is None
    assert found["headline"].startswith("2 seeds: indicative, names no winner")
    assert plain(found["headline"]) in printed and "**" not in printed
    claims = found["claims"]
    assert {(c["strategy"], c["against"]) for c in claims} == {
        ("Gradient-norm top-k", "full data"), ("RS2", "full data"),
        ("Gradient-norm top-k", "RS2")}
    for c in claims:  # two seeds: no interval, no winner, and said so
        assert c["seeds"] == 2 and c["interval_pct"] is None and c["winner"] is None
        assert "few_seeds" in {cv["code"] for cv in c["caveats"]}
    store = RunStore(runs)
    assert sorted(store.ids()) == sorted(r["run_id"] for r in doc["runs"])
    assert main(args) == 0  # resumed: nothing trained, the same verdict from the stored runs
    assert json.loads(out.read_text())["verdict"] == found

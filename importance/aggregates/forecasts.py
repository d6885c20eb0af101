"""The Forecasts page's figures and words: the runs that share a test period, a run's test
forecasts per series, step and clock, metrics per series (MAE in original units and the
scale-free MASE), the leaderboard of runs and classical models, the series where each run
beats the best classical model, the errors on spike and ordinary windows against each run's
baseline, and a classical model's forecasts laid out like a run's."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from importance.evidence import series_better, series_mase
from importance.metrics import SPIKE_QUANTILE, number, spike_split
from importance.runs.identity import RunInfo, seed_baselines
from importance.timeaxis import wall_clock


def run_series(run: RunInfo) -> tuple[str, ...]:
    """The series a run trained one model on; () for a run on one series."""
    series = run.config.data.series
    return series if isinstance(series, tuple) else ()


def of_series(pred: pd.DataFrame, series: str | None) -> pd.DataFrame:
    """A run's test forecasts of one of its series (all of them for a one-series run)."""
    if series is None or "series" not in pred:
        return pred
    return pred.loc[pred["series"] == series].reset_index(drop=True)


def series_metrics(summary: Mapping[str, Any], series: str | None) -> dict[str, float]:
    """Test MAE, RMSE and sMAPE of one series of a run on several (`summary["per_series"]`),
    else the summary's own (pooled over its series)."""
    part = next((p for p in summary.get("per_series") or [] if p["series"] == series), summary)
    return {k: part[k] for k in ("test_mae", "test_rmse", "test_smape")}


def mase_of(summary: Mapping[str, Any], series: str | None) -> float:
    """Test MASE of one series of a run on several (`summary["per_series"]`), else the
    summary's own (on several series the mean over them); NaN without one (a constant or dead
    series, a run stored before MASE)."""
    part = next((p for p in summary.get("per_series") or [] if p["series"] == series), summary)
    return number(part.get("test_mase"))


POOLED = {"test_mae": "all (pooled)", "test_mase": "all (mean over series)"}


def per_series_table(runs: Sequence[RunInfo], names: Mapping[str, str],
                     metric: str = "test_mae") -> pd.DataFrame:
    """`metric` (test_mae or test_mase) of each series (rows) per run (columns) for runs on
    several series, then the runs' pooled figure: the MAE over all their test windows, or the
    MASE's mean over the series that have one (NaN: a series without one)."""
    runs = [r for r in runs if r.summary.get("per_series")]
    if not runs:
        return pd.DataFrame()
    table = pd.DataFrame({names.get(r.run_id, r.label): pd.Series(
        {p["series"]: number(p.get(metric)) for p in r.summary["per_series"]}) for r in runs})
    pooled = pd.DataFrame([{names.get(r.run_id, r.label): number(r.summary.get(metric))
                            for r in runs}], index=[POOLED[metric]])
    return pd.concat([table, pooled]).rename_axis("series").reset_index()


def beats_classical_table(runs: Sequence[RunInfo], names: Mapping[str, str],
                          classical: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Per run on several series, against the classical model with the lowest pooled MASE
    (`classical`: label -> the summary of its fit on the same series,
    `experiment.run_classical`): both pooled MASEs and the series where the run's MASE is the
    lower (`evidence.series_better`: every series counted alike, the busiest no more than a
    quiet one); empty without runs on several series or a classical MASE."""
    fits = {k: v for k, v in classical.items() if np.isfinite(number(v.get("test_mase")))}
    runs = [r for r in runs if r.summary.get("per_series")]
    if not runs or not fits:
        return pd.DataFrame()
    label, best = min(fits.items(), key=lambda kv: number(kv[1]["test_mase"]))
    rows = []
    for r in runs:
        k, n = series_better(series_mase(r.summary), series_mase(best))
        rows.append({"model": names.get(r.run_id, r.label),
                     "MASE": number(r.summary.get("test_mase")), "best classical": label,
                     "its MASE": number(best["test_mase"]), "series better": k,
                     "series compared": n, "share better %": 100 * k / n if n else np.nan})
    return pd.DataFrame(rows)


def prediction_windows(pred: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A predictions frame as windows: actual (N, H), forecast (N, H), and each window's
    series (N,) (None without a `series` column), by series, origin and step."""
    keys = ["series", "origin"] if "series" in pred else ["origin"]
    f = pred.sort_values([*keys, "step"])
    h = int(f["step"].max()) if len(f) else 1
    actual = f["actual"].to_numpy(dtype=np.float64).reshape(-1, h)
    forecast = f["forecast"].to_numpy(dtype=np.float64).reshape(-1, h)
    series = f["series"].astype(str).to_numpy()[::h] if "series" in f else None
    return actual, forecast, series


def window_thresholds(series: np.ndarray | None,
                      thresholds: Mapping[str | None, float]) -> float | np.ndarray:
    """Each window's spike threshold: its series' own (`metrics.spike_thresholds`), or the
    one threshold of a one-series run."""
    if series is None or None in thresholds:
        return float(thresholds.get(None, next(iter(thresholds.values()))))
    return np.array([thresholds.get(s, np.nan) for s in series], dtype=np.float64)


def spike_table(preds: Mapping[str, pd.DataFrame], thresholds: Mapping[str | None, float],
                names: Mapping[str, str],
                baselines: str | Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per run (`preds`: run id -> its test predictions frame): test MAE on ordinary and on
    spike windows (`metrics.spike_split`: a window with a target step above its series' spike
    threshold), the spike windows' count and, with baselines among `preds` (one run id for
    all, or run id -> the id of its baseline of the same seed, `identity.seed_baselines`),
    each MAE's change against its baseline's in percent."""
    rows, splits = [], {}
    for run_id, pred in preds.items():
        actual, forecast, series = prediction_windows(pred)
        sp = splits[run_id] = spike_split(actual, forecast, window_thresholds(series, thresholds))
        rows.append({"model": names.get(run_id, run_id), "MAE ordinary": sp.mae_ordinary,
                     "MAE spikes": sp.mae_spike, "spike windows": sp.n_spike,
                     "test windows": sp.n_ordinary + sp.n_spike})
    table = pd.DataFrame(rows)
    refs = ({r: baselines for r in preds} if isinstance(baselines, str)
            else dict(baselines or {}))
    base = [splits.get(refs.get(r, "")) for r in preds]
    if any(b is not None for b in base) and not table.empty:
        nan = float("nan")
        table["ordinary vs full %"] = [100 * (sp.mae_ordinary / b.mae_ordinary - 1) if b
                                       else nan for sp, b in zip(splits.values(), base,
                                                                 strict=True)]
        table["spikes vs full %"] = [100 * (sp.mae_spike / b.mae_spike - 1) if b else nan
                                     for sp, b in zip(splits.values(), base, strict=True)]
    return table


def spike_sentence(thresholds: Mapping[str | None, float], table: pd.DataFrame) -> str:
    """What a spike window is here, and how many there are, in one sentence."""
    if None in thresholds:
        where = (f"the {SPIKE_QUANTILE:.0f}th percentile of the training targets "
                 f"({thresholds[None]:,.2f} in original units)")
    else:
        each = ", ".join(f"{k}: {v:,.2f}" for k, v in thresholds.items())
        where = (f"the {SPIKE_QUANTILE:.0f}th percentile of its own series' training targets "
                 f"({each} in original units)")
    n, total = (int(table["spike windows"].iloc[0]), int(table["test windows"].iloc[0])) \
        if not table.empty else (0, 0)
    return (f"Spike windows: the {n:,} of {total:,} test windows with a target step above "
            f"{where}; loss-driven policies (gradient-norm top-k, selective backprop, "
            "InfoBatch) train the high-error windows, often the spikes, more often than the "
            "others: compare their change on each kind.")


def at_step(pred: pd.DataFrame, step: int) -> pd.DataFrame:
    """Forecasts `step` steps ahead (1 = next step), one row per time, sorted by time."""
    out = pred.loc[pred["step"] == step, ["time", "actual", "forecast"]]
    return out.sort_values("time").reset_index(drop=True)


def on_clock(frame: pd.DataFrame, tz: str | None) -> pd.DataFrame:
    """Forecasts (`at_step`) with `time` as naive wall-clock times of the run's clock `tz`
    (`provenance.run_tz`), to draw and to group by hour. Order and match rows on the stored
    times first: an aware series' wall clock repeats an hour when summer time ends."""
    return frame.assign(time=wall_clock(frame["time"], tz))


def classical_frame(template: pd.DataFrame, predictions: np.ndarray) -> pd.DataFrame:
    """A classical model's (N_test, horizon) forecasts laid out like a run's predictions frame.

    `template` is a neural run's predictions frame on the same data and windows: its origins,
    in time order, are the test windows in order.
    """
    origins = np.sort(template["origin"].unique())
    horizon = int(template["step"].max())
    if predictions.shape != (len(origins), horizon):
        raise ValueError(f"classical forecasts have shape {predictions.shape}; the run's test "
                         f"windows need ({len(origins)}, {horizon})")
    df = template.sort_values(["origin", "step"]).reset_index(drop=True).copy()
    df["forecast"] = predictions.ravel()
    return df


def same_test_period(runs: Sequence[RunInfo]) -> list[RunInfo]:
    """The runs on the data and windows of the newest chosen one (the last): the runs whose
    test period the charts can draw together."""
    setup = (runs[-1].config.data, runs[-1].config.window)
    return [r for r in runs if (r.config.data, r.config.window) == setup]


def other_setup_text(n_runs: int, n_same: int, ref_name: str) -> str:
    """The warning when some chosen runs use other data or windows ("" when none do)."""
    if n_same == n_runs:
        return ""
    return (f"{n_runs - n_same} of the chosen runs use other data or windows than {ref_name}; "
            f"the charts show the {n_same} that share its test period, the table shows all.")


def seed_baseline_ids(runs: Sequence[RunInfo], baseline: RunInfo | None) -> dict[str, str]:
    """Each run's baseline run id, of its own seed (`importance.runs.identity.seed_baselines`);
    {} without a baseline."""
    if baseline is None:
        return {}
    return {rid: ref.run_id for rid, ref in seed_baselines(runs, baseline).items()}


def ranked(table: pd.DataFrame, mae: str = "MAE") -> pd.DataFrame:
    """`table` (one row per model) sorted by test MAE, lowest first, with a `rank` column
    first (models without an MAE last, unranked)."""
    out = table.sort_values(mae, kind="stable", na_position="last").reset_index(drop=True)
    ranks = pd.Series(range(1, len(out) + 1), dtype="Int64")
    ranks[out[mae].isna().to_numpy()] = pd.NA
    out.insert(0, "rank", ranks)
    return out


def leaderboard_table(runs: Sequence[RunInfo], names: Mapping[str, str], classical: Sequence[Any],
                      baseline: RunInfo | None, series: str | None = None,
                      drawn: Collection[str] = ()) -> pd.DataFrame:
    """The Forecasts leaderboard, ranked by test MAE (`ranked`): one row per neural run (on
    several series, the figures of `series` for the runs in `drawn`, the series drawn; each
    other run's own) and per classical model fitted (`label`, `metrics` with mae, rmse,
    smape and optionally mase, `fit_s`, `predict_s`). "MASE" (`mase_of`; a run on several
    series not drawn: its mean over them) when any model has one. "MAE vs full %": a neural
    run against full data of its own seed, a classical model against the mean of full data
    over the seeds (with a baseline); "MAE vs best classical %": against the classical model
    with the lowest test MAE."""
    metrics = {r.run_id: series_metrics(r.summary, series if r.run_id in drawn else None)
               for r in runs}
    rows = [{"model": names[r.run_id], "kind": "neural", "MAE": metrics[r.run_id]["test_mae"],
             "RMSE": metrics[r.run_id]["test_rmse"], "sMAPE %": metrics[r.run_id]["test_smape"],
             "MASE": mase_of(r.summary, series if r.run_id in drawn else None),
             "time s": r.summary["wall_s"], "run id": r.run_id} for r in runs]
    rows += [{"model": res.label, "kind": "classical", "MAE": res.metrics["mae"],
              "RMSE": res.metrics["rmse"], "sMAPE %": res.metrics["smape"],
              "MASE": number(res.metrics.get("mase")),
              "time s": res.fit_s + res.predict_s, "run id": ""} for res in classical]
    table = pd.DataFrame(rows)
    if table.empty or table["MASE"].isna().all():
        table = table.drop(columns="MASE", errors="ignore")
    refs = seed_baseline_ids(runs, baseline)
    if refs:
        full_mae = {rid: metrics[ref]["test_mae"] for rid, ref in refs.items()}
        mean_full = float(np.mean([metrics[ref]["test_mae"] for ref in set(refs.values())]))
        table.insert(5, "MAE vs full %", 100 * (
            table["MAE"] / table["run id"].map(full_mae).fillna(mean_full) - 1))
    if classical:
        best = table.loc[table["kind"] == "classical", "MAE"].min()
        table.insert(5, "MAE vs best classical %", 100 * (table["MAE"] / best - 1))
    return ranked(table)

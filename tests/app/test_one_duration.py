"""One source for a run's duration (issue 24 point 5): the Train page's job card, the Energy
page's tile and sentence and the Forecasts leaderboard show the training wall time the stored
run keeps (`summary["wall_s"]`, its epochs' scoring, training and validation), to the same
significant digits; the job's own time (worker start, data, test) is labelled as such."""

from __future__ import annotations

from html_tables import html_tables
from pagetools import new_app, page, tiny_runs

from importance import text
from importance.aggregates.train import job_figures
from importance.runs.jobs import Job


def test_the_job_card_and_the_result_pages_show_the_same_training_wall_time(runs_dir):
    (run,) = tiny_runs(runs_dir, ("full",), epochs=2)
    wall = run.summary["wall_s"]
    job = Job("j1", "b1", "full", run.config, status="done", history=run.summary["epochs"],
              started=100.0, finished=100.0 + wall + 7.5, epoch=2, epochs=2)
    assert job.training_s == wall  # the same sum, not the job's 7.5 s longer time
    card = job_figures(job)
    assert f"training wall time {text.seconds(wall)} (job time {text.seconds(wall + 7.5)} " \
           "with start and test)" in card

    at = page(new_app(None).run(), "pages/energy.py")
    (tile,) = [m for m in at.metric if m.label == "Wall time (s)"]
    assert tile.value == text.significant(wall)
    assert "Training wall time" in tile.proto.help
    assert f"of {text.seconds(wall)} training wall time" in " ".join(c.value for c in at.caption)

    page(at, "pages/forecasts.py")
    (board,) = [t for t in html_tables(at) if "rank" in t.columns]
    neural = board[board["kind"] == "neural"]
    assert neural["time"].tolist() == [float(text.significant(wall))]

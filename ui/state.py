"""Every session-state key of the dashboard, in one place."""

from __future__ import annotations

# Sidebar: dataset
SOURCE = "data.source"  # radio: DEFAULT_SOURCE | UPLOAD_SOURCE
UPLOAD = "data.upload"  # file_uploader (files dropped together are combined)
UPLOAD_MODE = "data.upload_mode"  # radio: a file dropped beside loaded ones replaces or joins them
UPLOAD_PICKS = "data.upload_picks"  # the uploads in use and asked for (form_state.UploadPicks)
SAVED_UPLOADS = "data.saved_uploads"  # {uploader file_id: saved path}
SERIES = "data.series"  # selectbox: square / series id
COLUMN = "data.column"  # selectbox: activity / value column
TZ = "data.tz"  # selectbox: the series' zone ("" = as in the data)
YEAR = "data.year"  # number_input: year of dates written without one (transposed exports)
LAST_PATH = "data.last_path"  # path(s) the series/column/zone/year widgets were built for
DATA = "data.current"  # the chosen dataset (ui.sidebar.Dataset), set by app.py every rerun

# Sidebar: runs to compare
RUNS = "runs.selected"  # multiselect of run ids
RUNS_SEEN = "runs.seen"  # run ids in the store at the last rerun

# Train page form
F_MODEL = "train.model"
F_HIDDEN = "train.hidden"
F_LAYERS = "train.layers"
F_REVIN = "train.revin"
F_PATIENCE = "train.patience"
F_MIN_DELTA = "train.min_delta"  # in percent
F_LOOKBACK = "train.lookback"
F_DATA = "train.data"  # the data config the form's fields were last set for (ui.form_state)
F_DEFAULTS = "train.defaults"  # their defaults for that data: a value that differs was set by hand
F_FOLLOWED = "train.followed"  # (data config, sentences): what changed when the data did
F_HORIZON = "train.horizon"
F_STRIDE = "train.stride"
F_EPOCHS = "train.epochs"
F_BATCH = "train.batch_size"
F_LR = "train.lr"
F_LR_SCHEDULE = "train.lr_schedule"
F_STRATEGIES = "train.strategies"
F_SERIES = "train.series"  # multiselect: series of the file to train one model on
F_KEEP = "train.keep_ratio"
F_SCORING = "train.scoring"
F_SEEDS = "train.seeds"  # the seeds field (text: `launch.parse_seeds_field`)
F_COUNTRY = "train.country"  # whose public holidays are an input ("" = none)
GRID = "machine.grid_country"  # sidebar: the grid this machine draws from (carbon intensity)
F_HOLIDAYS = "train.holidays"  # checkbox: the country's public holidays as an input feature
CANCEL_ALL = "train.cancel_all"  # button


def cancel_key(job_id: str) -> str:
    """Key of a job's Cancel button."""
    return f"train.cancel.{job_id}"

# Data page
DATA_LAUNCH = "data.launch"  # button: launch a comparison with the form's defaults

# Result pages
IMP_RUN = "importance.calendar_run"  # run whose selection calendar is shown
IMP_EXTREMES_RUN = "importance.extremes_run"  # run whose extreme windows are drawn
IMP_CELLS_RUN = "importance.cells_run"  # the panel run whose cells are shown
FIDELITY_NOW = "importance.fidelity_now"  # button: measure proxy fidelity while jobs run
FC_STEP = "forecasts.step"
FC_CLASSICAL = "forecasts.classical"
FC_SERIES = "forecasts.series"  # selectbox: the series drawn, for runs on several series
EN_BASELINE = "energy.baseline"
EN_AXIS = "energy.axis"

# Overview page
OV_DEMO = "overview.demo"  # button: launch the quick demo (ui.demo)
OV_SETUP = "overview.setup"  # button: open the Train page
OV_DEMO_STARTED = "overview.demo_started"  # time.time() of this session's last demo launch

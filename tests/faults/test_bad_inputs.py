"""The bad-input corpus (tests/faults/corpus.py) through the library, the CLI and the
dashboard's upload: every file ends in a message that names it, none in a traceback; the
files that only look wrong load (and train)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from importance.cli import main
from importance.config import DataConfig, RunConfig, WindowConfig
from importance.data import DataError, describe_source, files, load_series
from importance.data.steps import suggest_window
from importance.experiment import preflight
from tests.faults.corpus import BAD_FILES, BOMB_LIMIT, BadFile

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `ui` is an app folder, not an installed package
    sys.path.insert(0, str(ROOT))

from ui import state  # noqa: E402

REFUSED = [n for n, b in BAD_FILES.items() if b.expect and b.stage == "load"]
LOADS = [n for n, b in BAD_FILES.items() if b.expect is None or b.stage == "preflight"]
LOOKBACK = 12
COMPARE = ["--epochs", "1", "--hidden", "4", "--lookback", str(LOOKBACK), "--stride", "32",
           "--strategies", "full", "--seed", "0", "--no-progress"]
ERROR = "importance: error: "


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gzip bombs decompress to 64 MB: refused at 1 MB without building gigabytes."""
    monkeypatch.setattr(files, "MAX_DECOMPRESSED_BYTES", BOMB_LIMIT)


def _run_config(path: Path) -> RunConfig:
    """A run as the CLI's compare builds it (the series' own window, lookback 12)."""
    loaded = load_series(path)
    window = suggest_window(loaded.values, loaded.freq, WindowConfig(stride=32),
                            lookback=LOOKBACK).config
    return RunConfig(data=DataConfig(path=str(path)), window=window)


def _refusal(path: Path) -> str:
    """The library's message for a file refused when it is read."""
    with pytest.raises(DataError) as err:
        describe_source(path)
        load_series(path)
    return str(err.value)


def _check_message(bad: BadFile, message: str) -> None:
    assert re.search(bad.expect, message), message
    assert bad.filename in message


def test_the_corpus_is_large_and_deterministic() -> None:
    assert len(REFUSED) >= 20
    for bad in BAD_FILES.values():
        assert bad.build() == bad.bytes(), bad.name
    assert len(BAD_FILES["gz_bomb"].bytes()) < 200_000  # 64 MB once decompressed


# --- (a) the library ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", REFUSED)
def test_the_library_refuses_naming_the_file(tmp_path: Path, name: str) -> None:
    bad = BAD_FILES[name]
    message = _refusal(bad.write(tmp_path))
    _check_message(bad, message)
    assert message.startswith(bad.filename)


@pytest.mark.parametrize("name", LOADS)
def test_the_library_loads_what_only_looks_wrong(tmp_path: Path, name: str) -> None:
    bad = BAD_FILES[name]
    path = bad.write(tmp_path)
    info = describe_source(path)
    loaded = load_series(path)
    assert loaded.values.notna().all() and loaded.column == info.default_column
    if bad.stage == "preflight":
        with pytest.raises(ValueError) as err:
            preflight(_run_config(path))
        _check_message(bad, str(err.value))
    else:
        preflight(_run_config(path))


# --- (b) the command line ----------------------------------------------------------------------

@pytest.mark.parametrize("name", REFUSED)
def test_the_cli_exits_2_with_one_line_naming_the_file(tmp_path: Path, name: str,
                                                       capsys: pytest.CaptureFixture) -> None:
    bad = BAD_FILES[name]
    code = main(["data", "--data", str(bad.write(tmp_path))])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert err.startswith(ERROR + bad.filename) and err.count("\n") == 1, err
    assert "Traceback" not in err
    _check_message(bad, err.removeprefix(ERROR))


@pytest.mark.parametrize("name", LOADS)
def test_the_cli_reads_and_compares_or_refuses_before_training(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture) -> None:
    bad = BAD_FILES[name]
    path = bad.write(tmp_path)
    assert main(["data", "--data", str(path)]) == 0
    capsys.readouterr()
    runs = tmp_path / "runs"
    code = main(["compare", "--data", str(path), *COMPARE, "--runs-dir", str(runs)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if bad.stage == "preflight":
        assert code == 2 and err.startswith(ERROR), (out, err)
        _check_message(bad, err.removeprefix(ERROR))
        assert not runs.exists() or not any(runs.iterdir())  # refused before any training
    else:
        assert code == 0, (out, err)
        assert "full" in out


def test_a_real_cli_process_prints_no_traceback(tmp_path: Path) -> None:
    """Out of process, as a user runs it: exit status 2 and one line on stderr."""
    paths = [BAD_FILES[n].write(tmp_path) for n in ("garbage", "wide_line")]
    env = {**os.environ, "CODECARBON_LOG_LEVEL": "error"}
    for path in paths:
        done = subprocess.run([sys.executable, "-m", "importance.cli", "data", "--data",
                               str(path)], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(ERROR + path.name) and "Traceback" not in done.stderr


# --- (c) the dashboard's upload ----------------------------------------------------------------

@pytest.fixture
def dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app with its own run store and uploads folder (tests/app/conftest.py does not
    apply here), on the Data page."""
    monkeypatch.setenv("IMPORTANCE_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("IMPORTANCE_UPLOADS_DIR", str(tmp_path / "uploads"))
    monkeypatch.delenv("IMPORTANCE_UI_DEFAULTS", raising=False)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py").run()  # the app lands on the Overview
    assert not at.exception, [e.value for e in at.exception]
    yield at
    st.cache_resource.clear()


def _upload(at: AppTest, bad: BadFile) -> None:
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value(
        [(bad.filename, bad.bytes(), "text/csv")]).run()
    assert not at.exception, [e.value for e in at.exception]


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


@pytest.mark.parametrize("name", REFUSED)
def test_an_upload_is_refused_in_the_sidebar_and_the_default_used(
        dashboard: AppTest, tmp_path: Path, name: str) -> None:
    bad = BAD_FILES[name]
    message = _refusal(bad.write(tmp_path / "library"))
    _upload(dashboard, bad)
    shown = _texts(dashboard.sidebar.error)
    short = message.removeprefix(f"{bad.filename}: ").removeprefix(f"{bad.filename}, ")
    assert shown == (f"Cannot use {bad.filename}: {short.rstrip('.')}.\n\n"
                     "Using the embedded default instead, but Launch is off: the dataset chosen "
                     "is the upload. Drop a file that loads, or choose Embedded default to train "
                     "on the synthetic data."), shown
    assert "Traceback" not in _texts(dashboard.code)
    assert "from embedded default" in _texts(dashboard.sidebar.caption)
    assert not dashboard.main.error, [e.value for e in dashboard.main.error]  # the default drawn


@pytest.mark.parametrize("name", LOADS)
def test_an_upload_that_only_looks_wrong_is_used(dashboard: AppTest, name: str) -> None:
    bad = BAD_FILES[name]
    _upload(dashboard, bad)
    assert not dashboard.sidebar.error, [e.value for e in dashboard.sidebar.error]
    assert f"from {bad.filename}" in _texts(dashboard.sidebar.caption)
    if name == "constant":
        assert "This series is constant" in _texts(dashboard.warning)

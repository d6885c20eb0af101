"""The dashboard's script is Streamlit's `__main__`: processes the job lanes spawn must not
run it again (issue 24: ~200 "missing ScriptRunContext" warnings per worker start)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import types
from pathlib import Path

import pytest

from ui import entry


def _nothing() -> None:
    """A spawned process's task: only its start (and main-module fixup) matters."""


def _spawn_once() -> None:
    p = multiprocessing.get_context("spawn").Process(target=_nothing)
    p.start()
    p.join(60)
    assert p.exitcode == 0


@pytest.fixture
def script_as_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`__main__` as Streamlit makes it: a fresh module whose `__file__` is a script (here
    one that leaves a marker file when it runs) and whose `__spec__` is None."""
    marker = tmp_path / "ran"
    script = tmp_path / "dashboard.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    return marker


def test_a_spawned_process_runs_the_script_again_without_the_guard(script_as_main: Path):
    _spawn_once()
    assert script_as_main.exists()  # the failure the guard prevents: this is what happened


def test_a_spawned_process_does_not_run_the_script_with_the_guard(script_as_main: Path):
    entry.keep_spawned_processes_out()
    _spawn_once()
    assert not script_as_main.exists()
    assert sys.modules["__main__"].__spec__.name == "__main__"


CHILD = """
import multiprocessing, sys, types
main = types.ModuleType("__main__")
main.__file__ = {app!r}  # Streamlit's module in the instant after a rerun made it: no spec yet
sys.modules["__main__"] = main
p = multiprocessing.get_context("spawn").Process(target=print, args=("child ran",))
p.start(); p.join(120); sys.exit(p.exitcode)
"""


def test_a_worker_that_imports_app_py_draws_nothing():
    """Even without the spec (Streamlit's next rerun makes a new `__main__`), a spawned process
    imports app.py as `__mp_main__` and draws no page: no bare-mode warnings."""
    app = Path(entry.__file__).parents[1] / "app.py"
    done = subprocess.run([sys.executable, "-c", CHILD.format(app=str(app))],
                          capture_output=True, text=True, timeout=180, cwd=app.parent)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "child ran" in out
    assert "ScriptRunContext" not in out and "streamlit run" not in out, out

"""The install is what the README says (scripts/setup.sh, README.md)."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_setup_pins_the_torch_the_readme_names_and_this_venv_runs():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    pinned = re.findall(r'"torch==([0-9.]+)"', setup)
    assert len(set(pinned)) == 1, pinned
    version = pinned[0]
    readme = (ROOT / "README.md").read_text()
    assert f"`torch=={version}`" in readme and f"`{version}+cpu`" in readme
    assert metadata.version("torch").split("+")[0] == version  # what setup installed here
    assert "TORCH_INDEX" in setup and "TORCH_INDEX=" in readme  # the choice it documents


def test_no_dependency_lets_pip_resolve_another_torch():
    project = (ROOT / "pyproject.toml").read_text()
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    wanted = re.findall(r'"torch([<>=~!][^"]*)"', project)
    assert wanted == [f"=={re.findall(r'torch==([0-9.]+)', setup)[0]}"]  # exactly the pin

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


def _statsforecast_pins() -> dict[str, str]:
    text = (ROOT / "requirements" / "statsforecast.txt").read_text()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", ln) for ln in lines), lines
    return dict(ln.split("==") for ln in lines)


def test_statsforecast_is_pinned_installed_without_dependencies_and_pulls_no_torch():
    """Its metadata asks pandas<3, the project pins pandas 3.1.1: setup installs the pinned
    set with --no-deps after the project, and this venv holds exactly those versions."""
    pins = _statsforecast_pins()
    assert {"statsforecast", "coreforecast", "fugue"} <= set(pins)
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "pip install --quiet --no-deps -r requirements/statsforecast.txt" in setup
    assert setup.index('-e ".${extras}"') < setup.index("requirements/statsforecast.txt\n")
    assert "requirements/statsforecast.txt | sha256sum" in setup  # a change reinstalls
    for name, version in pins.items():
        assert metadata.version(name) == version, name
        wants = [r.split(";")[0] for r in metadata.requires(name) or []]
        assert not any(re.match(r"torch\b", r) for r in wants), (name, wants)

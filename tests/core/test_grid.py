"""importance.grid: the grid for carbon is the machine's setting, and says where it came from."""

from __future__ import annotations

import pytest

from importance import grid
from importance.grid import DEFAULT_GRID, GRID_ENV, GridCountry, grid_country


@pytest.fixture
def no_setting(monkeypatch, tmp_path):
    """A machine with no grid variable and no time zone: the zone files point nowhere."""
    monkeypatch.delenv(GRID_ENV, raising=False)
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(grid, "ZONE_FILES", (tmp_path / "timezone", tmp_path / "localtime"))
    return tmp_path


def test_the_choice_then_the_variable_then_the_machines_zone_then_the_default(
        no_setting, monkeypatch):
    unset = grid_country()
    assert unset.code == DEFAULT_GRID and GRID_ENV in unset.source and "default" in unset.source
    (no_setting / "timezone").write_text("Europe/Madrid\n")
    assert grid_country() == GridCountry("ESP", "from this machine's time zone Europe/Madrid")
    monkeypatch.setenv("TZ", ":Europe/Berlin")
    assert grid_country().code == "DEU"
    monkeypatch.setenv(GRID_ENV, " fra ")
    assert grid_country() == GridCountry("FRA", f"set by {GRID_ENV}")
    assert grid_country("pol", "the sidebar") == GridCountry("POL", "set by the sidebar")


def test_a_linked_localtime_names_the_zone(no_setting):
    zoneinfo = no_setting / "usr/share/zoneinfo/Europe"
    zoneinfo.mkdir(parents=True)
    (zoneinfo / "Rome").write_text("")
    (no_setting / "localtime").symlink_to(zoneinfo / "Rome")
    assert grid.machine_zone() == "Europe/Rome"
    assert grid_country().code == "ITA"


def test_a_bad_code_is_refused_naming_where_it_was_set(no_setting, monkeypatch):
    monkeypatch.setenv(GRID_ENV, "Spain")
    with pytest.raises(ValueError, match=f"{GRID_ENV}: .*alpha-3.*'Spain'"):
        grid_country()
    with pytest.raises(ValueError, match="--grid-country: .*'E'"):
        grid_country("E")


def test_the_words_name_the_country_and_the_source():
    assert GridCountry("ESP", "set by the sidebar").words() == \
        "Spain's grid (ESP; set by the sidebar)"

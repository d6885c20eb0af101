"""Choosing cells (`importance.data.cells`): all, top:N, id patterns and ids, on long, wide and
transposed files and the embedded Milan data; dead cells left out and named; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from importance.config import DataConfig
from importance.data.cells import choose
from tests.fixtures import panels

CELLS = 12
LIVE = panels.live_cells(CELLS)  # all but eNB_31004 (zeros) and eNB_31006 (constant 5)
WRITERS = {"long": (panels.write_hourly_long, 168), "wide": (panels.write_hourly_wide, 168),
           "transposed": (panels.write_daily_transposed, 136)}


@pytest.fixture(params=list(WRITERS))
def data(request: pytest.FixtureRequest, tmp_path: Path) -> DataConfig:
    write, points = WRITERS[request.param]
    return DataConfig(path=str(write(tmp_path / f"{request.param}.csv", CELLS, points)))


def test_all_takes_every_live_cell_and_names_the_dead_ones(data: DataConfig) -> None:
    cells = choose("all", data)
    assert cells.ids == tuple(LIVE)
    assert cells.left_out == (("eNB_31004", "constant: every value is 0"),
                              ("eNB_31006", "constant: every value is 5"))
    assert cells.words().startswith("10 cells (all); left out 2 with nothing to forecast: "
                                    "eNB_31004 (constant: every value is 0)")
    panel = cells.data_config(data)
    assert panel.series == tuple(LIVE) and panel.is_panel


def test_top_n_ranks_live_cells_by_total(data: DataConfig) -> None:
    levels = panels.panel(CELLS, 136 if "transposed" in str(data.path) else 168,
                          "D" if "transposed" in str(data.path) else "h").levels()
    by_volume = [c for _, c in sorted(zip(-levels, panels.cell_ids(CELLS), strict=True))
                 if c in LIVE]
    assert choose("top:3", data).ids == tuple(by_volume[:3])
    assert choose("top:1", data).data_config(data).series == by_volume[0]  # one: not a panel
    assert choose(f"top:{CELLS}", data).ids == tuple(sorted(LIVE, key=by_volume.index))


def test_patterns_and_ids(data: DataConfig) -> None:
    # eNB_3100? matches eNB_31001-eNB_31009: live ones only, in file order
    assert choose("eNB_3100?", data).ids == tuple(c for c in LIVE if c < "eNB_31010")
    assert choose("eNB_3101[01]", data).ids == ("eNB_31010", "eNB_31011")
    mixed = choose("eNB_31012,eNB_3100*", data)
    assert mixed.ids[0] == "eNB_31012" and "eNB_31004" not in mixed.ids
    # ids named one by one are taken as given, dead or not (the preflight says why)
    assert choose("eNB_31004,eNB_31001", data).ids == ("eNB_31004", "eNB_31001")
    assert choose("eNB_31004", data).left_out == ()


def test_errors_name_the_choice_and_show_ids(data: DataConfig) -> None:
    with pytest.raises(ValueError, match=r"the pattern 'enb_31\*' matches no id of .* \(it has "
                                         r"12: eNB_31001, eNB_31002, .*case-sensitive"):
        choose("enb_31*", data)
    with pytest.raises(ValueError, match=r"--series: eNB_1 not in .*it has 12: eNB_31001.*"
                                         r"a pattern such as eNB_\*"):
        choose("eNB_31001,eNB_1", data)
    with pytest.raises(ValueError, match="top:N needs N >= 1"):
        choose("top:0", data)
    with pytest.raises(ValueError, match="write top:N"):
        choose("top10", data)
    with pytest.raises(ValueError, match="has an empty id"):
        choose("eNB_31001,,eNB_31002", data)
    with pytest.raises(ValueError, match=r"every cell it names has nothing to forecast: "
                                         r"eNB_31004 \(constant: every value is 0\)"):
        choose("eNB_3100[46]", data)


def test_a_cell_that_cannot_be_loaded_is_left_out_with_why(tmp_path: Path) -> None:
    path = panels.write_hourly_long(tmp_path / "long.csv", 4, 48)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, "2023-03-06 00:00:00,eNB_39999,1.0"]) + "\n")
    cells = choose("all", DataConfig(path=str(path)))
    assert cells.ids == ("eNB_31001", "eNB_31002", "eNB_31003")
    (dead, why), (lone, few) = cells.left_out
    assert dead == "eNB_31004" and lone == "eNB_39999" and "only 1 row for BS eNB_39999" in few


def test_a_file_of_one_series_has_no_cells(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("time,value\n" + "".join(f"2024-01-01 {h:02d}:00,{h}\n" for h in range(24)))
    with pytest.raises(ValueError, match="holds one series; omit --series"):
        choose("all", DataConfig(path=str(path)))


def test_milan_squares_by_total_and_pattern() -> None:
    data = DataConfig()  # the embedded synthetic Milan data: 9 squares
    assert len(choose("all", data).ids) == 9
    assert choose("top:3", data).ids == ("5060", "4456", "4259")
    assert choose("50*", data).ids == ("5060",)

"""Cell groups of a sweep: one global model per group of cells (a region, a cluster of cells),
each group a series of the grid (`importance sweep --groups` or `--groups-file`).

    groups = parse_groups("north=eNB_310*;south=eNB_311*", data)
    groups = read_groups_file(Path("groups.csv"), data)

`--groups` is `name=choice` items separated by `;`, each choice anything `--series` takes
(`importance.data.cells.choose`: ids with commas, `all`, `top:N`, id patterns); `all`, `top:N`
and patterns leave out the cells with nothing to forecast, and say which, per group.

A groups file is a cell-to-group table as an operator exports it (`GROUPS_FILE_FORMAT`): a
header row naming its two columns (any names, e.g. `cell,group`), then one row per cell: the
cell id (as the data file names it), then its group's name; comma-, semicolon- or
tab-separated (the header's first separator); blank lines skipped, a repeated row taken once.
Every id must be a cell of the data file and a cell belongs to one group; the cells with
nothing to forecast (constant, e.g. all zeros, or that cannot be loaded) are left out and
said per group, as `all` does.

A group name (`NAME_RULE`) is the series name in the grid's keys (`full-s0-north`), in the
sweep's record and on the Sweep page. Bad input raises ValueError naming the option or the
file, its row and the value.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Container, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from importance.config import DataConfig
from importance.data.cells import Cells, cells_of, choose, is_wide
from importance.data.loader import describe, volumes

NAME = re.compile(r"[\w.-]+")
NAME_RULE = ("letters, digits, '_', '-' or '.', with a letter (a bare number reads as a cell "
             "id, e.g. a Milan square's, on the Sweep page: write cluster3)")
SEPARATORS = (",", ";", "\t")
GROUPS_FILE_FORMAT = ("a header row naming two columns (e.g. cell,group), then one row per "
                      "cell: its id, then its group's name")
SHOWN = 5  # problems listed before "and N more"


@dataclass(frozen=True)
class Group:
    """A group of the grid: its name and its cells (those left out said)."""

    name: str
    cells: Cells

    def words(self) -> str:
        """"group north: 3 cells (eNB_310*); left out 1 with nothing to forecast: ..."."""
        return f"group {self.name}: {self.cells.words()}"


def parse_groups(text: str, data: DataConfig) -> tuple[Group, ...]:
    """The groups `--groups` names (module docstring) on `data`'s source."""
    items = [item.strip() for item in str(text).split(";")]
    groups: list[Group] = []
    for item in items:
        if not item:
            raise ValueError(f"--groups {text!r} has an empty item; separate groups by single "
                             "semicolons, e.g. --groups 'north=eNB_310*;south=eNB_311*'")
        name, eq, choice = (part.strip() for part in item.partition("="))
        if not eq or not choice:
            raise ValueError(f"--groups: {item!r} is not name=choice, e.g. north=eNB_310* "
                             "(the choice: ids with commas, all, top:N or an id pattern)")
        _check_name(name, f"--groups: {item!r}")
        try:
            cells = choose(choice, data)
        except ValueError as exc:
            raise ValueError(f"--groups, group {name}: {exc}") from None
        groups.append(Group(name, cells))
    _check_repeated([g.name for g in groups], "--groups")
    _check_disjoint(groups, "--groups")
    return tuple(groups)


def read_groups_file(path: Path | str, data: DataConfig) -> tuple[Group, ...]:
    """The groups a cell-to-group table names (module docstring), in the order they first
    appear; the cells of each in the data file's order."""
    path = Path(path)
    info = describe(data)
    known = cells_of(info)
    if not known:
        raise ValueError(f"--groups-file {path}: {info.path} holds one series; groups need a "
                         "file of several cells")
    order = {c: k for k, c in enumerate(known)}  # a cell's place in the data file
    members = _read_table(path, order)
    unknown = [f"row {k}: {cell!r}" for cell, k in members.pop(None, [])]
    if unknown:
        more = f", and {len(unknown) - SHOWN} more" if len(unknown) > SHOWN else ""
        raise ValueError(f"{path}: cell ids not in {info.path} ({len(known):,} cells, e.g. "
                         f"{', '.join(known[:3])}): {'; '.join(unknown[:SHOWN])}{more}")
    # the cells with nothing to forecast (`importance.data.loader.volumes`), the data file
    # parsed once for every group
    every = [cell for rows in members.values() for cell, _ in rows]
    found = volumes(replace(data, column=None) if is_wide(info) else data, every)
    groups = []
    for name, rows in members.items():
        ids = sorted((cell for cell, _ in rows), key=order.__getitem__)
        left_out = tuple((s, found[s].dead) for s in ids if found[s].dead)
        live = tuple(s for s in ids if not found[s].dead)
        if not live:
            raise ValueError(f"{path}: every cell of group {name} has nothing to forecast: "
                             + "; ".join(f"{s} ({why})" for s, why in left_out[:SHOWN]))
        groups.append(Group(name, Cells(path.name, live, left_out, is_wide(info))))
    return tuple(groups)


def _read_table(path: Path, known: Container[str]) -> dict[str | None, list[tuple[str, int]]]:
    """A groups file's rows: group name -> its (cell id, row number), in the order they first
    appear, repeated rows once; the ids not in `known` under None. ValueError naming the
    file, the row and the value for anything else wrong."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"--groups-file {path}: cannot be read ({exc})") from None
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ValueError(f"--groups-file {path} is empty; it needs {GROUPS_FILE_FORMAT}")
    sep = next((s for s in SEPARATORS if s in lines[first]), ",")
    header = [v.strip() for v in next(csv.reader([lines[first]], delimiter=sep))]
    if header and header[0] in known:
        raise ValueError(f"{path} row {first + 1}: {header[0]!r} is a cell id, but the first "
                         f"row must name the columns: {GROUPS_FILE_FORMAT}")
    members: dict[str | None, list[tuple[str, int]]] = {}
    where: dict[str, tuple[str, int]] = {}  # cell -> (its group, its row)
    for k, row in enumerate(csv.reader(lines[first + 1:], delimiter=sep), start=first + 2):
        values = [v.strip() for v in row]
        if not any(values):
            continue
        if len(values) != 2:
            raise ValueError(f"{path} row {k}: expected 2 values (cell id, group name), got "
                             f"{len(values)}: {sep.join(row)!r}")
        cell, name = values
        if not cell or not name:
            raise ValueError(f"{path} row {k}: empty {'cell id' if not cell else 'group name'}"
                             f" in {sep.join(row)!r}")
        _check_name(name, f"{path} row {k}")
        if cell not in known:
            members.setdefault(None, []).append((cell, k))
        elif cell in where and where[cell][0] != name:
            other, before = where[cell]
            raise ValueError(f"{path} rows {before} and {k}: cell {cell} is in two groups "
                             f"({other} and {name}); a cell belongs to one group")
        elif cell not in where:
            where[cell] = (name, k)
            members.setdefault(name, []).append((cell, k))
    if not members:
        raise ValueError(f"{path} has no rows after its header; it needs {GROUPS_FILE_FORMAT}")
    return members


def _check_name(name: str, where: str) -> None:
    if not NAME.fullmatch(name) or not any(ch.isalpha() for ch in name):
        raise ValueError(f"{where}: group name {name!r} must be {NAME_RULE}")


def _check_repeated(names: Sequence[str], where: str) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{where}: group {', '.join(repeated)} given more than once")


def _check_disjoint(groups: Sequence[Group], where: str) -> None:
    """ValueError naming a cell two groups share."""
    owner: dict[str, str] = {}
    for g in groups:
        for cell in g.cells.ids:
            if cell in owner:
                raise ValueError(f"{where}: cell {cell} is in groups {owner[cell]} and "
                                 f"{g.name}; a cell belongs to one group")
            owner[cell] = g.name

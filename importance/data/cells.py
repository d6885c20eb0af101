"""Which cells (series) of a file a run or a sweep takes: one rule for `importance compare
--series`, `importance sweep --series` and the Train and Sweep pages.

A choice is written as text:
- `all`: every cell of the file;
- `top:N`: the N cells with the largest total of the chosen column (ties by id);
- ids and id patterns, comma-separated: `eNB_31001,eNB_31007`, `eNB_31*`, `5060,40??`. A
  pattern is a shell-style glob matched against the whole id, case-sensitive (`*` any run of
  characters, `?` one character, `[0-9]` one of a set); its matches come in file order.

The cells of a file are its series ids (a Milan file's squares, a long or transposed file's
station/cell ids) or, in a wide file, its cell columns. `all`, `top:N` and patterns leave out
the cells with nothing to forecast (constant, e.g. all zeros, or that cannot be loaded), and
say which: one dead cell does not stop a panel of a thousand. Ids named one by one are taken
as given (the run's preflight says why one cannot be trained).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, replace

from importance.config import DataConfig
from importance.data.generic import WIDE_WORDS
from importance.data.loader import describe, volumes
from importance.data.types import SourceInfo

ALL = "all"
PATTERN_MARKS = frozenset("*?[")
SHOWN = 20  # ids shown when a choice names none of the file's
_TOP = re.compile(r"top:(-?\d+)")


@dataclass(frozen=True)
class Cells:
    """The cells a choice names, in order, and those it left out with the reason."""

    choice: str  # as written, e.g. "all", "top:50", "eNB_31*"
    ids: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...] = ()  # (id, why it has nothing to forecast)
    wide: bool = False  # the cells are a wide file's columns

    def data_config(self, data: DataConfig) -> DataConfig:
        """`data` with these cells: one id, or several (one model on all of them); a wide
        file's cells name their own value columns."""
        series = self.ids[0] if len(self.ids) == 1 else self.ids
        return replace(data, series=series, column=None if self.wide else data.column)

    def words(self) -> str:
        """"10 cells (all); left out 2 with nothing to forecast: eNB_31004 (constant: every
        value is 0), ..."."""
        n = len(self.ids)
        said = f"{n:,} cell{'s' if n != 1 else ''} ({self.choice})"
        if not self.left_out:
            return said
        shown = ", ".join(f"{s} ({why})" for s, why in self.left_out[:10])
        more = f", and {len(self.left_out) - 10:,} more" if len(self.left_out) > 10 else ""
        return (f"{said}; left out {len(self.left_out):,} with nothing to forecast: "
                f"{shown}{more}")


def cells_of(info: SourceInfo) -> list[str]:
    """The cells of a source: its series ids, or a wide file's cell columns ([]: one
    series)."""
    if info.series:
        return list(info.series)
    return list(info.columns) if is_wide(info) else []


def is_wide(info: SourceInfo) -> bool:
    """One column per cell (`importance.data.generic`'s wide layout)."""
    return info.layout.startswith(WIDE_WORDS)


def is_selection(text: str) -> bool:
    """`all`, `top:N` or a pattern: a choice that leaves out dead cells (module docstring)."""
    text = text.strip()
    return text == ALL or text.startswith("top") or any(
        PATTERN_MARKS & set(item) for item in text.split(","))


def choose(text: str, data: DataConfig) -> Cells:
    """The cells of `data`'s source that `text` names (module docstring); ValueError naming
    the choice, with some of the file's ids, when it names none or an unknown one."""
    info = describe(data)
    text = text.strip()
    cells = cells_of(info)
    if not cells:
        raise ValueError(f"--series {text}: {info.path} holds one series; omit --series")
    wide = not info.series
    if text == ALL:
        return _live(text, cells, data, wide)
    if m := _TOP.fullmatch(text):
        n = int(m[1])
        if n < 1:
            raise ValueError("--series top:N needs N >= 1")
        found = _live(text, cells, data, wide, ranked=True)
        return replace(found, ids=found.ids[:n])
    if text.startswith("top"):
        raise ValueError(f"--series {text!r}: write top:N, e.g. top:50")
    items = [s.strip() for s in text.split(",")]
    if not all(items):
        raise ValueError(f"--series {text!r} has an empty id; separate ids by single commas, "
                         f"e.g. --series {','.join(cells[:2])}")
    picked: list[str] = []
    for item in items:
        if PATTERN_MARKS & set(item):
            matched = [c for c in cells if fnmatch.fnmatchcase(c, item)]
            if not matched:
                raise ValueError(f"--series: the pattern {item!r} matches no id of "
                                 f"{info.path} ({_some(cells)}); a pattern matches whole ids, "
                                 "case-sensitive: * any characters, ? one, [0-9] one of a set")
            picked += matched
        elif item not in cells:
            unknown = [s for s in items if s not in cells and not PATTERN_MARKS & set(s)]
            raise ValueError(f"--series: {', '.join(unknown)} not in {info.path} "
                             f"({_some(cells)}); or use all, top:N or a pattern such as "
                             f"{_pattern_example(cells)}")
        else:
            picked.append(item)
    picked = list(dict.fromkeys(picked))
    if not any(PATTERN_MARKS & set(item) for item in items):
        return Cells(text, tuple(picked), wide=wide)
    named = {s for s in items if not PATTERN_MARKS & set(s)}
    found = _live(text, [s for s in picked if s not in named], data, wide)
    kept = set(found.ids) | named
    return replace(found, ids=tuple(s for s in picked if s in kept))


def choice_text(mode: str, top: int | None = None, pattern: str | None = None) -> str:
    """A form's choice as `choose` reads it: mode "all", "top" (with `top`) or "pattern"
    (with `pattern`)."""
    if mode == "top":
        return f"top:{top}"
    if mode == "pattern":
        return str(pattern).strip()
    if mode == ALL:
        return ALL
    raise ValueError(f"unknown cell choice {mode!r}; allowed: all, top, pattern")


def _live(text: str, cells: list[str], data: DataConfig, wide: bool,
          ranked: bool = False) -> Cells:
    """`cells` less those with nothing to forecast (`importance.data.loader.volumes`), by
    total (largest first) when `ranked`; ValueError when none is left."""
    found = volumes(replace(data, column=None) if wide else data, cells)
    left_out = tuple((s, v.dead) for s, v in found.items() if v.dead)
    live = [s for s in cells if not found[s].dead]
    if not live:
        raise ValueError(f"--series {text}: every cell it names has nothing to forecast: "
                         + "; ".join(f"{s} ({why})" for s, why in left_out[:5])
                         + (", ..." if len(left_out) > 5 else ""))
    if ranked:
        live.sort(key=lambda s: (-found[s].total, s))
    return Cells(text, tuple(live), left_out, wide)


def _some(cells: list[str]) -> str:
    shown = ", ".join(cells[:SHOWN]) + (", ..." if len(cells) > SHOWN else "")
    return f"it has {len(cells):,}: {shown}"


def _pattern_example(cells: list[str]) -> str:
    """A pattern in the file's own terms: its first id's prefix and `*`."""
    head = re.match(r"\D*", cells[0])
    return f"{head[0] if head and head[0] else cells[0][:1]}*"

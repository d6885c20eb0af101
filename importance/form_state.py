"""The Train form follows the data: when the dataset changes, the fields whose default or
limit depends on it (lookback, horizon, batch size, the holidays' country) are recomputed, a
value set by hand is kept only while it still fits, and every change is said in a sentence.
And which uploaded files make the dataset: a file dropped beside loaded ones replaces or joins
them only as the user chose, and a choice that cannot be used keeps the files that could.

The dashboard's sidebar calls these on every change (`ui/form_state.py`); the pages draw the
sentences. No streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from importance.config import WindowConfig
from importance.data import LoadedSeries
from importance.data.holidays import series_country
from importance.data.steps import largest_lookback, steps_words
from importance.launch import LaunchForm

# The form's fields whose default or bounds depend on the data, in the order they are decided
# (a horizon is checked before the lookback that must fit beside it) and said.
FOLLOWING = ("horizon", "lookback", "batch_size", "country")
MAX_HORIZON = 1008  # steps: the form's largest horizon (and stride)
NAMES = {"horizon": "Horizon", "lookback": "Lookback", "batch_size": "Batch size",
         "country": "Holidays country"}
STEP_ADJECTIVES = {pd.Timedelta(hours=1): "hourly", pd.Timedelta(days=1): "daily",
                   pd.Timedelta(weeks=1): "weekly"}


def step_adjective(step: pd.Timedelta) -> str:
    """"hourly", "daily", "weekly", else "10-minute", "6-hour", "2-day"."""
    if step in STEP_ADJECTIVES:
        return STEP_ADJECTIVES[step]
    for unit, span in (("week", pd.Timedelta(weeks=1)), ("day", pd.Timedelta(days=1)),
                       ("hour", pd.Timedelta(hours=1)), ("minute", pd.Timedelta(minutes=1))):
        if step >= span and step % span == pd.Timedelta(0):
            return f"{step // span}-{unit}"
    return f"{step.total_seconds():g}-second"


def data_defaults(form: LaunchForm, tz: str | None, embedded: bool = False) -> LaunchForm:
    """The form's defaults for a series on the clock `tz`: the public holidays of the
    series' own country (`holidays.series_country`: its zone's, Italy for the embedded data),
    none ("") when its clock names no country. The grid is the machine's, not the data's."""
    return replace(form, country=series_country(tz, embedded)[0] or "")


# --- the fields that follow the data -------------------------------------------------------------

@dataclass(frozen=True)
class SeriesShape:
    """What the form's fields depend on: the series' length, step and clock."""

    points: int
    step: pd.Timedelta
    tz: str | None = None  # the zone named by the data or chosen (`LoadedSeries.named_zone`)
    embedded: bool = False  # the embedded default data (Milan: Italian holidays)

    @classmethod
    def of(cls, loaded: LoadedSeries) -> SeriesShape:
        """The shape of a loaded series; its zone only when named (not fitted to offsets)."""
        return cls(len(loaded.values), loaded.freq, loaded.named_zone, loaded.embedded)

    def words(self) -> str:
        """"this hourly series"."""
        return f"this {step_adjective(self.step)} series"


def field_bounds(defaults: LaunchForm, batch_limit: int, lookback_limit: int
                 ) -> dict[str, tuple[int, int]]:
    """(smallest, largest) of the form's numeric fields that follow the data: the memory
    guard's limits (`ui.launch.form_limits`), never below the default itself."""
    return {"horizon": (1, MAX_HORIZON),
            "lookback": (1, max(lookback_limit, defaults.lookback)),
            "batch_size": (1, max(batch_limit, defaults.batch_size))}


@dataclass(frozen=True)
class Followed:
    """The form's fields for new data, the defaults they were decided against (what "set by
    hand" means at the next change), and what changed, in sentences."""

    values: dict[str, Any]
    defaults: dict[str, Any]
    sentences: tuple[str, ...]


def _fits(shape: SeriesShape, lookback: int, horizon: int) -> bool:
    return largest_lookback(shape.points, WindowConfig(lookback=lookback, horizon=horizon)) \
        >= lookback


def _steps(n: int, shape: SeriesShape) -> str:
    return steps_words(int(n), shape.step)


def _refusal(field: str, value: Any, shape: SeriesShape, bounds: Mapping[str, tuple[int, int]],
             horizon: int) -> str:
    """Why a value set by hand does not fit the new data ("" when it does)."""
    if field == "country":
        return ""
    low, high = bounds[field]
    if not isinstance(value, int) or not low <= value <= high:
        return f"at most {high:,}" + ("" if field == "horizon" else
                                     " fit the memory a run may use on this machine")
    if field == "horizon" and largest_lookback(
            shape.points, WindowConfig(lookback=1, horizon=value)) < 1:
        return (f"{shape.points:,} points leave no window of that horizon in each of the "
                "train/validation/test splits")
    if field == "lookback" and not _fits(shape, value, horizon):
        best = largest_lookback(shape.points, WindowConfig(lookback=value, horizon=horizon))
        return (f"{shape.points:,} points fit at most {_steps(max(best, 0), shape)} beside a "
                f"horizon of {horizon} in each of the train/validation/test splits")
    return ""


def _shown(field: str, value: Any, shape: SeriesShape) -> str:
    if field in ("lookback", "horizon"):
        return _steps(value, shape)
    if field == "batch_size":
        return f"{value:,}"
    if field == "country":
        return str(value) or "none"
    return str(value)


def _set_words(field: str, value: Any, shape: SeriesShape, why: str = "") -> str:
    """"lookback set to 168 steps = 1 week for this hourly series"."""
    if field == "country":
        found, why = series_country(shape.tz, shape.embedded)
        if not value:
            return f"holidays country set to none: {why}"
        return f"holidays country set to {value}, " + (
            why if found == value else "the form's default")
    return f"{NAMES[field].lower()} set to {_shown(field, value, shape)} for {shape.words()}" \
        + (f" ({why})" if why else "")


def _default_words(field: str, default: Any, shape: SeriesShape) -> str:
    """"the default for this hourly series is 168 steps = 1 week"."""
    if field == "country":
        found, why = series_country(shape.tz, shape.embedded)
        return f"{why} suggests {default}" if found == default and default else why
    return f"the default for {shape.words()} is {_shown(field, default, shape)}"


def follow_data(defaults: LaunchForm, shape: SeriesShape, bounds: Mapping[str, tuple[int, int]],
                now: Mapping[str, Any], before: Mapping[str, Any] | None = None) -> Followed:
    """The form's `FOLLOWING` fields for new data.

    `defaults`: the form's defaults for it (`data_defaults`); `bounds`: `field_bounds` for it;
    `now`: the values the form holds (the fields it has never shown are missing); `before`:
    the defaults of the data they were decided for (None the first time: then every value the
    form holds counts as set by hand). A value set by hand (not its data's default) is kept
    while it fits the new data and its bounds, else it is reset to the new default; a value
    left at its default takes the new one. Each change and each kept value whose default moved
    is said: "Lookback set to 168 steps = 1 week for this hourly series."
    """
    values: dict[str, Any] = {}
    decided: dict[str, Any] = {}  # each field's default, as fitted beside the others
    said: list[str] = []
    for field in FOLLOWING:
        default, old_default = getattr(defaults, field), (before or {}).get(field)
        current = now.get(field, old_default if before is not None else default)
        by_hand = field in now and (before is None or now[field] != before.get(field))
        horizon = values.get("horizon", defaults.horizon)
        if field == "lookback" and not _fits(shape, default, horizon):  # a longer horizon kept
            fitted = largest_lookback(shape.points, WindowConfig(lookback=1, horizon=horizon))
            default = max(1, fitted)
        decided[field] = default
        if not by_hand:
            values[field] = default
            if before is not None and current != default:
                said.append(_set_words(field, default, shape))
            continue
        why = _refusal(field, current, shape, bounds, horizon)
        if not why:
            values[field] = current
            if before is not None and default != old_default and default != current:
                said.append(f"{NAMES[field]} {_shown(field, current, shape)} kept (set by "
                            f"hand); {_default_words(field, default, shape)}")
            continue
        values[field] = default
        said.append(f"{NAMES[field]} {_shown(field, current, shape)} (set by hand) no longer "
                    f"fits: {why}; {_set_words(field, default, shape)}")
    sentences = tuple(s[0].upper() + s[1:] + "." for s in said)
    return Followed(values, decided, sentences)


# --- which uploads make the dataset ------------------------------------------------------------

REPLACE, COMBINE = "replace", "combine"
MODES = {REPLACE: "Replace", COMBINE: "Combine"}


@dataclass(frozen=True)
class UploadPicks:
    """The uploaded files (saved paths, in upload order) that make the dataset.

    `used`: the files whose data is in use (the last choice that loaded); `base`: the files in
    use when the latest ones were dropped; `added`: the latest dropped; `held`: the files the
    uploader held at the last change, so that a file set aside stays aside."""

    used: tuple[str, ...] = ()
    base: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    held: frozenset[str] = frozenset()

    def update(self, present: Sequence[str]) -> UploadPicks:
        """After the uploader changed to `present`: files removed from it leave every choice;
        files new to it become the latest dropped, beside the files in use."""
        keep = set(present)
        used, base, added = (tuple(f for f in ids if f in keep)
                             for ids in (self.used, self.base, self.added))
        new = tuple(dict.fromkeys(f for f in present if f not in self.held))
        if new:
            base, added = used, new
        return UploadPicks(used, base, added, frozenset(keep))

    def wanted(self, mode: str) -> tuple[str, ...]:
        """The files the user asks for: the latest dropped alone (`REPLACE`) or joined to the
        files in use before them (`COMBINE`); all of them when nothing was in use."""
        if not self.added:
            return self.base
        if mode == COMBINE or not self.base:
            return tuple(dict.fromkeys((*self.base, *self.added)))
        return self.added

    def loaded(self, files: Sequence[str]) -> UploadPicks:
        """`files` loaded: they are in use now."""
        return replace(self, used=tuple(files))


def upload_refusal(wanted: Sequence[str], used: Sequence[str], error: str, mode: str) -> str:
    """Why the files asked for (`wanted`, by name) are not used, then what is used instead:
    `used`, the files still in use (none: the embedded default), and that Launch is off."""
    asked = [f for f in wanted if f not in used] or list(wanted)
    names, still = ", ".join(asked), ", ".join(used)
    joined = bool(used) and mode == COMBINE and len(wanted) > len(asked)
    reason = error.rstrip(".")
    for name in asked:  # "x.csv: ..." from the reader: the sentence names the file once
        for sep in (": ", ", "):
            reason = reason.removeprefix(name + sep)
    if not any(reason.startswith(name) for name in wanted):  # else the reader names them
        how = "" if not used else f" {'together with' if joined else 'in place of'} {still}"
        reason = f"Cannot use {names}{how}: {reason}"
    if not used:
        return (f"{reason}.\n\nUsing the embedded default instead, but Launch is off: the "
                "dataset chosen is the upload. Drop a file that loads, or choose Embedded "
                "default to train on the synthetic data.")
    fix = f"remove {names} from the uploader" + (", or choose Replace to use it alone"
                                                  if joined else "")
    return f"{reason}.\n\nStill using {still}, but Launch is off until you {fix}."


def unused_words(unused: Sequence[str]) -> str:
    """The uploader's files that a later one replaced (by name), and how to use them ("" when
    none)."""
    if not unused:
        return ""
    it = "it" if len(unused) == 1 else "them"
    return (f"Not used: {', '.join(unused)} (replaced; choose Combine to join {it} to the "
            f"files in use, or remove {it}).")

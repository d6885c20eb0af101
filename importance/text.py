"""One rounding rule for the figures every surface shows in words: percentages to one
decimal with their sign where they are changes, shares of a budget as whole percents, and
measured amounts (durations, energies, emissions) to their significant digits, never rounded
to zero and never written with an exponent.

>>> change(1.234), change(-0.04), saving(27.46), share(0.4163)
('+1.2%', '-0.0%', '27.5%', '42%')
>>> span(-3.35, 0.01)
'-3.4% to +0.0%'
>>> seconds(0.0612), seconds(0.00214), seconds(3.204), seconds(10.04), seconds(1234.5)
('0.0612 s', '0.00214 s', '3.2 s', '10 s', '1,234 s')
>>> energy(2.1e-08, 1000, "Wh"), energy(None, 1000, "Wh")
('0.000021 Wh', 'not measured')
"""

from __future__ import annotations

import math


def _finite(v: float) -> bool:
    return v is not None and math.isfinite(v)


def change(pct: float) -> str:
    """A change in percent, signed, one decimal: "+1.2%"; "n/a" when unknown."""
    return f"{pct:+.1f}%" if _finite(pct) else "n/a"


def saving(pct: float) -> str:
    """A saving in percent (positive: less), one decimal, no sign: "27.5%"."""
    return f"{pct:.1f}%" if _finite(pct) else "n/a"


def share(fraction: float) -> str:
    """A share of a whole (0.416 -> "42%")."""
    return f"{100 * fraction:.0f}%" if _finite(fraction) else "n/a"


def span(low: float, high: float) -> str:
    """A 95% interval of a change: "-3.4% to +0.0%"."""
    return f"{change(low)} to {change(high)}"


DIGITS = 3  # significant digits of a measured amount: a timer's or a power model's, not more


def round_significant(x: float, digits: int = DIGITS) -> float:
    """`x` rounded to `digits` significant digits, whole numbers from 10**digits up, as a
    number (for tables that sort); NaN when unknown. `significant` writes the same figure."""
    if not _finite(x) or x == 0:
        return float("nan") if not _finite(x) else 0.0
    x = float(x)
    r = round(x, digits - 1 - math.floor(math.log10(abs(x))))
    return float(round(x)) if abs(r) >= 10 ** digits else r


def significant(x: float, digits: int = DIGITS) -> str:
    """`x` to `digits` significant digits, positional (0.000021, never 2.1e-05), trailing
    zeros dropped; from 10**digits up the whole number with thousands separators
    ("1,234"); "n/a" when unknown."""
    if not _finite(x):
        return "n/a"
    r = round_significant(x, digits)
    if abs(r) >= 10 ** digits:
        return f"{round(r):,}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x)))) if x else 0
    out = f"{r:.{decimals}f}"
    return out.rstrip("0").rstrip(".") if "." in out else out


def seconds(s: float | None, digits: int = DIGITS) -> str:
    """A duration in seconds to its significant digits: "0.0612 s", "3.2 s", "1,234 s";
    "n/a" when unknown."""
    return "n/a" if s is None or not _finite(s) else f"{significant(s, digits)} s"


def energy(kwh: float | None, scale: float = 1000.0, unit: str = "Wh",
           digits: int = DIGITS) -> str:
    """An energy reading (kWh) in the unit of `scale` ("0.021 Wh"), or "not measured" when
    its reading failed (None or NaN). Emissions read the same (kg x 1000, "gCO2e")."""
    if kwh is None or not _finite(kwh):
        return "not measured"
    return f"{significant(kwh * scale, digits)} {unit}"


def less_more(pct: float, what: str, fewer: bool = False) -> str:
    """A saving as words: "27.5% less wall time" / "3.0% more wall time"."""
    if not _finite(pct):
        return f"{what}: not compared"
    less, more = ("fewer", "more") if fewer else ("less", "more")
    return f"{saving(abs(pct))} {less if pct >= 0 else more} {what}"


def seeds_words(n: int, unit: str = "seed") -> str:
    """ "1 seed", "3 seeds"; a sweep pooled over series counts "series-seed pairs"."""
    return f"{n} {unit}{'' if n == 1 else 's'}"

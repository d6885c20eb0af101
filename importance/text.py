"""One rounding rule for the figures every surface shows in words: percentages to one
decimal with their sign where they are changes, shares of a budget as whole percents.

>>> change(1.234), change(-0.04), saving(27.46), share(0.4163)
('+1.2%', '-0.0%', '27.5%', '42%')
>>> span(-3.35, 0.01)
'-3.4% to +0.0%'
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


def less_more(pct: float, what: str, fewer: bool = False) -> str:
    """A saving as words: "27.5% less wall time" / "3.0% more wall time"."""
    if not _finite(pct):
        return f"{what}: not compared"
    less, more = ("fewer", "more") if fewer else ("less", "more")
    return f"{saving(abs(pct))} {less if pct >= 0 else more} {what}"


def seeds_words(n: int, unit: str = "seed") -> str:
    """ "1 seed", "3 seeds"; a sweep pooled over series counts "series-seed pairs"."""
    return f"{n} {unit}{'' if n == 1 else 's'}"

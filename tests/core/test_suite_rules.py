"""Rules of the test suite itself: it holds on any machine (no assertion on wall-clock speed:
speed belongs in benchmarks/), and a hung test fails with its name (a per-test timeout)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# An assertion that a duration is below a bound: `assert time.monotonic() - t0 < 15`,
# `assert seconds < 4 * MEASURED_S`, `assert elapsed <= 30`, ...
TIMING = re.compile(r"assert\b[^\n]*(?:(?:monotonic|perf_counter|time)\(\)\s*-\s*\w+"
                    r"|\b(?:seconds|elapsed|took|duration)\b)\s*<")


def timing_assertions() -> list[str]:
    out = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():  # its own examples
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if TIMING.search(line):
                out.append(f"{path.relative_to(TESTS)}:{n}: {line.strip()}")
    return out


def test_the_pattern_finds_the_timing_assertions_it_forbids():
    for line in ("assert time.monotonic() - t0 < 15", "assert seconds < 4 * demo.MEASURED_S",
                 "    assert elapsed < 30, 'slow'"):
        assert TIMING.search(line), line
    for line in ("assert e.seconds >= PENDING_S", "assert est.seconds == pytest.approx(3.0)",
                 "until(lambda: not mgr.busy, timeout=60)"):
        assert not TIMING.search(line), line


def test_no_test_asserts_wall_clock_speed():
    assert timing_assertions() == []


def test_every_test_has_a_timeout(pytestconfig):
    assert pytestconfig.pluginmanager.hasplugin("timeout")
    assert float(pytestconfig.getini("timeout")) > 0


def test_no_two_test_modules_share_a_name():
    """The test folders are not packages: pytest imports each test file by its base name, so
    two with the same name stop the whole collection ("import file mismatch")."""
    seen: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        seen.setdefault(path.name, []).append(str(path.relative_to(TESTS)))
    assert not {name: where for name, where in seen.items() if len(where) > 1}

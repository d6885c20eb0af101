"""Durations and energies to their significant digits (issue 24 point 5): never rounded to
zero, never written with an exponent, the same rule on every surface (`importance.text`)."""

from __future__ import annotations

import math

import pytest

from importance import text
from importance.aggregates.energy import energy_text, scoring_note, to_target_text, wall_help


@pytest.mark.parametrize(("seconds", "shown"), [
    (0.06, "0.06 s"), (0.0021, "0.0021 s"), (0.01638, "0.0164 s"), (3.204, "3.2 s"),
    (3.2549, "3.25 s"), (10.04, "10 s"), (99.96, "100 s"), (999.6, "1,000 s"),
    (1234.5, "1,234 s"), (0.0, "0 s"), (float("nan"), "n/a"), (None, "n/a")])
def test_a_duration_keeps_its_significant_digits(seconds, shown):
    assert text.seconds(seconds) == shown


@pytest.mark.parametrize("magnitude", range(-9, 7))
def test_a_figure_is_never_zero_nor_an_exponent_and_reads_back_within_its_rounding(magnitude):
    for mantissa in (1.0, 1.23456, 4.9999, 9.87654):
        x = mantissa * 10.0 ** magnitude
        shown = text.significant(x)
        assert "e" not in shown and shown != "0"
        back = float(shown.replace(",", ""))
        assert back == pytest.approx(x, rel=5e-3)
        assert back == text.round_significant(x)  # the number a table sorts by


def test_an_energy_names_its_unit_or_that_it_was_not_measured():
    assert text.energy(2.1e-08) == "0.000021 Wh"
    assert text.energy(1.5, 1.0, "kWh") == "1.5 kWh"
    assert text.energy(None) == text.energy(math.nan) == "not measured"
    assert energy_text(2.1e-08, 1000) == "0.000021" and energy_text(4.0, 1000) == "4,000"


def test_the_energy_pages_sentences_never_round_a_tiny_run_to_zero():
    tiny = {"wall_s": 0.0164, "scoring_s": 0.0021, "in_pass_scoring_s": 0.0004}
    note = scoring_note(tiny)
    assert note.startswith("Scoring took 0.0021 s of 0.0164 s training wall time (12.8%)")
    assert "0.0004 s of it is per-sample norm arithmetic" in note
    assert "0.0 s" not in note and "0.0 s" not in wall_help(tiny)
    rows = [{"run_id": "f", "energy_to_target_kwh": 3e-7, "time_to_target_s": 0.012},
            {"run_id": "g", "energy_to_target_kwh": None, "time_to_target_s": 0.0061}]
    words = to_target_text(rows, {"f": "Full data", "g": "Gradnorm"}, "f", 1000, "Wh", 0.01)
    assert "Full data reached it after 0.0003 Wh and 0.012 s." in words
    assert "Gradnorm reached it after 0.0061 s (energy not measured)." in words

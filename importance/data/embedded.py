"""The embedded default dataset's names: its file, how a run names its source, its squares.

A leaf of the data layer: `loader` (which reads the file) and `synthetic` (which writes it)
both take these names from here, so neither imports the other.
"""

from __future__ import annotations

from pathlib import Path

from importance.data.milan import LANDMARKS

DEFAULT_DATASET: Path = Path(__file__).resolve().parents[2] / "data" / "milan_synthetic.csv.gz"
DEFAULT_SQUARE = "5060"  # the series a run gets when it names none (Duomo)
PERIPHERY = (1001, 2100, 3901, 6800, 8170, 9957)  # quiet squares beside the three landmarks
SQUARE_NAMES: dict[int, str] = {**LANDMARKS, **{s: f"periphery {s}" for s in PERIPHERY}}

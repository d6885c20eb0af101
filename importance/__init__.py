"""Explore which training data matters in telecom time-series forecasting.

A UI-free library: load a series, window it, train forecasters with a sample
selection strategy (full data, per-sample gradient-norm top-k, random subset, ...),
and account for time, energy and carbon honestly. It never imports streamlit.
"""

__version__ = "0.1.0"

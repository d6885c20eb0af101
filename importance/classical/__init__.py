"""Classical forecasting baselines (statsmodels) on the same test windows as the neural runs."""

from importance.classical.base import ClassicalForecast
from importance.classical.registry import CLASSICAL_MODELS, forecast_classical

__all__ = ["CLASSICAL_MODELS", "ClassicalForecast", "forecast_classical"]

"""Classical forecasting baselines (statsmodels, statsforecast) on the neural runs' test windows."""

from importance.classical.base import ClassicalForecast
from importance.classical.registry import (
    CLASSICAL_MODELS,
    ON_REQUEST_MODELS,
    forecast_classical,
    load_library,
)

__all__ = ["CLASSICAL_MODELS", "ON_REQUEST_MODELS", "ClassicalForecast", "forecast_classical",
           "load_library"]

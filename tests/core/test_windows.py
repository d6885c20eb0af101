import numpy as np
import pytest

from importance.config import WindowConfig
from importance.data.windows import make_windows


def test_no_window_crosses_a_split_boundary(series):
    cfg = WindowConfig(lookback=24, horizon=3, stride=2)
    ws = make_windows(series, cfg)
    v, t = ws.bounds
    for name, (a, b) in {"train": (0, v), "val": (v, t), "test": (t, len(series))}.items():
        w = ws.split(name)
        assert len(w) > 0
        assert (w.start - cfg.lookback >= a).all() and (w.start + cfg.horizon <= b).all()
    assert np.diff(ws.train.start).min() == 2  # stride applies to train
    assert np.diff(ws.test.start).max() == 1  # val/test are dense


def test_windows_hold_the_scaled_series_and_invert_to_original_units(series):
    ws = make_windows(series, WindowConfig(lookback=12, horizon=2))
    i = 5
    s = ws.test.start[i]
    raw = series.to_numpy()
    np.testing.assert_allclose(ws.scaler.inverse(ws.test.x[i, :, 0]), raw[s - 12:s], rtol=1e-5)
    np.testing.assert_allclose(ws.actual("test")[i], raw[s:s + 2])
    np.testing.assert_allclose(ws.scaler.inverse(ws.test.y[i]), raw[s:s + 2], rtol=1e-5)
    assert ws.target_times("test")[i] == series.index[s]


def test_scaler_is_fitted_on_train_only(series):
    changed = series.copy()
    changed.iloc[-300:] *= 50  # only the test/val part changes
    a = make_windows(series, WindowConfig(lookback=12))
    b = make_windows(changed, WindowConfig(lookback=12))
    assert a.scaler == b.scaler
    z = np.log1p(series.to_numpy()[: a.bounds[0]])
    assert a.scaler.mean == pytest.approx(z.mean()) and a.scaler.std == pytest.approx(z.std())


def test_calendar_features_are_optional(series):
    with_cal = make_windows(series, WindowConfig(lookback=12))
    without = make_windows(series, WindowConfig(lookback=12, calendar=False))
    assert with_cal.n_features == 6 and without.n_features == 1  # sin/cos x2 + holiday flag
    hour_sin = with_cal.train.x[:, :, 1]
    assert hour_sin.min() >= -1 and hour_sin.max() <= 1 and hour_sin.std() > 0.5


@pytest.mark.parametrize("kwargs, match", [
    ({"lookback": 0}, "lookback"),
    ({"train_frac": 0.9, "val_frac": 0.2}, "train_frac"),
    ({"lookback": 400}, "too short.*need at least"),
])
def test_bad_window_config_is_explained(series, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(series, WindowConfig(**kwargs))


def test_log1p_rejects_negative_values(series):
    with pytest.raises(ValueError, match="log1p needs non-negative.*minimum -[0-9]"):
        make_windows(series - series.max() - 1, WindowConfig(lookback=12))
    ws = make_windows(series - 50, WindowConfig(lookback=12, log1p=False))
    assert ws.scaler.log1p is False

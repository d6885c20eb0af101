"""The hand-written recurrence reproduces nn.LSTM / nn.GRU, including given start states."""

from __future__ import annotations

import pytest
import torch

from importance.scoring.recurrent import recurrent_forward


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("with_state", [False, True])
def test_forward_matches_module(make_model, make_windows, kind, with_state):
    model = make_model(kind, layers=3)
    x, _ = make_windows()
    init = None
    if with_state:
        g = torch.Generator().manual_seed(2)
        init = tuple(torch.randn(3, 5, 4, generator=g, dtype=torch.float64)
                     for _ in range(2 if kind == "lstm" else 1))
    ref, state = model.rnn(x, None if init is None else (init if kind == "lstm" else init[0]))
    with torch.no_grad():
        tapes = recurrent_forward(model.rnn, x, init)
    for layer, tape in enumerate(tapes):
        h_n = state[0] if kind == "lstm" else state
        torch.testing.assert_close(tape.hs[-1], h_n[layer].detach(), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(tapes[-1].hs[1:].transpose(0, 1), ref.detach(), rtol=1e-12,
                               atol=1e-14)


def test_float32_forward_matches_module(make_model, make_windows):
    model = make_model("lstm", layers=2).float()
    x, _ = make_windows(dtype=torch.float32)
    with torch.no_grad():
        ref = model.rnn(x)[0]
        got = recurrent_forward(model.rnn, x)[-1].hs[1:].transpose(0, 1)
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-6)

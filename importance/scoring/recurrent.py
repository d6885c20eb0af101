"""Hand-written LSTM / GRU forward and backward exposing the per-step gate gradients.

The forward re-runs `nn.LSTM` / `nn.GRU` with the module's own parameters, time-major:
the input projection of all steps is one matmul, each step does one hidden matmul plus a
few in-place element-wise ops, and stores the factors that map the step's incoming
gradients to its gate pre-activation gradients. The backward is written out (no autograd
graph): per step it needs one matmul and two to five element-wise ops, and it leaves
`dz[t, i]`, the gradient of sample i's loss w.r.t. the gate pre-activations at step t, for
every layer. Per-sample weight gradients are then sums over t of outer products
(see `norms.py`).

Gate layout of the `dz` buffer (columns, H each):
LSTM `i, f, g, o` (as in `weight_ih_l*`); GRU `r, z, n_h, n_i`, where `n_h` is the gradient
w.r.t. `W_hn h + b_hn` (inside the `r *` term) and `n_i` w.r.t. `W_in x + b_in`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from importance.scoring.norms import GradCollector


@dataclass
class LayerTape:
    """What one layer's forward keeps for its backward, all time-major."""

    inp: torch.Tensor  # (T, B, K) layer input
    hs: torch.Tensor  # (T+1, B, H): hs[0] initial state, hs[t+1] output of step t
    dz: torch.Tensor  # (T, B, 4H): backward factors, turned into dz in place by the backward
    carry: torch.Tensor  # LSTM: (T, B, 2H) [f | o(1 - tanh(c)^2)]; GRU: (T, B, 2H) [r | z]


def check_rnn(rnn: nn.Module) -> None:
    """Raise if `rnn` is not a configuration the hand-written recurrence reproduces."""
    if not isinstance(rnn, nn.LSTM | nn.GRU):
        raise TypeError(f"expected nn.LSTM or nn.GRU, got {type(rnn).__name__}")
    if not rnn.batch_first or rnn.bidirectional or not rnn.bias:
        raise ValueError("need batch_first=True, bidirectional=False, bias=True")
    if getattr(rnn, "proj_size", 0):
        raise ValueError("LSTM proj_size is not supported")
    if rnn.dropout and rnn.training and rnn.num_layers > 1:
        raise ValueError("inter-layer dropout in training mode is not supported")


def _params(rnn: nn.Module, layer: int) -> tuple[torch.Tensor, ...]:
    """Detached (W_ih, W_hh, b_ih, b_hh) of one layer."""
    return tuple(getattr(rnn, f"{n}_l{layer}").detach()
                 for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def lstm_forward(inp: torch.Tensor, rnn: nn.LSTM, layer: int, h0: torch.Tensor,
                 c0: torch.Tensor) -> LayerTape:
    """One LSTM layer over inp (T, B, K) from states h0, c0 (B, H)."""
    w_ih, w_hh, b_ih, b_hh = _params(rnn, layer)
    t_len, b, k = inp.shape
    h = w_hh.shape[1]
    # Input projections of all steps; step t's slot is reused for its backward factors.
    fac = torch.addmm(b_ih + b_hh, inp.reshape(t_len * b, k), w_ih.t()).view(t_len, b, 4 * h)
    hs = inp.new_empty(t_len + 1, b, h)
    hs[0] = h0
    carry = inp.new_empty(t_len, b, 2 * h)  # [f | o (1 - tanh(c)^2)]
    c = c0.clone()
    s, d = inp.new_empty(b, 4 * h), inp.new_empty(b, 4 * h)  # activated gates, sigmoid'
    ig, tc = inp.new_empty(b, h), inp.new_empty(b, h)
    s_if, (i, f, g, o) = s[:, :2 * h], s.split(h, 1)
    d_i, d_f, _, d_o = d.split(h, 1)
    w_hh_t = w_hh.t()
    fac_i, fac_f, fac_g, fac_o = (x.unbind(0) for x in fac.split(h, 2))
    steps, hs_t, car_f, car_q = fac.unbind(0), hs.unbind(0), *(x.unbind(0)
                                                                for x in carry.split(h, 2))
    for t in range(t_len):
        torch.addmm(steps[t], hs_t[t], w_hh_t, out=s)  # (B, 4H) pre-activations
        s_if.sigmoid_()
        o.sigmoid_()
        g.tanh_()
        torch.addcmul(s, s, s, value=-1, out=d)  # s (1 - s); used for i, f, o only
        torch.mul(c, d_f, out=fac_f[t])  # c_{t-1} f'
        torch.mul(i, g, out=ig)
        torch.addcmul(i, ig, g, value=-1, out=fac_g[t])  # i (1 - g^2)
        torch.mul(d_i, g, out=fac_i[t])  # g i'
        torch.addcmul(ig, f, c, out=c)  # c_t = f c_{t-1} + i g
        torch.tanh(c, out=tc)
        torch.mul(o, tc, out=hs_t[t + 1])
        torch.mul(d_o, tc, out=fac_o[t])  # tanh(c) o'
        torch.addcmul(o, hs_t[t + 1], tc, value=-1, out=car_q[t])  # o (1 - tanh(c)^2)
        car_f[t].copy_(f)
    return LayerTape(inp, hs, fac, carry)


def lstm_backward(tape: LayerTape, rnn: nn.LSTM, layer: int, dh_last: torch.Tensor,
                  ext: torch.Tensor | None) -> None:
    """Fill tape.dz (T, B, 4H) given dL/dh at the last step and, if any, `ext` (T, B, H),
    the gradient reaching every step's output from the layer above (ext[-1] is in dh_last)."""
    w_hh = _params(rnn, layer)[1]
    t_len, b, g4 = tape.dz.shape
    h = g4 // 4
    dz = tape.dz.unbind(0)
    dz3 = tape.dz[:, :, :3 * h].unflatten(2, (3, h)).unbind(0)  # (B, 3, H) per step: i, f, g
    dz_o = tape.dz[:, :, 3 * h:].unbind(0)
    car_f, car_q = (x.unbind(0) for x in tape.carry.split(h, 2))
    dh, dc = dh_last, torch.mul(dh_last, car_q[-1])
    for t in range(t_len - 1, -1, -1):
        if t < t_len - 1:
            dh = torch.mm(dz[t + 1], w_hh) if ext is None else torch.addmm(ext[t], dz[t + 1], w_hh)
            dc.mul_(car_f[t + 1]).addcmul_(dh, car_q[t])
        dz3[t].mul_(dc.unsqueeze(1))
        dz_o[t].mul_(dh)


def gru_forward(inp: torch.Tensor, rnn: nn.GRU, layer: int, h0: torch.Tensor) -> LayerTape:
    """One GRU layer over inp (T, B, K) from state h0 (B, H)."""
    w_ih, w_hh, b_ih, b_hh = _params(rnn, layer)
    t_len, b, k = inp.shape
    h = w_hh.shape[1]
    xp = torch.addmm(b_ih, inp.reshape(t_len * b, k), w_ih.t()).view(t_len, b, 3 * h)
    fac = inp.new_empty(t_len, b, 4 * h)  # [r | z | n_h | n_i] factors
    hs = inp.new_empty(t_len + 1, b, h)
    hs[0] = h0
    carry = inp.new_empty(t_len, b, 2 * h)  # [r | z]
    gh, d = inp.new_empty(b, 3 * h), inp.new_empty(b, 2 * h)
    n, diff, dn, one = inp.new_empty(b, h), inp.new_empty(b, h), inp.new_empty(b, h), inp.new_ones(b, h)
    gh_rz, gh_n = gh[:, :2 * h], gh[:, 2 * h:]
    d_r, d_z = d.split(h, 1)
    w_hh_t = w_hh.t()
    xp_rz, xp_n = (x.unbind(0) for x in (xp[:, :, :2 * h], xp[:, :, 2 * h:]))
    fac_r, fac_z, fac_nh, fac_ni = (x.unbind(0) for x in fac.split(h, 2))
    hs_t, rz_t = hs.unbind(0), carry.unbind(0)
    for t in range(t_len):
        torch.addmm(b_hh, hs_t[t], w_hh_t, out=gh)  # (B, 3H) hidden projections
        rz = torch.add(xp_rz[t], gh_rz, out=rz_t[t]).sigmoid_()  # (B, 2H)
        r, z = rz.split(h, 1)
        torch.addcmul(xp_n[t], r, gh_n, out=n).tanh_()
        torch.sub(hs_t[t], n, out=diff)
        torch.addcmul(n, z, diff, out=hs_t[t + 1])  # h_t = n + z (h_{t-1} - n)
        torch.addcmul(rz, rz, rz, value=-1, out=d)  # sigmoid'
        torch.addcmul(one, n, n, value=-1, out=dn)  # 1 - n^2
        torch.addcmul(dn, z, dn, value=-1, out=fac_ni[t])  # (1 - z)(1 - n^2)
        torch.mul(fac_ni[t], r, out=fac_nh[t])
        torch.mul(diff, d_z, out=fac_z[t])  # (h_{t-1} - n) z'
        torch.mul(fac_ni[t], gh_n, out=fac_r[t]).mul_(d_r)  # (1 - z)(1 - n^2) gh_n r'
    return LayerTape(inp, hs, fac, carry)


def gru_backward(tape: LayerTape, rnn: nn.GRU, layer: int, dh_last: torch.Tensor,
                 ext: torch.Tensor | None) -> None:
    """Fill tape.dz (T, B, 4H); arguments as in `lstm_backward`."""
    w_hh = _params(rnn, layer)[1]
    t_len, b, g4 = tape.dz.shape
    h = g4 // 4
    dz4 = tape.dz.unflatten(2, (4, h)).unbind(0)  # (B, 4, H) per step
    dz_h = tape.dz[:, :, :3 * h].unbind(0)  # [r | z | n_h]: the rows of W_hh
    z_t = tape.carry[:, :, h:].unbind(0)
    dh = dh_last
    for t in range(t_len - 1, -1, -1):
        if t < t_len - 1:
            direct = torch.mul(dh, z_t[t + 1]) if ext is None else torch.addcmul(ext[t], dh, z_t[t + 1])
            dh = torch.addmm(direct, dz_h[t + 1], w_hh)
        dz4[t].mul_(dh.unsqueeze(1))


def ih_blocks(kind: str, h: int) -> list[tuple[slice, slice]]:
    """(dz columns, W_ih / b_ih rows) pairs: which gate gradients drive the input weights."""
    if kind == "lstm":
        return [(slice(0, 4 * h), slice(0, 4 * h))]
    return [(slice(0, 2 * h), slice(0, 2 * h)), (slice(3 * h, 4 * h), slice(2 * h, 3 * h))]


def hh_cols(kind: str, h: int) -> slice:
    """dz columns that drive W_hh / b_hh (all of its rows, in order)."""
    return slice(0, (4 if kind == "lstm" else 3) * h)


def collect_layer(col: GradCollector, tape: LayerTape, rnn: nn.Module, layer: int,
                  kind: str) -> None:
    """Add one layer's per-sample squared norms (and grads) to `col`."""
    h = rnn.hidden_size
    w_ih, w_hh = (getattr(rnn, f"{n}_l{layer}") for n in ("weight_ih", "weight_hh"))
    b_ih, b_hh = (getattr(rnn, f"{n}_l{layer}") for n in ("bias_ih", "bias_hh"))
    for cols, rows in ih_blocks(kind, h):
        col.weight(w_ih, tape.dz[:, :, cols], tape.inp, rows)
        col.bias(b_ih, tape.dz[:, :, cols], rows)
    cols = hh_cols(kind, h)
    col.weight(w_hh, tape.dz[:, :, cols], tape.hs[:-1])
    col.bias(b_hh, tape.dz[:, :, cols])


def grad_to_input(tape: LayerTape, rnn: nn.Module, layer: int, kind: str) -> torch.Tensor:
    """dL/d(layer input) (T, B, K) through W_ih, for the layer below."""
    w_ih = _params(rnn, layer)[0]
    t_len, b, _ = tape.dz.shape
    out = None
    for cols, rows in ih_blocks(kind, rnn.hidden_size):
        dz = tape.dz[:, :, cols].reshape(t_len * b, -1)  # (T*B, G)
        out = dz @ w_ih[rows] if out is None else out.addmm_(dz, w_ih[rows])
    return out.view(t_len, b, -1)


def recurrent_forward(rnn: nn.Module, x: torch.Tensor,
                      init: tuple[torch.Tensor, ...] | None = None) -> list[LayerTape]:
    """Run every layer over x (B, T, F); `init` = the module's (h0,) or (h0, c0), each
    (layers, B, H), default zeros. Returns one tape per layer, bottom first."""
    kind = "lstm" if isinstance(rnn, nn.LSTM) else "gru"
    b, h = x.shape[0], rnn.hidden_size
    if init is None:
        zeros = x.new_zeros(rnn.num_layers, b, h)
        init = (zeros, zeros) if kind == "lstm" else (zeros,)
    inp = x.transpose(0, 1)  # (T, B, F)
    tapes = []
    for layer in range(rnn.num_layers):
        if kind == "lstm":
            tape = lstm_forward(inp, rnn, layer, init[0][layer], init[1][layer])
        else:
            tape = gru_forward(inp, rnn, layer, init[0][layer])
        tapes.append(tape)
        inp = tape.hs[1:]
    return tapes


def recurrent_backward(rnn: nn.Module, tapes: list[LayerTape], dh_last: torch.Tensor,
                       col: GradCollector) -> None:
    """Backward through all layers from dL/dh (B, H) at the top layer's last step,
    adding every layer's per-sample squared norms (and grads) to `col`."""
    kind = "lstm" if isinstance(rnn, nn.LSTM) else "gru"
    backward = lstm_backward if kind == "lstm" else gru_backward
    ext = None
    for layer in range(rnn.num_layers - 1, -1, -1):
        tape = tapes[layer]
        backward(tape, rnn, layer, dh_last if ext is None else ext[-1], ext)
        collect_layer(col, tape, rnn, layer, kind)
        if layer:
            ext = grad_to_input(tape, rnn, layer, kind)

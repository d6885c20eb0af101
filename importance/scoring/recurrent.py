"""Hand-written LSTM / GRU forward and backward exposing the per-step gate gradients.

The forward re-runs `nn.LSTM` / `nn.GRU` with the module's own parameters, time-major.
Each layer keeps one buffer `a` (T+1, B, N) whose step-t row is `[x_t, h_{t-1}, 1]`
(N = K + H + 1), so a step's gate pre-activations are ONE matmul `a[t] @ W_cat` (input,
hidden and bias parameters stacked, (N, 4H)), and the same buffer is later the input side
of the per-sample gradients (`norms.py`). The forward also stores the factors that turn
a step's incoming gradients into its gate pre-activation gradients; the backward (written
out, no autograd graph) needs one matmul and 2-5 element-wise ops per step and leaves
`dz[t, i]`, the gradient of sample i's loss w.r.t. step t's gate pre-activations.

Gate columns of `W_cat` and `dz` (H each): LSTM `i, f, g, o` (the order of
`weight_ih_l*`); GRU `r, z, n_h, n_i`: `n_h` = `W_hn h + b_hn` (inside `r * (...)`),
`n_i` = `W_in x + b_in`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from importance.scoring.norms import Block, GradCollector


@dataclass
class LayerTape:
    """What one layer's forward keeps for its backward, all time-major."""

    a: torch.Tensor  # (T+1, B, K+H+1): row t = [x_t, h_{t-1}, 1]; a[T, :, K:K+H] = h_{T-1}
    k: int  # input width K
    dz: torch.Tensor  # (T, B, 4H): backward factors, turned into dz in place by the backward
    carry: torch.Tensor  # (T, B, 2H): LSTM [f | o (1 - tanh(c)^2)]; GRU [r | z]

    @property
    def hs(self) -> torch.Tensor:
        """(T+1, B, H): hs[0] initial state, hs[t+1] output of step t."""
        return self.a[:, :, self.k:-1]


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


def _param(rnn: nn.Module, name: str, layer: int) -> nn.Parameter:
    return getattr(rnn, f"{name}_l{layer}")


def _new_tape(inp: torch.Tensor, h0: torch.Tensor, g: int) -> LayerTape:
    """Allocate a layer's buffers; fill the input, initial-state and constant columns."""
    t_len, b, k = inp.shape
    h = h0.shape[1]
    a = inp.new_empty(t_len + 1, b, k + h + 1)
    a[:t_len, :, :k] = inp
    a[0, :, k:k + h] = h0
    a[:, :, -1] = 1
    return LayerTape(a, k, inp.new_empty(t_len, b, g), inp.new_empty(t_len, b, 2 * h))


def lstm_blocks(rnn: nn.Module, layer: int, k: int) -> list[Block]:
    """Blocks of one LSTM layer's parameters in `a` x `dz` (see norms.Block)."""
    h = rnn.hidden_size
    one, all_ = slice(k + h, k + h + 1), slice(None)
    return [Block(_param(rnn, "weight_ih", layer), slice(0, k), all_),
            Block(_param(rnn, "weight_hh", layer), slice(k, k + h), all_),
            Block(_param(rnn, "bias_ih", layer), one, all_),
            Block(_param(rnn, "bias_hh", layer), one, all_)]


def gru_blocks(rnn: nn.Module, layer: int, k: int) -> list[Block]:
    """Blocks of one GRU layer; dz columns r, z, n_h, n_i map to parameter rows r, z, n."""
    h = rnn.hidden_size
    x, hid, one = slice(0, k), slice(k, k + h), slice(k + h, k + h + 1)
    rz, ni = slice(0, 2 * h), slice(3 * h, 4 * h)  # dz columns
    n_rows, hh = slice(2 * h, 3 * h), slice(0, 3 * h)  # parameter rows n; W_hh's r, z, n_h
    w_ih, w_hh = _param(rnn, "weight_ih", layer), _param(rnn, "weight_hh", layer)
    b_ih, b_hh = _param(rnn, "bias_ih", layer), _param(rnn, "bias_hh", layer)
    return [Block(w_ih, x, rz, rz), Block(w_ih, x, ni, n_rows), Block(w_hh, hid, hh),
            Block(b_ih, one, rz, rz), Block(b_ih, one, ni, n_rows), Block(b_hh, one, hh)]


def _stacked_weights(blocks: list[Block], n: int, g: int, like: torch.Tensor) -> torch.Tensor:
    """W_cat (N, G) with W_cat[a_cols, dz_cols] = param[rows]^T for every block (summed)."""
    w = like.new_zeros(n, g)
    for blk in blocks:
        p = blk.param.detach()[blk.rows]
        w[blk.a_cols, blk.dz_cols] += p.unsqueeze(0) if p.dim() == 1 else p.t()
    return w


def lstm_forward(inp: torch.Tensor, rnn: nn.Module, layer: int, h0: torch.Tensor,
                 c0: torch.Tensor) -> LayerTape:
    """One LSTM layer over inp (T, B, K) from states h0, c0 (B, H)."""
    t_len, b, k = inp.shape
    h = rnn.hidden_size
    tape = _new_tape(inp, h0, 4 * h)
    w = _stacked_weights(lstm_blocks(rnn, layer, k), k + h + 1, 4 * h, inp)
    w[:, 2 * h:3 * h] *= 2  # g = tanh(z) = 2 sigmoid(2 z) - 1: one sigmoid for all gates
    s, d = inp.new_empty(b, 4 * h), inp.new_empty(b, 4 * h)  # gates, sigmoid'
    # mult[t % 2] = [g | c_{t-1} | 4 i | tanh(c_t)]: factors = d * mult (g: 4 d = 1 - g^2)
    mult = [inp.new_empty(b, 4 * h), inp.new_empty(b, 4 * h)]
    mult[0][:, h:2 * h] = c0
    ig, neg1 = inp.new_empty(b, h), inp.new_full((b, h), -1.0)
    i, f, g, o = s.split(h, 1)
    m_views = [m.split(h, 1) for m in mult]
    a_t, hs_t, fac_t = tape.a.unbind(0), tape.hs.unbind(0), tape.dz.unbind(0)
    f_t, q_t = (x.unbind(0) for x in tape.carry.split(h, 2))
    for t in range(t_len):
        m_g, m_c, m_i4, m_tc = m_views[t % 2]
        torch.mm(a_t[t], w, out=s)  # (B, 4H) pre-activations (g scaled by 2)
        s.sigmoid_()
        torch.addcmul(s, s, s, value=-1, out=d)
        torch.add(neg1, g, alpha=2, out=m_g)  # tanh gate
        torch.add(i, i, alpha=3, out=m_i4)  # 4 i
        torch.mul(i, m_g, out=ig)
        torch.addcmul(ig, f, m_c, out=m_views[(t + 1) % 2][1])  # c_t = f c_{t-1} + i g
        torch.tanh(m_views[(t + 1) % 2][1], out=m_tc)
        torch.mul(o, m_tc, out=hs_t[t + 1])
        torch.mul(d, mult[t % 2], out=fac_t[t])  # [g i', c_{t-1} f', i (1-g^2), tanh(c) o']
        torch.addcmul(o, hs_t[t + 1], m_tc, value=-1, out=q_t[t])  # o (1 - tanh(c)^2)
        f_t[t].copy_(f)
    return tape


def lstm_backward(tape: LayerTape, rnn: nn.Module, layer: int, dh_last: torch.Tensor,
                  ext: torch.Tensor | None) -> None:
    """Fill tape.dz (T, B, 4H) from dL/dh at the last step and, if any, `ext` (T, B, H),
    the gradient reaching each step's output from the layer above (ext[-1] is in dh_last)."""
    w_hh = _param(rnn, "weight_hh", layer).detach()
    t_len, _, g4 = tape.dz.shape
    h = g4 // 4
    dz = tape.dz.unbind(0)
    dz3 = tape.dz[:, :, :3 * h].unflatten(2, (3, h)).unbind(0)  # (B, 3, H) per step: i, f, g
    dz_o = tape.dz[:, :, 3 * h:].unbind(0)
    f_t, q_t = (x.unbind(0) for x in tape.carry.split(h, 2))
    dh, dc = dh_last, torch.mul(dh_last, q_t[-1])
    for t in range(t_len - 1, -1, -1):
        if t < t_len - 1:
            dh = torch.mm(dz[t + 1], w_hh) if ext is None else torch.addmm(ext[t], dz[t + 1], w_hh)
            dc.mul_(f_t[t + 1]).addcmul_(dh, q_t[t])
        dz3[t].mul_(dc.unsqueeze(1))
        dz_o[t].mul_(dh)


def gru_forward(inp: torch.Tensor, rnn: nn.Module, layer: int, h0: torch.Tensor) -> LayerTape:
    """One GRU layer over inp (T, B, K) from state h0 (B, H)."""
    t_len, b, k = inp.shape
    h = rnn.hidden_size
    tape = _new_tape(inp, h0, 4 * h)
    w = _stacked_weights(gru_blocks(rnn, layer, k), k + h + 1, 4 * h, inp)
    s, d = inp.new_empty(b, 4 * h), inp.new_empty(b, 2 * h)  # [rz | n_h | n_i] pre-acts, sigmoid'
    n, diff, dn = inp.new_empty(b, h), inp.new_empty(b, h), inp.new_empty(b, h)
    one = inp.new_ones(b, h)
    pre_rz, gh_n, gi_n = s[:, :2 * h], s[:, 2 * h:3 * h], s[:, 3 * h:]
    d_r, d_z = d.split(h, 1)
    a_t, hs_t, rz_t = tape.a.unbind(0), tape.hs.unbind(0), tape.carry.unbind(0)
    fac_r, fac_z, fac_nh, fac_ni = (x.unbind(0) for x in tape.dz.split(h, 2))
    for t in range(t_len):
        torch.mm(a_t[t], w, out=s)
        rz = torch.sigmoid(pre_rz, out=rz_t[t])  # (B, 2H)
        r, z = rz.split(h, 1)
        torch.addcmul(gi_n, r, gh_n, out=n).tanh_()
        torch.sub(hs_t[t], n, out=diff)
        torch.addcmul(n, z, diff, out=hs_t[t + 1])  # h_t = n + z (h_{t-1} - n)
        torch.addcmul(rz, rz, rz, value=-1, out=d)
        torch.addcmul(one, n, n, value=-1, out=dn)  # 1 - n^2
        torch.addcmul(dn, z, dn, value=-1, out=fac_ni[t])  # (1 - z)(1 - n^2)
        torch.mul(fac_ni[t], r, out=fac_nh[t])
        torch.mul(diff, d_z, out=fac_z[t])  # (h_{t-1} - n) z'
        torch.mul(fac_ni[t], gh_n, out=fac_r[t]).mul_(d_r)  # (1 - z)(1 - n^2) gh_n r'
    return tape


def gru_backward(tape: LayerTape, rnn: nn.Module, layer: int, dh_last: torch.Tensor,
                 ext: torch.Tensor | None) -> None:
    """Fill tape.dz (T, B, 4H); arguments as in `lstm_backward`."""
    w_hh = _param(rnn, "weight_hh", layer).detach()
    t_len, _, g4 = tape.dz.shape
    h = g4 // 4
    dz4 = tape.dz.unflatten(2, (4, h)).unbind(0)  # (B, 4, H) per step
    dz_h = tape.dz[:, :, :3 * h].unbind(0)  # [r | z | n_h]: the rows of W_hh
    z_t = tape.carry[:, :, h:].unbind(0)
    dh = dh_last
    for t in range(t_len - 1, -1, -1):
        if t < t_len - 1:
            direct = (torch.mul(dh, z_t[t + 1]) if ext is None
                      else torch.addcmul(ext[t], dh, z_t[t + 1]))
            dh = torch.addmm(direct, dz_h[t + 1], w_hh)
        dz4[t].mul_(dh.unsqueeze(1))


def _kind(rnn: nn.Module) -> str:
    return "lstm" if isinstance(rnn, nn.LSTM) else "gru"


def _blocks(rnn: nn.Module, layer: int, k: int) -> list[Block]:
    return (lstm_blocks if _kind(rnn) == "lstm" else gru_blocks)(rnn, layer, k)


def recurrent_forward(rnn: nn.Module, x: torch.Tensor,
                      init: tuple[torch.Tensor, ...] | None = None) -> list[LayerTape]:
    """Run every layer over x (B, T, F); `init` = the module's (h0,) or (h0, c0), each
    (layers, B, H), default zeros. Returns one tape per layer, bottom first."""
    b, h, lstm = x.shape[0], rnn.hidden_size, _kind(rnn) == "lstm"
    if init is None:
        zeros = x.new_zeros(rnn.num_layers, b, h)
        init = (zeros, zeros) if lstm else (zeros,)
    inp = x.transpose(0, 1)  # (T, B, F)
    tapes = []
    for layer in range(rnn.num_layers):
        if lstm:
            tape = lstm_forward(inp, rnn, layer, init[0][layer], init[1][layer])
        else:
            tape = gru_forward(inp, rnn, layer, init[0][layer])
        tapes.append(tape)
        inp = tape.hs[1:]
    return tapes


def _grad_to_input(tape: LayerTape, blocks: list[Block]) -> torch.Tensor:
    """dL/d(layer input) (T, B, K) through the input weights, for the layer below."""
    t_len, b, _ = tape.dz.shape
    out = tape.dz.new_zeros(t_len * b, tape.k)
    for blk in blocks:
        if blk.a_cols.start == 0 and blk.param.dim() == 2:  # input-weight blocks
            dz = tape.dz[:, :, blk.dz_cols].reshape(t_len * b, -1)  # (T*B, C)
            out.addmm_(dz, blk.param.detach()[blk.rows])
    return out.view(t_len, b, tape.k)


def recurrent_backward(rnn: nn.Module, tapes: list[LayerTape], dh_last: torch.Tensor,
                       col: GradCollector) -> None:
    """Backward through all layers from dL/dh (B, H) at the top layer's last step,
    adding every layer's per-sample squared norms (and grads) to `col`."""
    backward = lstm_backward if _kind(rnn) == "lstm" else gru_backward
    ext = None
    for layer in range(rnn.num_layers - 1, -1, -1):
        tape = tapes[layer]
        backward(tape, rnn, layer, dh_last if ext is None else ext[-1], ext)
        blocks = _blocks(rnn, layer, tape.k)
        col.collect(tape.dz, tape.a[:-1], blocks)
        if layer:
            ext = _grad_to_input(tape, blocks)

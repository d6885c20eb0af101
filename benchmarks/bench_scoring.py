"""Per-sample gradient norms: cost of every method as a multiple of one plain fwd+bwd, and
how well the cheap proxies rank windows like the exact norms.

Run from the repository root:  python -m benchmarks.bench_scoring [--repeats 7] [--threads N]
(scripts/env.sh preloads tcmalloc when installed; the allocator in use is printed).
--smoke: every method and proxy once, on B=32 windows of 24 steps, hidden 8 (seconds).
Timings are wall-clock medians over repeats run round-robin (plain, method, plain, ...), so
a load change on a shared machine hits every method alike; the load average is printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from importance.config import TrainConfig
from importance.models import MLPForecaster, RecurrentForecaster, per_sample_loss
from importance.scoring import exact_grad_norms, proxy_fidelity, proxy_scores, train_step_with_norms

F, TRUNCATE = 3, 16


class Shape(NamedTuple):
    """Batch `b` of windows of `t` steps, hidden size `h`; the naive loop times `naive`
    samples (extrapolated to `b`); proxy fidelity on `days` of synthetic data, `steps`
    training steps, `n` windows compared."""

    b: int
    t: int
    h: int
    naive: int
    days: int
    steps: int
    n: int


REAL = Shape(b=512, t=144, h=64, naive=32, days=30, steps=60, n=2000)
SMOKE = Shape(b=32, t=24, h=8, naive=4, days=3, steps=2, n=100)


def plain_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    model.zero_grad(set_to_none=True)
    per_sample_loss(model(x), y).mean().backward()


def naive_loop(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """One backward per sample."""
    params = list(model.parameters())
    out = []
    for i in range(len(x)):
        grads = torch.autograd.grad(per_sample_loss(model(x[i:i + 1]), y[i:i + 1])[0], params)
        out.append(torch.sqrt(sum(g.square().sum() for g in grads)))
    return torch.stack(out)


def vmap_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """torch.func: per-sample grads via functional_call + vmap + grad, then their norms."""
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss_one(p: dict[str, torch.Tensor], xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        return per_sample_loss(functional_call(model, p, (xi[None],)), yi[None])[0]

    grads = vmap(grad(loss_one), in_dims=(None, 0, 0))(params, x, y)
    return torch.sqrt(sum(g.flatten(1).square().sum(1) for g in grads.values()))


def opacus_grad_norms(model: RecurrentForecaster) -> Callable[[torch.Tensor, torch.Tensor],
                                                                 torch.Tensor]:
    """Opacus's per-sample gradient norms for a copy of `model` (an LSTM forecaster): its
    DPLSTM (nn.LSTM is not supported by GradSampleModule) with the same weights, wrapped in a
    GradSampleModule. Returns norms(x, y) -> (B,)."""
    from opacus import GradSampleModule
    from opacus.layers import DPLSTM

    class OpacusForecaster(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            rnn = model.rnn
            self.rnn = DPLSTM(rnn.input_size, rnn.hidden_size, num_layers=rnn.num_layers,
                              batch_first=True)
            self.rnn.load_state_dict(rnn.state_dict())
            self.head = nn.Linear(rnn.hidden_size, model.head.out_features)
            self.head.load_state_dict(model.head.state_dict())
            self.to(next(model.parameters()).dtype)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out, _ = self.rnn(x)  # (B, T, H)
            return self.head(out[:, -1])

    gsm = GradSampleModule(OpacusForecaster(), batch_first=True, loss_reduction="sum")
    params = [p for p in gsm.parameters() if p.requires_grad]

    def norms(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        gsm.zero_grad(set_to_none=True)
        for p in params:
            p.grad_sample = None
        with warnings.catch_warnings():  # DPLSTM's first step sees a zero state without grad
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            per_sample_loss(gsm(x), y).sum().backward()
        return torch.stack([p.grad_sample.flatten(1).pow(2).sum(1) for p in params]).sum(0).sqrt()

    return norms


def timed_rounds(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds per function, after one warm-up each, running them round-robin."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def try_vmap(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[Callable[[], object],
                                                                            str]:
    """The vmap call and a note on how it ran (fell back to a loop, or failed)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            vmap_norms(model, x[:2], y[:2])
        except Exception as exc:  # noqa: BLE001 - report any failure and move on
            return (lambda: None), f"fails: {type(exc).__name__}: {str(exc).splitlines()[0][:90]}"
    slow = [str(w.message) for w in caught if "performance drop" in str(w.message)]
    note = "falls back to a per-sample loop" if slow else "batched"

    def run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vmap_norms(model, x, y)

    return run, note


def bench_model(label: str, model: nn.Module, repeats: int, full: bool, shape: Shape,
                b: int | None = None) -> None:
    """Each method's median time as a multiple of a plain step, on `b` (default: the
    shape's) random windows."""
    b = b or shape.b
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(b, shape.t, F, generator=g), torch.randn(b, 1, generator=g)
    fns: dict[str, Callable[[], object]] = {
        "plain": lambda: plain_step(model, x, y),
        "exact": lambda: exact_grad_norms(model, x, y),
        "train": lambda: (model.zero_grad(set_to_none=True), train_step_with_norms(model, x, y)),
        "last_layer": lambda: proxy_scores(model, x, y, "last_layer"),
        "truncated": lambda: proxy_scores(model, x, y, "truncated", truncate_steps=TRUNCATE),
        "loss": lambda: proxy_scores(model, x, y, "loss"),
    }
    med = timed_rounds(fns, repeats)
    base = med["plain"]
    print(f"\n{label}: B={b}, T={shape.t}, F={F}; plain fwd+bwd {base * 1e3:.1f} ms "
          f"(median of {repeats})")
    rows = []
    if full:
        xs, ys = x[:shape.naive], y[:shape.naive]
        slow = timed_rounds({"plain": fns["plain"], "naive": lambda: naive_loop(model, xs, ys)},
                            max(1, repeats // 3))
        rows.append((f"naive per-sample loop ({shape.naive} samples timed, x{b // shape.naive})",
                     slow["naive"] * b / shape.naive / slow["plain"]))
        run, note = try_vmap(model, x, y)
        if note.startswith("fails"):
            print(f"  torch.func vmap: {note}")
        else:
            vm = timed_rounds({"plain": fns["plain"], "vmap": run}, max(1, repeats // 3))
            rows.append((f"torch.func vmap+grad ({note})", vm["vmap"] / vm["plain"]))
        if importlib.util.find_spec("opacus") is None:
            print("  opacus: not installed (it comes with pip install -e \".[test]\"), skipped")
        else:
            op = opacus_grad_norms(model)
            oc = timed_rounds({"plain": fns["plain"], "opacus": lambda: op(x, y)},
                              max(1, repeats // 3))
            rows.append(("Opacus 1.6 GradSampleModule + DPLSTM", oc["opacus"] / oc["plain"]))
    rows += [("exact_grad_norms (this project)", med["exact"] / base),
             ("train_step_with_norms vs plain step", med["train"] / base),
             ("proxy last_layer", med["last_layer"] / base),
             (f"proxy truncated (last {TRUNCATE} steps)", med["truncated"] / base),
             ("proxy loss", med["loss"] / base)]
    for name, ratio in rows:
        print(f"  {name:<66s} {ratio:6.2f}x")


def daily_windows(n_days: int, horizon: int, lookback: int,
                  seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of a synthetic 10-minute series: daily + weekly cycle, AR(1) noise, 3 features
    (value, sin/cos of the time of day)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_days * 144)
    noise = np.zeros(len(t))
    for i in range(1, len(t)):
        noise[i] = 0.8 * noise[i - 1] + rng.normal(0, 0.1)
    value = np.sin(2 * np.pi * t / 144) + 0.3 * np.sin(2 * np.pi * t / 1008) + noise
    feats = np.stack([value, np.sin(2 * np.pi * t / 144), np.cos(2 * np.pi * t / 144)], 1)
    n = len(t) - lookback - horizon + 1
    idx = np.arange(n)[:, None] + np.arange(lookback)[None]
    tgt = np.arange(n)[:, None] + lookback + np.arange(horizon)[None]
    return (torch.tensor(feats[idx], dtype=torch.float32),
            torch.tensor(value[tgt], dtype=torch.float32))


def fidelity(horizon: int, shape: Shape) -> None:
    """Train an LSTM a few steps on the synthetic series, then compare proxies to exact."""
    X, Y = daily_windows(shape.days, horizon, shape.t)
    steps, n = shape.steps, min(shape.n, len(X))
    torch.manual_seed(0)
    model = RecurrentForecaster("lstm", F, shape.h, 1, horizon)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    for _ in range(steps):
        idx = torch.from_numpy(rng.choice(len(X), 256, replace=False))
        opt.zero_grad(set_to_none=True)
        loss, _ = train_step_with_norms(model, X[idx], Y[idx])
        opt.step()
    res = proxy_fidelity(model, X, Y, n=n, seed=0)
    print(f"\nproxy fidelity, LSTM h={shape.h} trained {steps} steps (loss {loss.item():.3f}), "
          f"horizon {horizon}, {n} of {len(X)} windows:")
    print(f"  {'proxy':<12s} {'spearman':>9s} {'top10':>7s} {'top30':>7s} {'time/exact':>11s}")
    for method, r in res.items():
        print(f"  {method:<12s} {r['spearman']:9.4f} {r['top10_overlap']:7.3f} "
              f"{r['top30_overlap']:7.3f} {r['seconds_ratio']:11.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--fidelity-n", type=int, default=REAL.n)
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, one repeat (a check that it runs)")
    args = ap.parse_args()
    shape = SMOKE if args.smoke else REAL._replace(n=args.fidelity_n)
    if args.smoke:
        args.repeats = 1
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, torch.get_num_threads()={torch.get_num_threads()}, "
          f"LD_PRELOAD={os.environ.get('LD_PRELOAD', '') or '(none: glibc malloc)'}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    torch.manual_seed(0)
    h = shape.h
    lstm = RecurrentForecaster("lstm", F, h, 1, 1)
    bench_model(f"LSTM h={h}", lstm, args.repeats, full=True, shape=shape)
    bench_model(f"LSTM h={h}, the trainer's default batch", lstm, args.repeats, full=False,
                shape=shape, b=TrainConfig().batch_size)
    bench_model(f"GRU h={h}", RecurrentForecaster("gru", F, h, 1, 1), args.repeats, full=False,
                shape=shape)
    bench_model(f"MLP h={h}, 2 hidden layers", MLPForecaster(F, shape.t, h, 2, 1),
                args.repeats * 5, full=False, shape=shape)
    for horizon in (1, 24):
        fidelity(horizon, shape)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")

if __name__ == "__main__":
    main()

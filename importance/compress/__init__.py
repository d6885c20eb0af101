"""Compression lab: quantised and pruned variants of a stored run, measured on this device.

- `variants`: the variants by name (fp32, fp16/bf16 storage and compute, int8-dynamic,
  magnitude-P, structured-P[-ft]) and which model kinds each applies to;
- `support`: whether the device computes in 16 bits natively;
- `quantize`, `prune`, `structured`, `finetune`: the methods, each a small module;
- `build`: one variant from the reference model; `measure`: forecasts, paired latency,
  inference energy, file sizes; `lab`: a session over a stored run (`compress_run`);
- `results`: compress.json and the variants' files beside the run, `load_variant`;
- `view`: table rows, a sentence per variant, the MAE-energy front; `labels`: where the
  front's names go on a chart without meeting; `duration`: a session's time estimated from
  the stored ones; `cost`: serving cost per day (`serving_cost`); `cli`: `importance
  compress`.

Importing this package does not import torch.
"""

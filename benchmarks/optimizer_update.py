"""Cost of one Adam step (`apply_gradients`) over the variables of a small MLP.

Compares, in microseconds per step: the per-variable update (one `update_step` per
variable), the fused update (one `update_step` over flat buffers, see
tapeflow/keras/optimizers/_flat.py, used automatically below its size limit), and the
floor: the same Adam arithmetic as bare NumPy calls with `out=` buffers, per variable.
Run: `python -m benchmarks.optimizer_update` (with Numba installed the updates are its fused
kernels; `TAPEFLOW_NATIVE=0` measures the NumPy fallback).
"""

from __future__ import annotations

import argparse
import statistics
import timeit

import numpy as np

import tapeflow as tf
from tapeflow.keras.optimizers import _flat

MODELS = {"mlp 11-64-64-1": (11, 64, 64, 1), "mlp 784-128-10": (784, 128, 10)}


def _shapes(layers) -> list:
    shapes = []
    for fan_in, fan_out in zip(layers[:-1], layers[1:], strict=True):
        shapes += [(fan_in, fan_out), (fan_out,)]
    return shapes


def _per_call_us(fn, number: int, repeat: int) -> float:
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def _adam_step_us(shapes, fused: bool, number: int, repeat: int) -> float:
    rng = np.random.default_rng(0)
    variables = [tf.Variable(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    grads = [tf.constant(0.01 * rng.standard_normal(s).astype(np.float32)) for s in shapes]
    pairs = list(zip(grads, variables, strict=True))
    saved = _flat.MAX_MEAN_SIZE
    _flat.MAX_MEAN_SIZE = 10**12 if fused else 0
    try:
        opt = tf.keras.optimizers.Adam(learning_rate=1e-3)
        opt.apply_gradients(pairs)
        opt.apply_gradients(pairs)  # the fused buffers are made on the second step
        assert (opt._flat_group is not None) == fused
        return _per_call_us(lambda: opt.apply_gradients(pairs), number, repeat)
    finally:
        _flat.MAX_MEAN_SIZE = saved


def _numpy_floor_us(shapes, number: int, repeat: int) -> float:
    rng = np.random.default_rng(0)
    ws = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    gs = [0.01 * rng.standard_normal(s).astype(np.float32) for s in shapes]
    ms = [np.zeros(s, np.float32) for s in shapes]
    vs = [np.zeros(s, np.float32) for s in shapes]
    one_minus_b1, one_minus_b2 = np.float32(0.1), np.float32(0.001)
    alpha, eps = np.float32(1e-3), np.float32(1e-7)

    def step():
        for w, g, m, v in zip(ws, gs, ms, vs, strict=True):
            s = g - m
            s *= one_minus_b1
            m += s
            np.multiply(g, g, out=s)
            s -= v
            s *= one_minus_b2
            v += s
            np.sqrt(v, out=s)
            s += eps
            u = m * alpha
            u /= s
            w -= u

    return _per_call_us(step, number, repeat)


def measure(repeat: int = 9, work: float = 3e6) -> dict:
    """{model: {"params", "per_variable_us", "fused_us", "numpy_floor_us"}}."""
    out = {}
    for name, layers in MODELS.items():
        shapes = _shapes(layers)
        params = sum(int(np.prod(s)) for s in shapes)
        number = max(20, int(work / params))
        out[name] = {
            "params": params,
            "variables": len(shapes),
            "per_variable_us": _adam_step_us(shapes, False, number, repeat),
            "fused_us": _adam_step_us(shapes, True, number, repeat),
            "numpy_floor_us": _numpy_floor_us(shapes, number, repeat),
            "fused_by_default": params / len(shapes) <= _flat.MAX_MEAN_SIZE,
        }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    results = measure(args.repeat)
    print("| model | params | per-variable us | fused us | NumPy floor us | default |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        default = "fused" if r["fused_by_default"] else "per-variable"
        print(
            f"| {name} | {r['params']} | {r['per_variable_us']:.1f} | {r['fused_us']:.1f} | "
            f"{r['numpy_floor_us']:.1f} | {default} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

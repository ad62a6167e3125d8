"""Native pooling kernels against the NumPy code they replace, per shape.

`python -m benchmarks.pool_bench [--repeats N]` times max and average pooling and their
gradients (float32, the backend functions on arrays, best of N calls, milliseconds) with the
native kernels of backend/native/pool.py and with them switched off, and prints a Markdown
table. Needs Numba (the `fast` extra).
"""

from __future__ import annotations

import numpy as np

from tapeflow.backend import conv, native
from tapeflow.ops.conv import _window

from . import timing

# (input shape, window, stride, padding)
SHAPES = [
    ((32, 26, 26, 32), 2, 2, "VALID"),  # after W4's convolution
    ((32, 32, 32, 64), 2, 2, "VALID"),
    ((32, 15, 15, 64), 3, 2, "SAME"),  # overlapping windows
]


def _best(fn, repeats: int) -> float:
    return timing.best_seconds(fn, repeats, warmup=1) * 1e3


def _times(x, g, y, win, repeats):
    return (
        _best(lambda: conv.max_pool(x, win), repeats),
        _best(lambda: conv.max_pool_grad(x, y, g, win), repeats),
        _best(lambda: conv.avg_pool(x, win), repeats),
        _best(lambda: conv.avg_pool_grad(g, x.shape, win), repeats),
    )


def main(argv=None) -> int:
    args = timing.native_kernel_args(argv, __doc__.splitlines()[0])
    if args is None:
        return 1
    rng = np.random.default_rng(0)
    print("| input | window | max pool | its gradient | average pool | its gradient |")
    print("|---|---|---|---|---|---|")
    for shape, k, s, padding in SHAPES:
        x = rng.standard_normal(shape).astype(np.float32)
        win = _window("MaxPool", shape, (k, k), (s, s), padding)
        y = conv.max_pool(x, win)
        g = rng.standard_normal(y.shape).astype(np.float32)
        fast = _times(x, g, y, win, args.repeats)
        native.set_enabled(False)
        try:
            slow = _times(x, g, y, win, args.repeats)
        finally:
            native.set_enabled(True)
        cells = " | ".join(f"{a:.2f} / {b:.2f}" for a, b in zip(fast, slow, strict=True))
        print(f"| {'x'.join(map(str, shape))} | {k}x{k} s{s} {padding} | {cells} |")
    print("\nnative / NumPy, ms, float32, best of", args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

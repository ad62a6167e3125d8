"""Direct convolution loops against im2col + GEMM, per shape: where conv_direct's limits come from.

`python -m benchmarks.conv_direct_bench [--repeats N]` times Conv2D and its filter gradient
(float32) both ways, with one and two BLAS threads, and prints a Markdown table (best of N
calls, milliseconds) that it also writes to benchmarks/results/conv_direct.md. The direct
loops are timed past backend/conv_direct.py's limits too (MAX_TAPS, MAX_FILTERS lifted), to
show where they lose. Needs Numba (the `fast` extra).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tapeflow.backend import conv, conv_direct, threads
from tapeflow.ops.conv import _window

from . import timing

RESULTS = Path(__file__).resolve().parent / "results"
# (batch, size, input channels, kernel, filters, stride, padding)
SHAPES = [
    (64, 28, 1, 3, 32, 1, "VALID"),  # W4's layer
    (32, 28, 1, 3, 16, 1, "SAME"),
    (32, 28, 1, 3, 64, 1, "SAME"),
    (32, 28, 1, 3, 128, 1, "SAME"),
    (32, 28, 1, 3, 32, 2, "SAME"),
    (32, 28, 1, 2, 32, 1, "VALID"),
    (32, 32, 3, 1, 32, 1, "VALID"),
    (32, 28, 2, 3, 32, 1, "SAME"),
    (32, 32, 3, 3, 32, 1, "SAME"),
    (32, 28, 1, 5, 32, 1, "VALID"),
]


def _best(fn, repeats: int) -> float:
    return timing.best_seconds(fn, repeats) * 1e3


def _pair(x, f, g, win, repeats: int) -> tuple:
    """(forward ms, filter gradient ms) of one convolution, by whichever path runs now."""
    forward = _best(lambda: conv.conv2d(x, f, win), repeats)
    grad = _best(lambda: conv.conv2d_backprop_filter(x, g, f.shape, win), repeats)
    return forward, grad


def measure(repeats: int) -> list[str]:
    rng = np.random.default_rng(0)
    applies = conv_direct.applies
    limits = conv_direct.MAX_TAPS, conv_direct.MAX_FILTERS
    conv_direct.MAX_TAPS = conv_direct.MAX_FILTERS = 10**6
    rows = []
    try:
        for n, size, c, k, o, stride, padding in SHAPES:
            x = rng.standard_normal((n, size, size, c)).astype(np.float32)
            f = rng.standard_normal((k, k, c, o)).astype(np.float32)
            win = _window("Conv2D", x.shape, (k, k), (stride, stride), padding, (1, 1))
            g = rng.standard_normal((n, *win.out_hw, o)).astype(np.float32)
            cells = []
            for count in (1, 2):
                threads.set_blas_threads(count)
                for direct in (True, False):
                    conv_direct.applies = applies if direct else (lambda *a: False)
                    cells.append(_pair(x, f, g, win, repeats))
            (d1f, d1g), (i1f, i1g), (d2f, d2g), (i2f, i2g) = cells
            rows.append(
                f"| {n}x{size}x{size}x{c} | {k}x{k}, {o}, s{stride} {padding} | {k * k * c} "
                f"| {d1f:.2f} / {i1f:.2f} | {d2f:.2f} / {i2f:.2f} "
                f"| {d1g:.2f} / {i1g:.2f} | {d2g:.2f} / {i2g:.2f} |"
            )
    finally:
        conv_direct.applies = applies
        conv_direct.MAX_TAPS, conv_direct.MAX_FILTERS = limits
    return rows


def main(argv=None) -> int:
    args = timing.native_kernel_args(argv, __doc__.splitlines()[0])
    if args is None:
        return 1
    header = [
        f"# Direct convolution loops / im2col + GEMM (ms, best of {args.repeats}, float32)",
        "",
        "Command: `python -m benchmarks.conv_direct_bench`. Used by default up to "
        f"{conv_direct.MAX_TAPS} taps and {conv_direct.MAX_FILTERS} filters.",
        "",
        "| input | kernel, filters | taps | forward, 1 thread | forward, 2 threads "
        "| filter gradient, 1 thread | filter gradient, 2 threads |",
        "|---|---|---|---|---|---|---|",
    ]
    text = "\n".join(header + measure(args.repeats)) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "conv_direct.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

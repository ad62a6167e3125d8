"""Times conv2d forward + backward on the MNIST-CNN shape and prints microseconds.

Shape: batch 64 of 28x28x1 images, 32 filters of 3x3, VALID (the first layer of the Keras
MNIST convnet), float32. From the repository root: `python -m benchmarks.conv_bench [repeats]`.
"""

import sys

import numpy as np

import tapeflow as tf
from tapeflow.ops import conv

from . import timing

SHAPE_X, SHAPE_F, PADDING = (64, 28, 28, 1), (3, 3, 1, 32), "VALID"


def _best(fn, repeats):
    return timing.best_seconds(fn, repeats, warmup=5) * 1e6


def main(repeats: int = 50):
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(SHAPE_X).astype(np.float32)
    f_np = rng.standard_normal(SHAPE_F).astype(np.float32)
    x = tf.constant(x_np)
    f = tf.Variable(f_np)
    attrs = dict(strides=(1, 1), padding=PADDING, dilations=(1, 1))
    y = tf.nn.conv2d(x, f, 1, PADDING)
    g = rng.standard_normal(y.shape.as_list()).astype(np.float32)
    seed = tf.constant(g)

    def step():  # a training step of this layer: forward, then the gradient of the filters
        with tf.GradientTape() as tape:
            out = tf.nn.conv2d(x, f, 1, PADDING)
        return tape.gradient(out, f, output_gradients=seed)

    # Each kernel alone, on arrays (no Tensor wrapping, no tape).
    kernels = {
        "forward (Conv2D)": lambda: conv._conv2d.forward(x_np, f_np, **attrs),
        "grad input (Conv2DBackpropInput)": lambda: conv._conv2d_backprop_input.forward(
            f_np, g, input_sizes=SHAPE_X, **attrs
        ),
        "grad filter (Conv2DBackpropFilter)": lambda: conv._conv2d_backprop_filter.forward(
            x_np, g, filter_sizes=SHAPE_F, **attrs
        ),
    }
    print(f"conv2d {SHAPE_X} * {SHAPE_F} {PADDING}, float32, best of {repeats}:")
    for name, fn in kernels.items():
        print(f"  {name:36s} {_best(fn, repeats):9.0f} us")
    print(f"  {'training step (GradientTape, filters)':36s} {_best(step, repeats):9.0f} us")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)

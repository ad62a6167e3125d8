"""The TensorFlow tutorials' programs, with `import tapeflow as tf` as their only change.

Each module is a standalone script (`python -m tapeflow.examples.heart_failure --help`) with a
`run(...)` function that `tapeflow run NAME` calls. They ship inside the package, so both work
from any directory after `pip install tapeflow`.
"""

# `tapeflow run` name -> (module in this package, what it trains).
EXAMPLES = {
    "linear-regression": ("linear_regression", "f(x) = x*W + b with a tape and assign_sub"),
    "heart-failure": ("heart_failure", "Dense(64) x 2 + sigmoid, custom training loop"),
    "heart-failure-fit": ("heart_failure_fit", "the heart-failure model with compile and fit"),
    "heart-failure-structured": (
        "heart_failure_structured",
        "the raw CSV through preprocessing layers in the model (needs pandas)",
    ),
    "mnist-mlp": ("mnist_mlp", "MNIST, Flatten-Dense(128)-Dense(10), @tf.function step"),
    "mnist-cnn": ("mnist_cnn", "MNIST, a small CNN in an explicit tf.data loop"),
}

# Data-parallel examples, started with `mpiexec -n N python -m tapeflow.examples.NAME` (one
# replica per process; docs/distributed.md), so not `tapeflow run` commands.
DISTRIBUTED = {
    "mnist_distributed": "MNIST MLP, MultiWorkerMirroredStrategy custom loop",
    "mnist_horovod": "MNIST MLP, Horovod's DistributedGradientTape",
}

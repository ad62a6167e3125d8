"""The six benchmark workloads: sizes, hyperparameters, data batches and initial weights.

Everything here is plain NumPy from fixed seeds, so every framework trains the same float32
model on the same batches from the same starting point. Each implementation module loads
`Workload.weights` (Keras layouts: Dense kernels are (in, out), Conv2D kernels (kh, kw, in,
out), images NHWC) and converts what its framework lays out differently.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
from pathlib import Path

import numpy as np

NAMES = ("W1", "W2", "W3", "W4", "W5", "W6")
TITLES = {
    "W1": "linear, 1000 points, MSE, assign_sub",
    "W2": "heart MLP 11-64-64-1, BCE, RMSprop, batch 32",
    "W3": "MNIST MLP 784-128-10, SCCE, Adam, batch 32",
    "W4": "MNIST CNN conv3x3x32-dense10, SCCE, Adam, batch 64",
    "W5": "wide MLP 1024-1024-1024-10, softmax CE, SGD, batch 512",
    "W6": "TF quickstart CNN conv3x3x32-dense128-dense10, SCCE, Adam, batch 32",
}
# Batches are drawn once and cycled through, so timing never includes a data pipeline; a
# few distinct batches keep the loss honest (it must fall on data the model keeps seeing).
N_BATCHES = 8
SEED = 1234

_REPO = Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class Workload:
    """One workload, ready to be loaded into any framework.

    Attributes:
        name: "W1".."W6".
        batches: list of (x, y) NumPy pairs, cycled through step after step.
        weights: initial weights in Keras order and layout (kernel, bias, kernel, bias, ...).
        lr: learning rate.
        data_source: where the data came from (a file, or "synthetic").
        hidden: layer widths (W2, W3, W5), conv filters (W4; W6: filters, dense width).
    """

    name: str
    batches: list
    weights: list
    lr: float
    data_source: str
    hidden: tuple = ()
    n_classes: int = 10

    @property
    def batch_size(self) -> int:
        return len(self.batches[0][0])


def shared_data_dir() -> Path | None:
    """The project's shared data folder (`../shared/data` beside the repository), if any."""
    for candidate in (
        os.environ.get("TAPEFLOW_SHARED_DATA"),
        _REPO.parent / "shared" / "data",
        _REPO / "shared" / "data",
    ):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def _glorot(rng, fan_in: int, fan_out: int, shape) -> np.ndarray:
    # Keras' default kernel initializer, so every framework starts where Keras would.
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def _dense_weights(rng, widths) -> list:
    weights = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        weights += [_glorot(rng, fan_in, fan_out, (fan_in, fan_out)), np.zeros(fan_out, "f4")]
    return weights


def _cut(x, y, batch: int, n_batches: int, rng) -> list:
    order = rng.permutation(len(x))
    need = batch * n_batches
    order = np.resize(order, need)  # repeat rows if the data set is smaller than needed
    return [
        (x[order[i * batch : (i + 1) * batch]], y[order[i * batch : (i + 1) * batch]])
        for i in range(n_batches)
    ]


# ---- data sources ---------------------------------------------------------------------------


# Ordinal codes for the categorical columns, so the table encodes to exactly 11 features.
_HEART_CATEGORIES = {
    "Sex": ("F", "M"),
    "ChestPainType": ("ASY", "ATA", "NAP", "TA"),
    "RestingECG": ("LVH", "Normal", "ST"),
    "ExerciseAngina": ("N", "Y"),
    "ST_Slope": ("Down", "Flat", "Up"),
}


def _heart_table():
    """(column -> array, source) from tapeflow.datasets.heart_failure or the shared CSV."""
    try:
        from tapeflow.datasets import heart_failure  # added by the datasets work; optional

        return heart_failure.load_data(), "tapeflow.datasets.heart_failure"
    except ImportError:
        pass
    data_dir = shared_data_dir()
    if data_dir is None or not (data_dir / "heart.csv").is_file():
        return None, "synthetic"
    path = data_dir / "heart.csv"
    raw = np.genfromtxt(path, delimiter=",", dtype=str, skip_header=1)
    header = path.read_text().splitlines()[0].split(",")
    return {name: raw[:, i] for i, name in enumerate(header)}, str(path)


def heart_features(rng, synthetic: bool = False):
    """The heart-failure table as 11 standardised float32 features and a (n, 1) 0/1 label."""
    table, source = (None, "synthetic") if synthetic else _heart_table()
    if table is None:
        x = rng.standard_normal((918, 11)).astype(np.float32)
        y = (x[:, :3].sum(axis=1, keepdims=True) > 0).astype(np.float32)
        return x, y, source
    columns = []
    for name, values in table.items():
        if name == "HeartDisease":
            continue
        if name in _HEART_CATEGORIES:
            lookup = {c: i for i, c in enumerate(_HEART_CATEGORIES[name])}
            columns.append(np.array([lookup[str(v)] for v in values], np.float64))
        else:
            columns.append(np.asarray(values, np.float64))
    x = np.stack(columns, axis=1)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = np.asarray(table["HeartDisease"], np.float32).reshape(-1, 1)
    return x.astype(np.float32), y, source


def _read_idx(path: Path, count: int) -> np.ndarray:
    """The first `count` items of a (gzipped) IDX file; only those bytes are decompressed."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        header = f.read(4)
        ndim = header[3]
        dims = [int.from_bytes(f.read(4), "big") for _ in range(ndim)]
        count = min(count, dims[0])
        item = int(np.prod(dims[1:], dtype=np.int64))
        data = np.frombuffer(f.read(count * item), dtype=np.uint8)
    return data.reshape([count, *dims[1:]])


def mnist(count: int, rng, synthetic: bool = False):
    """`count` MNIST training images (float32 in [0, 1], (n, 28, 28)) and int64 labels."""
    data_dir = None if synthetic else shared_data_dir()
    images = data_dir / "mnist" / "train-images-idx3-ubyte.gz" if data_dir else None
    if images is not None and images.is_file():
        x = _read_idx(images, count).astype(np.float32) / 255.0
        y = _read_idx(data_dir / "mnist" / "train-labels-idx1-ubyte.gz", count).astype(np.int64)
        return x, y, str(images.parent)
    x = rng.uniform(0.0, 1.0, (count, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, count).astype(np.int64)
    return x, y, "synthetic (MNIST-shaped)"


# ---- the workloads --------------------------------------------------------------------------


def make(name: str, tiny: bool = False, n_batches: int = N_BATCHES) -> Workload:
    """Builds workload `name`; `tiny` shrinks it (and uses synthetic data) for smoke tests."""
    rng = np.random.default_rng(SEED + NAMES.index(name))
    if name == "W1":
        n = 16 if tiny else 1000
        x = rng.standard_normal(n).astype(np.float32)
        y = (3.0 * x + 2.0 + rng.standard_normal(n).astype(np.float32)).astype(np.float32)
        w0 = np.float32(rng.uniform(4.0, 6.0))  # the tutorial starts at W=5, b=0
        b0 = np.float32(rng.uniform(-1.0, 1.0))
        return Workload(name, [(x, y)], [w0, b0], 0.1, "synthetic (y = 3x + 2 + noise)")
    if name == "W2":
        x, y, source = heart_features(rng, synthetic=tiny)
        batches = _cut(x, y, 8 if tiny else 32, 1 if tiny else n_batches, rng)
        weights = _dense_weights(rng, (11, 64, 64, 1))
        return Workload(name, batches, weights, 1e-3, source, hidden=(64, 64))
    if name in ("W3", "W4", "W6"):
        batch = (4 if tiny else 64) if name == "W4" else (4 if tiny else 32)
        count = batch * (1 if tiny else n_batches)
        x, y, source = mnist(count, rng, synthetic=tiny)
        if name == "W3":
            batches = _cut(x, y, batch, 1 if tiny else n_batches, rng)
            weights = _dense_weights(rng, (784, 128, 10))
            return Workload(name, batches, weights, 1e-3, source, hidden=(128,))
        x = x[..., None]  # NHWC, one channel
        batches = _cut(x, y, batch, 1 if tiny else n_batches, rng)
        conv = [_glorot(rng, 9, 9 * 32, (3, 3, 1, 32)), np.zeros(32, "f4")]
        if name == "W6":  # TensorFlow's quickstart for experts: one more Dense(128, relu)
            dense = _dense_weights(rng, (26 * 26 * 32, 128, 10))
            return Workload(name, batches, conv + dense, 1e-3, source, hidden=(32, 128))
        dense = [_glorot(rng, 26 * 26 * 32, 10, (26 * 26 * 32, 10)), np.zeros(10, "f4")]
        return Workload(name, batches, conv + dense, 1e-3, source, hidden=(32,))
    if name == "W5":
        width, batch = (32, 8) if tiny else (1024, 512)
        count = batch * (1 if tiny else n_batches)
        x = rng.standard_normal((count, width)).astype(np.float32)
        labels = rng.integers(0, 10, count)
        y = np.eye(10, dtype=np.float32)[labels]  # one-hot: softmax cross entropy
        batches = _cut(x, y, batch, 1 if tiny else n_batches, rng)
        weights = _dense_weights(rng, (width, width, width, 10))
        return Workload(name, batches, weights, 0.01, "synthetic", hidden=(width, width))
    raise ValueError(f"unknown workload {name!r}; expected one of {', '.join(NAMES)}")

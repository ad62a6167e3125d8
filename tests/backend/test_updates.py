"""Optimizer updates: every native kernel against its NumPy fallback, bit for bit.

Run when Numba is installed (`tapeflow[fast]`); without it only the fallbacks run, which the
optimizer tests (Keras' golden numbers) cover.
"""

import numpy as np
import pytest

from tapeflow import backend
from tapeflow.backend import native, updates

pytestmark = [
    pytest.mark.skipif(not native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native kernels run on NumPy arrays only"),
]

DTYPES = [np.float32, np.float64]
SHAPES = [(), (1,), (7,), (3, 5), (2, 3, 17)]


def _draw(rng, shape, dtype, positive=False):
    a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a)
    a = np.asarray(a, dtype=dtype)
    if a.size > 3:
        a.reshape(-1)[1] = 0.0  # zeros take their own branches (sign, maximum)
    return a


def _scalars(dtype, count, rng):
    return [dtype(x) for x in rng.uniform(0.05, 0.95, count)]


# name -> (number of slots, which slots must be >= 0, scalars, keyword slots)
CASES = {
    "sgd": lambda a, s: ((a[0], a[1], s[0]), {}),
    "sgd_momentum": lambda a, s: (
        (a[0], a[1], s[0]),
        {"momentum_slot": a[2], "momentum": s[1]},
    ),
    "sgd_nesterov": lambda a, s: (
        (a[0], a[1], s[0]),
        {"momentum_slot": a[2], "momentum": s[1], "nesterov": True},
    ),
    "rmsprop": lambda a, s: ((a[0], a[1], a[2], s[0], s[1], s[2], s[3]), {}),
    "rmsprop_centered_momentum": lambda a, s: (
        (a[0], a[1], a[2], s[0], s[1], s[2], s[3]),
        {"average": a[3] * s[4], "momentum_slot": a[4], "momentum": s[4]},
    ),
    "adagrad": lambda a, s: ((a[0], a[1], a[2], s[0], s[1]), {}),
    "adadelta": lambda a, s: ((a[0], a[1], a[2], a[3], s[0], s[1], s[2], s[3]), {}),
    "adam": lambda a, s: ((a[0], a[1], a[2], a[3], s[0], s[1], s[2], s[3]), {}),
    "adam_amsgrad": lambda a, s: (
        (a[0], a[1], a[2], a[3], s[0], s[1], s[2], s[3]),
        {"v_hat": a[4]},
    ),
    "adamax": lambda a, s: ((a[0], a[1], a[2], a[3], s[0], s[1], s[2], s[3], s[4]), {}),
    "nadam": lambda a, s: ((a[0], a[1], a[2], a[3], *s[:9]), {}),
    "lion": lambda a, s: ((a[0], a[1], a[2], *s[:5]), {}),
}


def _function(name):
    return getattr(updates, name.split("_")[0])


@pytest.fixture
def fallback():
    """Runs a block with native kernels off, then switches them back on."""

    class Switch:
        def __enter__(self):
            native.set_enabled(False)

        def __exit__(self, *exc):
            native.set_enabled(True)

    yield Switch()
    native.set_enabled(True)


def _bits(a):
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(CASES))
def test_native_update_equals_the_numpy_fallback_bitwise(name, dtype, shape, rng, fallback):
    # Slots after the gradient hold second moments and accumulators: non-negative.
    arrays = [_draw(rng, shape, dtype)] + [
        _draw(rng, shape, dtype, positive=i > 1) for i in range(1, 5)
    ]
    scalars = _scalars(dtype, 9, rng)
    results = []
    for use_native in (True, False):
        copies = [a.copy() for a in arrays]
        args, kwargs = CASES[name](copies, scalars)
        kwargs = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
        written = [args[0]] + [a for a in args[2:] if isinstance(a, np.ndarray)]
        written += [v for v in kwargs.values() if isinstance(v, np.ndarray)]
        with np.errstate(invalid="ignore"):  # centered RMSprop may take sqrt of < 0
            if use_native:
                _function(name)(*args, **kwargs)
            else:
                with fallback:
                    _function(name)(*args, **kwargs)
        results.append(written)
    assert native.kernels("optim") is not None  # the native run really was native
    for a, b in zip(*results, strict=True):
        assert a.shape == shape and a.dtype == dtype
        np.testing.assert_array_equal(_bits(a), _bits(b))
    assert not np.array_equal(results[0][0], arrays[0])  # the variable moved


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_a_strided_gradient_and_nan_and_inf_agree_too(dtype, rng, fallback):
    var = _draw(rng, (4, 6), dtype)
    grad = _draw(rng, (6, 4), dtype).T  # not contiguous: copied for the kernel
    grad[0, 0], grad[1, 1], grad[2, 2] = np.nan, np.inf, -np.inf
    m, v, v_hat = (np.abs(_draw(rng, (4, 6), dtype)) for _ in range(3))
    scalars = [dtype(x) for x in (1e-3, 0.1, 0.001, 1e-7)]
    out = []
    for use_native in (True, False):
        arrays = [a.copy() for a in (var, m, v, v_hat)]
        args = (arrays[0], grad, arrays[1], arrays[2], *scalars)
        with np.errstate(invalid="ignore"):  # inf / inf
            if use_native:
                updates.adam(*args, v_hat=arrays[3])
            else:
                with fallback:
                    updates.adam(*args, v_hat=arrays[3])
        out.append(arrays)
    for a, b in zip(*out, strict=True):
        np.testing.assert_array_equal(_bits(a), _bits(b))
    assert np.isnan(out[0][0][0, 0])


def test_a_non_contiguous_variable_takes_the_fallback(rng):
    var = _draw(rng, (6, 4), np.float32).T
    expected = var - np.float32(0.5) * np.ones((4, 6), np.float32)
    updates.sgd(var, np.ones((4, 6), np.float32), np.float32(0.5))
    np.testing.assert_array_equal(var, expected)


def test_switched_off_means_no_kernel_module():
    native.set_enabled(False)
    try:
        assert native.kernels("optim") is None and not native.enabled()
    finally:
        native.set_enabled(True)
    assert native.kernels("optim") is not None


def test_compile_all_reports_every_kernel():
    seconds = native.compile_all(dtypes=("float32",))
    assert {"optim.adam[float32]", "optim.lion[float32]"} <= set(seconds)
    assert all(s >= 0 for s in seconds.values())


OPTIMIZERS = {
    "SGD": ("sgd", {}),
    "SGD momentum": ("sgd_momentum", {"momentum": 0.9, "nesterov": True}),
    "RMSprop": ("rmsprop", {"centered": True, "momentum": 0.5}),
    "Adagrad": ("adagrad", {}),
    "Adadelta": ("adadelta", {}),
    "Adam": ("adam", {"amsgrad": True}),
    "AdamW": ("adam", {}),
    "Adamax": ("adamax", {}),
    "Nadam": ("nadam", {}),
    "Lion": ("lion", {}),
}


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_keras_optimizers_run_their_kernel_in_eager_and_tf_function(
    name, compiled, rng, monkeypatch
):
    import tapeflow as tf

    kernel_name, kwargs = OPTIMIZERS[name]
    module = native.kernels("optim")
    calls = []
    kernel = getattr(module, kernel_name)
    monkeypatch.setattr(
        module, kernel_name, lambda *a: calls.append(a[0].size) or kernel(*a), raising=True
    )
    optimizer = getattr(tf.keras.optimizers, name.split()[0])(learning_rate=0.01, **kwargs)
    # Two large variables: the per-variable path; twice, so a fused flat group would show.
    variables = [tf.Variable(rng.standard_normal((150, 130)).astype(np.float32)) for _ in "ab"]
    grads = [tf.constant(rng.standard_normal((150, 130)).astype(np.float32)) for _ in "ab"]
    before = [v.numpy().copy() for v in variables]

    def step():
        optimizer.apply_gradients(zip(grads, variables))

    step = tf.function(step) if compiled else step
    step()
    step()
    # One kernel call per variable and step (tracing may run the update once more).
    assert set(calls) == {150 * 130} and len(calls) >= 4
    for v, b in zip(variables, before, strict=True):
        assert not np.array_equal(v.numpy(), b)

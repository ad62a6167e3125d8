"""jit_compile=True on whole training steps: the benchmark workloads, every built-in
optimizer, variable semantics, fallbacks and their warnings, the disk cache.

Tolerances as in test_native.py: float32 rtol 1e-5 (losses and weights after a few steps).
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import backend
from tapeflow.backend import native as backend_native
from tapeflow.function import native

pytestmark = [
    pytest.mark.skipif(not backend_native.available(), reason="Numba is not installed"),
    pytest.mark.skipif(backend.xp is not np, reason="native code runs on NumPy arrays only"),
]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benchmarks import impl_tfapi, workloads  # noqa: E402


def _traces(fn):
    return [t for entry in fn._cache.values() for t in entry.traces]


@pytest.mark.parametrize("name", workloads.NAMES)
def test_workloads_match_eager(name):
    w = workloads.make(name, tiny=True)
    eager = impl_tfapi.build(tf, w, compiled=False)
    jit = impl_tfapi.build(tf, w, compiled=True, jit_compile=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning: every op is lowered
        for i in range(4):
            batch = i % len(w.batches)
            expected = eager.step(*eager.batches[batch]).numpy()
            got = jit.step(*jit.batches[batch]).numpy()
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    (cf,) = _traces(jit.step)
    assert cf.native.segments
    assert cf.native.fallback == []  # the whole step is native code (W4/W6: convolutions too)


OPTIMIZERS = {
    "SGD": lambda: tf.keras.optimizers.SGD(0.05),
    "SGD-momentum": lambda: tf.keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "RMSprop": lambda: tf.keras.optimizers.RMSprop(0.01),
    "RMSprop-centered": lambda: tf.keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "Adam": lambda: tf.keras.optimizers.Adam(0.01),
    "Adam-amsgrad": lambda: tf.keras.optimizers.Adam(0.01, amsgrad=True),
    "Adagrad": lambda: tf.keras.optimizers.Adagrad(0.1),
    "Adadelta": lambda: tf.keras.optimizers.Adadelta(1.0),
    "Adamax": lambda: tf.keras.optimizers.Adamax(0.01),
    "Lion": lambda: tf.keras.optimizers.Lion(0.001),
}


def _dense_step(optimizer, jit, rng):
    tf.keras.utils.set_random_seed(3)
    layers = tf.keras.layers
    model = tf.keras.Sequential(
        [tf.keras.Input((5,)), layers.Dense(8, activation="relu"), layers.Dense(2)]
    )
    loss_fn = tf.keras.losses.MeanSquaredError()

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return model, (tf.function(step, jit_compile=True) if jit else step)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_builtin_optimizer_updates_are_kernel_calls(name):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((16, 5)).astype("float32"))
    y = tf.constant(rng.standard_normal((16, 2)).astype("float32"))
    results = []
    for jit in (False, True):
        optimizer = OPTIMIZERS[name]()
        model, step = _dense_step(optimizer, jit, rng)
        losses = [float(step(x, y)) for _ in range(5)]
        results.append((losses, [v.numpy() for v in model.variables], optimizer))
    (eager_losses, eager_w, eager_opt), (jit_losses, jit_w, jit_opt) = results
    np.testing.assert_allclose(jit_losses, eager_losses, rtol=1e-5, atol=1e-6)
    for a, b in zip(jit_w, eager_w):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(jit_opt.iterations) == int(eager_opt.iterations) == 5
    (cf,) = _traces(step)
    assert cf.native.fallback == []
    assert not any(n.kind == "callback" for n in cf.graph.nodes)  # no Python update left


@pytest.mark.parametrize("name", ["Adam", "Adam-amsgrad", "RMSprop"])
def test_adam_scalars_come_from_its_step_scalars_and_equal_the_captured_ones(name):
    # Adam's bias corrections change every step: its scalars are read from _step_scalars
    # directly (no update_step replay); RMSprop's keep the captured path.
    rng = np.random.default_rng(4)
    x = tf.constant(rng.standard_normal((16, 5)).astype("float32"))
    y = tf.constant(rng.standard_normal((16, 2)).astype("float32"))
    _, step = _dense_step(OPTIMIZERS[name](), True, rng)
    for _ in range(3):
        step(x, y)
    (cf,) = _traces(step)
    calls = [n.attrs["native"] for n in cf.graph.nodes if "native" in n.attrs]
    (update,) = {u for call in calls for u in call.updates.values()}
    assert update._direct == name.startswith("Adam")
    direct = update.scalars()  # the scalars of the next step
    update._direct = False
    update._key = None
    np.testing.assert_array_equal(update.scalars(), direct)  # what the replay gives


def test_changed_optimizer_settings_retrace_instead_of_running_stale_code():
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((16, 5)).astype("float32"))
    y = tf.constant(rng.standard_normal((16, 2)).astype("float32"))
    runs = []
    for jit in (False, True):
        optimizer = tf.keras.optimizers.SGD(0.05)
        model, step = _dense_step(optimizer, jit, rng)
        step(x, y)
        optimizer.clipvalue = 1e-3  # every later update is clipped
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            step(x, y)
            step(x, y)
        runs.append([v.numpy() for v in model.variables])
    for a, b in zip(*runs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "name, attr", [("SGD-momentum", "momentum"), ("Adam", "beta_1"), ("RMSprop", "rho")]
)
def test_hyperparameters_changed_between_calls_reach_the_kernel(name, attr):
    # The step's kernel scalars are reused while nothing they depend on changes: a new
    # learning rate or beta/rho/momentum must give new scalars, as eager would use.
    rng = np.random.default_rng(2)
    x = tf.constant(rng.standard_normal((16, 5)).astype("float32"))
    y = tf.constant(rng.standard_normal((16, 2)).astype("float32"))
    runs = []
    for jit in (False, True):
        optimizer = OPTIMIZERS[name]()
        model, step = _dense_step(optimizer, jit, rng)
        step(x, y)
        step(x, y)
        optimizer.learning_rate = 0.5 * float(optimizer.learning_rate)
        step(x, y)
        setattr(optimizer, attr, 0.5)
        step(x, y)
        step(x, y)
        runs.append([v.numpy() for v in model.variables])
    for a, b in zip(*runs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_an_update_path_changed_after_the_trace_is_not_skipped():
    class FrozenLater(tf.keras.optimizers.SGD):
        pass

    rng = np.random.default_rng(4)
    x = tf.constant(rng.standard_normal((16, 5)).astype("float32"))
    y = tf.constant(rng.standard_normal((16, 2)).astype("float32"))
    optimizer = FrozenLater(0.05)
    model, step = _dense_step(optimizer, True, rng)
    step(x, y)
    step(x, y)
    FrozenLater.update_step = lambda self, gradient, variable, learning_rate: None
    before = [v.numpy() for v in model.variables]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step(x, y)
    for a, b in zip(before, model.variables):
        np.testing.assert_array_equal(a, b.numpy())  # the new update_step ran: no change


def test_a_read_kept_outside_sees_no_later_write():
    v = tf.Variable(np.arange(4, dtype="float32"))

    @tf.function(jit_compile=True)
    def step(x):
        before = v * 1.0
        v.assign_add(x * 2.0)
        return before, v.read_value() + 0.0

    step(tf.constant(np.ones(4, "float32")))  # the trace (runs eagerly): v is 2, 3, 4, 5
    held = v.read_value()  # shares the variable's array: a write must copy it first
    before, after = step(tf.constant(np.ones(4, "float32")))
    np.testing.assert_array_equal(held.numpy(), np.arange(4, dtype="float32") + 2)
    np.testing.assert_array_equal(before.numpy(), np.arange(4, dtype="float32") + 2)
    np.testing.assert_array_equal(after.numpy(), np.arange(4, dtype="float32") + 4)


def test_read_used_after_the_write_in_the_same_segment_is_the_old_value():
    v = tf.Variable(np.full(3, 2.0, "float32"))

    def body(x):
        r = v.read_value()
        v.assign(x)
        return r * 3.0

    traced = tf.function(body, jit_compile=True)
    traced(tf.constant(np.ones(3, "float32")))  # the trace (runs eagerly)
    v.assign(np.full(3, 2.0, "float32"))
    got = traced(tf.constant(np.ones(3, "float32")))
    np.testing.assert_array_equal(got.numpy(), np.full(3, 6.0, "float32"))
    np.testing.assert_array_equal(v.numpy(), np.ones(3, "float32"))


def test_bad_label_is_an_error():
    logits = tf.constant(np.zeros((2, 3), "float32"))

    @tf.function(jit_compile=True)
    def loss(labels, logits):
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)

    loss(tf.constant([0, 1]), logits)
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range"):
        loss(tf.constant([0, 3]), logits)


def test_ops_without_lowering_warn_once_naming_them():
    x = tf.constant(np.ones((1, 4, 4, 1), "float32"))

    @tf.function(jit_compile=True)
    def pool(x):
        return tf.nn.relu(tf.nn.max_pool2d(x, 2, 1, "VALID")) * 2.0

    with pytest.warns(UserWarning, match="no native lowering for MaxPool"):
        out = pool(x)
    np.testing.assert_array_equal(out.numpy(), np.full((1, 3, 3, 1), 2.0, "float32"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pool(x)


def test_without_numba_the_plan_runs_with_one_warning(monkeypatch):
    monkeypatch.setattr(backend_native, "available", lambda: False)
    monkeypatch.setitem(native._state, "warned", set())
    f = tf.function(lambda x: x * 2.0 + 1.0, jit_compile=True)
    with pytest.warns(UserWarning, match=r"tapeflow\[fast\]"):
        out = f(tf.constant(1.0))
    assert float(out) == 3.0
    (cf,) = _traces(f)
    assert cf.native.reason == "Numba is not installed" and not cf.native.segments


def test_set_jit_compiles_functions_not_given_jit_compile():
    assert tf.config.optimizer.get_jit() == ""
    tf.config.optimizer.set_jit(True)
    try:
        assert tf.config.optimizer.get_jit() == "autoclustering"
        auto = tf.function(lambda x: x * 2.0)
        off = tf.function(lambda x: x * 2.0, jit_compile=False)
        auto(tf.constant([1.0]))
        off(tf.constant([1.0]))
    finally:
        tf.config.optimizer.set_jit(False)
    assert _traces(auto)[0].native.segments
    assert _traces(off)[0].native is None
    assert tf.config.optimizer.get_jit() == ""


_CACHE_SCRIPT = """
import numpy as np, tapeflow as tf
w = tf.Variable(np.ones(8, "float32"))
@tf.function(jit_compile=True)
def step(x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(w * x - 1.0))
    w.assign_sub(0.1 * tape.gradient(loss, w))
    return loss
step(tf.constant(np.arange(8, dtype="float32")))
(cf,) = [t for e in step._cache.values() for t in e.traces]
print(cf.native.cache_hits, len(cf.native.segments))
"""


def test_compiled_code_is_reused_from_disk_by_the_next_process(tmp_path):
    env = dict(os.environ, TAPEFLOW_JIT_CACHE=str(tmp_path), PYTHONPATH=str(ROOT))
    runs = [
        subprocess.run(
            [sys.executable, "-c", _CACHE_SCRIPT], env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert runs[0].stdout.split() == ["0", "1"]
    assert runs[1].stdout.split() == ["1", "1"]
    assert list(tmp_path.glob("trace_*.py"))


def test_generated_source_names_the_kernels_it_calls():
    # Numba's disk cache of a generated step does not notice a change in the optimizer
    # kernels it calls (another file): their hash is in the source, so a changed kernel
    # gives another file and a fresh compile instead of stale machine code.
    import hashlib

    from tapeflow.backend.native import optim

    w = workloads.make("W1", tiny=True)
    jit = impl_tfapi.build(tf, w, compiled=True, jit_compile=True)
    jit.step(*jit.batches[0])
    (cf,) = _traces(jit.step)
    with open(optim.__file__, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    assert f"# kernels called: {digest}" in cf.native.source

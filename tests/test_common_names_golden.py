"""Common TF names (issue 11) against TensorFlow 2.21 (tests/golden/common_names.json).

Context queries, tf.compat, tf.bitwise and bitcast, truncatediv/mod, saturate_cast, complex,
roll, reverse_sequence, sequence_mask, unravel_index, dynamic_partition/stitch, scan and the
folds, case/switch_case, Assert, TF's initializers and the gradients through them: each case of
tests/golden/common_names_cases.py runs under tapeflow and must give TF's values, dtypes and
shapes, or raise an error of TF's type (the comparison is test_surface_golden's).
"""

import json
import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.registry import get_op

from .test_surface_golden import _compare

GOLDEN = pathlib.Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
import common_names_cases  # noqa: E402
import surface_cases  # noqa: E402

EXPECTED = json.loads((GOLDEN / "common_names.json").read_text())
CASES = common_names_cases.cases(tf)


def test_every_case_has_a_golden_value():
    assert sorted(CASES) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_tensorflow(name):
    tf.random.set_seed(0)
    _compare(EXPECTED[name], surface_cases.run(CASES[name]), name)


def test_import_does_not_load_keras_for_the_lazy_aliases():
    import subprocess

    code = (
        "import sys, tapeflow as tf; assert 'tapeflow.keras' not in sys.modules; "
        "tf.losses; assert 'tapeflow.keras' in sys.modules; "
        "assert tf.optimizers is tf.keras.optimizers and tf.initializers is tf.keras.initializers"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_get_static_value_inside_a_function_is_none_for_computed_tensors():
    seen = []

    @tf.function
    def f(x):
        c = tf.constant(2.0)
        seen.append((tf.get_static_value(x * c), tf.get_static_value(c)))
        return x

    f(tf.constant(1.0))
    assert seen == [(None, 2.0)]


def test_gradients_inside_a_function_raise_with_the_tape_as_the_way():
    @tf.function
    def f(x):
        return tf.gradients(x * x, x)

    with pytest.raises(RuntimeError, match="GradientTape"):
        f(tf.constant(1.0))


def test_timestamp_runs_at_each_call_of_a_function():
    f = tf.function(lambda: tf.timestamp())
    first = float(f())
    import time

    time.sleep(0.01)
    assert float(f()) > first


def test_assert_inside_a_function_checks_each_call():
    @tf.function
    def f(x):
        tf.Assert(tf.reduce_all(x > 0), [x])
        return x * 2

    assert float(f(tf.constant(1.0))) == 2.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="Summarized data: -1.0"):
        f(tf.constant(-1.0))


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_no_gradient_on_an_op_without_one_gives_none():
    # TruncateMod has no gradient (LookupError); declaring it gives None instead, as in TF.
    op = get_op("TruncateMod")
    saved = op.vjp_fn
    try:
        tf.no_gradient("TruncateMod")
        x = tf.constant([1.5])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.truncatemod(x, 1.0)
        assert tape.gradient(y, x) is None
    finally:
        op.vjp_fn = saved
        from tapeflow.ops import gradient_rules

        gradient_rules._DECLARED.discard("TruncateMod")


def test_scan_gradient_matches_finite_differences(rng):
    x0 = rng.uniform(0.5, 1.5, size=5)

    def loss(x):
        out = tf.scan(lambda a, e: a * e + tf.sin(e), x, initializer=tf.constant(0.3, tf.float64))
        return tf.reduce_sum(out * tf.range(1.0, 6.0, dtype=tf.float64))

    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = loss(x)
    g = tape.gradient(y, x).numpy()
    eps = 1e-6
    numeric = [
        (float(loss(tf.constant(x0 + eps * e))) - float(loss(tf.constant(x0 - eps * e))))
        / (2 * eps)
        for e in np.eye(5)
    ]
    np.testing.assert_allclose(g, numeric, rtol=1e-6)

"""Segment reductions, counting, searching, scatter min/max and tf.linalg's decompositions and
matrix functions against TensorFlow 2.21 (tests/golden/more_ops.json, made by
make_more_ops.py from the cases in more_ops_cases.py): values, dtypes, shapes, gradients and
error types; then each case again inside tf.function, bit for bit equal to eager.
"""

import json
import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf

GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
sys.path.insert(0, str(GOLDEN_DIR))
import more_ops_cases as cases  # noqa: E402

GOLDEN = json.loads((GOLDEN_DIR / "more_ops.json").read_text())["cases"]


def _compare(got, want, tol, where="result"):
    if want is None or got is None:
        assert got == want, f"{where}: got {got!r}, TensorFlow gives {want!r}"
        return
    if isinstance(want, dict) and set(want) != {"dtype", "shape", "value"}:
        assert sorted(got) == sorted(want), where
        for k in want:
            _compare(got[k], want[k], tol, f"{where}[{k!r}]")
        return
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, tol, f"{where}[{i}]")
        return
    assert got["dtype"] == want["dtype"], f"{where}: dtype {got['dtype']} != {want['dtype']}"
    assert got["shape"] == want["shape"], f"{where}: shape {got['shape']} != {want['shape']}"
    if want["dtype"].startswith(("float", "complex")):
        np.testing.assert_allclose(
            np.asarray(got["value"], dtype=float),
            np.asarray(want["value"], dtype=float),
            err_msg=where,
            equal_nan=True,
            **tol,
        )
    else:
        assert got["value"] == want["value"], f"{where}: {got['value']} != {want['value']}"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_matches_tensorflow(name):
    fn, tol = cases.CASES[name]
    want = GOLDEN[name]
    got = cases.run(tf, fn)
    if "error" in want:
        assert "error" in got, f"TensorFlow raises {want['error']}; tapeflow returned a result"
        raised = got["error"]
        # An error tapeflow raises is TF's type or a subclass of it (InvalidArgumentError is
        # also a ValueError), so an `except` written for TensorFlow catches it.
        kinds = {c.__name__ for c in _exception_type(raised).__mro__}
        assert want["error"] in kinds, f"TF raises {want['error']}, tapeflow {raised}"
        return
    assert "error" not in got, f"tapeflow raised {got['error']}: {got['message']}"
    _compare(got["result"], want["result"], tol)


def _exception_type(name):
    import builtins

    import tapeflow.core.errors as errors

    return getattr(errors, name, None) or getattr(builtins, name)


def test_every_golden_case_is_run():
    assert sorted(GOLDEN) == sorted(cases.CASES)


def _bits(x):
    if isinstance(x, dict):
        return {k: _bits(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_bits(v) for v in x]
    if x is None:
        return None
    a = np.asarray(tf.convert_to_tensor(x).numpy())
    return (a.dtype.str, a.shape, a.tolist() if a.dtype == object else a.tobytes())


TRACEABLE = sorted(n for n in cases.CASES if "error" not in GOLDEN[n])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", TRACEABLE)
def test_same_bits_inside_tf_function(name):
    fn, _ = cases.CASES[name]
    eager = _bits(fn(tf))
    traced = tf.function(lambda: fn(tf))
    assert _bits(traced()) == eager
    assert _bits(traced()) == eager  # the second call runs the plan, not the trace

"""tf.image against TensorFlow 2.21 (tests/golden/image.json, made by make_image.py from the
cases in image_cases.py and image_color_cases.py): values, dtypes, shapes, gradients and error
types; then each case again inside tf.function, bit for bit equal to eager.
"""

import json
import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf

GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
sys.path.insert(0, str(GOLDEN_DIR))
import image_cases as cases  # noqa: E402

GOLDEN = json.loads((GOLDEN_DIR / "image.json").read_text())["cases"]


def _compare(got, want, tol, where="result"):
    if want is None or got is None or isinstance(want, str):
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
    if want["dtype"].startswith("float"):
        np.testing.assert_allclose(
            np.asarray(got["value"], dtype=float),
            np.asarray(want["value"], dtype=float),
            err_msg=where,
            equal_nan=True,
            **tol,
        )
    else:
        assert got["value"] == want["value"], f"{where}: {got['value']} != {want['value']}"


def _exception_type(name):
    import builtins

    import tapeflow.core.errors as errors

    return getattr(errors, name, None) or getattr(builtins, name)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # int32 max as float16 is inf, as in TF
@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_matches_tensorflow(name):
    fn, tol = cases.CASES[name]
    want = GOLDEN[name]
    got = cases.run(tf, fn)
    if "error" in want:
        assert "error" in got, f"TensorFlow raises {want['error']}; tapeflow returned a result"
        # tapeflow raises TF's type or a subclass of it (InvalidArgumentError is also a
        # ValueError), so an `except` written for TensorFlow catches it.
        kinds = {c.__name__ for c in _exception_type(got["error"]).__mro__}
        assert want["error"] in kinds, f"TF raises {want['error']}, tapeflow {got['error']}"
        return
    assert "error" not in got, f"tapeflow raised {got['error']}: {got['message']}"
    _compare(got["result"], want["result"], tol)


def test_every_golden_case_is_run():
    assert sorted(GOLDEN) == sorted(cases.CASES)


def _bits(x):
    if isinstance(x, dict):
        return {k: _bits(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_bits(v) for v in x]
    if x is None or isinstance(x, str):
        return x
    a = np.asarray(tf.convert_to_tensor(x).numpy())
    return (a.dtype.str, a.shape, a.tobytes())


TRACEABLE = sorted(
    n for n in cases.CASES if "error" not in GOLDEN[n] and n not in cases.EAGER_ONLY
)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", TRACEABLE)
def test_same_bits_inside_tf_function(name):
    fn, _ = cases.CASES[name]
    eager = _bits(fn(tf))
    traced = tf.function(lambda: fn(tf))
    assert _bits(traced()) == eager
    assert _bits(traced()) == eager  # the second call runs the plan, not the trace

"""Checks shared by the tests that replay a `*_cases.py` module against its golden JSON
(tests/ops/test_image_golden.py, tests/ops/test_more_ops_golden.py).

A case's result is what the cases module's `run(tf, fn)` records: {"dtype", "shape",
"value"} leaves inside lists and dicts, or {"error", "message"} when the call raised.
"""

import builtins

import numpy as np


def compare(got, want, tol, where="result"):
    """Asserts a recorded result equals TensorFlow's: dtypes and shapes exactly, floating
    and complex values to `tol` (assert_allclose keywords), everything else exactly."""
    if want is None or got is None or isinstance(want, str):
        assert got == want, f"{where}: got {got!r}, TensorFlow gives {want!r}"
        return
    if isinstance(want, dict) and set(want) != {"dtype", "shape", "value"}:
        assert sorted(got) == sorted(want), where
        for k in want:
            compare(got[k], want[k], tol, f"{where}[{k!r}]")
        return
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            compare(g, w, tol, f"{where}[{i}]")
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


def check_case(got, want, tol):
    """A case's outcome against TensorFlow's: the same result, or an error of TF's type."""
    if "error" in want:
        assert "error" in got, f"TensorFlow raises {want['error']}; tapeflow returned a result"
        # tapeflow raises TF's type or a subclass of it (InvalidArgumentError is also a
        # ValueError), so an `except` written for TensorFlow catches it.
        kinds = {c.__name__ for c in _exception_type(got["error"]).__mro__}
        assert want["error"] in kinds, f"TF raises {want['error']}, tapeflow {got['error']}"
        return
    assert "error" not in got, f"tapeflow raised {got['error']}: {got['message']}"
    compare(got["result"], want["result"], tol)


def bits(tf, x):
    """A result's exact bits (dtype, shape, bytes) for eager-versus-traced comparisons."""
    if isinstance(x, dict):
        return {k: bits(tf, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [bits(tf, v) for v in x]
    if x is None or isinstance(x, str):
        return x
    a = np.asarray(tf.convert_to_tensor(x).numpy())
    return (a.dtype.str, a.shape, a.tolist() if a.dtype == object else a.tobytes())


def _exception_type(name):
    import tapeflow.core.errors as errors

    return getattr(errors, name, None) or getattr(builtins, name)

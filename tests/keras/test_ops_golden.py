"""keras.ops against Keras 3.15 on TensorFlow 2.21 (tests/golden/keras_ops.json).

Every case of tests/golden/keras_ops_cases.py runs under tapeflow.keras and must give
Keras' values, dtypes and shapes (or raise an error where Keras raises one): the ops on
typical inputs, the result dtype of the elementwise ops over pairs of input dtypes, and the
gradients of each differentiable op.
"""

import json
import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import keras

GOLDEN = pathlib.Path(__file__).parent.parent / "golden"
sys.path.insert(0, str(GOLDEN))
import keras_ops_cases  # noqa: E402

EXPECTED = json.loads((GOLDEN / "keras_ops.json").read_text())
CASES = keras_ops_cases.cases(keras, tf)
# Where Keras on TensorFlow raises and tapeflow computes the answer (checked in test_ops.py).
GOES_FURTHER = {
    "grad/slice_update": "TF has no gradient for XlaDynamicUpdateSlice",
}


def _floats(values):
    if isinstance(values, list):
        return [_floats(v) for v in values]
    if values is None:
        return np.nan
    if values == "inf":
        return np.inf
    if values == "-inf":
        return -np.inf
    return values


def _compare(expected, got, path):
    assert expected.keys() == got.keys(), f"{path}: expected {expected}, got {got}"
    if "error" in expected:
        return  # both raise: Keras' exception classes are TF's, tapeflow's are its own
    if "text" in expected:
        assert got == expected, f"{path}: {got} != {expected}"
    elif "values" in expected:
        assert got["dtype"] == expected["dtype"], f"{path}: dtype {got['dtype']} != {expected}"
        assert got["shape"] == expected["shape"], f"{path}: shape {got['shape']} != {expected}"
        e = np.array(_floats(expected["values"]), dtype=float)
        g = np.array(_floats(got["values"]), dtype=float)
        tol = 2e-3 if expected["dtype"] == "float16" else 2e-5
        np.testing.assert_allclose(g, e, rtol=tol, atol=tol, err_msg=path)
    elif "list" in expected:
        assert len(got["list"]) == len(expected["list"]), f"{path}: {got} != {expected}"
        for i, (e, g) in enumerate(zip(expected["list"], got["list"])):
            _compare(e, g, f"{path}[{i}]")
    elif "dict" in expected:
        assert got["dict"].keys() == expected["dict"].keys(), f"{path}: keys"
        for k in expected["dict"]:
            _compare(expected["dict"][k], got["dict"][k], f"{path}[{k}]")
    elif isinstance(expected.get("python"), float):
        assert got["python"] == pytest.approx(expected["python"], rel=1e-5, abs=1e-6), path
    else:
        assert got == expected, f"{path}: {got} != {expected}"


def test_every_case_has_a_golden_value():
    assert sorted(CASES) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_keras(name):
    got = keras_ops_cases.run(CASES[name])
    if name in GOES_FURTHER:
        assert "error" in EXPECTED[name] and "error" not in got, (name, got)
        return
    _compare(EXPECTED[name], got, name)

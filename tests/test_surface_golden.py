"""The everyday surface against TensorFlow 2.21's numbers (tests/golden/surface.json).

Sparse tensors and tf.sparse, TensorArray, py_function/numpy_function, TensorShape as a shape
value, ensure_shape and friends, tf.device and tf.config devices, Keras' activation layers,
pad_sequences and split_dataset: each case of tests/golden/surface_cases.py runs under
tapeflow and must give TF's values, dtypes and shapes, or raise an error of TF's type.
"""

import json
import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf

GOLDEN = pathlib.Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
import surface_cases  # noqa: E402

EXPECTED = json.loads((GOLDEN / "surface.json").read_text())
CASES = surface_cases.cases(tf)


def _compare(expected, got, path="result"):
    assert expected.keys() == got.keys(), f"{path}: expected {expected}, got {got}"
    if "error" in expected:
        assert got["error"] == expected["error"], f"{path}: error {got} != {expected}"
    elif "sparse" in expected:
        assert got["indices"] == expected["indices"], f"{path}: indices"
        assert got["dense_shape"] == expected["dense_shape"], f"{path}: dense_shape"
        _compare(expected["values"], got["values"], path + ".values")
    elif "values" in expected:
        assert got["dtype"] == expected["dtype"], f"{path}: dtype {got} != {expected}"
        assert got["shape"] == expected["shape"], f"{path}: shape {got} != {expected}"
        if expected["dtype"] in ("string", "object") or expected["values"] is None:
            assert got["values"] == expected["values"], f"{path}: {got} != {expected}"
        else:
            e = np.array(expected["values"], dtype=float)
            g = np.array(got["values"], dtype=float)
            np.testing.assert_allclose(g, e, rtol=2e-6, atol=1e-6, err_msg=path)
    elif "list" in expected:
        assert len(got["list"]) == len(expected["list"]), f"{path}: {got} != {expected}"
        for i, (e, g) in enumerate(zip(expected["list"], got["list"])):
            _compare(e, g, f"{path}[{i}]")
    elif "dict" in expected:
        assert got["dict"].keys() == expected["dict"].keys(), f"{path}: keys"
        for k in expected["dict"]:
            _compare(expected["dict"][k], got["dict"][k], f"{path}[{k!r}]")
    else:
        assert got == expected, f"{path}: {got} != {expected}"


def test_every_case_has_a_golden_value():
    assert sorted(CASES) == sorted(EXPECTED)


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_tensorflow(name):
    tf.random.set_seed(0)
    _compare(EXPECTED[name], surface_cases.run(CASES[name]), name)

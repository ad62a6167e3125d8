"""Keras 3's preprocessing layers, `tf.image.resize` and TF's image decoders, value for value.

The cases live in tests/golden/preprocessing_cases.py and run unchanged under TensorFlow
(make_preprocessing.py wrote preprocessing.json from TF 2.21 / Keras 3.15) and under tapeflow
here. Cases that build images with Pillow skip, saying why, where it is not installed.
"""

import importlib.util
import json
import pathlib
import warnings

import numpy as np
import pytest

import tapeflow as tf

GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
GOLDEN = json.loads((GOLDEN_DIR / "preprocessing.json").read_text())["cases"]
_spec = importlib.util.spec_from_file_location(
    "preprocessing_cases", GOLDEN_DIR / "preprocessing_cases.py"
)
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)
CASES = cases.all_cases()
NEEDS_PILLOW = ("decode_", "directory_")
HAS_PILLOW = importlib.util.find_spec("PIL") is not None
# Float tolerances: bilinear sampling in another summation order, quantiles through float32.
RTOL, ATOL = 1e-5, 2e-4


def _run(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return {"result": fn(tf)}
        except Exception as e:  # noqa: BLE001 - the error is the result
            return {"error": type(e).__name__, "message": str(e)}


def _assert_close(got, expected, path="result"):
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(expected), (path, got)
        for k in expected:
            _assert_close(got[k], expected[k], f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), (path, got, expected)
        if all(isinstance(e, (int, float)) and not isinstance(e, bool) for e in expected):
            np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=path)
        else:
            for i, (g, e) in enumerate(zip(got, expected, strict=True)):
                _assert_close(g, e, f"{path}[{i}]")
    elif isinstance(expected, float):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=path)
    else:
        assert got == expected, (path, got, expected)


def test_the_golden_file_has_every_case():
    assert sorted(GOLDEN) == sorted(CASES)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_matches_keras(case_id):
    if case_id.startswith(NEEDS_PILLOW) and not HAS_PILLOW:
        pytest.skip("Pillow is not installed (pip install 'tapeflow[images]')")
    got = _run(CASES[case_id])
    expected = GOLDEN[case_id]
    if "error" in expected:
        assert got.get("error") == expected["error"], got
        return
    assert "result" in got, got
    _assert_close(got["result"], expected["result"])

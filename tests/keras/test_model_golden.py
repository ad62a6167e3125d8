"""Masking, symbolic shapes and model structure against Keras 3.15 / TF 2.21
(tests/golden/keras_model.json, made by make_keras_model.py from keras_model_cases.py)."""

import json
import pathlib
import sys
import warnings

import pytest

import tapeflow as tf

GOLDEN = pathlib.Path(__file__).parent.parent / "golden"
sys.path.insert(0, str(GOLDEN))
import keras_model_cases  # noqa: E402
import keras_ops_cases  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from test_ops_golden import _compare  # noqa: E402

EXPECTED = json.loads((GOLDEN / "keras_model.json").read_text())
CASES = keras_model_cases.cases(tf)


def test_every_case_has_a_golden_value():
    assert sorted(CASES) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_keras(name):
    tf.keras.backend.clear_session()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dropped-mask cases warn on purpose
        got = keras_ops_cases.run(CASES[name])
    _compare(EXPECTED[name], got, name)

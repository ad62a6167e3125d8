"""tf.image against TensorFlow 2.21 (tests/golden/image.json, made by make_image.py from the
cases in image_cases.py and image_color_cases.py): values, dtypes, shapes, gradients and error
types; then each case again inside tf.function, bit for bit equal to eager.
"""

import json
import pathlib
import sys

import pytest

import tapeflow as tf

GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
sys.path.insert(0, str(GOLDEN_DIR))
import image_cases as cases  # noqa: E402
from case_checks import bits, check_case  # noqa: E402

GOLDEN = json.loads((GOLDEN_DIR / "image.json").read_text())["cases"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # int32 max as float16 is inf, as in TF
@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_matches_tensorflow(name):
    fn, tol = cases.CASES[name]
    check_case(cases.run(tf, fn), GOLDEN[name], tol)


def test_every_golden_case_is_run():
    assert sorted(GOLDEN) == sorted(cases.CASES)


TRACEABLE = sorted(
    n for n in cases.CASES if "error" not in GOLDEN[n] and n not in cases.EAGER_ONLY
)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", TRACEABLE)
def test_same_bits_inside_tf_function(name):
    fn, _ = cases.CASES[name]
    eager = bits(tf, fn(tf))
    traced = tf.function(lambda: fn(tf))
    assert bits(tf, traced()) == eager
    assert bits(tf, traced()) == eager  # the second call runs the plan, not the trace

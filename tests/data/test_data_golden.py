"""tf.data chains against TensorFlow's output (tests/golden/make_data.py)."""

import json
import pathlib

import numpy as np
import pytest

GOLDEN = json.loads(
    (pathlib.Path(__file__).resolve().parents[1] / "golden" / "data.json").read_text()
)
WITH_ELEMENTS = sorted(k for k, v in GOLDEN.items() if "elements" in v)


def encode(x):
    if isinstance(x, dict):
        return {"dict": {str(k): encode(x[k]) for k in sorted(x)}}
    if isinstance(x, tuple):
        return {"tuple": [encode(v) for v in x]}
    a = x.numpy()
    return {"v": np.asarray(a).tolist(), "dtype": x.dtype.name, "shape": list(a.shape)}


@pytest.mark.parametrize("name", WITH_ELEMENTS)
def test_elements_match_tensorflow(tf, name):
    case = GOLDEN[name]
    ds = eval(case["expr"], {"tf": tf, "np": np})
    got = [encode(e) for e in ds]
    assert got == case["elements"]
    # a second pass gives the same elements (sources are re-iterable)
    assert [encode(e) for e in ds] == case["elements"]
    assert int(ds.cardinality()) == case["cardinality"]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_spec_and_cardinality_match_tensorflow(tf, name):
    case = GOLDEN[name]
    ds = eval(case["expr"], {"tf": tf, "np": np})
    assert int(ds.cardinality()) == case["cardinality"]
    assert repr(ds.element_spec) == case["spec"]

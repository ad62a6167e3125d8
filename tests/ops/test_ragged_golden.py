"""RaggedTensor and tf.ragged against TensorFlow: the cases of tests/golden/make_ragged.py."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf

GOLDEN_DIR = pathlib.Path(__file__).resolve().parent.parent / "golden"


def _load_cases():
    spec = importlib.util.spec_from_file_location("make_ragged", GOLDEN_DIR / "make_ragged.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = _load_cases()
GOLDEN = json.loads((GOLDEN_DIR / "ragged.json").read_text())["cases"]


def _close(got, want, where):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got} vs TF {want}"
        for i, (g, w) in enumerate(zip(got, want)):
            _close(g, w, f"{where}[{i}]")
    elif isinstance(want, float) or want == "nan":
        if want == "nan":
            assert got == "nan", f"{where}: {got} vs TF nan"
        else:
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=where)
    else:
        assert got == want, f"{where}: {got!r} vs TF {want!r}"


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_matches_tensorflow(name):
    if name == "parsing":
        pytest.importorskip("google.protobuf")  # tf.train.Example needs protobuf
    got = CASES.encode(CASES.CASES[name](tf))
    _close_encoded(got, GOLDEN[name], name)


def _close_encoded(got, want, where):
    assert set(got) == set(want), f"{where}: {got} vs TF {want}"
    if "list" in want:
        assert len(got["list"]) == len(want["list"]), f"{where}: {got} vs TF {want}"
        for i, (g, w) in enumerate(zip(got["list"], want["list"])):
            _close_encoded(g, w, f"{where}[{i}]")
        return
    for key in want:
        if key in ("ragged", "tensor", "value"):
            _close(got[key], want[key], f"{where}.{key}")
        else:
            assert got[key] == want[key], f"{where}.{key}: {got[key]!r} vs TF {want[key]!r}"

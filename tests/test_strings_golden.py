"""String tensors, tf.strings, tf.ragged, tf.io and the file sources of tf.data against
TensorFlow 2.21's answers (tests/golden/make_strings.py writes tests/golden/strings.json)."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

GOLDEN_DIR = pathlib.Path(__file__).resolve().parent / "golden"
GOLDEN = json.loads((GOLDEN_DIR / "strings.json").read_text())
_spec = importlib.util.spec_from_file_location("make_strings", GOLDEN_DIR / "make_strings.py")
make_strings = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_strings)

# Where tapeflow's answer is right but not TF's text: the repr is not compared.
REPR_DIFFERS = {}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    import pandas as pd

    import tapeflow as tf

    directory = str(tmp_path_factory.mktemp("strings_golden"))
    return {"tf": tf, "np": np, "pd": pd, "F": make_strings.write_files(directory)}


@pytest.mark.parametrize("name", sorted(GOLDEN["cases"]))
def test_case_matches_tensorflow(env, name):
    case = dict(GOLDEN["cases"][name])
    expr = case.pop("expr")
    got = make_strings.evaluate(expr, env["tf"], env)
    if name in REPR_DIFFERS:
        for d in (got, case):
            d.pop("repr", None)
    assert got == case


@pytest.mark.parametrize("name", sorted(GOLDEN["datasets"]))
def test_dataset_matches_tensorflow(env, name):
    case = GOLDEN["datasets"][name]
    got = make_strings.evaluate_dataset(case["expr"], env["tf"], env)
    got = json.loads(json.dumps(got).replace(env["F"]["dir"], "{dir}"))
    assert got["spec"] == case["spec"]
    assert got["cardinality"] == case["cardinality"]
    assert got["elements"] == case["elements"]


@pytest.mark.parametrize("kind", ["fast", "strong", "legacy"])
def test_hash_buckets_equal_tensorflow_for_every_length(kind):
    import tapeflow as tf

    strings = tf.constant(make_strings.hash_strings())
    n = make_strings.HASH_BUCKETS
    got = {
        "fast": lambda: tf.strings.to_hash_bucket_fast(strings, n),
        "strong": lambda: tf.strings.to_hash_bucket_strong(strings, n, [7, 2**62 + 5]),
        "legacy": lambda: tf.strings.to_hash_bucket(strings, n),
    }[kind]()
    assert got.numpy().tolist() == GOLDEN["hashes"][kind]


def test_pure_fingerprint_equals_tensorflow_without_the_optional_package():
    from tapeflow.ops import fingerprint

    strings = make_strings.hash_strings()
    bins = [fingerprint._farmhash64(s) % make_strings.HASH_BUCKETS for s in strings]
    assert bins == GOLDEN["hashes"]["fast"]


def test_optional_pyfarmhash_gives_the_same_fingerprints():
    farmhash = pytest.importorskip("farmhash")
    from tapeflow.ops import fingerprint

    for s in make_strings.hash_strings():
        assert farmhash.fingerprint64(s) == fingerprint._farmhash64(s)

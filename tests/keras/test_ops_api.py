"""The names and signatures of keras.ops, keras.random, keras.config and keras.backend
against Keras 3.15 (tests/golden/keras_signatures.json, made by make_keras_signatures.py):
each name exists with Keras' parameters, or is listed as deliberately absent."""

import inspect
import json
import pathlib

import pytest

from tapeflow import keras

SIGNATURES = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "keras_signatures.json").read_text()
)
OPS_ABSENT = {name for names in keras.ops.ABSENT.values() for name in names}
NAMESPACES = {
    "ops": (keras.ops, OPS_ABSENT),
    "ops.numpy": (keras.ops.numpy, OPS_ABSENT),
    "ops.nn": (keras.ops.nn, OPS_ABSENT),
    "ops.linalg": (keras.ops.linalg, OPS_ABSENT),
    "ops.image": (keras.ops.image, OPS_ABSENT),
    "random": (keras.random, set()),
    "config": (keras.config, set()),
    "backend": (keras.backend, set()),
    "tf.keras.backend": (keras.backend, set(keras.legacy_backend.ABSENT)),
}
CASES = [(ns, name) for ns in NAMESPACES for name in sorted(SIGNATURES[ns])]


def _params(fn):
    return [[p.name, p.kind.name] for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("ns, name", CASES, ids=[f"{ns}.{n}" for ns, n in CASES])
def test_name_and_parameters_match_keras(ns, name):
    module, absent = NAMESPACES[ns]
    expected = SIGNATURES[ns][name]
    if name in absent:
        assert not hasattr(module, name), f"{ns}.{name} is listed as absent but exists"
        return
    assert hasattr(module, name), f"keras.{ns}.{name} is missing (and not listed as absent)"
    if expected is None:
        return
    assert _params(getattr(module, name)) == [p[:2] for p in expected], name


def test_absent_names_are_keras_names():
    keras_names = {n for ns in NAMESPACES if ns.startswith("ops") for n in SIGNATURES[ns]}
    assert OPS_ABSENT <= keras_names, sorted(OPS_ABSENT - keras_names)
    assert not OPS_ABSENT & set(keras.ops.__all__)


def test_version_is_the_keras_it_follows():
    assert keras.version() == SIGNATURES["versions"]["keras"] == keras.__version__


@pytest.mark.parametrize("ns", ["ops", "ops.numpy", "ops.nn", "ops.linalg", "ops.image"])
def test_each_namespace_holds_only_keras_names(ns):
    module = NAMESPACES[ns][0]
    names = set(module.__all__) - {"numpy", "nn", "linalg", "image"}
    assert names <= set(SIGNATURES[ns]), sorted(names - set(SIGNATURES[ns]))

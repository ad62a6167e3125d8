"""Bad input to every public op and Keras layer: raise where TensorFlow raises, with an error
of TensorFlow's type that names the op or layer the user called.

The cases live in tests/golden/fuzz_cases.py (shared with make_fuzz.py, which recorded
fuzz.json from TensorFlow 2.21 / Keras 3.15): each replaces one argument of a valid call by
a value of the wrong kind (None, text, floats for ints, out-of-range or negative indices,
axes and sizes, wrong ranks and dtypes, empty tensors).
"""

from __future__ import annotations

import json
import pathlib
import re
import sys
import types
import warnings

import pytest

import tapeflow as tf
from tapeflow import _api
from tapeflow.core.error_context import is_deliberate

GOLDEN_DIR = pathlib.Path(__file__).parent / "golden"
GOLDEN = json.loads((GOLDEN_DIR / "fuzz.json").read_text())["cases"]
sys.path.insert(0, str(GOLDEN_DIR))
import fuzz_cases  # noqa: E402 - shared with make_fuzz.py, found through GOLDEN_DIR

sys.path.remove(str(GOLDEN_DIR))
CASES = fuzz_cases.all_cases()

# Public names with no bad-input cases, and why. Every other name that tapeflow exports (the
# _api tables and keras.layers) must have a spec in fuzz_cases.py: the test below fails when
# a new op or layer lands without one (add its spec, then rerun make_fuzz.py with TF).
EXCLUDED = {
    "dtypes": "DType values and their aliases, not functions (as_dtype has a spec)",
    "nest": "structure utilities: any Python value is valid input",
    "autodiff.ForwardAccumulator": "a context manager over tapes, takes Python structures",
    "test": "testing helpers (compute_gradient takes a Python function; TestCase & co.)",
    "config": "device and determinism configuration: global state, no tensor input",
    "config.experimental": "device configuration: global state, no tensor input",
    "config.threading": "thread-pool configuration: global state, no tensor input",
    "RaggedTensor": "constructed by its factory methods (tf.ragged.constant has a spec)",
    "SparseTensorSpec": "a type spec for signatures, no computation",
    "RaggedTensorSpec": "a type spec for signatures, no computation",
    "ragged.RaggedTensorSpec": "a type spec for signatures, no computation",
    "experimental.DynamicRaggedShape": "a shape value (bad input: tests/ops/test_ragged.py)",
    "experimental.RowPartition": "a row partition value (bad input: tests/ops/test_ragged.py)",
    "ragged.map_flat_values": "takes a Python function (bad input: tests/ops/test_ragged.py)",
    "map_fn": "takes a Python function (bad input: tests/ops/test_ragged.py)",
    "ragged.range": "ragged bad input is checked against TF in tests/ops/test_ragged.py",
    "ragged.boolean_mask": "ragged bad input is checked against TF in tests/ops/test_ragged.py",
    "ragged.stack": "ragged bad input is checked against TF in tests/ops/test_ragged.py",
    "io.FixedLenFeature": "a feature spec (namedtuple), no computation",
    "io.VarLenFeature": "a feature spec (namedtuple), no computation",
    "io.RaggedFeature": "a feature spec (namedtuple), no computation",
    "io.parse_example": "needs protobuf; bad input checked against TF in test_ragged_golden.py",
    "io.parse_single_example": "needs protobuf; bad input checked in test_ragged_golden.py",
    "control_dependencies": "graph-ordering context: nothing to compute eagerly",
    "group": "graph-ordering no-op: nothing to compute eagerly",
    "no_op": "takes no argument",
    "version": "version strings, not functions",
    "device": "placement context manager: global state",
    "random.Generator": "a stateful generator object (its draws share the ops' argument code)",
    "random.get_global_generator": "takes no argument",
    "random.set_global_generator": "replaces the global random state other tests rely on",
    "random.set_seed": "replaces the global random state other tests rely on",
    "sparse.matmul": "a tapeflow name TF 2.21 lacks (sparse_dense_matmul has a spec)",
    "io.read_file": "reads the file system",
    "io.TFRecordWriter": "writes the file system (bad input: tests/data/test_tfrecord.py)",
    "io.TFRecordOptions": "compression settings, Python values (tests/data/test_tfrecord.py)",
    "io.write_file": "writes the file system",
    "image.ResizeMethod": "an enumeration of names, not a function",
    "keras.layers.Layer": "the base class",
    "keras.layers.Wrapper": "an abstract base class",
    "keras.layers.KerasVariable": "a variable class, not a layer",
    "keras.layers.InputSpec": "a description of inputs, checked by every layer's call",
    "keras.layers.InputLayer": "made by keras.Input (which has a spec)",
    "keras.layers.Input": "the same function as keras.Input (which has a spec)",
    "autograph": "takes Python functions (to_code shows tf.function plans; no tensor input)",
    "types.experimental": "protocol classes for tf.function's cache keys, no computation",
    "debugging.enable_check_numerics": "a global switch: no tensor input",
    "debugging.disable_check_numerics": "a global switch: takes no argument",
    "recompute_grad": "a decorator: takes a Python function (tests/func/test_recompute.py)",
    "vectorized_map": "takes a Python function; bad elems are in tests/func/test_vmap.py",
    # common names (issue 11): checked against TF in tests/test_common_names_golden.py
    "compat": "Python text/dimension helpers and type tuples, no tensor computation",
    "autodiff.GradientTape": "the tape class (tf.GradientTape), a context manager",
    "executing_eagerly": "takes no argument",
    "inside_function": "takes no argument",
    "get_current_name_scope": "takes no argument",
    "get_logger": "takes no argument",
    "timestamp": "takes no argument",
    "get_static_value": "any Python value is valid input (returned as it is)",
    "gradients": "TF 1's graph API: a RuntimeError for every input, eagerly",
    "hessians": "TF 1's graph API: a RuntimeError for every input, eagerly",
    "parallel_stack": "graph-only: TF refuses it eagerly (RuntimeError) whatever the input",
    "no_gradient": "registers an op type in the global gradient registry",
    "grad_pass_through": "takes a Python function",
    "scan": "takes a Python function",
    "foldl": "takes a Python function",
    "foldr": "takes a Python function",
    "case": "takes Python functions",
    "switch_case": "takes Python functions",
    "constant_initializer": "an initializer object: its config is Python values",
    "zeros_initializer": "an initializer object, no argument",
    "ones_initializer": "an initializer object, no argument",
    "random_normal_initializer": "an initializer object: its config is Python values",
    "random_uniform_initializer": "an initializer object: its config is Python values",
}

# TF's error types mapped to what tapeflow must raise (an instance of it). TF errors that
# come from an accident of its implementation (a oneDNN abort, an AttributeError on None,
# NumPy's ufunc error, a missing kernel) admit any exception, as long as it names the op.
_ANY = Exception
EXPECTED_TYPES = {
    "InvalidArgumentError": tf.errors.InvalidArgumentError,
    "ValueError": ValueError,
    "TypeError": TypeError,
    "UnimplementedError": tf.errors.UnimplementedError,
    "InternalError": tf.errors.InternalError,
    "OutOfRangeError": tf.errors.OutOfRangeError,
    "FailedPreconditionError": tf.errors.FailedPreconditionError,
    "NotFoundError": _ANY,
    "AbortedError": _ANY,
    "AttributeError": _ANY,
    "AssertionError": _ANY,
    "IndexError": _ANY,
    "UFuncTypeError": _ANY,
    "crash": _ANY,
}


# Values of the wrong kind (None, text, a float where an int belongs, another dtype): TF's
# error type for them depends on which conversion meets them first (TypeError from Python's,
# ValueError from NumPy's, InvalidArgumentError from the kernel's dtype check), so any of
# the three is accepted where TF raises one of them. Bad values (out of range, negative,
# wrong rank, empty) must raise TF's type.
KIND_VARIANTS = frozenset(
    "none text strings bool int32 float32 float64 float whole_float float_list "
    "whole_float_list float_array string_array none_dim number unknown none_item "
    "mixed_dtypes text_items list empty_list".split()
)
# InvalidArgumentError is a ValueError; UnimplementedError is TF's "Cast string to float".
_ARGUMENT_ERRORS = (TypeError, ValueError, tf.errors.UnimplementedError)
# (TF's UnimplementedError among them: its "Cast string to float is not supported".)
_KIND_ERRORS = {"TypeError", "ValueError", "InvalidArgumentError", "UnimplementedError"}


# Cases where tapeflow deliberately answers otherwise than TF 2.21 / Keras 3.15, and why.
KNOWN_DIFFERENCES = {
    # tapeflow refuses what TF accepts
    "reverse|arg0=scalar": "TF ignores axis [1] of a scalar; tapeflow: axis out of range",
    "nn.conv2d_transpose|arg0=empty": "TF returns zeros of output_shape for an empty batch "
    "that disagrees with it; tapeflow: the shapes disagree",
    "nn.conv2d_transpose|arg1=empty": "TF returns zeros for an empty filter; tapeflow: the "
    "filter's shape does not fit output_shape",
    "ragged.segment_ids_to_row_splits|arg0=out_of_range": "TF silently drops ids >= "
    "num_segments; tapeflow: an id is out of range",
    "sparse.transpose|perm=duplicate": "TF accepts perm [1, 1]; tapeflow: not a permutation",
    "keras.layers.Reshape|target_shape=rank2": "Keras takes a nested target_shape [[3, 1]]; "
    "tapeflow: target_shape must be a tuple of integers",
    "keras.layers.CategoryEncoding|input=out_of_range": "Keras drops tokens >= num_tokens; "
    "tapeflow: a token is out of range",
    "keras.layers.GRUCell|input=rank_down": "Keras' GRUCell broadcasts a 1-D input; tapeflow: "
    "cells take (batch, features)",
    "keras.layers.GRUCell|input=rank_up": "as rank_down",
    "keras.layers.GRUCell|input=shape5": "as rank_down",
    "keras.layers.CenterCrop|height=negative": "Keras accepts a negative size; tapeflow: "
    "sizes must be positive",
    "keras.layers.CenterCrop|width=negative": "as CenterCrop|height=negative",
    "keras.layers.IntegerLookup|vocabulary=rank_up": "Keras' TypeError comes from hashing a "
    "row; tapeflow: ValueError, a vocabulary must be 1-D",
    "keras.layers.TimeDistributed|input=wider_after_build": "tapeflow checks the wrapped "
    "layer's InputSpec (Keras' ValueError); Keras skips it and fails in MatMul",
    "unravel_index|arg0=negative": "TF returns coordinates computed from a negative index; "
    "tapeflow: the index is out of bound",
    # features tapeflow lacks (UnimplementedError / a clear error instead of a result)
    "nn.avg_pool|arg0=rank_up": "3-D pooling (rank-5 input) is not implemented",
    "nn.depthwise_conv2d|arg0=rank_up": "depthwise convolution of a rank-5 input is not "
    "implemented",
    "strings.ngrams|arg0=rank_up": "n-grams of a 2-D dense tensor: tapeflow takes a vector "
    "or a RaggedTensor",
    # tapeflow accepts what TF refuses (extensions)
    "keras.layers.Embedding|input=float_list": "tapeflow layers take Python lists as inputs "
    "(converted like NumPy arrays); Keras 3 takes only tensors and arrays positionally",
    "keras.layers.LSTM|input=empty": "an empty batch gives an empty result; TF's kernel fails "
    "on it",
    "keras.layers.Bidirectional|input=empty": "as LSTM|input=empty",
    "keras.layers.TimeDistributed|input=no_steps": "zero time steps give an empty result; "
    "Keras fails in NumPy",
    "keras.layers.ELU|input=int32": "keras.activations compute integer inputs in float32; "
    "TF's kernels have no integer version",
    "keras.layers.Softmax|input=int32": "as ELU|input=int32",
    "keras.layers.PReLU|input=int32": "as ELU|input=int32",
    "keras.layers.RandomContrast|input=int32": "integer images are augmented in float32 and "
    "cast back; Keras 3.15 fails mixing int32 and float32",
    "keras.layers.RandomContrast|input=bool": "as RandomContrast|input=int32",
}


def _normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _names(case_id: str, message: str, tf_op: str) -> bool:
    """Does the message name the callable of `case_id` (or the op TF names for it)?"""
    path = case_id.split("|", 1)[0].split("#", 1)[0]
    leaf = path.rsplit(".", 1)[-1]
    text = _normalized(message)
    return _normalized(leaf) in text or bool(tf_op and _normalized(tf_op) in text)


def check(case_id: str):
    """None when tapeflow agrees with TensorFlow on this case, else what differs."""
    if case_id in KNOWN_DIFFERENCES:
        return None
    expected = GOLDEN[case_id]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            CASES[case_id](tf)
        except Exception as e:  # noqa: BLE001 - the error is the result
            error = e
        else:
            error = None
    variant = case_id.rsplit("=", 1)[-1]
    if expected[0] == "ok":
        if error is None:
            return None
        # TF accepts some values of the wrong kind by converting them: it casts a NumPy
        # array to the first input's dtype (truncating floats), truncates a Python float
        # given for an int attribute, parses numeric strings. tapeflow refuses them, with
        # an error that names the op.
        if variant in KIND_VARIANTS and _names(case_id, str(error), ""):
            return None
        return f"raises where TF returns: {type(error).__name__}: {_short(error)}"
    if error is None:
        return f"returns where TF raises {expected[0]}"
    kind = EXPECTED_TYPES[expected[0]]
    if variant in KIND_VARIANTS and expected[0] in _KIND_ERRORS:
        kind = (kind, *_ARGUMENT_ERRORS)
    if not isinstance(error, kind):
        return f"{type(error).__name__} where TF raises {expected[0]}: {_short(error)}"
    # A failed tf.debugging.assert_* gives TF's own message: its result, not a bad call.
    if not _names(case_id, str(error), expected[1]) and not is_deliberate(error):
        return f"error does not name the op: {type(error).__name__}: {_short(error)}"
    return None


def _short(error) -> str:
    return " ".join(str(error).split())[:300]


def _by_callable() -> dict:
    groups = {}
    for case_id in CASES:
        groups.setdefault(case_id.split("|", 1)[0], []).append(case_id)
    return groups


GROUPS = _by_callable()


def _exports():
    """(path, object) of every public name: the _api tables, then keras.layers."""
    for ns, members in _api.collect().items():
        for name in members:
            path = name if ns == "tf" else f"{ns}.{name}"
            obj = fuzz_cases.resolve(tf, path)
            yield path, obj
    for name in dir(tf.keras.layers):
        obj = getattr(tf.keras.layers, name)
        if isinstance(obj, type) or callable(obj):
            if not name.startswith("_") and not isinstance(obj, types.ModuleType):
                yield f"keras.layers.{name}", obj


def _excluded(path: str) -> bool:
    return any(path == e or path.startswith(e + ".") for e in EXCLUDED)


def test_every_public_op_and_layer_has_cases():
    covered = {id(fuzz_cases.resolve(tf, p)) for p in fuzz_cases.spec_paths()}
    missing = sorted(p for p, obj in _exports() if id(obj) not in covered and not _excluded(p))
    assert not missing, (
        f"public names without bad-input cases: {missing}; add their specs to "
        f"tests/golden/fuzz_cases.py (or to EXCLUDED with the reason) and rerun make_fuzz.py"
    )


def test_golden_has_every_case():
    missing = sorted(set(CASES) - set(GOLDEN))
    stale = sorted(set(GOLDEN) - set(CASES))
    assert not missing and not stale, (
        f"fuzz.json is stale: run `/work/tfref/bin/python tests/golden/make_fuzz.py` "
        f"(missing {missing[:5]}, stale {stale[:5]})"
    )


@pytest.mark.parametrize("callable_path", sorted(GROUPS))
def test_bad_input(callable_path):
    failures = {}
    for case_id in GROUPS[callable_path]:
        if case_id not in GOLDEN:
            continue
        problem = check(case_id)
        if problem is not None:
            failures[case_id] = problem
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


if __name__ == "__main__":  # a report of every disagreement, for development
    import collections

    found = collections.Counter()
    for case_id in CASES:
        problem = check(case_id)
        if problem:
            found[problem.split(":")[0]] += 1
            print(f"{case_id}: {problem}")
    print(found)

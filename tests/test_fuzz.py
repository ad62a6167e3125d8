"""Bad input to every public op and Keras layer: raise where TensorFlow raises, with an error
of TensorFlow's type that names the op or layer the user called.

The cases live in tests/golden/fuzz_cases.py (shared with make_fuzz.py, which recorded
fuzz.json from TensorFlow 2.21 / Keras 3.15): each replaces one argument of a valid call by
a value of the wrong kind (None, text, floats for ints, out-of-range or negative indices,
axes and sizes, wrong ranks and dtypes, empty tensors).
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import re
import warnings

import pytest

import tapeflow as tf
from tapeflow.core.error_context import is_deliberate

GOLDEN_DIR = pathlib.Path(__file__).parent / "golden"
GOLDEN = json.loads((GOLDEN_DIR / "fuzz.json").read_text())["cases"]
_spec = importlib.util.spec_from_file_location("fuzz_cases", GOLDEN_DIR / "fuzz_cases.py")
fuzz_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz_cases)
CASES = fuzz_cases.all_cases()

# TF's error types mapped to what tapeflow must raise (an instance of it). TF errors that
# come from an accident of its implementation (a oneDNN abort, an AttributeError on None,
# NumPy's ufunc error, a missing kernel) admit any exception, as long as it names the op.
_ANY = Exception
EXPECTED_TYPES = {
    "InvalidArgumentError": tf.errors.InvalidArgumentError,
    "ValueError": ValueError,
    "TypeError": TypeError,
    "UnimplementedError": tf.errors.UnimplementedError,
    "OutOfRangeError": tf.errors.OutOfRangeError,
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

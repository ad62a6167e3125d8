"""Errors say where they happened: the public op the user called (`tf.fill: ...`) or the
Keras layer whose call failed, added to the message of the error as it propagates.

Public op functions are wrapped once, when `tf.*` is built (`_api.install`); tapeflow's
own code calls the unwrapped functions, so only a user's call pays for the wrapper (one
Python frame; a `try` costs nothing until something raises).
"""

from __future__ import annotations

import functools
import re

from .errors import ArgumentTypeError, OpError


def names(message: str, name: str) -> bool:
    """Does `message` already mention `name` (case, `_` and `.` ignored)?"""
    return _normalized(name) in _normalized(message)


def leaf(public_name: str) -> str:
    """The op's own name in a public name: reduce_sum in tf.math.reduce_sum, swish in
    "tf.nn.swish (tf.nn.silu)" (an alias list follows the first name)."""
    return public_name.split(" ", 1)[0].rsplit(".", 1)[-1]


def _normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def rewrite_message(error: BaseException, new_message: str) -> bool:
    """Replaces the message of `error` in place (same type, cause and traceback).

    False when the error keeps no plain message to replace (KeyError, errors with several
    arguments or a custom `__str__`): those propagate unchanged.
    """
    if isinstance(error, (KeyError, StopIteration)) or len(error.args) != 1:
        return False
    if not isinstance(error.args[0], str) or str(error) != error.args[0]:
        return False
    error.args = (new_message,)
    if isinstance(error, OpError):
        error.message = new_message
    return True


def deliberate(error: BaseException) -> BaseException:
    """Marks `error` as the result its op exists to give (a failed `tf.debugging.assert_*`,
    whose message is TF's own): no public name is added to it."""
    error._tapeflow_deliberate = True
    return error


def is_deliberate(error: BaseException) -> bool:
    return getattr(error, "_tapeflow_deliberate", False)


def name_in_error(error: BaseException, public_name: str) -> BaseException:
    """`error` with `public_name` ("tf.fill") prefixed to its message, unless it names the op
    already. NumPy's own errors (a ufunc with no loop for a dtype), whose message cannot be
    replaced, come back as a new ArgumentTypeError, TF's InvalidArgumentError for them."""
    if is_deliberate(error) or not isinstance(error, Exception):
        return error
    message = str(error)
    if names(message, leaf(public_name)) or rewrite_message(error, f"{public_name}: {message}"):
        return error
    if type(error).__module__.startswith("numpy"):
        return ArgumentTypeError(f"{public_name}: {message}")
    return error


def public_function(fn, public_name: str):
    """`fn` as exported under `public_name`: its errors name the op the user called."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            named = name_in_error(e, public_name)
            if named is e:
                raise
            raise named from e

    call._tapeflow_public = public_name
    return call


def public_class(cls, public_name: str):
    """`cls` with an `__init__` whose errors name the class (`tf.SparseTensor: ...`); the
    class itself is kept (instances, isinstance checks), its constructor wrapped in place."""
    init = cls.__dict__.get("__init__")
    if init is None or getattr(init, "_tapeflow_public", None) is not None:
        return cls

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        try:
            init(self, *args, **kwargs)
        except Exception as e:
            named = name_in_error(e, public_name)
            if named is e:
                raise
            raise named from e

    __init__._tapeflow_public = public_name
    cls.__init__ = __init__
    return cls

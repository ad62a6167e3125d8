"""Safe mode: whether deserialization may turn saved Python bytecode (lambdas) into code.

Safe mode is on by default. It is turned off by `safe_mode=False` on a loading call, inside a
`SafeModeScope(False)`, or for the whole process by
`keras.config.enable_unsafe_deserialization()`. Turning it off allows exactly one thing more:
loading the marshalled bytecode of a `lambda` that the file holds, which runs whatever code the
file's author wrote. It never allows importing a module or looking up a name that a file
gives: classes and functions come from the registry in both modes.
"""

from __future__ import annotations

import threading


class _Flags(threading.local):
    def __init__(self):
        self.scope = None  # None: no SafeModeScope in force on this thread


_flags = _Flags()
_unsafe_everywhere = False  # set by enable_unsafe_deserialization, for every thread

# Keras 3's wording, so that the advice users find for Keras applies here.
LAMBDA_REFUSED = (
    "Requested the deserialization of a Python lambda. This carries a potential risk of "
    "arbitrary code execution and thus it is disallowed by default. If you trust the source "
    "of the artifact, you can override this error by passing `safe_mode=False` to the "
    "loading function, or calling `keras.config.enable_unsafe_deserialization()."
)
LAMBDA_LAYER_REFUSED = (
    "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. "
    "This carries a potential risk of arbitrary code execution and thus it is disallowed by "
    "default. If you trust the source of the artifact, you can override this error by passing "
    "`safe_mode=False` to the loading function, or calling "
    "`keras.config.enable_unsafe_deserialization()."
)


class SafeModeScope:
    """Makes nested deserialization calls use `safe_mode` (Keras' propagation of the flag)."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._backup = _flags.scope
        _flags.scope = self.safe_mode
        return self

    def __exit__(self, *exc):
        _flags.scope = self._backup


def enable_unsafe_deserialization():
    """Disables safe mode globally, allowing deserialization of lambdas
    (`keras.config.enable_unsafe_deserialization`)."""
    global _unsafe_everywhere
    _unsafe_everywhere = True


def in_safe_mode():
    """The flag in force: False once unsafe deserialization is enabled globally, else the
    innermost `SafeModeScope`'s value, else None (no loading call in progress)."""
    if _unsafe_everywhere:
        return False
    return _flags.scope


def resolve(safe_mode) -> bool:
    """Whether to refuse lambdas, given a call's own `safe_mode` argument (None: unset).
    Fails closed: only an explicit False, from the argument, a scope or the global switch,
    turns safe mode off."""
    if _unsafe_everywhere:
        return False
    scoped = _flags.scope
    if scoped is not None:
        return scoped is not False
    return safe_mode is not False

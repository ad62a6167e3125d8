"""`tf.strings.regex_replace` and `regex_full_match`.

They run Python's `re` on the UTF-8 text, not RE2 itself: with `re.ASCII` (so `\\d \\w \\s`
are ASCII, as in RE2) and RE2's POSIX classes (`[[:punct:]]`) translated. RE2-only syntax
(`\\pN`, `\\C`, `\\Q...\\E`) is an error here, and Python-only syntax (lookaround,
backreferences in the pattern) is accepted where TF would refuse it. Rewrites use RE2's
`\\1` / `\\0`, not Python's template syntax.
"""

from __future__ import annotations

import re

import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from .strings import _ragged_aware, _string_input, map_bytes, map_numbers, strings_sample

# RE2's POSIX classes (valid inside brackets: "[[:punct:]]") in Python's syntax.
_POSIX_CLASSES = {
    "[:alnum:]": "a-zA-Z0-9",
    "[:alpha:]": "a-zA-Z",
    "[:ascii:]": "\\x00-\\x7f",
    "[:blank:]": "\\t ",
    "[:cntrl:]": "\\x00-\\x1f\\x7f",
    "[:digit:]": "0-9",
    "[:graph:]": "!-~",
    "[:lower:]": "a-z",
    "[:print:]": " -~",
    "[:punct:]": "!-/:-@\\[-`{-~",
    "[:space:]": "\\t\\n\\v\\f\\r ",
    "[:upper:]": "A-Z",
    "[:word:]": "A-Za-z0-9_",
    "[:xdigit:]": "0-9A-Fa-f",
}


def _compile(pattern, op_name):
    if isinstance(pattern, bytes):
        pattern = pattern.decode("utf-8")
    for posix, python in _POSIX_CLASSES.items():
        pattern = pattern.replace(posix, python)
    try:
        return re.compile(pattern, re.ASCII)
    except re.error as e:
        raise InvalidArgumentError(f"{op_name}: Invalid pattern: {pattern}, error: {e}") from None


def _text(s: bytes) -> str:
    return s.decode("utf-8", "surrogateescape")


def _rewriter(rewrite: str, op_name):
    """RE2's rewrite string (`\\1` a group, `\\0` the match, `\\\\` a backslash) as a
    function of a match; Python's own template syntax differs (`\\0` is a NUL there)."""
    parts = []
    i = 0
    while i < len(rewrite):
        c = rewrite[i]
        if c == "\\":
            nxt = rewrite[i + 1 : i + 2]
            if nxt.isdigit():
                parts.append(int(nxt))
            elif nxt == "\\":
                parts.append("\\")
            else:
                raise InvalidArgumentError(
                    f"{op_name}: invalid rewrite pattern {rewrite!r}: a backslash must be "
                    f"followed by a digit or a backslash"
                )
            i += 2
        else:
            parts.append(c)
            i += 1

    def replace(m):
        return "".join(p if isinstance(p, str) else (m.group(p) or "") for p in parts)

    return replace


@op(
    "StaticRegexReplace",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(strings_sample, pattern="[aeiou]+", rewrite="<\\0>", replace_global=True)],
)
def _regex_replace(x, pattern, rewrite, replace_global):
    regex = _compile(pattern, "StaticRegexReplace")
    fn = _rewriter(rewrite, "StaticRegexReplace")
    count = 0 if replace_global else 1
    return map_bytes(
        lambda s: regex.sub(fn, _text(s), count=count).encode("utf-8", "surrogateescape"), x
    )


def _static_text(value, what, op_name) -> str:
    if isinstance(value, (str, bytes)):
        return value.decode("utf-8") if isinstance(value, bytes) else value
    t = convert_to_tensor(value)
    if t.dtype != dtypes.string or t.ndim != 0:
        raise InvalidArgumentError(f"{op_name}: {what} must be a scalar string, got {t!r}")
    return t.numpy().decode("utf-8")


@_ragged_aware
def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """Replaces matches of `pattern` (see the module docstring for the regex dialect) with
    `rewrite`, where `\\1` is a group and `\\0` the whole match."""
    return _regex_replace(
        _string_input(input, "StaticRegexReplace"),
        pattern=_static_text(pattern, "pattern", "StaticRegexReplace"),
        rewrite=_static_text(rewrite, "rewrite", "StaticRegexReplace"),
        replace_global=bool(replace_global),
    )


@op(
    "StaticRegexFullMatch",
    differentiable=False,
    strings=True,
    host=True,
    samples=[Sample(strings_sample, pattern="[a-z ]*")],
)
def _regex_full_match(x, pattern):
    regex = _compile(pattern, "StaticRegexFullMatch")
    return map_numbers(lambda s: regex.fullmatch(_text(s)) is not None, x, np.bool_)


@_ragged_aware
def regex_full_match(input, pattern, name=None):
    """True where the whole string matches `pattern`."""
    return _regex_full_match(
        _string_input(input, "StaticRegexFullMatch"),
        pattern=_static_text(pattern, "pattern", "StaticRegexFullMatch"),
    )


API = {"strings": ["regex_replace", "regex_full_match"]}

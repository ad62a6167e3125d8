"""JSON read from a file that may be hostile: bounded size and nesting, no duplicate keys.

`json.loads` itself is safe (it only builds dicts, lists, strings and numbers), but a file can
still ask for unbounded work: a deeply nested document overflows the recursion limit while
it is parsed, or later, in every recursive walk of the result. Callers cap the byte size
before reading; this module checks the nesting depth.
"""

from __future__ import annotations

import json

# Keras configs nest about 15 levels (model > layers > layer > config > initializer > ...,
# deeper for nested models); far past that is a hostile or broken file.
MAX_DEPTH = 100


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def depth(value) -> int:
    """The nesting depth of a parsed JSON value (a scalar is 0), found without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, level + 1))
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
    return deepest


def loads(data: bytes, what: str, *, allow_nan: bool = True, max_depth: int = MAX_DEPTH):
    """Parses `data` (UTF-8 JSON) read from a file.

    Args:
        data: the bytes, already capped in size by the caller.
        what: names the document in errors ("m.keras: config.json").
        allow_nan: accept the NaN and Infinity literals Python's json writes by default.
        max_depth: the deepest nesting accepted.

    Raises:
        ValueError: not UTF-8, not JSON, a duplicate key in an object, or nested deeper than
            `max_depth`; the message starts with `what`.
    """
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            **({} if allow_nan else {"parse_constant": _refuse_constant}),
        )
    except RecursionError:
        raise ValueError(f"{what}: nested more than {max_depth} levels deep") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{what}: not valid JSON ({e})") from None
    if depth(value) > max_depth:
        raise ValueError(f"{what}: nested more than {max_depth} levels deep")
    return value

"""Binding a call's arguments to the Python function's parameters, and back.

A bound call is a list of names and values: a `*args` parameter contributes `args[0]`,
`args[1]`, ..., a `**kwargs` one its keys; defaults are filled in (unless partial).
"""

from __future__ import annotations

import inspect


def bind_arguments(signature, args, kwargs, describe, partial=False) -> tuple:
    """(names, values) of `args` and `kwargs` bound to `signature` (None: positional
    names arg0, arg1, ...). TF's TypeError, with `describe()`, when they do not bind."""
    if signature is None:
        return [f"arg{i}" for i in range(len(args))] + list(kwargs), list(args) + list(
            kwargs.values()
        )
    try:
        bound = (signature.bind_partial if partial else signature.bind)(*args, **kwargs)
    except TypeError as e:
        raise TypeError(
            f"Binding inputs to tf.function failed due to `{e}`. {describe()}"
        ) from None
    if not partial:
        bound.apply_defaults()
    names, values = [], []
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            names.extend(f"{name}[{i}]" for i in range(len(value)))
            values.extend(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            names.extend(value)
            values.extend(value.values())
        else:
            names.append(name)
            values.append(value)
    return names, values


def call_arguments(signature, pairs) -> tuple:
    """(args, kwargs) to call the Python function with, from bound (name, value) pairs."""
    if signature is None:
        return [v for _, v in pairs], {}
    args, kwargs = [], {}
    params = signature.parameters
    for name, value in pairs:
        p = params.get(name.split("[")[0])
        if p is None or p.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs

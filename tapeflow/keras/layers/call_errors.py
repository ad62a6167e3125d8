"""An error raised while a layer is made, builds or calls names the layer: Keras 3's "Exception
encountered when calling Dense.call()" header (with the layer's name) and the arguments
the call received, added once, by the innermost layer, to an error of the same type; each
enclosing layer (a Bidirectional around its LSTM, a model around its layers) adds one
"Called from" line, so the message also names the layer the user called.
"""

from __future__ import annotations

import functools
import inspect

from ...core import nest
from ...core.error_context import name_in_error, rewrite_message

_INJECTED = "_keras_call_info_injected"  # Keras' own marker: only the innermost call adds it


def with_layer_context(error: Exception, layer, method: str, args, kwargs) -> Exception:
    """`error` (or a copy of its type) whose message says which layer and method raised it."""
    display = f"{type(layer).__name__}.{method}()"
    if type(layer).__name__.startswith("_"):
        return error  # a private sublayer: its public owner names itself
    if getattr(error, _INJECTED, False):
        rewrite_message(error, f"{error}\nCalled from {display} (layer '{layer.name}').")
        return error
    message = (
        f"Exception encountered when calling {display} (layer '{layer.name}').\n\n"
        f"{error}\n\n"
        f"Arguments received by {display}:\n{_arguments(layer, method, args, kwargs)}"
    )
    if rewrite_message(error, message):
        setattr(error, _INJECTED, True)
        return error
    try:
        renamed = type(error)(message)
    except Exception:  # noqa: BLE001 - an error type with another signature: keep it as is
        return error
    setattr(renamed, _INJECTED, True)
    return renamed


def _arguments(layer, method, args, kwargs) -> str:
    fn = getattr(layer, method)
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        lines = [f"  • args={_format(list(args))}"] if args else []
        return "\n".join(lines + [f"  • {k}={_format(v)}" for k, v in kwargs.items()])
    lines = []
    for name, param in inspect.signature(fn).parameters.items():
        value = bound.arguments.get(name, param.default)
        if value is inspect.Parameter.empty:
            continue
        lines.append(f"  • {name}={_format(value)}")
    return "\n".join(lines)


def _format(value):
    def one(x):
        if hasattr(x, "shape") and hasattr(x, "dtype"):
            dtype = getattr(x.dtype, "name", x.dtype)
            shape = tuple(x.shape.as_list()) if hasattr(x.shape, "as_list") else x.shape
            return f"tf.Tensor(shape={shape}, dtype={dtype})"
        return x

    try:
        return nest.map_structure(one, value)
    except Exception:  # noqa: BLE001 - an exotic structure: show it as it is
        return value


def naming_init(init):
    """`init` whose errors name the layer being made (`Dense: ...`), as call errors do. The
    class named is the object's own (not the base whose __init__ raised); a layer made
    inside another one's constructor (an RNN's cell) is named, then its maker."""

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        try:
            init(self, *args, **kwargs)
        except Exception as e:
            named = name_in_error(e, type(self).__name__)
            if named is e:
                raise
            raise named from e

    return __init__


def refuse_text(layer, args):
    """Keras 3 takes only tensors (arrays, numbers) as positional arguments: not strings."""
    for x in args:
        if isinstance(x, (str, bytes)):
            raise ValueError(
                f"Only input tensors may be passed as positional arguments. The following "
                f"argument value should be passed as a keyword argument: {x} (of type "
                f"{type(x)}), for layer '{layer.name}' ({type(layer).__name__})"
            )

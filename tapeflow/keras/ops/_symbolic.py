"""`keras.ops` on KerasTensors: the call becomes a node of the functional graph.

Keras 3 records an operation called on symbolic tensors as a node, so `ops.add(x, 1)` in
a functional model runs again on the real inputs. Here the operation is held by an
`OpLayer` (no weights, not listed in `model.layers`), recorded like any layer call.
"""

from __future__ import annotations

from ..layers.layer import Layer
from ..layers.symbolic import symbolic_call


class OpLayer(Layer):
    """A `keras.ops` function standing as a node of a functional model."""

    _is_operation = True

    def __init__(self, fn, **kwargs):
        super().__init__(name=kwargs.pop("name", None) or _op_name(fn), **kwargs)
        self.function = fn

    def _convert_inputs(self, inputs):
        return inputs  # the op applies its own dtype rules

    def call(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def get_config(self):
        raise NotImplementedError(
            f"{self.name}: a functional model that calls keras.ops.{self.function.__name__} "
            "on symbolic tensors cannot be saved as a config by tapeflow yet; wrap the "
            "operation in a Layer subclass to save it"
        )


def _op_name(fn) -> str:
    from .. import backend

    return backend.unique_name(fn.__name__)


_classes: dict = {}


def _op_class(fn) -> type:
    """An OpLayer subclass named as Keras names the operation class ("log_softmax" ->
    LogSoftmax), so summaries show what Keras shows."""
    name = "".join(part.capitalize() for part in fn.__name__.split("_"))
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (OpLayer,), {"__module__": __name__})
    return cls


def symbolic_op_call(fn, args, kwargs):
    """`fn(*args, **kwargs)` on KerasTensors: a node of a new OpLayer, with its outputs."""
    layer = _op_class(fn)(fn)
    if not args:  # every tensor passed by keyword: the first keyword leads the node
        first = next(iter(kwargs))
        args, kwargs = (kwargs[first],), {k: v for k, v in kwargs.items() if k != first}
        layer.function = _by_keyword(fn, first)
    return symbolic_call(layer, args, kwargs)


def _by_keyword(fn, name):
    def call(value, *args, **kwargs):
        return fn(*args, **{name: value}, **kwargs)

    call.__name__ = fn.__name__
    return call

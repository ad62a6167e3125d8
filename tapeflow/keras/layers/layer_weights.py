"""What every Keras layer does with its weights and losses: `add_weight`, the weight
lists (cached until the layer tree changes), `get_weights`/`set_weights`, `add_loss` and
`losses`. `Layer` (layer.py) takes these from `LayerWeights`.
"""

from __future__ import annotations

import numpy as np

from ...core import distribution
from ...core.context import state as core_state
from ...core.module import name_scope
from ...core.op_inputs import register_direct_type
from ...core.variable import Variable
from .. import backend


class KerasVariable(Variable):
    """A layer weight: Keras 3 names it "kernel" and gives its path "dense/kernel"."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return self._name.rsplit("/", 1)[-1]

    @property
    def path(self) -> str:
        return self._name


register_direct_type(KerasVariable)


class LayerWeights:
    """Mixin of `Layer`: its weights and losses."""

    # ---- weights ------------------------------------------------------------------------------

    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        autocast=True,
        regularizer=None,
        constraint=None,
        aggregation="none",
        overwrite_with_gradient=False,
        name=None,
    ):
        """Creates a weight of this layer; Keras' defaults: glorot_uniform, zeros for ints."""
        from .. import initializers, regularizers

        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = _dtype_name(dtype) if dtype is not None else self._dtype
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        init = initializers.get(initializer)
        strategy = self._distribution_strategy
        if strategy is not None and distribution.current()[0] is None:
            # Made under a strategy's scope, built later outside it: create the weight
            # under that strategy still, so it starts from rank 0's value (Keras 3).
            with strategy.scope():
                return self.add_weight(
                    shape, initializer, dtype, trainable, autocast, regularizer, constraint,
                    aggregation, overwrite_with_gradient, name,
                )  # fmt: skip
        from ..saving import load_budget  # no-op unless a file's model is being built

        load_budget.charge_weight(self, shape, dtype)
        value = init(shape, dtype=dtype)
        name = name or f"variable_{len(self._own_weights)}"
        # Keras 3 paths are "<enclosing scopes>/<layer>/<weight>", wherever add_weight runs.
        scope = "".join(core_state.name_scopes)
        if scope.endswith(self._name + "/"):
            variable = KerasVariable(
                value, trainable=trainable, dtype=dtype, name=name, constraint=constraint
            )
        else:
            with name_scope(self._name):
                variable = KerasVariable(
                    value, trainable=trainable, dtype=dtype, name=name, constraint=constraint
                )
        variable._regularizer = regularizers.get(regularizer)
        variable._autocast = bool(autocast)  # read in the compute dtype of a mixed policy
        self._own_weights.append(variable)
        _structure_changed()
        _restore_pending(self, name, variable)
        return variable

    # Walking the attributes for weights costs more than a small model's forward pass, and
    # custom loops ask for `trainable_variables` every step: results are cached until any
    # layer's structure changes (an attribute set, a weight added, `trainable` flipped).

    @property
    def weights(self) -> list:
        """Own weights (trainable first), then each sublayer's, without duplicates."""
        return list(self._cached("weights", self._collect_weights))

    variables = weights

    @property
    def trainable_weights(self) -> list:
        return list(self._cached("trainable_weights", self._collect_trainable_weights))

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    non_trainable_variables = non_trainable_weights

    def _cached(self, key, compute):
        entry = self._weights_cache.get(key)
        if entry is not None and entry[0] == _structure_version[0]:
            return entry[1]
        value = compute()
        self._weights_cache[key] = (_structure_version[0], value)
        return value

    def _collect_weights(self) -> list:
        own = [w for w in self._own_weights if w.trainable]
        own += [w for w in self._own_weights if not w.trainable]
        return _unique(
            own
            + self._attribute_variables()
            + [w for layer in self._direct_sublayers() for w in layer.weights]
        )

    def _collect_trainable_weights(self) -> list:
        if not self._trainable:
            return []
        own = [w for w in self._own_weights if w.trainable]
        own += [v for v in self._attribute_variables() if v.trainable]
        return _unique(
            own + [w for layer in self._direct_sublayers() for w in layer.trainable_weights]
        )

    def _attribute_variables(self):
        """tf.Variables assigned directly as attributes (not via add_weight)."""
        own = {id(w) for w in self._own_weights}
        return [v for v in _walk(vars(self), Variable) if id(v) not in own]

    def _direct_sublayers(self) -> list:
        return [x for x in _walk(vars(self), LayerWeights) if x is not self]

    def _flatten_layers(self, include_self=True, recursive=True):
        if include_self and recursive:  # asked every training step (by `losses`): cached
            return list(self._cached("all_layers", lambda: self._walk_layers(True, True)))
        return self._walk_layers(include_self, recursive)

    def _walk_layers(self, include_self, recursive):
        out = [self] if include_self else []
        for layer in self._direct_sublayers():
            out.append(layer)
            if recursive:
                out.extend(layer._walk_layers(False, True))
        seen, unique = set(), []
        for layer in out:
            if id(layer) not in seen:
                seen.add(id(layer))
                unique.append(layer)
        return unique

    def get_weights(self) -> list:
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f"Layer {self.name}: set_weights expects {len(params)} arrays "
                f"(weights {[w.path for w in params]}), got {len(weights)}"
            )
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(p.shape) != w.shape:
                raise ValueError(
                    f"Layer {self.name}: weight {p.path} has shape {p.shape}, "
                    f"the provided array has shape {w.shape}"
                )
            p.assign(w.astype(p.dtype.as_numpy_dtype))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the "
                f"layer isn't built. You can build it manually via: "
                f"`layer.build(input_shape)`."
            )
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # ---- losses -------------------------------------------------------------------------------

    def add_loss(self, loss):
        self._call_losses.append(loss)

    @property
    def losses(self) -> list:
        """Losses added during the last call plus the weight regularisation penalties."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._call_losses)
        for w, reg in self._cached("regularized", self._regularized_weights):
            out.append(reg(w))
        return out

    def _regularized_weights(self) -> list:
        return [
            (w, w._regularizer)
            for layer in self._flatten_layers()
            for w in layer._own_weights
            if getattr(w, "_regularizer", None) is not None and w.trainable
        ]


_structure_version = [0]  # bumped whenever any layer's attributes or weights change


def _structure_changed():
    _structure_version[0] += 1


def _unique(items: list) -> list:
    seen, out = set(), []
    for w in items:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


def _walk(value, kind, depth=0):
    """Instances of `kind` in a layer's attributes, in assignment order (lists/dicts too)."""
    if depth > 6:
        return
    if isinstance(value, dict):
        items = value.values() if depth else [v for k, v in value.items() if k not in _UNTRACKED]
        for v in items:
            yield from _walk(v, kind, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v, kind, depth + 1)
    elif isinstance(value, kind):
        yield value


# Attributes of Layer itself that hold bookkeeping, never sublayers or extra weights.
_UNTRACKED = frozenset(
    {
        "_own_weights",
        "_call_losses",
        "_inbound_nodes",
        "_scope",
        "_activity_regularizer",
        "_input_shape_arg",
        "_tracking",
        "_weights_cache",
        "_build_shapes_dict",
        "_input_spec",
        "_supports_masking",
    }
)


def _restore_pending(owner, name, variable):
    """Gives a freshly created weight its value from a checkpoint restored before build."""
    try:
        from ...train.checkpoint import restore_pending
    except ImportError:  # pragma: no cover - tf.train is part of the package
        return
    restore_pending(owner, name, variable)


def _dtype_name(dtype) -> str:
    if dtype is None:
        return backend.floatx()
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        return dtype.name
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        return dtype.get("config", {}).get("name", backend.floatx())
    if dtype == "mixed_float16":
        return "float32"
    if dtype in ("string", "str"):
        return "string"  # keras.Input(dtype="string"): text features
    return str(np.dtype(dtype).name) if dtype != "bool" else "bool"

"""`keras.layers.Layer`: lazy build, weights, losses, the `training` flag, symbolic calls.

A layer stores its configuration in `__init__`, makes weights in `build(input_shape)`
with `add_weight`, computes in `call(inputs, training=None)` and describes itself in
`get_config()`. Everything shared by all layers lives here once.
"""

from __future__ import annotations

import inspect
import threading

import numpy as np

from ...core import distribution, nest, tracking
from ...core.context import state as core_state
from ...core.module import Module, name_scope
from ...core.registry import register_direct_type
from ...core.shape import TensorShape
from ...core.tensor import Operand, Tensor, convert_to_tensor
from ...core.variable import Variable
from .. import backend
from .call_errors import naming_init, refuse_text, with_layer_context
from .input_spec import InputSpec, assert_input_compatibility, check_tensor
from .symbolic import KerasTensor, symbolic_call


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


class _CallContext(threading.local):
    def __init__(self):
        self.training = []  # the `training` value of each enclosing layer call


_call_context = _CallContext()


class Layer(Module):
    """Base class of all layers (Keras 3 API)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = naming_init(init)

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable=True,
        dtype=None,
        autocast=True,
        name=None,
        input_shape=None,
        input_dim=None,
        batch_input_shape=None,
        batch_size=None,
        **kwargs,
    ):
        if kwargs:
            raise TypeError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        if name is None:
            name = backend.unique_name(backend.to_snake_case(type(self).__name__))
        elif not isinstance(name, str) or "/" in name:
            raise ValueError(
                f"{type(self).__name__}: name must be a string without '/', got {name!r}"
            )
        object.__setattr__(self, "_tracking", False)
        object.__setattr__(self, "_weights_cache", {})
        self._name = name
        self._scope = None
        # The strategy whose scope the layer was made in (its weights are made under it).
        self._distribution_strategy = distribution.current()[0]
        self._trainable = bool(trainable)
        self._set_dtype_policy(dtype)
        self._autocast = autocast
        self.built = False
        self._own_weights = []  # add_weight() results, in creation order
        self._call_losses = []  # add_loss() during the last call
        self._activity_regularizer = activity_regularizer
        self._input_shape_arg = _declared_input_shape(
            input_shape, input_dim, batch_input_shape, batch_size
        )
        self._call_takes_training = "training" in _call_parameters(type(self))
        # Keras: a layer that overrides compute_mask supports masking; others may say so.
        cls = type(self)
        self._supports_masking = _overrides_compute_mask(cls) or getattr(
            cls, "_passes_masks", False
        )
        self._inbound_nodes = []
        self._build_shapes_dict = None  # {"input_shape": ...} once built, for saving
        if "_input_spec" not in vars(self):  # a subclass may have set it before
            self._input_spec = None
        object.__setattr__(self, "_tracking", True)

    # ---- identity -----------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (its policy's variable dtype), as in Keras 3."""
        return self._dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in: its inputs are cast to it (floats only)."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype

    @property
    def input_dtype(self) -> str:
        return self._compute_dtype

    # ---- dtype policy (keras.mixed_precision) ----------------------------------------------

    @property
    def dtype_policy(self):
        """The layer's DTypePolicy: "mixed_float16" computes in float16 with float32 weights
        (read in float16 during the call), as in Keras 3."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._set_dtype_policy(value)

    def _set_dtype_policy(self, dtype):
        from ..mixed_precision.autocast import legacy_dtype, numpy_dtype
        from ..mixed_precision.policy import policy_of

        policy = policy_of(legacy_dtype(dtype))
        self._dtype_policy = policy
        self._dtype = policy.variable_dtype
        self._compute_dtype = policy.compute_dtype
        self._np_dtype = numpy_dtype(self._compute_dtype)  # what `__call__` compares against
        # Weights are read in the compute dtype during the call when the two differ.
        self._autocast_dtype = policy.compute_dtype if policy.is_mixed else None

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        self._trainable = bool(value)
        for layer in self._flatten_layers(include_self=False):
            layer._trainable = bool(value)
        _structure_changed()

    @property
    def input_spec(self):
        """The `InputSpec` (or list of them) every call's first input is checked against."""
        return self.__dict__.get("_input_spec")

    @input_spec.setter
    def input_spec(self, value):
        object.__setattr__(self, "_input_spec", value)

    @property
    def supports_masking(self) -> bool:
        """Whether the layer passes masks on (see `compute_mask`) rather than dropping them."""
        return self._supports_masking

    @supports_masking.setter
    def supports_masking(self, value):
        self._supports_masking = bool(value)

    def compute_mask(self, inputs, previous_mask):
        """The mask of the outputs: by default the input's mask, unchanged."""
        return previous_mask

    @property
    def name_scope(self):
        from ...core.module import _ModuleScope

        return _ModuleScope(self._name + "/")

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
        return [x for x in _walk(vars(self), Layer) if x is not self]

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

    # ---- calling ------------------------------------------------------------------------------

    def build(self, input_shape):
        self.built = True

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call()")

    def __call__(self, *args, **kwargs):
        if args:
            first = args[0]
            if type(first) is not Tensor or first._value.dtype != self._np_dtype:
                if _has_symbolic(first):
                    return symbolic_call(self, args, kwargs)
                refuse_text(self, args)
                first = self._convert_inputs(first)
                args = (first,) + args[1:]
        elif "inputs" in kwargs:
            if _has_symbolic(kwargs["inputs"]):
                return symbolic_call(self, (), kwargs)
            first = kwargs["inputs"] = self._convert_inputs(kwargs["inputs"])
        else:
            first = None
        spec = self._input_spec
        if spec is not None:  # as Keras: checked before building, and again after
            self._assert_input_spec(spec, first)
        training = kwargs.get("training")
        if self._call_takes_training:
            if training is None and _call_context.training:
                training = _call_context.training[-1]
            kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        if not self.built:
            self._build_from(first)
            if self._input_spec is not None and self._input_spec is not spec:
                self._assert_input_spec(self._input_spec, first)
        if self._call_losses:
            self._call_losses = []
        # Keras masks (layers/masking.py): only when a mask comes in or may be created.
        masking = _overrides_compute_mask(type(self)) or _carries_mask(args, kwargs)
        if masking:
            from .masking import fill_mask_arguments

            previous_mask = fill_mask_arguments(self, args, kwargs)
        stack = _call_context.training
        stack.append(training)
        try:
            if self._autocast_dtype is not None and self._autocast:
                from ..mixed_precision.autocast import AutocastWeights

                with AutocastWeights(self):
                    outputs = self.call(*args, **kwargs)
            else:
                outputs = self.call(*args, **kwargs)
        except Exception as e:
            named = with_layer_context(e, self, "call", args, kwargs)
            if named is e:
                raise
            raise named from e
        finally:
            stack.pop()
        if masking:
            from .masking import attach_output_masks

            first = args[0] if args else kwargs.get("inputs", _first_tensor(kwargs))
            outputs = attach_output_masks(self, first, outputs, previous_mask)
        if self._activity_regularizer is not None:
            from .. import regularizers

            self.add_loss(regularizers.get(self._activity_regularizer)(outputs))
        return outputs

    def _convert_inputs(self, inputs):
        if type(inputs) is Tensor and inputs._value.dtype == self._np_dtype:
            return inputs  # the common case costs one check
        dtype = self._compute_dtype if self._autocast else None

        def convert(x):
            if isinstance(x, (Operand, np.ndarray, np.generic, list, float, int)):
                t = (
                    convert_to_tensor(x)
                    if not isinstance(x, list)
                    else convert_to_tensor(np.asarray(x))
                )
                if dtype is not None and t.dtype.is_floating and t.dtype.name != dtype:
                    from ...ops.math import cast

                    t = cast(t, dtype)
                    mask = getattr(x, "_keras_mask", None)
                    if mask is not None:  # a cast input keeps its Keras mask
                        from ..tagged import with_mask

                        t = with_mask(t, mask)
                return t
            return x

        if isinstance(inputs, (list, tuple, dict)) and not _is_numeric_list(inputs):
            return nest.map_structure(convert, inputs)
        return convert(inputs)

    def _assert_input_spec(self, spec, x):
        if type(spec) is InputSpec and type(x) is Tensor:
            check_tensor(spec, x, self._name)  # the common case: one spec, one Tensor
        else:
            assert_input_compatibility(spec, x, self._name)

    def _build_from(self, inputs):
        shapes = nest.map_structure(
            lambda x: tuple(x.shape) if hasattr(x, "shape") else None, inputs
        )
        self._build_with_scope(shapes)

    def _build_with_scope(self, input_shape):
        with name_scope(self._name):
            try:
                self.build(input_shape)
            except Exception as e:
                named = with_layer_context(e, self, "build", (input_shape,), {})
                if named is e:
                    raise
                raise named from e
        self.built = True
        if self._build_shapes_dict is None:
            self._build_shapes_dict = {"input_shape": input_shape}

    def get_build_config(self):
        """Keras 3: what `build_from_config` needs to rebuild the weights (None if unbuilt)."""
        if self._build_shapes_dict is not None:
            return dict(self._build_shapes_dict)
        return None

    def build_from_config(self, config):
        """Keras 3: builds the layer from `get_build_config()` (used when loading)."""
        if config and config.get("input_shape") is not None:
            self._build_with_scope(config["input_shape"])

    @property
    def input(self):
        """The symbolic input of the layer's first call in a functional graph (Keras 3:
        `layer.input`), for feature-extraction models."""
        node = self._first_node("input")
        if isinstance(self, _input_layer_class()):
            return node.outputs
        return node.args[0] if node.args else next(iter(node.kwargs.values()))

    @property
    def output(self):
        """The symbolic output of the layer's first call in a functional graph."""
        return self._first_node("output").outputs

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called and thus has no defined {what}."
            )
        return self._inbound_nodes[0]

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`, found by calling the layer on zeros."""
        from .symbolic import output_shape_by_running

        return output_shape_by_running(self, input_shape)

    # ---- config -------------------------------------------------------------------------------

    def get_config(self) -> dict:
        dtype = self._dtype
        if self._dtype_policy.is_mixed:  # Keras 3's serialized policy
            dtype = {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": self._dtype_policy.name},
                "registered_name": None,
            }
        config = {"name": self.name, "trainable": self.trainable, "dtype": dtype}
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __setattr__(self, name, value):
        # Attribute assignment is how Keras tracks sublayers and weights: `weights` walks the
        # attributes, so any assignment but the per-call bookkeeping invalidates its cache.
        if name in _PER_CALL:
            object.__setattr__(self, name, value)
            return
        restoring = tracking.restoring()  # a checkpoint waits for objects: tell it
        if restoring:
            value = tracking.track(value)
        object.__setattr__(self, name, value)
        _structure_changed()
        if restoring:
            tracking.attached(value)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_structure_version = [0]  # bumped whenever any layer's attributes or weights change
# Attributes set on every call: they never hold sublayers or weights.
_PER_CALL = frozenset({"_call_losses", "_weights_cache", "_input_spec", "input_spec"})


def _structure_changed():
    _structure_version[0] += 1


def _unique(items: list) -> list:
    seen, out = set(), []
    for w in items:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


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


def _declared_input_shape(input_shape, input_dim, batch_input_shape, batch_size):
    if batch_input_shape is not None:
        return tuple(batch_input_shape)
    if input_shape is not None:
        return (batch_size,) + tuple(input_shape)
    if input_dim is not None:
        return (batch_size, int(input_dim))
    return None


def _call_parameters(cls) -> set:
    cache = cls.__dict__.get("_call_parameter_cache")
    if cache is None:
        cache = set(inspect.signature(cls.call).parameters)
        type.__setattr__(cls, "_call_parameter_cache", cache)
    return cache


def _input_layer_class():
    from .input_layer import InputLayer

    return InputLayer


def _overrides_compute_mask(cls) -> bool:
    cached = cls.__dict__.get("_compute_mask_cache")
    if cached is None:
        cached = cls.compute_mask is not Layer.compute_mask
        type.__setattr__(cls, "_compute_mask_cache", cached)
    return cached


def _first_tensor(kwargs):
    return next((v for v in kwargs.values() if isinstance(v, (Operand, list, tuple))), None)


def _carries_mask(args, kwargs) -> bool:
    """Whether any tensor argument (or one in a list argument) has a Keras mask."""
    for value in (*args, *kwargs.values()):
        if getattr(value, "_keras_mask", None) is not None:
            return True
        if isinstance(value, (list, tuple)) and any(
            getattr(v, "_keras_mask", None) is not None for v in value
        ):
            return True
    return False


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
# Checkpoints walk a Module's attributes: the bookkeeping ones hold nothing to save
# (`_own_weights` stays visible: deferred restore finds new weights through it).
Layer._TF_MODULE_IGNORED_PROPERTIES = _UNTRACKED - {"_own_weights"}


def _has_symbolic(x) -> bool:
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple, dict)):
        return any(isinstance(v, KerasTensor) for v in nest.flatten(x))
    return False


def _is_numeric_list(x) -> bool:
    return isinstance(x, list) and all(isinstance(v, (int, float)) for v in nest.flatten(x))


def _restore_pending(owner, name, variable):
    """Gives a freshly created weight its value from a checkpoint restored before build."""
    try:
        from ...train.checkpoint import restore_pending
    except ImportError:  # pragma: no cover - tf.train is part of the package
        return
    restore_pending(owner, name, variable)


__all__ = ["Layer", "KerasVariable", "KerasTensor", "TensorShape"]

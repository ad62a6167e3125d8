"""`keras.layers.Layer`: lazy build, weights, losses, the `training` flag, symbolic calls.

A layer stores its configuration in `__init__`, makes weights in `build(input_shape)`
with `add_weight`, computes in `call(inputs, training=None)` and describes itself in
`get_config()`. Everything shared by all layers lives here once (weights and losses: in
`layer_weights.py`, a mixin).
"""

from __future__ import annotations

import inspect
import threading

import numpy as np

from ...core import distribution, nest, tracking
from ...core.module import Module, name_scope
from ...core.shape import TensorShape
from ...core.tensor import Operand, Tensor, convert_to_tensor
from .. import backend
from .call_errors import naming_init, refuse_text, with_layer_context
from .input_spec import InputSpec, assert_input_compatibility, check_tensor
from .layer_weights import (
    _UNTRACKED,
    KerasVariable,
    LayerWeights,
    _structure_changed,
)
from .symbolic import KerasTensor, symbolic_call


class _CallContext(threading.local):
    def __init__(self):
        self.training = []  # the `training` value of each enclosing layer call


_call_context = _CallContext()


class Layer(LayerWeights, Module):
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
        masking = _computes_masks(type(self)) or _carries_mask(args, kwargs)
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


# Attributes set on every call: they never hold sublayers or weights.
_PER_CALL = frozenset({"_call_losses", "_weights_cache", "_input_spec", "input_spec"})


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


def _computes_masks(cls) -> bool:
    """Whether calling a layer of `cls` with no mask coming in can give its outputs one: its
    compute_mask is overridden by one not marked `_never_masks` (Sequential's returns None:
    its layers tag their own outputs)."""
    cached = cls.__dict__.get("_computes_masks_cache")
    if cached is None:
        cached = _overrides_compute_mask(cls) and not getattr(
            cls.compute_mask, "_never_masks", False
        )
        type.__setattr__(cls, "_computes_masks_cache", cached)
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


__all__ = ["Layer", "KerasVariable", "KerasTensor", "TensorShape"]

"""Core layers: Dense, Embedding, Activation, Dropout, Flatten, Reshape, Lambda, Identity,
RepeatVector; and the initializer/constraint helpers shared by the other layer modules.
"""

from __future__ import annotations

import inspect
import math
import types

import numpy as np

from ...core import nest
from ...core.errors import InvalidArgumentError
from ...core.sparse import SparseTensor
from ...ops.array import _reshape, reshape, transpose
from ...ops.indexing import gather, repeat
from ...ops.linalg import _mat_mul
from ...ops.math import cast
from ...ops.nn_layers import dropout
from ...ops.sparse import sparse_dense_matmul
from .. import activations, backend, initializers, regularizers
from .input_spec import InputSpec
from .layer import Layer


def _get_initializer(identifier):
    return initializers.get(identifier)


def _get_constraint(identifier):
    """A weight constraint from None, a callable or a serialized dict (keras.constraints)."""
    if identifier is None or callable(identifier):
        return identifier
    try:
        from .. import constraints
    except ImportError:
        raise ValueError(
            f"Could not interpret constraint identifier {identifier!r}: "
            f"keras.constraints is not available, pass a callable"
        ) from None
    return constraints.get(identifier)


def _serialize_constraint(constraint):
    if constraint is None:
        return None
    config = constraint.get_config() if hasattr(constraint, "get_config") else {}
    return {
        "module": "keras.constraints",
        "class_name": type(constraint).__name__,
        "config": config,
        "registered_name": None,
    }


def _positive_int(layer, what, value):
    """`value` as an int > 0: another kind is ValueError, a negative or zero int is
    InvalidArgumentError (a ValueError too; TF's error when such a size reaches an op)."""
    is_int = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not is_int or value <= 0:
        error = InvalidArgumentError if is_int else ValueError
        raise error(
            f"{layer}: `{what}` must be a positive integer, received {what}={value!r} "
            f"(of type {type(value).__name__})"
        )
    return int(value)


class Dense(Layer):
    """`activation(inputs @ kernel + bias)`; inputs of rank > 2 contract their last axis."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        self.units = _positive_int("Dense", "units", units)
        if lora_rank or quantization_config is not None:
            raise NotImplementedError("Dense: LoRA and quantization are not supported")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _get_initializer(kernel_initializer)
        self.bias_initializer = _get_initializer(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = _get_constraint(kernel_constraint)
        self.bias_constraint = _get_constraint(bias_constraint)
        self.kernel = self.bias = None
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(
                f"Dense {self.name}: the last dimension of the inputs must be known, "
                f"received input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(in_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs):
        if isinstance(inputs, SparseTensor):  # as Keras: a sparse input, a sparse product
            x = sparse_dense_matmul(cast(inputs, self.kernel.dtype), self.kernel)
        else:
            x = self._checked_matmul(inputs)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not activations.linear:
            x = self.activation(x)
        return x

    def _checked_matmul(self, inputs):
        try:
            return self._matmul(inputs)
        except InvalidArgumentError as e:
            if inputs.dtype.is_floating or inputs.ndim < 2:
                raise ValueError(
                    f"Dense {self.name}: expected inputs of rank >= 2 with last dimension "
                    f"{self.kernel.shape[0]} and dtype {self.kernel.dtype.name}, received "
                    f"shape {tuple(inputs.shape)} and dtype {inputs.dtype.name}"
                ) from e
            return self._matmul(cast(inputs, self.kernel.dtype))  # as Keras: ints become floats

    def _matmul(self, inputs):
        # _mat_mul is MatMul itself: the public matmul's argument handling costs as much as
        # the product of a small batch, and this is the hot path of every MLP.
        if inputs.ndim == 2:
            return _mat_mul(inputs, self.kernel)
        # One 2-D product over all leading axes: its kernel gradient is one product too,
        # where a broadcast batch matmul would build one (in, units) product per entry.
        shape = tuple(inputs.shape)
        x = _mat_mul(reshape(inputs, (-1, shape[-1])), self.kernel)
        return reshape(x, shape[:-1] + (self.units,))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": _serialize_constraint(self.kernel_constraint),
            "bias_constraint": _serialize_constraint(self.bias_constraint),
            "quantization_config": None,
        }


class Embedding(Layer):
    """Looks up rows of an (input_dim, output_dim) table; its gradient is an IndexedSlices."""

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        self.input_dim = _positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _positive_int("Embedding", "output_dim", output_dim)
        if lora_rank or quantization_config is not None:
            raise NotImplementedError("Embedding: LoRA and quantization are not supported")
        kwargs.pop("input_length", None)  # deprecated in Keras 3, ignored there too
        super().__init__(**kwargs)
        self._autocast = False  # integer ids must not be cast to the float dtype
        self.embeddings_initializer = _get_initializer(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = _get_constraint(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.embeddings = None
        if weights is not None:
            self._build_with_scope(None)
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.embeddings is not None:
            return
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True

    def call(self, inputs):
        if inputs.dtype.name not in ("int32", "int64"):
            inputs = cast(inputs, "int32")
        return gather(self.embeddings, inputs)

    def compute_mask(self, inputs, mask=None):
        """`inputs != 0` when `mask_zero`, else None."""
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(
                regularizers.get(self._activity_regularizer)
            ),
            "embeddings_constraint": _serialize_constraint(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }


class Activation(Layer):
    """Applies an activation function (a name from `keras.activations` or a callable)."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Zeroes a `rate` fraction of the inputs and scales the rest by 1 / (1 - rate), in
    training only (`training=True`); the identity otherwise."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                f"Dropout: `rate` must be a float between 0 and 1, received rate={rate}"
            )
        self.rate = rate
        self.seed = seed
        if noise_shape is not None:
            if isinstance(noise_shape, str) or not all(
                d is None or (isinstance(d, int) and d > 0) for d in noise_shape
            ):
                raise ValueError(
                    f"Dropout: `noise_shape` must be a tuple of positive integers or None, "
                    f"received noise_shape={noise_shape!r}"
                )
            noise_shape = tuple(noise_shape)
        self.noise_shape = noise_shape
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return inputs * 0.0
        return dropout(inputs, self.rate, noise_shape=self.noise_shape, seed=self.seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }


class Flatten(Layer):
    """Flattens every axis but the batch axis: (batch, ...) -> (batch, prod(...))."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = backend.image_data_format() if data_format is None else data_format.lower()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f"Flatten: data_format must be 'channels_last' or 'channels_first', "
                f"received {data_format!r}"
            )
        self.data_format = data_format  # unbuilt until called, as in Keras
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rank = inputs.ndim
        if self.data_format == "channels_first" and rank > 2:
            inputs = transpose(inputs, (0, *range(2, rank), 1))
        size = math.prod(inputs.shape[1:])
        # -1, not the batch size, so one tf.function trace serves every batch size.
        if size:  # a valid shape already: the Reshape op itself, without the public checks
            return _reshape(inputs, shape=(-1, size))
        return reshape(inputs, (inputs.shape[0], size))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


def _reshaped(layer, input_dims, target):
    """`target` with its -1 resolved from `input_dims` (None where that is unknown)."""
    if target.count(-1) > 1:
        raise ValueError(f"{layer}: target_shape can contain at most one -1, got {target}")
    known = math.prod(d for d in target if d != -1)
    if -1 not in target:
        if None not in input_dims and math.prod(input_dims) != known:
            raise ValueError(
                f"{layer}: cannot reshape inputs of shape {tuple(input_dims)} (without the "
                f"batch axis) to target_shape {target}: the total size differs"
            )
        return target
    if None in input_dims:
        return tuple(None if d == -1 else d for d in target)
    total = math.prod(input_dims)
    if known == 0 or total % known:
        raise ValueError(
            f"{layer}: cannot reshape inputs of shape {tuple(input_dims)} (without the batch "
            f"axis) to target_shape {target}"
        )
    return tuple(total // known if d == -1 else d for d in target)


class Reshape(Layer):
    """Reshapes each example to `target_shape` (one entry may be -1); the batch axis stays."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(target_shape, (list, tuple)) or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in target_shape
        ):
            raise ValueError(
                f"Reshape: `target_shape` must be a tuple of integers (-1 for one unknown "
                f"size), received target_shape={target_shape!r}"
            )
        target_shape = tuple(int(d) for d in target_shape)
        if any(d < -1 or d == 0 for d in target_shape):
            raise ValueError(
                f"Reshape: target_shape entries must be positive or -1, received {target_shape}"
            )
        self.target_shape = target_shape
        self.built = True

    def call(self, inputs):
        shape = tuple(inputs.shape)
        target = _reshaped(f"Reshape {self.name}", shape[1:], self.target_shape)
        return reshape(inputs, (shape[0],) + target)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0],) + _reshaped(
            f"Reshape {self.name}", input_shape[1:], self.target_shape
        )

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class RepeatVector(Layer):
    """Repeats a (batch, features) input `n` times: (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"RepeatVector: expected an integer `n`, got {type(n).__name__}")
        self.n = _positive_int("RepeatVector", "n", n)  # unbuilt until called, as in Keras
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        if inputs.ndim != 2:
            raise ValueError(
                f"RepeatVector {self.name}: expected inputs of rank 2, received shape "
                f"{tuple(inputs.shape)}"
            )
        batch, features = inputs.shape
        return repeat(reshape(inputs, (batch, 1, features)), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class Identity(Layer):
    """Returns its inputs unchanged."""

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Lambda(Layer):
    """Wraps `function(inputs, **arguments)` as a layer (no weights of its own)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None  # Keras: only when given a mask
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params
        self.built = True

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = nest.flatten(input_shape)[0] if input_shape else None
        return (batch,) + tuple(self._output_shape)

    def get_config(self):
        from ..saving.serialization import serialize_keras_object

        config = {**super().get_config(), "function": _serialize_function(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (
                _serialize_function(self._output_shape)
                if callable(self._output_shape)
                else self._output_shape
            )
        if self.mask is not None:
            config["mask"] = (
                _serialize_function(self.mask)
                if callable(self.mask)
                else serialize_keras_object(self.mask)
            )
        config["arguments"] = serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuilds the layer. A Python lambda is loaded from its saved bytecode only outside
        safe mode (`safe_mode=False` here or on the loading call, or
        `keras.config.enable_unsafe_deserialization()`), as in Keras: loading it runs
        whatever code the file holds. Named functions are looked up in the registry only.
        """
        from ..saving import safe_mode as safe_mode_lib
        from ..saving.deserialization import deserialize_keras_object

        if safe_mode is None:
            safe_mode = safe_mode_lib.in_safe_mode()
        safe = safe_mode is not False
        config = dict(config)
        name = config.get("name")
        for key in ("function", "output_shape", "mask"):
            if key not in config:
                continue
            value = config[key]
            if isinstance(value, dict) and value.get("class_name") == "__lambda__":
                config[key] = _load_lambda(value, safe, name)
            elif isinstance(value, dict) and "class_name" in value:
                config[key] = deserialize_keras_object(value, custom_objects=custom_objects)
        output_shape = config.get("output_shape")
        if isinstance(output_shape, list) and all(
            d is None or isinstance(d, int) for d in output_shape
        ):
            config["output_shape"] = tuple(output_shape)
        if "arguments" in config:
            config["arguments"] = deserialize_keras_object(
                config["arguments"], custom_objects=custom_objects
            )
        return cls(**config)


def _serialize_function(fn):
    from ..saving.function_code import func_dump
    from ..saving.serialization import serialize_keras_object

    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code, defaults, closure = func_dump(fn)
        return {
            "class_name": "__lambda__",
            "config": {"code": code, "defaults": defaults, "closure": closure},
        }
    if callable(fn):
        return serialize_keras_object(fn)
    raise ValueError(f"Invalid input type for serialization. Received: {fn} of type {type(fn)}.")


def _load_lambda(config, safe: bool, name) -> types.FunctionType:
    from ..saving import safe_mode as safe_mode_lib
    from ..saving.function_code import func_load

    if safe:
        raise ValueError(f"Lambda {name!r}: {safe_mode_lib.LAMBDA_LAYER_REFUSED}")
    inner = config.get("config")
    if not isinstance(inner, dict):
        raise ValueError(f"Lambda {name!r}: malformed saved lambda {str(config)[:200]}")
    return func_load(
        inner.get("code"), inner.get("defaults"), inner.get("closure"), where=f"Lambda {name!r}"
    )


__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "Identity",
    "Lambda",
    "RepeatVector",
    "Reshape",
]

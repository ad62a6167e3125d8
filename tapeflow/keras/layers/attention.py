"""MultiHeadAttention (Keras 3), with Keras' weight layout: `query`, `key`, `value` and
`attention_output` projections whose kernels keep the head axes, e.g. (dim, heads, key_dim).
"""

from __future__ import annotations

import math
import string

import numpy as np

from ...core.module import name_scope
from ...core.tensor import convert_to_tensor
from ...ops.array import reshape, transpose
from ...ops.indexing import where
from ...ops.linalg import einsum, matmul
from ...ops.math_unary import exp
from ...ops.nn import softmax
from ...ops.nn_layers import dropout as _dropout
from ...ops.reduce import reduce_logsumexp
from ...ops.shape_generic import _reshape_from
from .. import initializers, regularizers
from .call_errors import refuse_text, with_layer_context
from .convolutional import _serialize
from .core import _positive_int
from .layer import Layer


class _Projection(Layer):
    """Keras' EinsumDense as MultiHeadAttention uses it: contracts the last `bound` input
    axes with the first axes of `kernel` (bound dims + `out_dims`), then adds `bias`.

    Computed as one matmul on flattened axes.
    """

    def __init__(
        self,
        out_dims,
        bound=1,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.out_dims = tuple(int(d) for d in out_dims)
        self.bound = int(bound)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = self.bias = None

    def build(self, input_shape):
        bound = tuple(int(d) for d in input_shape[-self.bound :])
        fan_in, fan_out = int(np.prod(bound)), int(np.prod(self.out_dims))
        init = self.kernel_initializer

        def kernel_init(shape, dtype=None):
            # Keras 3 gives EinsumDense kernels the fans of their input and output axes:
            # initialise the equivalent matrix and restore the head axes.
            return reshape(init((fan_in, fan_out), dtype=dtype), shape)

        self.kernel = self.add_weight(
            name="kernel",
            shape=bound + self.out_dims,
            initializer=kernel_init,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=self.out_dims,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def call(self, inputs):
        lead = inputs.ndim - self.bound
        k = int(np.prod(inputs.shape[lead:]))
        x = reshape(inputs, (-1, k))
        out = matmul(x, reshape(self.kernel, (k, -1)))
        if self.bias is not None:
            out = out + reshape(self.bias, (-1,))
        # The leading sizes of inputs when it runs: one tf.function trace serves every batch.
        dims = tuple(("like", i) for i in range(lead)) + tuple(self.out_dims)
        return _reshape_from(out, inputs, dims=dims)


def _attention_equations(rank, attn_axes):
    """Keras' einsum equations for scores and their combination with values (any rank)."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = tuple(i for i in range(rank) if i not in attn_axes + (rank - 1,))
    offset, source = rank, ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += letters[offset]
            offset += 1
    product = "".join(
        [target[i] for i in batch_dims]
        + [target[i] for i in attn_axes]
        + [source[i] for i in attn_axes]
    )
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (Vaswani et al., 2017), as in Keras 3.

    `call(query, value, key=None, ...)` projects query/key/value to `num_heads` heads,
    attends over `attention_axes` (default: all axes between batch and features) and
    projects back to the query's feature size (or `output_shape`).
    """

    _passes_masks = True  # Keras: supports_masking = True

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        sliding_window=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        layer = "MultiHeadAttention"
        self.num_heads = _positive_int(layer, "num_heads", num_heads)
        self.key_dim = _positive_int(layer, "key_dim", key_dim)
        self.value_dim = self.key_dim if value_dim is None else _positive_int(
            layer, "value_dim", value_dim)  # fmt: skip
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        if output_shape is not None:
            output_shape = (int(output_shape),) if np.ndim(output_shape) == 0 else output_shape
            output_shape = tuple(int(d) for d in output_shape)
        self._output_shape = output_shape
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        if sliding_window is not None and int(sliding_window) <= 0:
            raise ValueError(
                f"MultiHeadAttention: sliding_window must be a positive integer, "
                f"received {sliding_window}"
            )
        self.sliding_window = None if sliding_window is None else int(sliding_window)
        if flash_attention:
            raise ValueError("MultiHeadAttention: flash attention is not supported by tapeflow")
        self.use_gate = bool(use_gate)
        self.seed = seed
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self.key_dim))
        # Placeholders fix the order of the weights: query, key, (gate), value, output.
        self._query_dense = self._key_dense = self._gate_dense = None
        self._value_dense = self._output_dense = None
        self._equations = None

    @property
    def output_shape(self):
        return self._output_shape

    @property
    def attention_axes(self):
        return self._attention_axes

    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    def _projection(self, name, out_dims, bound=1):
        return _Projection(
            out_dims,
            bound=bound,
            use_bias=self.use_bias,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Makes the four projections (Keras' signature: query, value, key shapes)."""
        if value_shape is None:
            raise ValueError(
                f"Layer {self.name} (MultiHeadAttention): build needs the query and value "
                f"shapes, received query_shape={query_shape} only"
            )
        key_shape = value_shape if key_shape is None else key_shape
        for what, shape in (("query", query_shape), ("value", value_shape)):
            if len(shape) < 3:
                raise ValueError(
                    f"Layer {self.name} (MultiHeadAttention): `{what}` must have a batch, at "
                    f"least one attention axis and a feature axis (rank >= 3), received "
                    f"{what}_shape={tuple(shape)}"
                )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={tuple(value_shape)} and key_shape={tuple(key_shape)}"
            )
        heads = self.num_heads
        self._query_dense = self._projection("query", (heads, self.key_dim))
        self._query_dense._build_with_scope(query_shape)
        self._key_dense = self._projection("key", (heads, self.key_dim))
        self._key_dense._build_with_scope(key_shape)
        if self.use_gate:
            self._gate_dense = self._projection("gate", (heads, self.value_dim))
            self._gate_dense._build_with_scope(query_shape)
        self._value_dense = self._projection("value", (heads, self.value_dim))
        self._value_dense._build_with_scope(value_shape)
        out = self._output_shape or (query_shape[-1],)
        self._output_dense = self._projection("attention_output", out, bound=2)
        self._output_dense._build_with_scope(tuple(query_shape[:-1]) + (heads, self.value_dim))
        rank = len(query_shape) + 1  # projected: (batch, ..., heads, channels)
        axes = self._attention_axes
        if axes is None:
            axes = tuple(range(1, rank - 2))
        else:
            axes = tuple(a if a >= 0 else (rank - 1) + a for a in axes)
        self._attention_axes = axes
        self._equations = _attention_equations(rank, axes)
        self.built = True

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise TypeError(
                f"Layer {self.name} (MultiHeadAttention): call() missing the `value` argument"
            )
        refuse_text(self, (query, value, key))
        if not self.built:
            shapes = [None if t is None else _shape_of(t) for t in (query, value, key)]
            with name_scope(self.name):
                try:
                    self.build(*shapes)
                except Exception as e:
                    named = with_layer_context(e, self, "build", shapes, {})
                    if named is e:
                        raise
                    raise named from e
        return super().__call__(query, value, key=key, **kwargs)

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        # As Keras 3: the query's mask is read from the query tensor itself (an explicit
        # `query_mask` is not used); value/key masks come as arguments (Layer.__call__ fills
        # them from those tensors' masks).
        query_mask = getattr(query, "_keras_mask", None)
        value = self._convert_inputs(value)
        key = value if key is None else self._convert_inputs(key)
        mask = self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        output, scores = self._compute_attention(q, k, v, mask, training, return_attention_scores)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _attention_mask(
        self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
    ):
        """Keras' mask merge: query (B, T, 1) & value/key (B, 1, S) & causal & sliding
        window & explicit."""
        masks = []
        if query_mask is not None:
            masks.append(_bool(query_mask)[:, :, None])
        for m in (value_mask, key_mask):
            if m is not None:
                masks.append(_bool(m)[:, None, :])
        t, s = int(query.shape[1]), int(value.shape[1])
        if use_causal_mask:
            masks.append(np.tril(np.ones((t, s), bool))[None])
        if self.sliding_window is not None:
            rows, cols = np.arange(t)[:, None], np.arange(s)[None, :]
            masks.append((np.abs(rows - cols) < self.sliding_window)[None])
        if attention_mask is not None:
            masks.append(_bool(attention_mask))
        if not masks:
            return None
        merged = masks[0]
        for m in masks[1:]:
            merged = merged & m
        return convert_to_tensor(merged)

    def _compute_attention(
        self, query, key, value, attention_mask=None, training=None, return_scores=False
    ):
        """Attention of projected (B, T, N, H) query over key/value; (output, scores)."""
        query = query * self._inverse_sqrt_key_dim
        standard = self._attention_axes == (1,) and query.ndim == 4
        if standard:  # (B, N, T, H) @ (B, N, H, S): plain batched matmuls
            scores = matmul(transpose(query, (0, 2, 1, 3)), transpose(key, (0, 2, 3, 1)))
        else:
            scores = einsum(self._equations[0], key, query)
        explicit = return_scores or self.dropout > 0
        scores = self._masked_softmax(scores, attention_mask, zero_masked=explicit)
        weights = scores
        if self.dropout > 0 and training:
            weights = _dropout(scores, self.dropout, seed=self.seed)
        if standard:
            output = transpose(matmul(weights, transpose(value, (0, 2, 1, 3))), (0, 2, 1, 3))
        else:
            output = einsum(self._equations[1], weights, value)
        return output, scores

    def _masked_softmax(self, scores, mask, zero_masked):
        n_axes = len(self._attention_axes)
        if mask is not None:
            # The mask (B, T..., S...) gains the heads axis (and any missing leading axes)
            # where Keras' expand_dims(mask, -2 * n_axes - 1) puts it.
            shape = list(mask.shape)
            while len(shape) < scores.ndim:
                shape.insert(max(len(shape) - 2 * n_axes, 0), 1)
            mask = reshape(mask, tuple(shape))
            scores = where(mask, scores, _large_negative(scores.dtype))
        if n_axes == 1:
            probs = softmax(scores, axis=-1)
        else:
            axes = tuple(range(scores.ndim - n_axes, scores.ndim))
            probs = exp(scores - reduce_logsumexp(scores, axis=axes, keepdims=True))
        if mask is not None and zero_masked:
            # Keras' Softmax layer zeroes masked positions (a fully masked row gives zeros);
            # its fused attention path, used without scores or dropout, does not.
            probs = where(mask, probs, 0.0)
            # ... and, being a masking layer, leaves the mask on the scores it returns.
            from ..tagged import with_mask

            probs = with_mask(probs, mask)
        return probs

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self.sliding_window,
            "kernel_initializer": _serialize(self.kernel_initializer, initializers),
            "bias_initializer": _serialize(self.bias_initializer, initializers),
            "kernel_regularizer": _serialize(self.kernel_regularizer, regularizers),
            "bias_regularizer": _serialize(self.bias_regularizer, regularizers),
            "activity_regularizer": _serialize(self._activity_regularizer, regularizers),
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
            "seed": self.seed,
        }


def _shape_of(x):
    shape = x.shape
    if hasattr(shape, "as_list"):
        return tuple(shape.as_list())
    return tuple(np.shape(x))


def _bool(mask):
    """A mask as a NumPy bool array (nonzero = attend)."""
    value = mask.numpy() if hasattr(mask, "numpy") else np.asarray(mask)
    return value.astype(bool)


def _large_negative(dtype):
    return -3e4 if dtype.name == "float16" else -1e9


__all__ = ["MultiHeadAttention"]

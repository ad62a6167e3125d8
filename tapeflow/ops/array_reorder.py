"""Moving elements within a tensor and small shape helpers: `tf.roll`,
`tf.reverse_sequence`, `tf.sequence_mask`, `tf.unravel_index`, `tf.shape_n` and
`tf.parallel_stack`."""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy, xp
from ..core import dtypes
from ..core.context import state
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from . import _args
from .array import _ndim, expand_dims, shape
from .array import range as _range_op
from .array_join import stack
from .logic import less
from .math import cast
from .reduce import reduce_max

# ---- roll -------------------------------------------------------------------------------------


@op(
    "Roll",
    batchable=True,
    samples=[
        Sample((3, 4), shift=(1, -1), axis=(0, 1)),
        Sample((5,), shift=(7,), axis=(0,)),
        Sample((2, 3), shift=(1, 2), axis=(1, 1)),
    ],
)
def _roll(x, shift, axis):
    # Shifts along one axis add up (TF sums them); rolling by the total is then one call.
    return xp.roll(x, shift, axis) if x.ndim else x


@_roll.vjp
def _roll_vjp(g, ans, x, shift, axis):
    nb = g.ndim - ans.ndim
    return (_roll(g, shift=tuple(-s for s in shift), axis=tuple(a + nb for a in axis)),)


def roll(input, shift, axis, name=None):  # noqa: A002 - TF's argument name
    """Rolls the elements of `input` by `shift` along `axis` (scalars, or lists of one length;
    shifts along one axis add up); elements leaving one end come back at the other."""
    x = convert_to_tensor(input)
    # TF's Roll takes int32/int64 tensors: bools and float arrays are refused.
    shifts = tuple(int(v) for v in _roll_arg(shift, "shift"))
    axes = tuple(int(v) for v in _roll_arg(axis, "axis"))
    if len(shifts) != len(axes):
        raise InvalidArgumentError(
            f"Roll: shift and axis must have the same size, got shift {list(shifts)} and "
            f"axis {list(axes)}"
        )
    ndim = x.ndim
    for a in axes:
        if not -ndim <= a < ndim:
            raise InvalidArgumentError(f"Roll: axis {a} is out of range for rank {ndim}")
    return _roll(x, shift=tuple(shifts), axis=tuple(a % ndim for a in axes))


def _roll_arg(value, arg):
    arr = _args.int_array(value, "Roll", arg, cast_floats=False, bools=False)
    if arr.ndim > 1:
        raise InvalidArgumentError(f"Roll: {arg} must be a scalar or a 1-D vector, got {value!r}")
    return arr.reshape(-1)


# ---- reverse_sequence -------------------------------------------------------------------------


def _lengths_sample(rng):
    return rng.integers(0, 5, size=3).astype(np.int32)


@op(
    "ReverseSequence",
    same_dtype=(),
    samples=[
        Sample((3, 4, 2), _lengths_sample, seq_axis=1, batch_axis=0),
        Sample((5, 3), _lengths_sample, seq_axis=0, batch_axis=1),
    ],
)
def _reverse_sequence(x, lengths, seq_axis, batch_axis):
    lengths = to_numpy(lengths)
    if lengths.ndim != 1 or lengths.shape[0] != x.shape[batch_axis]:
        raise InvalidArgumentError(
            f"ReverseSequence: seq_lengths must be a vector of length {x.shape[batch_axis]} "
            f"(input.dims({batch_axis})), got shape {list(lengths.shape)}"
        )
    if (lengths < 0).any() or (lengths > x.shape[seq_axis]).any():
        bad = int(np.argmax((lengths < 0) | (lengths > x.shape[seq_axis])))
        raise InvalidArgumentError(
            f"ReverseSequence: seq_lens({bad}) = {int(lengths[bad])} is not in [0, "
            f"input.dims({seq_axis}) = {x.shape[seq_axis]}]"
        )
    # One gather along seq_axis: position j of row b reads L[b]-1-j when j < L[b].
    n = x.shape[seq_axis]
    j = np.arange(n)
    src = np.where(j[None, :] < lengths[:, None], lengths[:, None] - 1 - j[None, :], j[None, :])
    index_shape = [1] * x.ndim
    index_shape[batch_axis] = len(lengths)
    index_shape[seq_axis] = n
    order = (0, 1) if batch_axis < seq_axis else (1, 0)
    index = xp.asarray(src.transpose(order).reshape(index_shape))
    return xp.take_along_axis(x, xp.broadcast_to(index, x.shape), axis=seq_axis)


@_reverse_sequence.vjp
def _reverse_sequence_vjp(g, ans, x, lengths, seq_axis, batch_axis):
    return _reverse_sequence(g, lengths, seq_axis=seq_axis, batch_axis=batch_axis), None


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None):  # noqa: A002
    """Reverses the first `seq_lengths[b]` elements along `seq_axis` of each slice `b` along
    `batch_axis` (default 0); the rest stays in place."""
    if seq_axis is None:
        raise TypeError("reverse_sequence: Expected int for argument 'seq_dim' not None.")
    x = convert_to_tensor(input)
    lengths = convert_to_tensor(seq_lengths)
    if not lengths.dtype.is_integer:
        raise TypeError(
            f"reverse_sequence: seq_lengths must be int32 or int64, got {lengths.dtype.name}"
        )
    ndim = x.ndim
    s = _args.axis(seq_axis, ndim, "ReverseSequence", "seq_axis")
    b = _args.axis(0 if batch_axis is None else batch_axis, ndim, "ReverseSequence",
                   "batch_axis")  # fmt: skip
    if s == b:
        raise InvalidArgumentError(
            f"ReverseSequence: seq_axis and batch_axis must differ, both are {s}"
        )
    return _reverse_sequence(x, lengths, seq_axis=s, batch_axis=b)


# ---- masks and indices ------------------------------------------------------------------------


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """mask[..., j] = j < lengths[...]: shape lengths.shape + [maxlen] (maxlen defaults to
    the largest length), as `dtype`."""
    lengths = convert_to_tensor(lengths)
    if maxlen is None:
        maxlen = reduce_max(lengths) if _ndim(lengths) and lengths.shape.num_elements() else 0
    maxlen = cast(convert_to_tensor(maxlen), lengths.dtype)
    positions = _range_op(0, maxlen, 1, dtype=lengths.dtype)
    mask = less(positions, expand_dims(lengths, -1))
    return mask if dtypes.as_dtype(dtype) is dtypes.bool else cast(mask, dtype)


def _flat_indices(rng):
    return rng.integers(0, 42, size=5).astype(np.int32)


@op(
    "UnravelIndex",
    differentiable=False,
    samples=[Sample(_flat_indices, np.array([7, 6], np.int32)),
             Sample(np.array(5, np.int64), np.array([2, 3, 4], np.int64))],
)  # fmt: skip
def _unravel_index(indices, dims):
    if indices.ndim > 1:
        raise InvalidArgumentError(
            f"UnravelIndex: The indices can only be scalar or vector, got shape "
            f"{list(indices.shape)}"
        )
    if indices.ndim == 1 and indices.shape[0] == 0:
        raise InvalidArgumentError("UnravelIndex: received empty tensor indices")
    if dims.ndim != 1:
        raise InvalidArgumentError(
            f"UnravelIndex: dims must be a 1-D vector, got shape {list(dims.shape)}"
        )
    total = int(np.prod(to_numpy(dims)))
    if (indices < 0).any() or (indices >= total).any():
        raise InvalidArgumentError(
            f"UnravelIndex: index is out of bound as with dims {to_numpy(dims).tolist()}"
        )
    parts = xp.unravel_index(indices, tuple(int(d) for d in to_numpy(dims)))
    return xp.stack([p.astype(indices.dtype) for p in parts]).reshape(
        (dims.shape[0],) + indices.shape
    )


def unravel_index(indices, dims, name=None):
    """The coordinates in an array of shape `dims` of each flat index of `indices`: shape
    [len(dims)] + indices.shape, the dtype of `indices` (int32 or int64, as `dims`)."""
    indices = convert_to_tensor(indices)
    dims = convert_to_tensor(dims, dtype=indices.dtype if indices.dtype.is_integer else None)
    if indices.dtype not in (dtypes.int32, dtypes.int64) or dims.dtype is not indices.dtype:
        raise InvalidArgumentError(
            f"UnravelIndex: indices and dims must be both int32 or both int64, got "
            f"{indices.dtype.name} and {dims.dtype.name}"
        )
    return _unravel_index(indices, dims)


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002 - TF's argument name
    """The shapes of a list of tensors: one 1-D `out_type` (int32 or int64) tensor each."""
    if isinstance(input, (str, bytes)) or not isinstance(input, (list, tuple)):
        raise TypeError(f"shape_n: input must be a list of tensors, got {input!r}")
    if not input:
        raise InvalidArgumentError("ShapeN: input must hold at least one tensor, got []")
    out_type = dtypes.as_dtype(out_type)
    if out_type not in (dtypes.int32, dtypes.int64):
        raise InvalidArgumentError(f"ShapeN: out_type must be int32 or int64, got {out_type.name}")
    return [shape(x, out_type=out_type) for x in input]


def parallel_stack(values, name="parallel_stack"):
    """`tf.stack(values)` for a tf.function; executing eagerly TF refuses it, and so does
    this (RuntimeError)."""
    if state.tracer is None:
        raise RuntimeError("tf.parallel_stack() is not compatible with eager execution.")
    return stack(values)


API = {
    "tf": ["roll", "reverse_sequence", "sequence_mask", "unravel_index", "shape_n",
           "parallel_stack"],
}  # fmt: skip

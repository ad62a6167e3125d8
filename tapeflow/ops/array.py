"""Array basics: identity, shapes (reshape, squeeze, broadcast, transpose), creation, queries.

Joining, splitting and padding are in `array_join.py`; indexing by values in `indexing.py`.
"""

import builtins

import numpy as np

from ..backend import xp
from ..core import dtypes, string_values
from ..core.errors import ArgumentTypeError, InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor, wrap
from . import _args
from ._common import UNARY, batch_ndim


@op("Identity", samples=UNARY, batchable=True)
def _identity(x):
    return x


@_identity.vjp
def _identity_vjp(g, ans, x):
    return (g,)


def identity(input, name=None):
    """A Tensor with the same values as `input` (a read, for a Variable)."""
    return _identity(input)


@op("StopGradient", differentiable=False, samples=UNARY)
def stop_gradient(input):
    return input


def _is_string(x) -> bool:
    return getattr(x, "dtype", None) == dtypes.string or string_values.leads_with_text(x)


def _ndim(x) -> int:
    return x.ndim if hasattr(x, "ndim") else np.ndim(x)


def _dims(x) -> tuple:
    return tuple(x.shape) if hasattr(x, "_value") else np.shape(x)


def _axis(axis, ndim: int, op_name: str, arg: str = "axis") -> int:
    """One axis in [-ndim, ndim) as a non-negative int, or TF's errors (see `_args.axis`)."""
    return _args.axis(axis, ndim, op_name, arg)


def _check_same_dtype(op_name, *xs):
    """Tensors that an op's `same_dtype` group joins must agree (Python values convert)."""
    # The dispatcher checks only ALL_INPUTS groups when every input is already a Tensor.
    found = [x for x in xs if hasattr(x, "_value")]
    if any(x.dtype != found[0].dtype for x in found):
        raise InvalidArgumentError(
            f"{op_name}: inputs must have the same dtype, got "
            f"{', '.join(x.dtype.name for x in found)}; tapeflow does not promote dtypes "
            f"implicitly: use tf.cast"
        )


# ---- shapes --------------------------------------------------------------------------------


@op(
    "Reshape",
    batchable=True,
    samples=[
        Sample((3, 4), shape=(4, 3)),
        Sample((2, 3, 2), shape=(-1,)),
        Sample((6,), shape=(2, 1, 3)),
    ],
)
def _reshape(x, shape):
    try:
        return xp.reshape(x, shape)
    except ValueError:
        raise InvalidArgumentError(
            f"Reshape: cannot reshape a tensor with {x.size} elements (shape "
            f"{tuple(x.shape)}) to shape {tuple(shape)}"
        ) from None


@_reshape.vjp
def _reshape_vjp(g, ans, x, shape):
    from .shape_generic import _reshape_like

    return (_reshape_like(g, x, lead=batch_ndim(g, ans)),)


def reshape(tensor, shape, name=None):
    """`tensor` with a new shape of the same size; one dimension may be -1."""
    if getattr(shape, "_is_ragged_shape", False):  # a DynamicRaggedShape: a RaggedTensor
        from .ragged_shape import ragged_reshape

        return ragged_reshape(tensor, shape)
    dims = _args.shape(shape, "Reshape", unknown=True, cast_floats=False)
    unknown = [i for i, d in enumerate(dims) if d == -1]
    if len(unknown) > 1:
        raise InvalidArgumentError(
            f"Reshape: only one input size may be -1, not both {unknown[0]} and {unknown[1]} "
            f"(shape {list(dims)})"
        )
    return _reshape(tensor, shape=dims)


def _squeeze_axes(axis, ndim) -> set:
    """Squeeze's axes: an int or a list of ints (repeats allowed, as in TF)."""
    found = _args.int_array(axis, "Squeeze", "axis")
    if found.ndim > 1:
        raise ArgumentTypeError(f"Squeeze: axis must be an int or a list of ints, got {axis!r}")
    return {_args.axis(int(a), ndim, "Squeeze") for a in found.reshape(-1)}


def squeeze(input, axis=None, name=None):
    """Removes dimensions of size 1 (only those in `axis` when given)."""
    from .shape_generic import _squeeze

    if axis is None:  # which axes depends on every size
        shape = _dims(input)
        return _reshape(input, shape=tuple(d for d in shape if d != 1))
    rank = len(input._value.shape) if hasattr(input, "_value") else np.ndim(input)
    return _squeeze(input, axis=tuple(sorted(_squeeze_axes(axis, rank))))


def expand_dims(input, axis, name=None):
    """Inserts a dimension of size 1 at `axis` (in [-rank-1, rank])."""
    from .shape_generic import _expand_dims

    rank = len(input._value.shape) if hasattr(input, "_value") else np.ndim(input)
    a = _args.int_array(axis, "ExpandDims", "axis")
    if a.size != 1:  # TF takes a one-element list too
        raise ArgumentTypeError(f"ExpandDims: axis must be a scalar, got {axis!r}")
    a = int(a.reshape(()))
    if not -rank - 1 <= a <= rank:
        raise InvalidArgumentError(
            f"ExpandDims: tried to expand dim index {a} for a tensor with {rank} dimensions"
        )
    return _expand_dims(input, axis=a % (rank + 1))


@op(
    "BroadcastTo",
    batchable=True,
    samples=[Sample((3, 1), shape=(2, 3, 4)), Sample((), shape=(2, 2))],
)
def _broadcast_to(x, shape):
    return xp.broadcast_to(x, shape)


@_broadcast_to.vjp
def _broadcast_to_vjp(g, ans, x, shape):
    return (g,)  # the engine sums the gradient back to x's shape


def broadcast_to(input, shape, name=None):
    """`input` broadcast to `shape` with NumPy's rules."""
    return _broadcast_to(input, shape=_args.shape(shape, "BroadcastTo"))


@op(
    "Transpose",
    batchable=True,
    samples=[Sample((2, 3, 4), perm=(2, 0, 1)), Sample((3, 4), perm=(1, 0))],
)
def _transpose(x, perm):
    return xp.transpose(x, perm)


@_transpose.vjp
def _transpose_vjp(g, ans, x, perm):
    nb = batch_ndim(g, ans)
    inverse = tuple(int(i) + nb for i in np.argsort(perm))
    return (_transpose(g, perm=tuple(builtins.range(nb)) + inverse),)


def transpose(a, perm=None, conjugate=False, name=None):
    """Permutes the dimensions of `a` (reverses them when `perm` is None)."""
    ndim = _ndim(a)
    if perm is None:
        perm = tuple(builtins.range(ndim - 1, -1, -1))
    else:
        perm = _args.shape(perm, "Transpose", "perm", unknown=True, cast_floats=False)
    if sorted(perm) != list(builtins.range(ndim)):
        raise InvalidArgumentError(
            f"Transpose: perm {perm} is not a permutation of the {ndim} dimensions"
        )
    return _transpose(a, perm=perm)


# ---- creation and shape queries ------------------------------------------------------------


def _np_dtype(dtype):
    return dtypes.as_dtype(dtype)._np


def _filled(shape, value, dtype, op_name):
    if getattr(shape, "_is_ragged_shape", False):  # a DynamicRaggedShape: a RaggedTensor
        return shape._build(_filled(shape._inner, value, dtype, op_name))
    shape = _args.shape(shape, op_name)
    if dtypes.as_dtype(dtype) == dtypes.string:
        if value != 0:
            raise TypeError(f"Cannot convert {value} to EagerTensor of dtype string")
        return wrap(string_values.empty(shape))
    return wrap(xp.full(shape, value, dtype=_np_dtype(dtype)))


def zeros(shape, dtype=dtypes.float32, name=None, layout=None):
    """A tensor of `shape` filled with zeros."""
    return _filled(shape, 0, dtype, "zeros")


def ones(shape, dtype=dtypes.float32, name=None, layout=None):
    """A tensor of `shape` filled with ones."""
    return _filled(shape, 1, dtype, "ones")


def fill(dims, value, name=None, layout=None):
    """A tensor of shape `dims` filled with the scalar `value` (differentiable in `value`)."""
    if getattr(dims, "_is_ragged_shape", False):  # a DynamicRaggedShape: a RaggedTensor
        return dims._build(fill(dims._inner, value))
    shape = _args.shape(dims, "Fill", "dims")
    value = convert_to_tensor(value)
    if value.ndim != 0:
        raise InvalidArgumentError(f"Fill: value must be a scalar, got shape {value.shape}")
    return _broadcast_to(value, shape=shape)


@op("ZerosLike", differentiable=False, samples=[Sample((3, 4), dtype=None)])
def _zeros_like(x, dtype=None):
    if np.dtype(x.dtype if dtype is None else dtype) == string_values.OBJECT:
        return string_values.empty(x.shape)  # b"", TF's zero for strings
    return xp.zeros_like(x, dtype=dtype)


@op("OnesLike", differentiable=False, samples=[Sample((3, 4), dtype="int32")])
def _ones_like(x, dtype=None):
    return xp.ones_like(x, dtype=dtype)


def zeros_like(input, dtype=None, name=None, layout=None):
    """Zeros with the shape (and dtype, unless given) of `input`."""
    return _zeros_like(input, dtype=None if dtype is None else _np_dtype(dtype).name)


def ones_like(input, dtype=None, name=None, layout=None):
    """Ones with the shape (and dtype, unless given) of `input`."""
    return _ones_like(input, dtype=None if dtype is None else _np_dtype(dtype).name)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix (ones on the diagonal), optionally repeated over `batch_shape`."""
    rows = _args.count(num_rows, "eye", "num_rows", cast_floats=False)
    if num_columns is None:
        cols = rows
    else:
        cols = _args.count(num_columns, "eye", "num_columns", cast_floats=False)
    if batch_shape is None:
        batch = ()
    else:
        batch = _args.shape(batch_shape, "eye", "batch_shape", cast_floats=False)
    m = xp.eye(rows, cols, dtype=_np_dtype(dtype))
    return wrap(xp.broadcast_to(m, batch + (rows, cols)).copy() if batch else m)


@op(
    "Range",
    same_dtype=(),
    differentiable=False,
    samples=[Sample(np.int32(1), np.int32(9), np.int32(3), dtype="int32")],
)
def _range(start, limit, delta, dtype):
    start, limit, delta = (a.astype(dtype)[()] for a in (start, limit, delta))
    if delta == 0:
        raise InvalidArgumentError(f"Range: requires delta != 0: {delta}")
    if delta > 0 and start > limit:
        raise InvalidArgumentError(
            f"Range: requires start <= limit when delta > 0: {start}/{limit}"
        )
    if delta < 0 and start < limit:
        raise InvalidArgumentError(
            f"Range: requires start >= limit when delta < 0: {start}/{limit}"
        )
    if np.dtype(dtype).kind in "iu":
        n = (abs(limit - start) + abs(delta) - 1) // abs(delta)
    else:
        n = np.ceil(np.abs((limit - start) / delta))
    # start + i * delta computed in the output dtype, as TF's kernel does.
    return start + xp.arange(int(n), dtype=dtype) * delta


_RANGE_ORDER = ("int32", "int64", "float16", "float32", "float64")


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """`start, start + delta, ...` up to but excluding `limit` (`range(n)`: 0..n-1).

    The dtype is the widest of the arguments' (Python ints int32, floats float32)
    unless `dtype` is given.
    """
    if limit is None:
        start, limit = 0, start
    args = [
        convert_to_tensor(a, dtype=dtype) if not hasattr(a, "_value") else a
        for a in (start, limit, delta)
    ]
    if dtype is None:
        for a in args:
            if a.dtype.name not in _RANGE_ORDER:
                raise TypeError(
                    f"range: arguments must be int32, int64 or floating, got {a.dtype.name}"
                )
        dtype = max((a.dtype.name for a in args), key=_RANGE_ORDER.index)
    return _range(*args, dtype=_np_dtype(dtype).name)


@op("LinSpace", numbers=True, differentiable=False, samples=[Sample((), (3,), num=4, axis=0)])
def _linspace(start, stop, num, axis):
    if num < 0:
        raise InvalidArgumentError(f"LinSpace: requires num >= 0, got {num}")
    dtype = start.dtype if start.dtype.kind == "f" else np.dtype("float64")
    shape = np.broadcast_shapes(start.shape, stop.shape)
    start = xp.expand_dims(xp.broadcast_to(start, shape).astype(dtype), axis)
    stop = xp.expand_dims(xp.broadcast_to(stop, shape).astype(dtype), axis)
    delta = (stop - start) / dtype.type(max(num - 1, 1))
    steps = xp.arange(1, max(num - 1, 1), dtype=dtype)
    steps = steps.reshape(tuple(-1 if i == axis else 1 for i in builtins.range(start.ndim)))
    # The endpoints are exact; the interior is start + i * delta, as TF computes it.
    out = xp.concatenate([start, start + delta * steps, stop], axis=axis)
    return out[(slice(None),) * axis + (slice(0, num),)]


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` inclusive (ints give float64)."""
    start = convert_to_tensor(start)
    stop = convert_to_tensor(stop, dtype=start.dtype)
    ndim = max(start.ndim, stop.ndim) + 1
    num = _args.count(num, "LinSpace", "num")
    return _linspace(start, stop, num=num, axis=_axis(axis, ndim, "LinSpace"))


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D coordinate vectors ("xy" indexing swaps the first two)."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    args = [convert_to_tensor(a) for a in args]
    for a in args:
        if a.dtype != args[0].dtype or not a.dtype.is_numeric:
            raise InvalidArgumentError(
                f"meshgrid: the coordinate vectors must share one number dtype, got "
                f"{', '.join(t.dtype.name for t in args)}"
            )
    shape = [int(np.prod(_dims(a))) for a in args]
    if indexing == "xy" and len(args) > 1:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, a in enumerate(args):
        j = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(args) > 1 else i
        grid = [1] * len(args)
        grid[j] = -1
        out.append(_broadcast_to(_reshape(a, shape=tuple(grid)), shape=tuple(shape)))
    return out


@op("Shape", differentiable=False, samples=[Sample((2, 3), out_type="int32")])
def _shape(x, out_type):
    return xp.asarray(x.shape, dtype=out_type)


@op("Size", differentiable=False, samples=[Sample((2, 3), out_type="int32")])
def _size(x, out_type):
    return xp.asarray(x.size, dtype=out_type)


@op("Rank", differentiable=False, samples=[Sample((2, 3))])
def _rank(x):
    return xp.asarray(x.ndim, dtype=np.int32)


def shape(input, out_type=None, name=None):
    """The shape of `input` as a 1-D int32 (or `out_type`) Tensor."""
    return _shape(input, out_type=_np_dtype(out_type or dtypes.int32).name)


def size(input, out_type=None, name=None):
    """The number of elements of `input` as an int32 (or `out_type`) scalar Tensor."""
    return _size(input, out_type=_np_dtype(out_type or dtypes.int32).name)


def rank(input, name=None):
    """The number of dimensions of `input` as an int32 scalar Tensor."""
    return _rank(input)


API = {
    "tf": [
        "identity",
        "stop_gradient",
        "reshape",
        "squeeze",
        "expand_dims",
        "broadcast_to",
        "transpose",
        "zeros",
        "ones",
        "fill",
        "zeros_like",
        "ones_like",
        "eye",
        "range",
        "linspace",
        "meshgrid",
        "shape",
        "size",
        "rank",
    ],
}

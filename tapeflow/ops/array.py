"""Array manipulation: shapes, joining and splitting, tiling, padding, slicing, creation.

Indexing by values (gather, scatter, where, boolean_mask, one_hot, sort) is in `indexing.py`.
"""

import builtins

import numpy as np

from ..backend import xp
from ..core import dtypes, string_values
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor, wrap
from ._common import UNARY, batch_ndim, normalize_axis
from .reduce import _sum


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


def _static_shape(shape) -> tuple:
    """A shape argument (list, TensorShape, int Tensor) as a tuple of Python ints."""
    if hasattr(shape, "_value"):
        return tuple(int(d) for d in np.asarray(shape._value).reshape(-1))
    if hasattr(shape, "as_list"):
        return tuple(-1 if d is None else d for d in shape.as_list())
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _is_string(x) -> bool:
    return getattr(x, "dtype", None) == dtypes.string or string_values.leads_with_text(x)


def _ndim(x) -> int:
    return x.ndim if hasattr(x, "ndim") else np.ndim(x)


def _dims(x) -> tuple:
    return tuple(x.shape) if hasattr(x, "_value") else np.shape(x)


def _axis(axis, ndim: int, op_name: str) -> int:
    """One axis in [-ndim, ndim) as a non-negative int, or an InvalidArgumentError."""
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise InvalidArgumentError(
            f"{op_name}: axis {axis} is out of range for a tensor of "
            f"rank {ndim} (expected [{-ndim}, {ndim}))"
        )
    return axis % ndim


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
    nb = batch_ndim(g, ans)
    return (_reshape(g, shape=tuple(g.shape[:nb]) + tuple(x.shape)),)


def reshape(tensor, shape, name=None):
    """`tensor` with a new shape of the same size; one dimension may be -1."""
    return _reshape(tensor, shape=_static_shape(shape))


def squeeze(input, axis=None, name=None):
    """Removes dimensions of size 1 (only those in `axis` when given)."""
    shape = _dims(input)
    if axis is None:
        return _reshape(input, shape=tuple(d for d in shape if d != 1))
    axes = [_axis(a, len(shape), "Squeeze") for a in _static_shape(axis)]
    for a in axes:
        if shape[a] != 1:
            raise InvalidArgumentError(
                f"Squeeze: can not squeeze dim[{a}], expected a dimension of 1, got {shape[a]}"
            )
    return _reshape(input, shape=tuple(d for i, d in enumerate(shape) if i not in axes))


def expand_dims(input, axis, name=None):
    """Inserts a dimension of size 1 at `axis` (in [-rank-1, rank])."""
    shape = _dims(input)
    a = int(axis)
    if not -len(shape) - 1 <= a <= len(shape):
        raise InvalidArgumentError(
            f"ExpandDims: tried to expand dim index {a} for a tensor with {len(shape)} dimensions"
        )
    a = a % (len(shape) + 1)
    return _reshape(input, shape=shape[:a] + (1,) + shape[a:])


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
    return _broadcast_to(input, shape=_static_shape(shape))


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
    perm = tuple(builtins.range(ndim - 1, -1, -1)) if perm is None else _static_shape(perm)
    if sorted(perm) != list(builtins.range(ndim)):
        raise InvalidArgumentError(
            f"Transpose: perm {perm} is not a permutation of the {ndim} dimensions"
        )
    return _transpose(a, perm=perm)


# ---- joining and splitting -----------------------------------------------------------------


@op(
    "Pack",
    batchable=True,
    samples=[Sample((3, 4), (3, 4), axis=0), Sample((2,), (2,), (2,), axis=1)],
)
def _pack(*xs, axis=0):
    return xp.stack(xs, axis=axis)


@_pack.vjp
def _pack_vjp(g, ans, *xs, axis=0):
    nb = batch_ndim(g, ans)
    a = normalize_axis(axis, ans.ndim)[0] + nb
    return tuple(_strided_slice(g, key=(slice(None),) * a + (i,)) for i in builtins.range(len(xs)))


def stack(values, axis=0, name="stack"):
    """Stacks tensors of one shape along a new axis."""
    values = list(values)
    if not values:
        raise ValueError("stack: values must be a non-empty list of tensors")
    return _pack(*values, axis=int(axis))


@op(
    "Unpack",
    multiple_outputs=True,
    batchable=True,
    samples=[Sample((3, 4), num=3, axis=0), Sample((2, 3, 2), num=2, axis=2)],
)
def _unpack(x, num, axis):
    return tuple(string_values.boxed(x[(slice(None),) * axis + (i,)]) for i in builtins.range(num))


@_unpack.vjp
def _unpack_vjp(g, ans, x, num, axis):
    nb = batch_ndim(g[0], ans[0])
    return (_pack(*g, axis=axis + nb),)


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits `value` along `axis` into a list of tensors of one rank less."""
    shape = _dims(value)
    if not shape:
        raise ValueError("unstack: cannot unstack a scalar (rank-0) tensor")
    if not -len(shape) <= int(axis) < len(shape):
        raise ValueError(f"unstack: axis = {axis} not in [{-len(shape)}, {len(shape)})")
    a = int(axis) % len(shape)
    if num is not None and int(num) != shape[a]:
        raise InvalidArgumentError(
            f"Unpack: input shape axis {a} must equal {num}, got shape {list(shape)}"
        )
    return list(_unpack(value, num=shape[a], axis=a))


@op(
    "ConcatV2",
    batchable=True,
    samples=[Sample((3, 4), (2, 4), axis=0), Sample((2, 1), (2, 3), (2, 2), axis=-1)],
)
def _concat(*xs, axis=0):
    return xp.concatenate(xs, axis=axis)


@_concat.vjp
def _concat_vjp(g, ans, *xs, axis=0):
    nb = batch_ndim(g, ans)
    a = normalize_axis(axis, ans.ndim)[0]
    grads, start = [], 0
    for x in xs:
        stop = start + x.shape[a]
        grads.append(_strided_slice(g, key=(slice(None),) * (a + nb) + (slice(start, stop),)))
        start = stop
    return tuple(grads)


def concat(values, axis, name="concat"):
    """Joins tensors along an existing axis."""
    values = list(values)
    if not values:
        raise ValueError("concat: values must be a non-empty list of tensors")
    if len(values) == 1:
        return identity(values[0])
    return _concat(*values, axis=int(axis))


@op(
    "SplitV",
    multiple_outputs=True,
    batchable=True,
    samples=[
        Sample((5, 3), size_splits=(2, 3), axis=0),
        Sample((2, 6), size_splits=(1, 0, 5), axis=1),
    ],
)
def _split(x, size_splits, axis):
    return tuple(xp.split(x, np.cumsum(size_splits)[:-1].tolist(), axis=axis))


@_split.vjp
def _split_vjp(g, ans, x, size_splits, axis):
    nb = batch_ndim(g[0], ans[0])
    return (_concat(*g, axis=axis + nb),)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits `value` along `axis` into equal parts (an int) or parts of given sizes.

    One size may be -1: it takes what the others leave.
    """
    shape = _dims(value)
    a = _axis(axis, len(shape), "Split")
    n = shape[a]
    if isinstance(num_or_size_splits, (int, np.integer)) or (
        hasattr(num_or_size_splits, "_value") and num_or_size_splits.ndim == 0
    ):
        parts = int(num_or_size_splits)
        if parts <= 0 or n % parts:
            raise InvalidArgumentError(
                f"Split: number of ways to split should evenly divide the split dimension, but "
                f"got split_dim {a} (size = {n}) and num_split {parts}"
            )
        sizes = (n // parts,) * parts
    else:
        sizes = _static_shape(num_or_size_splits)
        if sum(s == -1 for s in sizes) > 1:
            raise InvalidArgumentError(
                f"SplitV: there can only be one -1 in size_splits, got {list(sizes)}"
            )
        known = sum(s for s in sizes if s != -1)
        if -1 in sizes and known <= n:
            sizes = tuple(n - known if s == -1 else s for s in sizes)
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise InvalidArgumentError(
                f"SplitV: size_splits {list(_static_shape(num_or_size_splits))} do not add up "
                f"to the size {n} of dimension {a} (value shape {list(shape)})"
            )
    return list(_split(value, size_splits=sizes, axis=a))


@op(
    "Tile",
    batchable=True,
    samples=[
        Sample((2, 3), multiples=(2, 1)),
        Sample((3,), multiples=(3,)),
        Sample((1, 2, 2), multiples=(2, 3, 1)),
    ],
)
def _tile(x, multiples):
    if len(multiples) != x.ndim:
        raise InvalidArgumentError(
            f"Tile: expected multiples to be a vector of length "
            f"{x.ndim} but got length {len(multiples)}"
        )
    for i, m in enumerate(multiples):
        if m < 0:
            raise InvalidArgumentError(f"Tile: expected multiples[{i}] >= 0, but got {m}")
    return xp.tile(x, multiples)


@_tile.vjp
def _tile_vjp(g, ans, x, multiples):
    nb = batch_ndim(g, ans)
    # Row-major tiling puts copy k of x at block k: (m0, d0, m1, d1, ...) then sum the m's.
    split_shape = tuple(g.shape[:nb])
    for m, d in zip(multiples, x.shape, strict=True):
        split_shape += (m, d)
    axes = tuple(nb + 2 * i for i in builtins.range(len(multiples)))
    return (_sum(_reshape(g, shape=split_shape), axis=axes, keepdims=False),)


def tile(input, multiples, name=None):
    """Repeats `input` `multiples[i]` times along dimension i."""
    return _tile(input, multiples=_static_shape(multiples))


# ---- padding and reversing -----------------------------------------------------------------


@op(
    "PadV2",
    same_dtype=(0, 1),
    batchable=True,
    samples=[
        Sample((2, 3), (), paddings=((1, 0), (2, 1)), wrt=(0,)),
        Sample((3,), (), paddings=((0, 2),), wrt=(0,)),
    ],
)
def _pad(x, constant_values, paddings):
    if x.dtype == object:  # strings: np.pad would store np.bytes_, not bytes
        out = string_values.empty(tuple(lo + d + hi for (lo, hi), d in zip(paddings, x.shape)))
        out.fill(constant_values[()])
        out[tuple(slice(lo, lo + d) for (lo, _), d in zip(paddings, x.shape))] = x
        return out
    return xp.pad(x, paddings, mode="constant", constant_values=constant_values)


@_pad.vjp
def _pad_vjp(g, ans, x, constant_values, paddings):
    nb = batch_ndim(g, ans)
    key = tuple(slice(lo, lo + d) for (lo, _), d in zip(paddings, x.shape, strict=True))
    return _strided_slice(g, key=(slice(None),) * nb + key), None


_NUMPY_MODE = {"REFLECT": "reflect", "SYMMETRIC": "symmetric"}


@op(
    "MirrorPad",
    batchable=True,
    samples=[
        Sample((3, 4), paddings=((1, 2), (2, 0)), mode="REFLECT"),
        Sample((3, 4), paddings=((3, 1), (2, 4)), mode="SYMMETRIC"),
    ],
)
def _mirror_pad(x, paddings, mode):
    return xp.pad(x, paddings, mode=_NUMPY_MODE[mode])


@_mirror_pad.vjp
def _mirror_pad_vjp(g, ans, x, paddings, mode):
    return (_mirror_pad_grad(g, paddings=paddings, mode=mode),)


@op(
    "MirrorPadGrad",
    batchable=True,
    samples=[
        Sample((6, 6), paddings=((1, 2), (2, 0)), mode="REFLECT"),
        Sample((7, 10), paddings=((3, 1), (2, 4)), mode="SYMMETRIC"),
    ],
)
def _mirror_pad_grad(g, paddings, mode):
    nb = g.ndim - len(paddings)  # leading jacobian batch dimensions
    off = 1 if mode == "REFLECT" else 0
    for i, (lo, hi) in enumerate(paddings):
        ax = nb + i
        n = g.shape[ax] - lo - hi
        lead = (slice(None),) * ax
        out = g[lead + (slice(lo, lo + n),)].copy()
        # Each padded entry mirrors one interior entry: fold its gradient back onto it.
        if lo:
            out[lead + (slice(off, off + lo),)] += xp.flip(g[lead + (slice(0, lo),)], ax)
        if hi:
            out[lead + (slice(n - off - hi, n - off),)] += xp.flip(
                g[lead + (slice(lo + n, lo + n + hi),)], ax
            )
        g = out
    return g


@_mirror_pad_grad.vjp
def _mirror_pad_grad_vjp(gg, ans, g, paddings, mode):
    lead = ((0, 0),) * (gg.ndim - len(paddings))
    return (_mirror_pad(gg, paddings=lead + paddings, mode=mode),)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads `tensor` with `paddings[i] = [before, after]` entries along dimension i.

    `mode` is "CONSTANT" (with `constant_values`), "REFLECT" (mirror without the edge,
    paddings < size) or "SYMMETRIC" (mirror with the edge, paddings <= size).
    """
    shape = _dims(tensor)
    pads = np.asarray(paddings._value if hasattr(paddings, "_value") else paddings)
    if pads.shape != (len(shape), 2):
        raise InvalidArgumentError(
            f"Pad: paddings must be a matrix of shape "
            f"[{len(shape)}, 2] (the rank of the input), got shape "
            f"{list(pads.shape)}"
        )
    pads = tuple((int(lo), int(hi)) for lo, hi in pads)
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        raise InvalidArgumentError(f"Pad: paddings must be non-negative, got {list(pads)}")
    mode = str(mode).upper()
    if _is_string(tensor) and isinstance(constant_values, int) and constant_values == 0:
        constant_values = b""  # the default pads strings with TF's zero value for them
    if mode == "CONSTANT":
        _check_same_dtype("PadV2", tensor, constant_values)
        return _pad(tensor, constant_values, paddings=pads)
    if mode not in _NUMPY_MODE:
        raise ValueError(
            f'Value of argument `mode` expected to be one of "CONSTANT", '
            f'"REFLECT", or "SYMMETRIC". Received `mode` = {mode}'
        )
    for d, (lo, hi) in zip(shape, pads, strict=True):
        if mode == "REFLECT" and max(lo, hi) >= d:
            raise InvalidArgumentError(
                f"MirrorPad: REFLECT paddings must be less than the "
                f"dimension size: {lo}, {hi} not less than {d}"
            )
        if mode == "SYMMETRIC" and max(lo, hi) > d:
            raise InvalidArgumentError(
                f"MirrorPad: SYMMETRIC paddings must be no greater "
                f"than the dimension size: {lo}, {hi} greater than {d}"
            )
    return _mirror_pad(tensor, paddings=pads, mode=mode)


@op(
    "ReverseV2",
    batchable=True,
    samples=[Sample((3, 4), axis=(1,)), Sample((2, 3, 4), axis=(0, 2))],
)
def _reverse(x, axis):
    return xp.flip(x, axis) if axis else x


@_reverse.vjp
def _reverse_vjp(g, ans, x, axis):
    nb = batch_ndim(g, ans)
    return (_reverse(g, axis=tuple(a + nb for a in axis)),)


def reverse(tensor, axis, name=None):
    """Reverses the order of elements along each dimension in `axis` (a list)."""
    if isinstance(axis, (int, np.integer)) or (hasattr(axis, "_value") and axis.ndim != 1):
        raise InvalidArgumentError(
            f"ReverseV2: axis must be a 1-D list of dimensions, not {axis!r}"
        )
    ndim = _ndim(tensor)
    axes = tuple(_axis(a, ndim, "ReverseV2") for a in _static_shape(axis))
    if len(set(axes)) != len(axes):
        raise InvalidArgumentError(
            f"ReverseV2: an axis is specified more than once in {list(_static_shape(axis))}"
        )
    return _reverse(tensor, axis=axes)


# ---- creation and shape queries ------------------------------------------------------------


def _np_dtype(dtype):
    return dtypes.as_dtype(dtype)._np


def _filled(shape, value, dtype, op_name):
    shape = _static_shape(shape)
    if any(d < 0 for d in shape):
        raise InvalidArgumentError(
            f"{op_name}: dimensions must be non-negative, got {list(shape)}"
        )
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
    value = convert_to_tensor(value)
    if value.ndim != 0:
        raise InvalidArgumentError(f"Fill: value must be a scalar, got shape {value.shape}")
    return _broadcast_to(value, shape=_static_shape(dims))


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
    rows = int(num_rows)
    cols = rows if num_columns is None else int(num_columns)
    batch = () if batch_shape is None else _static_shape(batch_shape)
    if rows < 0 or cols < 0:
        raise InvalidArgumentError(
            f"eye: num_rows and num_columns must be non-negative, got {rows} and {cols}"
        )
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


@op("LinSpace", differentiable=False, samples=[Sample((), (3,), num=4, axis=0)])
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
    return _linspace(start, stop, num=int(num), axis=_axis(axis, ndim, "LinSpace"))


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D coordinate vectors ("xy" indexing swaps the first two)."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    args = [convert_to_tensor(a) for a in args]
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


# Slicing, gather, scatter, where and sort build on the ops above; importing them here
# registers them, and the vjps above slice with them.
from .indexing import _strided_slice, slice_key  # noqa: E402, F401

API = {
    "tf": [
        "identity",
        "stop_gradient",
        "reshape",
        "squeeze",
        "expand_dims",
        "broadcast_to",
        "transpose",
        "stack",
        "unstack",
        "concat",
        "split",
        "tile",
        "pad",
        "reverse",
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

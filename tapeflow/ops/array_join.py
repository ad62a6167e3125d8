"""Joining and rearranging tensors: stack, unstack, concat, split, tile, pad and reverse."""

import builtins

import numpy as np

from ..backend import xp
from ..core import string_values
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor
from . import _args
from ._common import batch_ndim, normalize_axis
from .array import (
    _axis,
    _check_same_dtype,
    _dims,
    _is_string,
    _ndim,
    _reshape,
    identity,
)
from .indexing import _strided_slice
from .reduce import _sum

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
    a = _args.axis(axis, _ndim(values[0]), "Pack", extra=1)
    return _pack(*values, axis=a)


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
    if not hasattr(value, "_value"):
        value = convert_to_tensor(value)
    rank = value.ndim
    if not rank:
        raise InvalidArgumentError("Unpack: cannot unstack a scalar (rank-0) tensor")
    a = _args.axis(axis, rank, "Unpack")
    size = value.shape[a]  # only that size: the others may vary in a tf.function trace
    if num is not None and _args.count(num, "Unpack", "num") != size:
        raise InvalidArgumentError(
            f"Unpack: input shape axis {a} must equal {num}, got shape {list(_dims(value))}"
        )
    return list(_unpack(value, num=size, axis=a))


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
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    if not values:
        raise InvalidArgumentError("ConcatV2: values must be a non-empty list of tensors")
    a = _args.scalar(axis, "ConcatV2", "axis")
    if len(values) == 1:
        return identity(values[0])
    return _concat(*values, axis=a)


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
    splits = _args.int_array(num_or_size_splits, "Split", "num_or_size_splits", cast_floats=False)
    if splits.ndim == 0:
        parts = int(splits)
        if parts <= 0 or n % parts:
            raise InvalidArgumentError(
                f"Split: number of ways to split should evenly divide the split dimension, but "
                f"got split_dim {a} (size = {n}) and num_split {parts}"
            )
        sizes = (n // parts,) * parts
    else:
        sizes = _args.vector(splits, "SplitV", "size_splits")
        if sum(s == -1 for s in sizes) > 1:
            raise InvalidArgumentError(
                f"SplitV: there can only be one -1 in size_splits, got {list(sizes)}"
            )
        known = sum(s for s in sizes if s != -1)
        if -1 in sizes and known <= n:
            sizes = tuple(n - known if s == -1 else s for s in sizes)
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise InvalidArgumentError(
                f"SplitV: size_splits {list(splits)} do not add up "
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
    return _tile(input, multiples=_args.shape(multiples, "Tile", "multiples"))


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
    pads = _args.int_array(paddings, "Pad", "paddings", cast_floats=False)
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
    dims = _args.int_array(axis, "ReverseV2", "axis", cast_floats=False)
    if dims.ndim != 1:
        raise InvalidArgumentError(
            f"ReverseV2: axis must be a 1-D list of dimensions, not {axis!r}"
        )
    ndim = _ndim(tensor)
    axes = tuple(_axis(int(a), ndim, "ReverseV2") for a in dims)
    if len(set(axes)) != len(axes):
        raise InvalidArgumentError(
            f"ReverseV2: an axis is specified more than once in {dims.tolist()}"
        )
    return _reverse(tensor, axis=axes)


API = {
    "tf": ["stack", "unstack", "concat", "split", "tile", "pad", "reverse"],
}

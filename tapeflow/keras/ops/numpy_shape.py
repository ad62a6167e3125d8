"""`keras.ops` shape manipulation: reshape, transpose, concatenate/stack/split and their
variants, tile, repeat, flips and rolls, padding, diagonals, differences."""

from __future__ import annotations

import numpy as np

import tapeflow as tf

from ._base import canonical_axis, cast, keras_op, to_tensor
from ._dtypes import result_type


def _to_list(axis):
    return list(axis) if isinstance(axis, (list, tuple)) else [axis]


@keras_op
def reshape(x, newshape):
    """`x` with the same elements in shape `newshape` (one dimension may be -1)."""
    if isinstance(newshape, int):
        newshape = [newshape]
    return tf.reshape(to_tensor(x), newshape)


@keras_op
def transpose(x, axes=None):
    """`x` with its axes permuted (reversed by default)."""
    x = to_tensor(x)
    if axes:
        axes = [canonical_axis(a, x.ndim) for a in axes]
        if len(set(axes)) != len(axes):
            raise ValueError(
                "`axes` must be a valid permutation of the input dimensions (no duplicates). "
                f"Received: axes={axes} for input of rank {x.ndim}."
            )
    return tf.transpose(x, perm=axes)


@keras_op
def expand_dims(x, axis):
    """`x` with a new axis of size 1 at each of `axis`."""
    x = to_tensor(x)
    axes = _to_list(axis)
    ndim = x.ndim + len(axes)
    for a in sorted(canonical_axis(a, ndim) for a in axes):
        x = tf.expand_dims(x, a)
    return x


@keras_op
def squeeze(x, axis=None):
    """`x` without its axes of size 1 (only `axis`, if given)."""
    x = to_tensor(x)
    if axis is None:
        return tf.squeeze(x)
    shape = x.shape.as_list()
    for a in _to_list(axis):
        if shape[a] != 1:
            raise ValueError(f"Cannot squeeze axis={a}, because the dimension is not 1.")
    return tf.squeeze(x, axis=sorted(canonical_axis(a, x.ndim) for a in _to_list(axis)))


@keras_op
def moveaxis(x, source, destination):
    """`x` with the axes `source` moved to `destination`."""
    x = to_tensor(x)
    source = [canonical_axis(a, x.ndim) for a in _to_list(source)]
    destination = [canonical_axis(a, x.ndim) for a in _to_list(destination)]
    if len(source) != len(destination):
        raise ValueError(
            "Inconsistent number of `source` and `destination`. "
            f"Received: source={source}, destination={destination}"
        )
    if source == destination:
        return x
    perm = [i for i in range(x.ndim) if i not in source]
    for dest, src in sorted(zip(destination, source)):
        perm.insert(dest, src)
    return tf.transpose(x, perm)


@keras_op
def swapaxes(x, axis1, axis2):
    """`x` with two axes exchanged."""
    x = to_tensor(x)
    a, b = canonical_axis(axis1, x.ndim), canonical_axis(axis2, x.ndim)
    if a == b:
        return x
    perm = list(range(x.ndim))
    perm[a], perm[b] = b, a
    return tf.transpose(x, perm)


@keras_op
def ravel(x):
    """`x` flattened to 1-D."""
    return tf.reshape(to_tensor(x), [-1])


def _promoted(xs):
    xs = [to_tensor(x) for x in xs]
    names = {x.dtype.name for x in xs}
    if len(names) > 1:
        dtype = result_type(*names)
        xs = [cast(x, dtype) for x in xs]
    return xs


@keras_op
def concatenate(xs, axis=0):
    """The tensors `xs` joined along `axis` (dtypes promoted as Keras does)."""
    return tf.concat(_promoted(xs), axis=axis)


@keras_op
def append(x1, x2, axis=None):
    """x2 appended to x1 along `axis` (both flattened if axis is None)."""
    x1, x2 = _promoted([x1, x2])
    if axis is None:
        return tf.concat([tf.reshape(x1, [-1]), tf.reshape(x2, [-1])], axis=0)
    return tf.concat([x1, x2], axis=axis)


@keras_op
def stack(x, axis=0):
    """The tensors `x` stacked along a new axis."""
    return tf.stack(_promoted(x), axis=axis)


@keras_op
def hstack(xs):
    """Concatenation along the second axis (the first for 1-D tensors)."""
    xs = _promoted(xs)
    return tf.concat(xs, axis=0 if xs[0].ndim == 1 else 1)


@keras_op
def vstack(xs):
    """Concatenation along the first axis (of 1-D tensors too: Keras' TensorFlow backend
    joins them end to end, where NumPy would stack them as rows)."""
    return tf.concat(_promoted(xs), axis=0)


@keras_op
def dstack(xs):
    """Concatenation along the third axis (lower ranks padded as NumPy does)."""
    out = []
    for x in _promoted(xs):
        if x.ndim == 0:
            x = tf.reshape(x, [1, 1, 1])
        elif x.ndim == 1:
            x = tf.reshape(x, [1, -1, 1])
        elif x.ndim == 2:
            x = tf.expand_dims(x, -1)
        out.append(x)
    return tf.concat(out, axis=2)


@keras_op
def split(x, indices_or_sections, axis=0):
    """`x` split into equal sections (an int) or at the given indices, along `axis`."""
    x = to_tensor(x)
    if isinstance(indices_or_sections, int):
        return tf.split(x, indices_or_sections, axis=axis)
    total = x.shape[axis]
    bounds = [0] + [int(i) for i in indices_or_sections] + [total]
    sizes = [max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
    return tf.split(x, sizes, axis=axis)


@keras_op
def array_split(x, indices_or_sections, axis=0):
    """`x` split into `indices_or_sections` nearly equal parts (the first ones longer)."""
    x = to_tensor(x)
    total, parts = x.shape[axis], int(indices_or_sections)
    size, extra = divmod(total, parts)
    return tf.split(x, [size + 1] * extra + [size] * (parts - extra), axis=axis)


def hsplit(x, indices_or_sections):
    """split along the second axis (the first for 1-D tensors)."""
    x = to_tensor(x)
    return split(x, indices_or_sections, axis=0 if x.ndim == 1 else 1)


def vsplit(x, indices_or_sections):
    """split along the first axis."""
    return split(x, indices_or_sections, axis=0)


def dsplit(x, indices_or_sections):
    """split along the third axis."""
    return split(x, indices_or_sections, axis=2)


@keras_op
def tile(x, repeats):
    """`x` repeated `repeats` times along each axis."""
    x = to_tensor(x)
    repeats = [int(r) for r in ([repeats] if isinstance(repeats, int) else repeats)]
    if len(repeats) < x.ndim:
        repeats = [1] * (x.ndim - len(repeats)) + repeats
    while len(repeats) > x.ndim:
        x = tf.expand_dims(x, 0)
    return tf.tile(x, repeats)


@keras_op
def repeat(x, repeats, axis=None):
    """Each element of `x` repeated `repeats` times (of the flattened `x` if axis is None)."""
    return tf.repeat(to_tensor(x), repeats, axis=axis)


@keras_op
def flip(x, axis=None):
    """`x` reversed along `axis` (every axis if None)."""
    x = to_tensor(x)
    axes = list(range(x.ndim)) if axis is None else [canonical_axis(a, x.ndim)
                                                     for a in _to_list(axis)]  # fmt: skip
    return tf.reverse(x, axes)


def fliplr(x):
    """`x` reversed along its second axis."""
    return flip(x, 1)


def flipud(x):
    """`x` reversed along its first axis."""
    return flip(x, 0)


def _roll_axis(x, shift, axis):
    n = x.shape[axis]
    if n == 0:
        return x
    shift %= n
    if shift == 0:
        return x
    head = tf.gather(x, tf.range(n - shift, n), axis=axis)
    tail = tf.gather(x, tf.range(0, n - shift), axis=axis)
    return tf.concat([head, tail], axis=axis)


@keras_op
def roll(x, shift, axis=None):
    """`x` shifted cyclically by `shift` along `axis` (of the flattened `x` if None)."""
    x = to_tensor(x)
    if axis is None:
        return tf.reshape(_roll_axis(tf.reshape(x, [-1]), int(shift), 0), x.shape.as_list())
    shifts, axes = _to_list(shift), _to_list(axis)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, a in zip(shifts, axes):
        x = _roll_axis(x, int(s), canonical_axis(a, x.ndim))
    return x


@keras_op
def rot90(array, k=1, axes=(0, 1)):
    """`array` rotated by 90 degrees `k` times in the plane of `axes`."""
    x = to_tensor(array)
    if x.ndim < 2:
        raise ValueError(
            f"Input array must have at least 2 dimensions. Received: array.ndim={x.ndim}"
        )
    if len(axes) != 2 or axes[0] == axes[1]:
        raise ValueError(
            f"Invalid axes: {axes}. Axes must be a tuple of two different dimensions."
        )
    a, b = (canonical_axis(v, x.ndim) for v in axes)
    for _ in range(k % 4):
        x = swapaxes(tf.reverse(x, [b]), a, b)
    return x


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """`x` padded by `pad_width` ([before, after] per axis) in `mode` ("constant",
    "reflect", "symmetric")."""
    x = to_tensor(x)
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "Argument `constant_values` can only be provided when `mode == 'constant'`. "
            f"Received: mode={mode}"
        )
    widths = np.asarray(pad_width, dtype=np.int32)
    if widths.ndim < 2:  # NumPy's short forms: one width, or one (before, after) pair
        widths = np.broadcast_to(widths.reshape(1, -1), (x.ndim, 2))
    kwargs = {} if constant_values is None else {"constant_values": constant_values}
    return tf.pad(x, widths.tolist(), mode.upper(), **kwargs)


@keras_op
def broadcast_to(x, shape):
    """`x` broadcast to `shape`."""
    return tf.broadcast_to(to_tensor(x), shape)


@keras_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of `x` over the plane (axis1, axis2), as the last axis."""
    x = moveaxis(to_tensor(x), [axis1, axis2], [-2, -1])
    rows, cols = x.shape.as_list()[-2:]
    if offset <= -rows or offset >= cols:
        return tf.zeros(x.shape.as_list()[:-2] + [0], dtype=x.dtype.name)
    start_row, start_col = max(-offset, 0), max(offset, 0)
    n = min(rows - start_row, cols - start_col)
    index = np.stack([np.arange(n) + start_row, np.arange(n) + start_col], 1)
    flat = tf.reshape(x, [-1, rows, cols])
    picked = tf.transpose(tf.gather_nd(tf.transpose(flat, [1, 2, 0]), tf.constant(index)))
    return tf.reshape(picked, x.shape.as_list()[:-2] + [n])


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of the diagonal over the plane (axis1, axis2)."""
    x = to_tensor(x)
    name = x.dtype.name
    if name in ("bool", "int8", "int16"):
        x = cast(x, "int32")
    elif name in ("uint8", "uint16"):
        x = cast(x, "uint32")
    return tf.reduce_sum(diagonal(x, offset, axis1, axis2), axis=-1)


@keras_op
def diff(a, n=1, axis=-1):
    """The n-th discrete difference along `axis` (not-equal for bools)."""
    a = to_tensor(a)
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"Order `n` must be non-negative. Received n={n}")
    if a.ndim == 0:
        raise ValueError(
            f"`diff` requires input that is at least one dimensional. Received: a={a}"
        )
    axis = canonical_axis(axis, a.ndim)
    later = tuple(slice(1, None) if i == axis else slice(None) for i in range(a.ndim))
    earlier = tuple(slice(None, -1) if i == axis else slice(None) for i in range(a.ndim))
    for _ in range(n):
        a = tf.not_equal(a[later], a[earlier]) if a.dtype.is_bool else a[later] - a[earlier]
    return a


def size(x):
    """The number of elements of `x` (an int32 tensor)."""
    return tf.size(to_tensor(x))


def ndim(x) -> int:
    """The rank of `x`."""
    return to_tensor(x).ndim


@keras_op
def copy(x):
    """A copy of `x`."""
    return tf.identity(to_tensor(x))


@keras_op
def get_item(x, key):
    """x[key]."""
    return to_tensor(x)[key]


def unravel_index(indices, shape):
    """The coordinates in an array of `shape` of each flat index, as a tuple of tensors."""
    indices = to_tensor(indices)
    if None in shape:
        raise ValueError(f"`shape` argument cannot contain `None`. Received: shape={shape}")
    coords = []
    for dim in reversed(shape):
        coords.append(tf.math.floormod(indices, dim))
        indices = tf.math.floordiv(indices, dim)
    return tuple(reversed(coords))

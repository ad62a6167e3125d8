"""A tensor as TensorFlow's kernels write it in text (`tf.print`, `tf.strings.format`).

`summarize` elements at each end of every axis, floats in the shortest of 6 or 9 significant
digits that reads back exactly (15 or 17 for doubles), booleans as 1/0, strings in double
quotes, rows of higher-rank tensors on new lines.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy


def _element_formatter(dtype):
    if dtype.kind == "b":
        return lambda x: "1" if x else "0"
    if dtype.kind in "iu":
        return lambda x: str(int(x))
    if dtype.kind == "f":
        if dtype.itemsize >= 8:
            return lambda x: _shortest(float(x), 15, 17, float)
        return lambda x: _shortest(float(x), 6, 9, np.float32)
    if dtype.kind == "O":
        return lambda x: '"' + x.decode("utf-8", "backslashreplace") + '"'
    return str


def _shortest(x: float, digits: int, more: int, parse) -> str:
    if x != x:
        return "-nan" if np.signbit(x) else "nan"
    text = f"{x:.{digits}g}"  # C's %.*g, as TF's FloatToBuffer
    if parse(text) != parse(x):
        text = f"{x:.{more}g}"
    return text


def summarize_array(array, summarize: int = 3) -> str:
    """A tensor as TF's print shows it: `[1 2 ... 9 10]`, nested rows on new lines."""
    a = np.asarray(to_numpy(array))
    fmt = _element_formatter(a.dtype)
    if a.ndim == 0:
        return fmt(a[()])
    edge = a.size if summarize < 0 else min(summarize, a.size)
    out = []
    _print_dim(a, 0, (), edge, fmt, out)
    return "".join(out)


def _print_dim(a, dim, index, edge, fmt, out):
    if dim == a.ndim:
        out.append(fmt(a[index]))
        return
    n = a.shape[dim]
    out.append("[")
    for i in range(min(edge, n)):
        if i > 0:
            _spacing(dim, a.ndim, out)
        _print_dim(a, dim + 1, index + (i,), edge, fmt, out)
    if n > 2 * edge:
        _spacing(dim, a.ndim, out)
        out.append("...")
    for i in range(max(edge, n - edge), n):
        _spacing(dim, a.ndim, out)
        _print_dim(a, dim + 1, index + (i,), edge, fmt, out)
    out.append("]")


def _spacing(dim, ndim, out):
    if dim == ndim - 1:
        out.append(" ")
    else:
        out.append("\n" * (ndim - dim - 1) + " " * (dim + 1))

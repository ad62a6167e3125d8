"""One graph document for every size of a signature's `None` dimensions.

tapeflow traces on concrete shapes, so a saved function with `None` dimensions is traced three
times, each `None` dimension given a different prime size per trace. Where the three
documents agree, the graph does not depend on those sizes. Where an integer differs (a
Reshape's target, a shape guard), it must be `scale * size + offset` of exactly one
dimension in all three traces, and becomes that reference (`ir_serialize.Dim`); arrays must
be equal. Anything else (another node count, a constant array that depends on a size) is an
error naming the place: the Python code used a size in a way that a graph cannot express
(as in TF, use `tf.shape(x)` rather than `x.shape`).
"""

from __future__ import annotations

import numpy as np

from ..function.ir_serialize import Dim

# Sizes given to the None dimensions, one list per trace: small primes (a trace runs the
# model on inputs of these sizes), never 1 (which broadcasts), and a different triple for
# each dimension, so that a value derived from one cannot be mistaken for another's (an
# ambiguous fit is refused, never guessed).
PROBES = (
    (2, 3, 5, 7, 11, 13, 17, 19),
    (3, 5, 7, 11, 13, 17, 19, 23),
    (5, 7, 11, 13, 17, 19, 23, 29),
)
UNKNOWN_RANK_SHAPES = ((2,), (3, 2), (2, 3, 2))
MAX_NONE_DIMS = len(PROBES[0])


class NotGeneric(ValueError):
    """The traces differ in a way no dimension reference explains."""


def _same_array(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and bool(np.all(a == b))


def _as_dim(values, n_dims, where):
    matches = []
    for k in range(n_dims):
        p = [PROBES[t][k] for t in range(3)]
        scale, remainder = divmod(values[1] - values[0], p[1] - p[0])
        if remainder:
            continue
        offset = values[0] - scale * p[0]
        if scale != 0 and values[2] == scale * p[2] + offset:
            matches.append(Dim(k, scale, offset).encode())
    if len(matches) != 1:
        raise NotGeneric(
            f"at {where}: the value is {values[0]}, {values[1]} and {values[2]} when the None "
            f"dimensions are {[PROBES[t][:n_dims] for t in range(3)]}"
        )
    return matches[0]


def merge(docs, arrays, n_dims: int, where: str = "graph"):
    """The document standing for the three `docs` (traces at the PROBES sizes); array
    references are compared through `arrays` and the first trace's key is kept."""
    a, b, c = docs
    if isinstance(a, dict):
        if (
            not (isinstance(b, dict) and isinstance(c, dict))
            or a.keys() != b.keys()
            or (a.keys() != c.keys())
        ):
            raise NotGeneric(f"at {where}: the traces have different structures")
        if set(a) == {"array"}:
            if not (
                _same_array(arrays[a["array"]], arrays[b["array"]])
                and _same_array(arrays[a["array"]], arrays[c["array"]])
            ):
                raise NotGeneric(f"at {where}: a constant array differs with the sizes")
            return a
        return {k: merge((a[k], b[k], c[k]), arrays, n_dims, f"{where}.{k}") for k in a}
    if isinstance(a, list):
        if not (isinstance(b, list) and isinstance(c, list)) or not len(a) == len(b) == len(c):
            raise NotGeneric(f"at {where}: the traces have different lengths ({len(a)}, {len(b)})")
        return [merge(t, arrays, n_dims, f"{where}[{i}]") for i, t in enumerate(zip(a, b, c))]
    if isinstance(a, int) and not isinstance(a, bool) and type(b) is int and type(c) is int:
        return a if a == b == c else _as_dim((a, b, c), n_dims, where)
    if a != b or a != c or type(a) is not type(b):
        raise NotGeneric(f"at {where}: {a!r:.40} differs from {b!r:.40}")
    return a


def merge_consts(consts, arrays, where: str):
    """Constants of the three traces: equal arrays under the same value ids."""
    a, b, c = consts
    if a.keys() != b.keys() or a.keys() != c.keys():
        raise NotGeneric(f"at {where}: the traces hold different constants")
    for v in a:
        if not (
            _same_array(arrays[a[v]], arrays[b[v]]) and _same_array(arrays[a[v]], arrays[c[v]])
        ):
            raise NotGeneric(
                f"at {where}: constant %{v} differs with the sizes of None dimensions"
            )
    return a

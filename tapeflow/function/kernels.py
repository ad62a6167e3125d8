"""How the plan computes ops without their Python wrappers: ufunc kernels and direct calls.

Each elementwise kernel spells an op's forward as the same NumPy ufunc calls, in the same
order, so results are bitwise those of the op; written that way, the plan can call the
ufuncs directly and give them an ``out=`` buffer (the chain's running value, or an input
that dies there). ``tests/function/test_kernels.py`` checks every kernel against its op.

A step is ``(function, *operands)``: the function is a NumPy ufunc name (it may write into
the running buffer) or ``"where"`` (it allocates). An operand is an input position (int),
``"o"`` (the running value), ``"Z"`` (a 0-d zero of the dtype, as the ops use), a Python
int literal written as a string (``"0"``, ``"1"``), or a nested step (a temporary).

Direct calls (`DIRECT`) replace a forward by the NumPy call it makes, once the checks it
does first are known to pass (they depend only on dtypes, shapes and attributes, which a
trace fixes).
"""

from __future__ import annotations

import numpy as np

from ..backend import fused
from ..ops._common import normalize_axis
from ..ops.reduce import leading_axes
from .ir import Graph, Node


class Kernel:
    def __init__(self, *steps, quiet=False):
        self.steps = steps
        self.quiet = quiet  # the op computes under np.errstate(divide/invalid/over="ignore")


def _unary(ufunc, quiet=False):
    return Kernel((ufunc, 0), quiet=quiet)


def _binary(ufunc, quiet=False):
    return Kernel((ufunc, 0, 1), quiet=quiet)


KERNELS = {
    "AddV2": _binary("add"),
    "Sub": _binary("subtract"),
    "Mul": _binary("multiply"),
    "RealDiv": _binary("true_divide", quiet=True),
    "Maximum": _binary("maximum"),
    "Minimum": _binary("minimum"),
    "SquaredDifference": Kernel(("subtract", 0, 1), ("multiply", "o", "o")),
    "Neg": _unary("negative"),
    "Abs": _unary("absolute"),
    "Sign": _unary("sign"),
    "Square": Kernel(("multiply", 0, 0)),
    "Sqrt": _unary("sqrt", quiet=True),
    "Rsqrt": Kernel(("sqrt", 0), ("true_divide", "1", "o"), quiet=True),
    "Reciprocal": _unary("reciprocal", quiet=True),
    "Exp": _unary("exp", quiet=True),
    "Expm1": _unary("expm1", quiet=True),
    "Log": _unary("log", quiet=True),
    "Log1p": _unary("log1p", quiet=True),
    "Tanh": _unary("tanh"),
    "Sin": _unary("sin"),
    "Cos": _unary("cos"),
    "BiasAdd": _binary("add"),
    "Relu": Kernel(("maximum", 0, "Z")),
    "ReluGrad": Kernel(("multiply", 0, ("greater", 1, "0"))),
    "Sigmoid": Kernel(
        ("absolute", 0),
        ("negative", "o"),
        ("exp", "o"),
        ("true_divide", "o", ("add", "1", "o")),
        ("where", ("greater_equal", 0, "0"), ("subtract", "1", "o"), "o"),
    ),
}


def kernel_for(graph: Graph, node: Node):
    """The kernel of an op node when it can be emitted as ufuncs, else None.

    Only floating (and, for the arithmetic ones, integer) ops whose inputs all have the
    output's dtype. On rank 0 the ufuncs run without buffers (NumPy returns scalars there,
    as the op does).
    """
    if node.kind != "op" or len(node.outputs) != 1:
        return None
    kernel = KERNELS.get(node.op.name)
    if kernel is None:
        return None
    out = graph.arrays[node.outputs[0]]
    if not isinstance(out, (np.ndarray, np.generic)) or out.dtype.kind not in "fi":
        return None
    if out.dtype.kind == "i" and (kernel.quiet or node.op.name in ("Sigmoid", "Tanh")):
        return None
    if node.op.name == "BiasAdd" and node.attrs.get("data_format", "NHWC").startswith("NC"):
        return None
    for v in node.inputs:
        if np.asarray(graph.arrays[v]).dtype != out.dtype:
            return None
    return kernel


# ---- direct calls -------------------------------------------------------------------------


def _matmul(em, n, args):
    if em.graph.arrays[n.inputs[0]].dtype.name == "bfloat16":
        return None  # the op rounds ml_dtypes' float32 result back to bfloat16
    a, b = args
    if n.attrs.get("transpose_a"):
        a += ".T"
    if n.attrs.get("transpose_b"):
        b += ".T"
    return f"{em.func('matmul')}({a}, {b})"


def _reduction_axis(em, n):
    ndim = np.ndim(em.graph.arrays[n.inputs[0]])
    return normalize_axis(n.attrs.get("axis"), ndim)


def _sum(em, n, args):
    x = em.graph.arrays[n.inputs[0]]
    if not isinstance(x, np.ndarray):
        return None
    axis = _reduction_axis(em, n)
    dtype = em.const(x.dtype)
    keep = bool(n.attrs.get("keepdims"))
    k = leading_axes(axis)
    if k and not keep:  # what the op calls: the native row sum, same bits
        return f"{em.const(fused.sum_leading, 'F')}({args[0]}, {k})"
    return f"{em.func('add.reduce')}({args[0]}, {axis!r}, {dtype}, None, {keep})"


def _mean(em, n, args):
    x = em.graph.arrays[n.inputs[0]]
    if not isinstance(x, np.ndarray) or x.dtype not in (np.float32, np.float64) or x.size == 0:
        return None
    if not em.graph.fixed_axes(n.inputs[0], n.attrs.get("axis")):
        return None  # the count follows a None dimension: the op computes it per call
    axis = _reduction_axis(em, n)
    keep = bool(n.attrs.get("keepdims"))
    # What np.mean computes for float32/64 (a sum in the dtype, then a true division by the
    # count), without its Python-level wrapper: bitwise the same, a microsecond cheaper.
    count = x.size if axis is None else int(np.prod([x.shape[a] for a in axis]))
    return f"{em.func('add.reduce')}({args[0]}, {axis!r}, None, None, {keep}) / {count}"


def _reshape(em, n, args):
    return f"{em.func('reshape')}({args[0]}, {tuple(n.attrs['shape'])!r})"


def _transpose(em, n, args):
    return f"{em.func('transpose')}({args[0]}, {tuple(n.attrs['perm'])!r})"


def _alias(em, n, args):
    return args[0]


DIRECT = {
    "MatMul": _matmul,
    "Sum": _sum,
    "Mean": _mean,
    "Reshape": _reshape,
    "Transpose": _transpose,
    "Identity": _alias,
    "StopGradient": _alias,
}

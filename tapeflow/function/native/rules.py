"""Which graph nodes have a native lowering, and the scalar formula of each elementwise op.

An elementwise op is written as a function of its operands' scalar expressions (source
text inside a Numba loop body) that returns its own expression; `ctx.tmp(expr)` binds a
subexpression to a fresh local so it is computed once. Each formula is the op's forward
element by element, in the same order of float operations (no fused multiply-add: Numba
compiles without fastmath); transcendental functions come from the C library, where NumPy
has its own vectorised versions, so those agree to a few units in the last place.
"""

from __future__ import annotations

import math

import numpy as np

FLOATS = (np.dtype("float32"), np.dtype("float64"))

# Numba constructors that give a scalar constant its dtype.
CTOR = {"float32": "np.float32", "float64": "np.float64"}


def literal(value, dtype) -> str:
    """A scalar constant in `dtype` as source text (exact: a float64 repr round-trips)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        f = float(value)
        text = repr(f) if math.isfinite(f) else f"np.{'nan' if f != f else 'inf'}"
        if f == -math.inf:
            text = "-np.inf"
        return f"{CTOR.get(dtype.name, 'np.float64')}({text})"
    if dtype.kind == "b":
        return repr(bool(value))
    return f"np.{dtype.name}({int(value)})"


def _maximum(ctx, a, b):
    a, b = ctx.tmp(a), ctx.tmp(b)
    return f"({a} if ({a} >= {b} or {a} != {a}) else {b})"  # np.maximum: NaN wins


def _minimum(ctx, a, b):
    a, b = ctx.tmp(a), ctx.tmp(b)
    return f"({a} if ({a} <= {b} or {a} != {a}) else {b})"


def _square(ctx, a):
    a = ctx.tmp(a)
    return f"({a} * {a})"


def _squared_difference(ctx, a, b):
    d = ctx.tmp(f"({a} - {b})")
    return f"({d} * {d})"


def _relu(ctx, x):
    x = ctx.tmp(x)
    return f"({x} if ({x} >= {ctx.zero} or {x} != {x}) else {ctx.zero})"


def _relu_grad(ctx, g, y):
    # g * (y > 0) with the mask in the dtype: -0.0 and NaN come out as NumPy's.
    return f"({g} * ({ctx.one} if {y} > {ctx.zero} else {ctx.zero}))"


def _sigmoid(ctx, x):
    # kernels.py's Sigmoid: t = e / (1 + e) with e = exp(-|x|); 1 - t where x >= 0.
    x = ctx.tmp(x)
    e = ctx.tmp(f"np.exp(-np.abs({x}))")
    t = ctx.tmp(f"({e} / ({ctx.one} + {e}))")
    return f"(({ctx.one} - {t}) if {x} >= {ctx.zero} else {t})"


def _stable_sigmoid(ctx, x):
    # nn_losses._stable_sigmoid: 1 / (1 + e) where x >= 0, else e / (1 + e).
    x = ctx.tmp(x)
    e = ctx.tmp(f"np.exp(-np.abs({x}))")
    return f"(({ctx.one} / ({ctx.one} + {e})) if {x} >= {ctx.zero} else ({e} / ({ctx.one} + {e})))"


def _sigmoid_xent(ctx, z, x):
    # (max(x, 0) - x * z) + log1p(exp(-|x|)), TF's stable formula.
    x = ctx.tmp(x)
    relu = _relu(ctx, x)
    return f"(({relu} - {x} * {z}) + np.log1p(np.exp(-np.abs({x}))))"


def _sigmoid_xent_grad(ctx, g, z, x):
    return f"({g} * ({_stable_sigmoid(ctx, x)} - {z}))"


def _add_n(ctx, *xs):
    out = f"({xs[0]} + {xs[1]})" if len(xs) > 1 else xs[0]
    for x in xs[2:]:
        out = f"({out} + {x})"
    return out


def _cast(ctx, x):
    return f"{ctx.ctor}({x})"


ELEMENTWISE = {
    "AddV2": lambda ctx, a, b: f"({a} + {b})",
    "BiasAdd": lambda ctx, a, b: f"({a} + {b})",
    "Sub": lambda ctx, a, b: f"({a} - {b})",
    "Mul": lambda ctx, a, b: f"({a} * {b})",
    "RealDiv": lambda ctx, a, b: f"({a} / {b})",
    "Maximum": _maximum,
    "Minimum": _minimum,
    "SquaredDifference": _squared_difference,
    "Neg": lambda ctx, a: f"(-{a})",
    "Abs": lambda ctx, a: f"np.abs({a})",
    "Square": _square,
    "Sqrt": lambda ctx, a: f"np.sqrt({a})",
    "Rsqrt": lambda ctx, a: f"({ctx.one} / np.sqrt({a}))",
    "Reciprocal": lambda ctx, a: f"({ctx.one} / {a})",
    "Exp": lambda ctx, a: f"np.exp({a})",
    "Expm1": lambda ctx, a: f"np.expm1({a})",
    "Log": lambda ctx, a: f"np.log({a})",
    "Log1p": lambda ctx, a: f"np.log1p({a})",
    "Tanh": lambda ctx, a: f"np.tanh({a})",
    "Sin": lambda ctx, a: f"np.sin({a})",
    "Cos": lambda ctx, a: f"np.cos({a})",
    "Relu": _relu,
    "ReluGrad": _relu_grad,
    "Sigmoid": _sigmoid,
    "SigmoidCrossEntropyWithLogits": _sigmoid_xent,
    "SigmoidCrossEntropyWithLogitsGrad": _sigmoid_xent_grad,
    "AddN": _add_n,
    "Cast": _cast,
}

REDUCTIONS = ("Sum", "Mean")
VIEWS = ("Reshape", "ReshapeLike", "ExpandDims", "Squeeze", "Identity", "StopGradient")
SPECIAL = (
    "MatMul",
    "Softmax",
    "SparseSoftmaxCrossEntropyWithLogits",
    "SoftmaxCrossEntropyWithLogits",
    "OneHot",
    "Conv2D",
    "Conv2DBackpropFilter",
)


def _dtype(graph, v):
    a = graph.arrays.get(v)
    return None if a is None else np.asarray(a).dtype if not hasattr(a, "dtype") else a.dtype


def _broadcasts_to(shape, out) -> bool:
    if len(shape) > len(out):
        return False
    for d, o in zip(reversed(shape), reversed(out)):
        if d != o and d != 1:
            return False
    return True


def lowerable(graph, node, gemm: bool) -> bool:
    """Whether op node `node` has a native lowering for its dtypes, shapes and attributes
    (`gemm`: whether MatMul can call the BLAS)."""
    if node.kind != "op" or node.op.stateful:
        return False
    name = node.op.name
    outs = node.outputs
    if len(outs) != 1:
        return False
    out_dtype = _dtype(graph, outs[0])
    out_shape = graph.shape(outs[0])
    in_dtypes = [_dtype(graph, v) for v in node.inputs]
    if name in ELEMENTWISE:
        if out_dtype not in FLOATS:
            return False
        if name == "Cast":
            return in_dtypes[0] is not None and in_dtypes[0].kind in "fiub"
        if name == "BiasAdd" and node.attrs.get("data_format", "NHWC").startswith("NC"):
            return False
        if set(node.attrs) - {"data_format"}:
            return False
        return all(d == out_dtype for d in in_dtypes) and all(
            _broadcasts_to(graph.shape(v), out_shape) for v in node.inputs
        )
    if name in REDUCTIONS:
        return out_dtype in FLOATS and in_dtypes[0] == out_dtype and len(node.inputs) == 1
    if name in VIEWS:
        return out_dtype is not None and out_dtype.kind in "fiub"
    if name == "MatMul":
        a, b = (graph.shape(v) for v in node.inputs)
        extra = set(node.attrs) - {"transpose_a", "transpose_b"}
        return (
            gemm
            and not extra
            and out_dtype in FLOATS
            and all(d == out_dtype for d in in_dtypes)
            and len(a) == 2
            and len(b) == 2
        )
    if name in ("Conv2D", "Conv2DBackpropFilter"):
        from .emit_conv import lowerable as conv_lowerable

        return conv_lowerable(graph, node, in_dtypes, out_dtype)
    if name == "Softmax":
        axis = node.attrs.get("axis", -1)
        ndim = len(out_shape)
        return out_dtype in FLOATS and ndim >= 1 and axis in (-1, ndim - 1)
    if name == "SparseSoftmaxCrossEntropyWithLogits":
        labels, logits = node.inputs
        return (
            _dtype(graph, logits) in FLOATS
            and in_dtypes[0].kind in "iu"
            and len(graph.shape(logits)) >= 1
            and graph.shape(labels) == graph.shape(logits)[:-1]
        )
    if name == "SoftmaxCrossEntropyWithLogits":
        labels, logits = node.inputs
        ndim = len(graph.shape(logits))
        return (
            out_dtype in FLOATS
            and all(d == out_dtype for d in in_dtypes)
            and ndim >= 1
            and graph.shape(labels) == graph.shape(logits)
            and node.attrs.get("axis", -1) in (-1, ndim - 1)
        )
    if name == "OneHot":
        indices = node.inputs[0]
        ndim = len(graph.shape(indices))
        return (
            out_dtype in FLOATS
            and in_dtypes[0].kind in "iu"
            and node.attrs.get("axis", -1) in (-1, ndim)
        )
    return False

"""Batching rules: how each op runs on a whole batch of examples at once (for `vmap`).

`vmap` records a function on one example and replays it on the batch; for an op that reads
a batched value (every example's value stacked on a new leading axis) it calls the op's
rule here: `rule(op, args, batched, batch_size, **attrs)` gets the inputs (batched ones carry
the leading axis, others do not), which of them are batched, the batch size and the op's
attributes, and returns the op's output(s) for every example, stacked on axis 0.

Rules are written in tapeflow ops, so a tape or a tf.function trace around the batched
replay records them: gradients of a vmap, and vmap inside tf.function, need nothing more.
An op with no rule runs once per example (`loop`), which is always correct and slow.

Here: the helpers, elementwise ops, reductions, matrix products and random draws; the rules
of shape ops, gathers and scatters are in batching_shapes.py, those of convolutions, pooling
and image ops in batching_images.py (both imported at the end, so RULES holds every rule).
"""

from __future__ import annotations

from ..core.registry import get_op

RULES: dict = {}


def rule(*names):
    def register(fn):
        for name in names:
            RULES[name] = fn
        return fn

    return register


def _op(name):
    return get_op(name)


def _rank(x, batched) -> int:
    """The per-example rank of an input."""
    return x._value.ndim - (1 if batched else 0)


def _example_shape(x, batched) -> tuple:
    shape = tuple(x._value.shape)
    return shape[1:] if batched else shape


def lift(x, rank: int):
    """A batched `x` reshaped so its per-example rank is `rank` (ones after the batch axis):
    it then broadcasts against unbatched values the way one example would."""
    shape = tuple(x._value.shape)
    missing = rank - (len(shape) - 1)
    if missing <= 0:
        return x
    return _op("Reshape")(x, shape=shape[:1] + (1,) * missing + shape[1:])


def batch(x, batch_size: int):
    """An unbatched `x` repeated for every example (a broadcast view, no copy)."""
    return _op("BroadcastTo")(x, shape=(batch_size,) + tuple(x._value.shape))


def _all_batched(args, batched, batch_size):
    return [a if b else batch(a, batch_size) for a, b in zip(args, batched)]


def shift(axis, rank: int):
    """A per-example axis (int, tuple or None = all) as an axis of the batched value."""
    if axis is None:
        return tuple(range(1, rank + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(shift(a, rank) for a in axis)
    axis = int(axis)
    return axis + 1 if axis >= 0 else axis


def loop(op, args, batched, batch_size, **attrs):
    """The op run once per example, the results stacked: any op, slowly."""
    unstack = _op("Unpack")
    parts = [unstack(a, num=batch_size, axis=0) if b else None for a, b in zip(args, batched)]
    results = []
    for i in range(batch_size):
        example = [p[i] if p is not None else a for a, p in zip(args, parts)]
        out = op(*example, **attrs)
        results.append(out if op.multiple_outputs else (out,))
    stacked = tuple(_op("Pack")(*[r[k] for r in results], axis=0) for k in range(len(results[0])))
    return stacked if op.multiple_outputs else stacked[0]


# ---- elementwise ------------------------------------------------------------------------


@rule(
    "Abs", "Acos", "Acosh", "AddV2", "Asin", "Asinh", "Atan", "Atan2", "Atanh", "Cast",
    "Ceil", "CheckNumerics", "ClipByValue", "Cos", "Cosh", "Digamma", "DivNoNan", "DropoutScale",
    "Elu", "EluGrad", "Equal", "Erf", "Erfc", "Exp", "Expm1", "Floor", "FloorDiv", "FloorMod",
    "Greater", "GreaterEqual", "Identity", "Imag", "IsFinite", "IsInf", "IsNan", "LeakyRelu",
    "LeakyReluGrad", "Less", "LessEqual", "Lgamma", "Log", "Log1p", "LogicalAnd", "LogicalNot",
    "LogicalOr", "Maximum", "Minimum", "Mod", "Mul", "MulNoNan", "Neg", "NotEqual", "OnesLike",
    "OptimizationBarrier", "Pow", "Real", "RealDiv", "Reciprocal", "Relu", "Relu6", "Relu6Grad",
    "ReluGrad", "Rint", "Round", "Rsqrt", "SelectV2", "Selu", "SeluGrad", "Sigmoid",
    "SigmoidCrossEntropyWithLogits", "SigmoidCrossEntropyWithLogitsGrad", "SigmoidGrad", "Sign",
    "Sin", "Sinh", "Softplus", "Softsign", "Sqrt", "Square", "SquaredDifference", "StopGradient",
    "Sub", "Tan", "Tanh", "TanhGrad", "Xdivy", "Xlogy", "ZerosLike",
)  # fmt: skip
def elementwise(op, args, batched, batch_size, **attrs):
    """NumPy broadcasting does it, once batched inputs have the largest per-example rank."""
    rank = max(_rank(a, b) for a, b in zip(args, batched))
    return op(*[lift(a, rank) if b else a for a, b in zip(args, batched)], **attrs)


@rule("AddN")
def add_n(op, args, batched, batch_size):
    return op(*_all_batched(args, batched, batch_size))  # its inputs must share one shape


@rule("BiasAdd")
def bias_add(op, args, batched, batch_size, data_format="NHWC"):
    value, bias = args
    if data_format != "NHWC" and not data_format.endswith("C"):
        return loop(op, args, batched, batch_size, data_format=data_format)
    if not batched[1]:
        return op(lift(value, 1) if batched[0] else value, bias, data_format=data_format)
    rank = max(_rank(value, batched[0]), 1)
    value = lift(value, rank) if batched[0] else value
    return _op("AddV2")(value, lift(bias, rank))


# ---- axes: reductions, scans, softmax --------------------------------------------------------


@rule("Sum", "Mean", "Max", "Min", "Prod", "All", "Any", "EuclideanNorm")
def reduction(op, args, batched, batch_size, axis=None, keepdims=False):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)), keepdims=keepdims)


@rule("ArgMax", "ArgMin")
def arg_reduction(op, args, batched, batch_size, axis=0, output_type="int64"):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)), output_type=output_type)


@rule("Cumsum", "Cumprod", "CumulativeLogsumexp")
def scan(op, args, batched, batch_size, axis=0, exclusive=False, reverse=False):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)), exclusive=exclusive, reverse=reverse)


@rule("Softmax", "LogSoftmax")
def softmax(op, args, batched, batch_size, axis=-1):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)))


@rule("ArgSort")
def argsort(op, args, batched, batch_size, axis, descending):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)), descending=descending)


@rule("TopKV2")
def top_k(op, args, batched, batch_size, **attrs):
    return op(*args, **attrs)  # along the last axis: a leading batch axis changes nothing


@rule("L2Loss")
def l2_loss(op, args, batched, batch_size):
    (t,) = args
    total = _op("Sum")(t * t, axis=shift(None, _rank(t, True)), keepdims=False)
    return total / 2


@rule("SoftmaxCrossEntropyWithLogits")
def softmax_cross_entropy(op, args, batched, batch_size, axis=-1):
    labels, logits = _all_batched(args, batched, batch_size)
    rank = max(_rank(labels, True), _rank(logits, True))
    return op(lift(labels, rank), lift(logits, rank), axis=shift(axis, rank))


@rule("SparseSoftmaxCrossEntropyWithLogits")
def sparse_softmax_cross_entropy(op, args, batched, batch_size):
    labels, logits = _all_batched(args, batched, batch_size)
    lead = tuple(labels._value.shape)  # (B,) + the labels' per-example shape
    flat = op(
        _op("Reshape")(labels, shape=(-1,)),
        _op("Reshape")(logits, shape=(-1, logits._value.shape[-1])),
    )
    return _op("Reshape")(flat, shape=lead)


# ---- matrix products ---------------------------------------------------------------------


@rule("MatMul")
def matmul(op, args, batched, batch_size, transpose_a=False, transpose_b=False):
    a, b = args
    if batched[0] and not batched[1] and not transpose_a:
        # One GEMM for the whole batch: (B*m, k) @ b.
        shape = tuple(a._value.shape)
        out = op(_op("Reshape")(a, shape=(-1, shape[-1])), b, transpose_b=transpose_b)
        return _op("Reshape")(out, shape=shape[:-1] + (out._value.shape[-1],))
    if batched[0] and batched[1]:
        outer = _outer(a, b, transpose_a, transpose_b)
        if outer is not None:  # per-example outer products (a Dense kernel's gradient)
            return outer
    return _op("BatchMatMulV2")(a, b, adj_x=transpose_a, adj_y=transpose_b)


def _outer(a, b, transpose_a, transpose_b):
    """a @ b (transposes applied) for batched stacks of matrices whose product contracts an
    axis of size 1: the outer products of their vectors as one BatchOuter, written in one
    pass (NumPy's matmul and broadcast multiply both cost a loop setup per row). None when
    the product is not that, when the stacks' leading axes differ (they would broadcast),
    or when it is complex (an adjoint there also conjugates)."""
    sa, sb = tuple(a._value.shape), tuple(b._value.shape)
    if len(sa) < 3 or sa[:-2] != sb[:-2] or a._value.dtype.kind == "c":
        return None
    rows_a, cols_a = sa[-2:]
    rows_b, cols_b = sb[-2:]
    k, m = (rows_a, cols_a) if transpose_a else (cols_a, rows_a)  # op(a) is (m, k)
    k_b, n = (cols_b, rows_b) if transpose_b else (rows_b, cols_b)  # op(b) is (k, n)
    if k != 1 or k_b != 1:
        return None
    lead = sa[:-2]
    return _op("BatchOuter")(
        _op("Reshape")(a, shape=lead + (m,)), _op("Reshape")(b, shape=lead + (n,))
    )


@rule("BatchOuter")
def batch_outer(op, args, batched, batch_size):
    return op(*_all_batched(args, batched, batch_size))  # the leading shapes must agree


@rule("BatchMatMulV2")
def batch_matmul(op, args, batched, batch_size, adj_x=False, adj_y=False):
    if all(batched):
        outer = _outer(*args, adj_x, adj_y)
        if outer is not None:
            return outer
    rank = max(_rank(a, b) for a, b in zip(args, batched))
    return op(
        *[lift(a, rank) if b else a for a, b in zip(args, batched)], adj_x=adj_x, adj_y=adj_y
    )


@rule("Einsum")
def einsum(op, args, batched, batch_size, equation):
    if "->" not in equation:
        return loop(op, args, batched, batch_size, equation=equation)
    inputs, output = equation.split("->")
    letter = next(c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in equation)
    parts = inputs.split(",")
    parts = [letter + p if b else p for p, b in zip(parts, batched)]
    return op(*args, equation=",".join(parts) + "->" + letter + output)


@rule(
    "Cholesky", "MatrixInverse", "MatrixDeterminant", "LogMatrixDeterminant", "MatrixBandPart",
    "MatrixDiagPartV3", "MatrixDiagV3", "MatrixSetDiagV3",
)  # fmt: skip
def leading_batch(op, args, batched, batch_size, **attrs):
    """Ops on stacks of matrices: the batch is one more leading axis of every input."""
    return op(*_all_batched(args, batched, batch_size), **attrs)


@rule("MatrixSolve", "MatrixTriangularSolve")
def matrix_solve(op, args, batched, batch_size, **attrs):
    """As `leading_batch`, but the two inputs' stack axes broadcast: lift ranks first."""
    args = _all_batched(args, batched, batch_size)
    rank = max(_rank(a, True) for a in args)
    return op(*[lift(a, rank) for a in args], **attrs)


# ---- random draws: each example draws its own -----------------------------------------------

# Stateful ops whose draws must differ per example even when no input is batched: the
# batched draw of shape (B,) + shape takes the same numbers, in order, as B draws would.
RANDOM_SHAPED = frozenset(
    {
        "RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformFullInt",
        "RandomUniformLike",
    }
)  # fmt: skip


@rule(*RANDOM_SHAPED)
def random_shaped(op, args, batched, batch_size, shape, **attrs):
    return op(*args, shape=(batch_size,) + tuple(shape), **attrs)


@rule("RandomUniformLike")
def random_uniform_like(op, args, batched, batch_size, **attrs):
    (x,) = args  # draws in x's shape: one per example even for an unbatched x
    return op(x if batched[0] else batch(x, batch_size), **attrs)


@rule("RandomUniformInt")
def random_uniform_int(op, args, batched, batch_size, shape, **attrs):
    if any(batched):
        return loop(op, args, batched, batch_size, shape=shape, **attrs)
    return op(*args, shape=(batch_size,) + tuple(shape), **attrs)


# The other families' rules register themselves with `rule` on import.
from . import batching_images, batching_shapes  # noqa: E402, F401

"""Batching rules: how each op runs on a whole batch of examples at once (for `vmap`).

`vmap` records a function on one example and replays it on the batch; for an op that reads
a batched value (every example's value stacked on a new leading axis) it calls the op's
rule here: `rule(op, args, batched, size, **attrs)` gets the inputs (batched ones carry
the leading axis, others do not), which of them are batched, the batch size and the op's
attributes, and returns the op's output(s) for every example, stacked on axis 0.

Rules are written in tapeflow ops, so a tape or a tf.function trace around the batched
replay records them: gradients of a vmap, and vmap inside tf.function, need nothing more.
An op with no rule runs once per example (`loop`), which is always correct and slow.
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


def batch(x, size: int):
    """An unbatched `x` repeated for every example (a broadcast view, no copy)."""
    return _op("BroadcastTo")(x, shape=(size,) + tuple(x._value.shape))


def _all_batched(args, batched, size):
    return [a if b else batch(a, size) for a, b in zip(args, batched)]


def shift(axis, rank: int):
    """A per-example axis (int, tuple or None = all) as an axis of the batched value."""
    if axis is None:
        return tuple(range(1, rank + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(shift(a, rank) for a in axis)
    axis = int(axis)
    return axis + 1 if axis >= 0 else axis


def loop(op, args, batched, size, **attrs):
    """The op run once per example, the results stacked: any op, slowly."""
    unstack = _op("Unpack")
    parts = [unstack(a, num=size, axis=0) if b else None for a, b in zip(args, batched)]
    results = []
    for i in range(size):
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
def elementwise(op, args, batched, size, **attrs):
    """NumPy broadcasting does it, once batched inputs have the largest per-example rank."""
    rank = max(_rank(a, b) for a, b in zip(args, batched))
    return op(*[lift(a, rank) if b else a for a, b in zip(args, batched)], **attrs)


@rule("AddN")
def add_n(op, args, batched, size):
    return op(*_all_batched(args, batched, size))  # its inputs must share one shape


@rule("BiasAdd")
def bias_add(op, args, batched, size, data_format="NHWC"):
    value, bias = args
    if data_format != "NHWC" and not data_format.endswith("C"):
        return loop(op, args, batched, size, data_format=data_format)
    if not batched[1]:
        return op(lift(value, 1) if batched[0] else value, bias, data_format=data_format)
    rank = max(_rank(value, batched[0]), 1)
    value = lift(value, rank) if batched[0] else value
    return _op("AddV2")(value, lift(bias, rank))


# ---- axes: reductions, scans, softmax --------------------------------------------------------


@rule("Sum", "Mean", "Max", "Min", "Prod", "All", "Any", "EuclideanNorm")
def reduction(op, args, batched, size, axis=None, keepdims=False):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)), keepdims=keepdims)


@rule("ArgMax", "ArgMin")
def arg_reduction(op, args, batched, size, axis=0, output_type="int64"):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)), output_type=output_type)


@rule("Cumsum", "Cumprod")
def scan(op, args, batched, size, axis=0, exclusive=False, reverse=False):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)), exclusive=exclusive, reverse=reverse)


@rule("Softmax", "LogSoftmax")
def softmax(op, args, batched, size, axis=-1):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)))


@rule("ArgSort")
def argsort(op, args, batched, size, axis, descending):
    (x,) = args
    return op(x, axis=shift(axis, _rank(x, True)), descending=descending)


@rule("TopKV2")
def top_k(op, args, batched, size, **attrs):
    return op(*args, **attrs)  # along the last axis: a leading batch axis changes nothing


@rule("L2Loss")
def l2_loss(op, args, batched, size):
    (t,) = args
    total = _op("Sum")(t * t, axis=shift(None, _rank(t, True)), keepdims=False)
    return total / 2


@rule("SoftmaxCrossEntropyWithLogits")
def softmax_cross_entropy(op, args, batched, size, axis=-1):
    labels, logits = _all_batched(args, batched, size)
    rank = max(_rank(labels, True), _rank(logits, True))
    return op(lift(labels, rank), lift(logits, rank), axis=shift(axis, rank))


@rule("SparseSoftmaxCrossEntropyWithLogits")
def sparse_softmax_cross_entropy(op, args, batched, size):
    labels, logits = _all_batched(args, batched, size)
    lead = tuple(labels._value.shape)  # (B,) + the labels' per-example shape
    flat = op(
        _op("Reshape")(labels, shape=(-1,)),
        _op("Reshape")(logits, shape=(-1, logits._value.shape[-1])),
    )
    return _op("Reshape")(flat, shape=lead)


# ---- matrix products ---------------------------------------------------------------------


@rule("MatMul")
def matmul(op, args, batched, size, transpose_a=False, transpose_b=False):
    a, b = args
    if batched[0] and not batched[1] and not transpose_a:
        # One GEMM for the whole batch: (B*m, k) @ b.
        shape = tuple(a._value.shape)
        out = op(_op("Reshape")(a, shape=(-1, shape[-1])), b, transpose_b=transpose_b)
        return _op("Reshape")(out, shape=shape[:-1] + (out._value.shape[-1],))
    if batched[0] and batched[1] and transpose_a and not transpose_b:
        if a._value.shape[1] == 1:  # per-example outer products (a Dense kernel's gradient)
            return lift_outer(a, b)
    return _op("BatchMatMulV2")(a, b, adj_x=transpose_a, adj_y=transpose_b)


def lift_outer(a, b):
    """a^T b for a (B, 1, m) and b (B, 1, n): one broadcast multiply, (B, m, n)."""
    m, n = a._value.shape[2], b._value.shape[2]
    return _op("Mul")(
        _op("Reshape")(a, shape=(-1, m, 1)),
        _op("Reshape")(b, shape=(-1, 1, n)),
    )


@rule("BatchMatMulV2")
def batch_matmul(op, args, batched, size, adj_x=False, adj_y=False):
    rank = max(_rank(a, b) for a, b in zip(args, batched))
    return op(
        *[lift(a, rank) if b else a for a, b in zip(args, batched)], adj_x=adj_x, adj_y=adj_y
    )


@rule("Einsum")
def einsum(op, args, batched, size, equation):
    if "->" not in equation:
        return loop(op, args, batched, size, equation=equation)
    inputs, output = equation.split("->")
    letter = next(c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in equation)
    parts = inputs.split(",")
    parts = [letter + p if b else p for p, b in zip(parts, batched)]
    return op(*args, equation=",".join(parts) + "->" + letter + output)


@rule(
    "Cholesky", "MatrixInverse", "MatrixDeterminant", "LogMatrixDeterminant", "MatrixBandPart",
    "MatrixDiagPartV3", "MatrixDiagV3", "MatrixSetDiagV3",
)  # fmt: skip
def leading_batch(op, args, batched, size, **attrs):
    """Ops on stacks of matrices: the batch is one more leading axis of every input."""
    return op(*_all_batched(args, batched, size), **attrs)


@rule("MatrixSolve", "MatrixTriangularSolve")
def matrix_solve(op, args, batched, size, **attrs):
    """As `leading_batch`, but the two inputs' stack axes broadcast: lift ranks first."""
    args = _all_batched(args, batched, size)
    rank = max(_rank(a, True) for a in args)
    return op(*[lift(a, rank) for a in args], **attrs)


# ---- shapes ------------------------------------------------------------------------------


@rule("Reshape")
def reshape(op, args, batched, size, shape):
    return op(args[0], shape=(size,) + tuple(shape))


@rule("Transpose")
def transpose(op, args, batched, size, perm):
    return op(args[0], perm=(0,) + tuple(int(p) + 1 for p in perm))


@rule("BroadcastTo")
def broadcast_to(op, args, batched, size, shape):
    return op(lift(args[0], len(shape)), shape=(size,) + tuple(shape))


@rule("Tile")
def tile(op, args, batched, size, multiples):
    return op(args[0], multiples=(1,) + tuple(multiples))


@rule("Pack")
def pack(op, args, batched, size, axis=0):
    return op(*_all_batched(args, batched, size), axis=shift(axis, 0))


@rule("ConcatV2")
def concat(op, args, batched, size, axis=0):
    return op(*_all_batched(args, batched, size), axis=shift(axis, 0))


@rule("Unpack")
def unpack(op, args, batched, size, num, axis):
    return op(args[0], num=num, axis=shift(axis, 0))


@rule("SplitV")
def split(op, args, batched, size, size_splits, axis):
    return op(args[0], size_splits=size_splits, axis=shift(axis, 0))


@rule("ReverseV2")
def reverse(op, args, batched, size, axis):
    return op(args[0], axis=shift(tuple(axis), 0) if axis else axis)


@rule("StridedSlice")
def strided_slice(op, args, batched, size, key):
    return op(args[0], key=(slice(None),) + tuple(key))


@rule("StridedSliceGrad")
def strided_slice_grad(op, args, batched, size, **attrs):
    return op(*args, **attrs)  # its forward takes leading batch axes already


@rule("PadV2")
def pad(op, args, batched, size, paddings):
    x, value = args
    if batched[1]:
        return loop(op, args, batched, size, paddings=paddings)
    return op(x, value, paddings=((0, 0),) + tuple(tuple(p) for p in paddings))


@rule("MirrorPad", "MirrorPadGrad")
def mirror_pad(op, args, batched, size, paddings, mode):
    return op(args[0], paddings=((0, 0),) + tuple(tuple(p) for p in paddings), mode=mode)


@rule("OneHot")
def one_hot(op, args, batched, size, depth, on_value, off_value, axis, dtype):
    return op(
        args[0], depth=depth, on_value=on_value, off_value=off_value, axis=axis + 1, dtype=dtype
    )


# ---- gathers and scatters ------------------------------------------------------------------


@rule("GatherV2")
def gather(op, args, batched, size, axis=0, batch_dims=0):
    params, indices = args
    if batched[0] and not batched[1] and batch_dims == 0:
        return op(params, indices, axis=axis + 1, batch_dims=0)
    if batched[1] and not batched[0] and batch_dims == 0 and axis == 0:
        return op(params, indices, axis=0, batch_dims=0)
    params, indices = _all_batched(args, batched, size)
    return op(params, indices, axis=axis + 1, batch_dims=batch_dims + 1)


def _with_example_index(indices, size):
    """Batched nd-indices (B, ..., K) with each example's number put in front: (B, ..., K+1)."""
    shape = tuple(indices._value.shape)
    ids = _op("Cast")(_ids_range(size), dtype=indices._value.dtype.name)
    ids = _op("Reshape")(ids, shape=(size,) + (1,) * (len(shape) - 1))
    ids = _op("BroadcastTo")(ids, shape=shape[:-1] + (1,))
    return _op("ConcatV2")(ids, indices, axis=-1)


@rule("GatherNd")
def gather_nd(op, args, batched, size):
    params, indices = args
    if batched[1] and not batched[0]:
        return op(params, indices)
    params, indices = _all_batched(args, batched, size)
    return op(params, _with_example_index(indices, size))


@rule("ScatterNd")
def scatter_nd(op, args, batched, size, shape):
    indices, updates = _all_batched(args, batched, size)
    return op(_with_example_index(indices, size), updates, shape=(size,) + tuple(shape))


@rule("TensorScatterUpdate", "TensorScatterAdd", "TensorScatterSub")
def tensor_scatter(op, args, batched, size):
    tensor, indices, updates = _all_batched(args, batched, size)
    return op(tensor, _with_example_index(indices, size), updates)


@rule("UnsortedSegmentSum")
def unsorted_segment_sum(op, args, batched, size, num_segments):
    """Example b's segment k becomes segment b * num_segments + k of one big segment sum
    (negative ids, which drop their rows, stay negative)."""
    data, ids = _all_batched(args, batched, size)
    ids_rank = ids._value.ndim
    offsets = _op("Reshape")(
        _op("Cast")(_op("Mul")(_ids_range(size), num_segments), dtype=ids._value.dtype.name),
        shape=(size,) + (1,) * (ids_rank - 1),
    )
    zero = _op("ZerosLike")(ids)
    shifted = _op("SelectV2")(_op("GreaterEqual")(ids, zero), _op("AddV2")(ids, offsets), ids)
    out = op(data, shifted, num_segments=size * num_segments)
    return _op("Reshape")(out, shape=(size, num_segments) + tuple(out._value.shape[1:]))


def _ids_range(size):
    from .array import range as tf_range

    return tf_range(size, dtype="int64")


# ---- convolutions and pooling: the batch folds into the images' own batch axis ----------


def _fold(x):
    shape = tuple(x._value.shape)
    return _op("Reshape")(x, shape=(shape[0] * shape[1],) + shape[2:])


def _unfold(y, size):
    shape = tuple(y._value.shape)
    return _op("Reshape")(y, shape=(size, shape[0] // size) + shape[1:])


@rule("Conv2D", "DepthwiseConv2dNative")
def conv(op, args, batched, size, **attrs):
    x, f = args
    if batched[1]:
        return loop(op, args, batched, size, **attrs)
    return _unfold(op(_fold(x), f, **attrs), size)


@rule("Conv2DBackpropInput", "DepthwiseConv2dNativeBackpropInput")
def conv_backprop_input(op, args, batched, size, input_sizes, **attrs):
    f, g = args
    if batched[0]:
        return loop(op, args, batched, size, input_sizes=input_sizes, **attrs)
    sizes = (size * input_sizes[0],) + tuple(input_sizes[1:])
    return _unfold(op(f, _fold(g), input_sizes=sizes, **attrs), size)


@rule("Conv2DBackpropFilter")
def conv_backprop_filter(op, args, batched, size, filter_sizes, **attrs):
    """Per-example filter gradients as one depthwise filter gradient: example b's input
    channels become channels (b, c) and its output gradient is repeated for each c, so
    the depthwise pairing of channel (b, c) with outputs ((b, c), f) is exactly example
    b's products. The repetition costs C copies of the gradient: used for C <= 8."""
    x, g = _all_batched(args, batched, size)
    kh, kw, c, f = filter_sizes
    if c > 8:
        return loop(op, args, batched, size, filter_sizes=filter_sizes, **attrs)
    b, n, h, w, _ = x._value.shape
    _, _, oh, ow, _ = g._value.shape
    x = _op("Reshape")(_op("Transpose")(x, perm=(1, 2, 3, 0, 4)), shape=(n, h, w, b * c))
    g = _op("Transpose")(g, perm=(1, 2, 3, 0, 4))  # (N, OH, OW, B, F)
    g = _op("BroadcastTo")(
        _op("Reshape")(g, shape=(n, oh, ow, b, 1, f)), shape=(n, oh, ow, b, c, f)
    )
    g = _op("Reshape")(g, shape=(n, oh, ow, b * c * f))
    depthwise = _op("DepthwiseConv2dNativeBackpropFilter")
    out = depthwise(x, g, filter_sizes=(kh, kw, b * c, f), **attrs)
    out = _op("Reshape")(out, shape=(kh, kw, b, c, f))
    return _op("Transpose")(out, perm=(2, 0, 1, 3, 4))


@rule("MaxPool", "AvgPool")
def pool(op, args, batched, size, **attrs):
    return _unfold(op(_fold(args[0]), **attrs), size)


@rule("MaxPoolGrad", "MaxPoolGradGrad")
def max_pool_grad(op, args, batched, size, **attrs):
    folded = [_fold(a) for a in _all_batched(args, batched, size)]
    return _unfold(op(*folded, **attrs), size)


@rule("AvgPoolGrad")
def avg_pool_grad(op, args, batched, size, orig_input_shape, **attrs):
    shape = (size * orig_input_shape[0],) + tuple(orig_input_shape[1:])
    return _unfold(op(_fold(args[0]), orig_input_shape=shape, **attrs), size)


# ---- random draws: each example draws its own -----------------------------------------------

# Stateful ops whose draws must differ per example even when no input is batched: the
# batched draw of shape (B,) + shape takes the same numbers, in order, as B draws would.
RANDOM_SHAPED = frozenset(
    {"RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformFullInt"}
)


@rule(*RANDOM_SHAPED)
def random_shaped(op, args, batched, size, shape, **attrs):
    return op(*args, shape=(size,) + tuple(shape), **attrs)


@rule("RandomUniformInt")
def random_uniform_int(op, args, batched, size, shape, **attrs):
    if any(batched):
        return loop(op, args, batched, size, shape=shape, **attrs)
    return op(*args, shape=(size,) + tuple(shape), **attrs)

"""Bad-input cases for every public op and Keras layer, shared by make_fuzz.py (TensorFlow)
and tests/test_fuzz.py (tapeflow) so the two cannot drift.

Each spec is one public callable with a valid call whose arguments carry a role (see
fuzz_roles.py). A case replaces one argument by one bad value of its role and keeps the
others valid; the valid call itself is a case too. A case is a function of the `tf` module
(TensorFlow with Keras 3, or tapeflow) that makes the call.
"""

from __future__ import annotations

import fuzz_image_specs
import numpy as np
from fuzz_layer_cases import layer_cases, layer_specs
from fuzz_roles import (  # the roles and values the tables are written in
    BMP,
    BOOLS,
    GIF,
    IMAGE,
    JPEG,
    LOWER,
    LU,
    PNG,
    RHS,
    SEQUENCE,
    SPD,
    WORDS,
    X3,
    X23,
    X32,
    X213,
    Arg,
    Axis,
    Built,
    Count,
    DType,
    Encoded,
    Indices,
    Name,
    Nested,
    Number,
    Paddings,
    Perm,
    Shape,
    Strings,
    Tensor,
    TensorList,
    build,
    double,
    ints,
    resolve,
)

# ---- specs ---------------------------------------------------------------------------------


class Spec:
    """One public callable (`path` under `tf`, e.g. "math.reduce_sum") and a valid call."""

    def __init__(self, path, *args, setup=None, **kwargs):
        self.path = path
        self.args = args
        self.kwargs = kwargs
        self.setup = setup  # a layer built first with the valid input, then called

    def call_with(self, position, bad):
        args = [a.value if isinstance(a, Arg) else a for a in self.args]
        kwargs = {k: (a.value if isinstance(a, Arg) else a) for k, a in self.kwargs.items()}
        if position is None:
            pass
        elif isinstance(position, int):
            args[position] = bad
        else:
            kwargs[position] = bad
        return args, kwargs

    def slots(self):
        """(position, name, Arg) of every argument with a role."""
        for i, a in enumerate(self.args):
            if isinstance(a, Arg):
                yield i, f"arg{i}", a
        for k, a in self.kwargs.items():
            if isinstance(a, Arg):
                yield k, k, a


def _f(shape=(2, 3)):
    return Tensor(np.resize(X23, shape).astype(np.float32))


UNARY = [
    "abs", "atan", "cos", "cosh", "exp", "floor", "negative", "round", "sigmoid", "sign",
    "sin", "sinh", "sqrt", "square", "tan", "tanh", "identity", "stop_gradient",
    "zeros_like", "ones_like", "rank", "shape", "size",
    "math.ceil", "math.erf", "math.erfc", "math.expm1", "math.is_finite", "math.is_inf",
    "math.is_nan", "math.log", "math.log1p", "math.reciprocal", "math.rsqrt",
    "math.softplus", "math.softsign", "math.asin", "math.acos", "math.asinh", "math.acosh",
    "math.atanh",
    "nn.elu", "nn.gelu", "nn.relu", "nn.relu6", "nn.selu", "nn.silu", "nn.l2_loss",
    "linalg.adjoint", "linalg.matrix_transpose", "linalg.trace", "random.shuffle",
    "debugging.is_numeric_tensor", "nn.compute_average_loss", "nn.scale_regularization_loss",
]  # fmt: skip
BINARY = [
    "add", "subtract", "multiply", "divide", "truediv", "realdiv", "maximum", "minimum",
    "pow", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
    "math.floordiv", "math.floormod", "math.squared_difference", "math.divide_no_nan",
    "math.atan2",
]  # fmt: skip
LOGICAL = ["logical_and", "logical_or", "math.logical_xor"]
REDUCTIONS = [
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
    "reduce_logsumexp", "math.reduce_std", "math.reduce_variance",
    "math.reduce_euclidean_norm", "math.count_nonzero",
]  # fmt: skip


SEGMENT_REDUCTIONS = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod"]
UNSORTED_SEGMENTS = ["unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_mean",
                     "unsorted_segment_prod", "unsorted_segment_sqrt_n"]  # fmt: skip
MERGE_FUNCTIONS = ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate"]


def op_specs() -> list:
    """Every public op of tf.*, tf.math, tf.nn, tf.linalg, tf.random, ... with a valid call."""
    s = []
    s += [Spec(p, _f()) for p in UNARY]
    s += [Spec(p, _f(), _f()) for p in BINARY]
    s += [Spec("logical_not", Tensor(BOOLS))]
    s += [Spec(p, Tensor(BOOLS), Tensor(BOOLS)) for p in LOGICAL]
    s += [Spec(p, _f(), axis=Axis(1)) for p in REDUCTIONS]
    s += [Spec(p, Tensor(BOOLS), axis=Axis(1)) for p in ("reduce_all", "reduce_any")]
    s += [
        Spec("argmax", _f(), axis=Axis(1)),
        Spec("argmin", _f(), axis=Axis(1)),
        Spec("cumsum", _f(), axis=Axis(1)),
        Spec("math.cumprod", _f(), axis=Axis(1)),
        Spec("math.softmax", _f(), axis=Axis(1)),
        Spec("math.log_softmax", _f(), axis=Axis(1)),
        Spec("math.l2_normalize", _f(), axis=Axis(1)),
        Spec("norm", _f(), axis=Axis(1)),
        Spec("nn.moments", _f(), axes=Axis([1])),
        Spec("sort", _f(), axis=Axis(1)),
        Spec("argsort", _f(), axis=Axis(1)),
        Spec("math.top_k", _f(), k=Count(2)),
        Spec("reverse", _f(), axis=Axis([1])),
        # shapes
        Spec("reshape", _f(), Shape([3, 2])),
        Spec("squeeze", Tensor(X213), axis=Axis(1)),
        Spec("expand_dims", _f(), axis=Axis(1)),
        Spec("broadcast_to", Tensor(X3), Shape([2, 3])),
        Spec("transpose", _f(), perm=Perm([1, 0])),
        Spec("zeros", Shape([2, 3]), dtype=DType("float32")),
        Spec("ones", Shape([2, 3]), dtype=DType("float32")),
        Spec("fill", Shape([2, 3]), Number(1.5)),
        Spec("eye", Count(2), num_columns=Count(3), batch_shape=Shape([2])),
        Spec("range", Count(1), Count(7), Count(2)),
        Spec("linspace", Number(0.0), Number(1.0), Count(4)),
        Spec("meshgrid", Tensor(X3), Tensor(X3[:2])),
        Spec("tile", _f(), Shape([2, 1])),
        Spec("pad", _f(), Paddings([[1, 1], [2, 0]])),
        Spec("concat", TensorList([X23, X23]), axis=Axis(1)),
        Spec("stack", TensorList([X23, X23]), axis=Axis(1)),
        Spec("unstack", _f(), num=Count(3), axis=Axis(1)),
        Spec("split", _f(), Count(3), axis=Axis(1)),
        Spec("slice", _f(), Shape([0, 1]), Shape([2, 2])),
        Spec("strided_slice", _f(), Shape([0, 1]), Shape([2, 3]), Shape([1, 1])),
        Spec("gather", _f(), Indices(ints([1, 0])), axis=Axis(1)),
        Spec("gather", _f(), Indices(ints([[1], [0]])), axis=1, batch_dims=Count(1)),
        Spec("gather_nd", _f(), Indices(ints([[1, 2], [0, 0]]))),
        Spec("boolean_mask", _f(), Tensor(BOOLS)),
        Spec("where", Tensor(BOOLS), _f(), _f()),
        Spec("one_hot", Indices(ints([0, 2])), Count(3), axis=Axis(1)),
        Spec("repeat", _f(), Count(2), axis=Axis(1)),
        Spec("scatter_nd", Indices(ints([[1], [0]])), Tensor(X23), Shape([3, 3])),
        Spec("tensor_scatter_nd_add", _f(), Indices(ints([[1], [0]])), Tensor(X23)),
        Spec("tensor_scatter_nd_sub", _f(), Indices(ints([[1], [0]])), Tensor(X23)),
        Spec("tensor_scatter_nd_update", _f(), Indices(ints([[1], [0]])), Tensor(X23)),
        Spec("math.unsorted_segment_sum", _f(), Indices(ints([1, 0])), Count(3)),
        Spec("add_n", TensorList([X23, X23])),
        Spec("cast", _f(), DType("int32")),
        Spec("clip_by_value", _f(), Number(0.2), Number(0.6)),
        Spec("clip_by_norm", _f(), Number(1.0), axes=Axis([1])),
        Spec("clip_by_global_norm", TensorList([X23, X3]), Number(1.0)),
        Spec("einsum", Name("ij,jk->ik"), _f(), Tensor(X32)),
        Spec("matmul", _f(), Tensor(X32)),
        Spec("tensordot", _f(), Tensor(X32), Count(1)),
        Spec("scalar_mul", Number(2.0), _f()),
        Spec("as_string", _f()),
        Spec("constant", _f(), dtype=DType("float32")),
        Spec("convert_to_tensor", _f(), dtype=DType("float32")),
        Spec("assert_equal", _f(), _f()),
        Spec("assert_greater", _f(), Tensor(X23 - 1)),
        Spec("assert_less", _f(), Tensor(X23 + 1)),
        Spec("assert_rank", _f(), Count(2)),
        # nn
        Spec("nn.avg_pool", Tensor(IMAGE), Count(2), Count(2), Name("VALID")),
        Spec("nn.avg_pool1d", Tensor(SEQUENCE), Count(2), Count(1), Name("VALID")),
        Spec("nn.avg_pool2d", Tensor(IMAGE), Count(2), Count(2), Name("VALID")),
        Spec("nn.max_pool", Tensor(IMAGE), Count(2), Count(2), Name("VALID")),
        Spec("nn.max_pool1d", Tensor(SEQUENCE), Count(2), Count(1), Name("VALID")),
        Spec("nn.max_pool2d", Tensor(IMAGE), Count(2), Count(2), Name("VALID")),
        Spec(
            "nn.batch_normalization", _f(), _f((3,)), _f((3,)), _f((3,)), _f((3,)), Number(0.001)
        ),  # fmt: skip
        Spec("nn.bias_add", _f(), _f((3,))),
        Spec("nn.conv1d", Tensor(SEQUENCE), _f((3, 2, 4)), Count(1), Name("VALID")),
        Spec("nn.conv2d", Tensor(IMAGE), _f((3, 3, 1, 2)), Count(1), Name("VALID")),
        Spec(
            "nn.conv2d_transpose",
            Tensor(IMAGE),
            _f((3, 3, 2, 1)),
            Shape([1, 6, 6, 2]),
            Count(1),
            padding=Name("VALID"),
        ),  # fmt: skip
        Spec(
            "nn.depthwise_conv2d",
            Tensor(IMAGE),
            _f((3, 3, 1, 2)),
            Shape([1, 1, 1, 1]),
            Name("VALID"),
        ),  # fmt: skip
        Spec("nn.dropout", _f(), Number(0.5), seed=1),
        Spec("nn.embedding_lookup", _f(), Indices(ints([1, 0]))),
        Spec("nn.leaky_relu", _f(), alpha=Number(0.2)),
        Spec("nn.sigmoid_cross_entropy_with_logits", labels=_f(), logits=_f()),
        Spec("nn.softmax_cross_entropy_with_logits", _f(), _f(), axis=Axis(1)),
        Spec("nn.sparse_softmax_cross_entropy_with_logits", Indices(ints([1, 2])), _f()),
        # linalg
        Spec("linalg.band_part", _f(), Count(0), Count(1)),
        Spec("linalg.cholesky", Tensor(SPD)),
        Spec("linalg.cholesky_solve", Tensor(LOWER), Tensor(RHS)),
        Spec("linalg.det", Tensor(SPD)),
        Spec("linalg.diag", _f((3,)), k=Count(0)),
        Spec("linalg.diag_part", _f(), k=Count(0)),
        Spec("linalg.inv", Tensor(SPD)),
        Spec("linalg.logdet", Tensor(SPD)),
        Spec("linalg.matvec", _f(), _f((3,))),
        Spec("linalg.set_diag", _f(), _f((2,))),
        Spec("linalg.slogdet", Tensor(SPD)),
        Spec("linalg.solve", Tensor(SPD), Tensor(RHS)),
        Spec("linalg.triangular_solve", Tensor(LOWER), Tensor(RHS)),
        # random
        Spec("random.categorical", Tensor(np.log(X23)), Count(2), seed=1),
        Spec("random.normal", Shape([2, 3]), seed=1),
        Spec("random.truncated_normal", Shape([2, 3]), seed=1),
        Spec("random.uniform", Shape([2, 3]), minval=Number(0.0), maxval=Number(1.0), seed=1),
        Spec("random.stateless_normal", Shape([2, 3]), Shape([1, 2])),
        Spec("random.stateless_truncated_normal", Shape([2, 3]), Shape([1, 2])),
        Spec("random.stateless_uniform", Shape([2, 3]), Shape([1, 2])),
        # debugging
        Spec("debugging.Assert", Tensor(np.array(True)), TensorList([X23])),
        Spec("debugging.assert_all_finite", _f(), Name("not finite")),
        Spec("debugging.assert_greater_equal", _f(), _f()),
        Spec("debugging.assert_integer", Tensor(ints([1, 2]))),
        Spec("debugging.assert_less_equal", _f(), _f()),
        Spec("debugging.assert_near", _f(), _f()),
        Spec("debugging.assert_negative", Tensor(-X23)),
        Spec("debugging.assert_non_negative", _f()),
        Spec("debugging.assert_non_positive", Tensor(-X23)),
        Spec("debugging.assert_none_equal", _f(), Tensor(X23 + 1)),
        Spec("debugging.assert_positive", _f()),
        Spec("debugging.assert_rank_at_least", _f(), Count(1)),
        Spec("debugging.assert_rank_in", _f(), Shape([1, 2])),
        Spec("debugging.assert_scalar", Tensor(np.float32(1.0))),
        Spec("debugging.assert_type", _f(), DType("float32")),
        Spec("debugging.check_numerics", _f(), Name("bad values")),
        # strings
        Spec("strings.bytes_split", Strings(WORDS)),
        Spec("strings.format", Name("x={}"), TensorList([X3])),
        Spec("strings.join", TensorList([WORDS, WORDS])),
        Spec("strings.length", Strings(WORDS)),
        Spec("strings.lower", Strings(WORDS)),
        Spec("strings.ngrams", Strings(np.array([b"a", b"b", b"c"])), Count(2)),
        Spec("strings.reduce_join", Strings(WORDS), axis=Axis(0)),
        Spec("strings.regex_full_match", Strings(WORDS), Name("a.*")),
        Spec("strings.regex_replace", Strings(WORDS), Name("o"), Name("0")),
        Spec("strings.split", Strings(WORDS)),
        Spec("strings.strip", Strings(WORDS)),
        Spec("strings.substr", Strings(WORDS), Count(0), Count(2)),
        Spec("strings.to_hash_bucket", Strings(WORDS), Count(5)),
        Spec("strings.to_hash_bucket_fast", Strings(WORDS), Count(5)),
        Spec("strings.to_hash_bucket_strong", Strings(WORDS), Count(5), Shape([1, 2])),
        Spec("strings.to_number", Strings(np.array([b"1.5", b"2"]))),
        Spec("strings.unicode_decode", Strings(WORDS), Name("UTF-8")),
        Spec("strings.unicode_encode", Indices(ints([72, 105])), Name("UTF-8")),
        Spec("strings.unicode_split", Strings(WORDS), Name("UTF-8")),
        Spec("strings.upper", Strings(WORDS)),
        # ragged, io
        Spec("ragged.constant", Nested([[1, 2], [3]])),
        Spec("ragged.row_splits_to_segment_ids", Indices(ints([0, 2, 3]))),
        Spec("ragged.segment_ids_to_row_splits", Indices(ints([0, 0, 1])), num_segments=Count(2)),
        Spec("io.decode_csv", Strings(np.array([b"1,2", b"3,4"])), TensorList([[0.0], [0]])),
        Spec("io.decode_raw", Strings(np.array([b"abcd", b"efgh"])), DType("int16")),
        # misc tf.*
        Spec("ensure_shape", _f(), Shape([2, 3])),
        Spec("identity_n", TensorList([X23, X3])),
        Spec("py_function", func=double, inp=TensorList([X23]), Tout=DType("float32")),
        Spec("numpy_function", func=double, inp=TensorList([X23]), Tout=DType("float32")),
        Spec("SparseTensor", Indices(ints([[0, 0], [1, 2]])), _f((2,)), Shape([2, 3])),
        Spec("TensorArray", DType("float32"), size=Count(2)),
        Spec("dtypes.as_dtype", DType("float32")),
        # tf.sparse
        Spec("sparse.from_dense", _f()),
        Spec("sparse.to_dense", _sparse()),
        Spec("sparse.add", _sparse(), _sparse()),
        Spec("sparse.concat", Axis(1), _sparse_list()),
        Spec("sparse.expand_dims", _sparse(), axis=Axis(1)),
        Spec("sparse.eye", Count(2), num_columns=Count(3)),
        Spec("sparse.sparse_dense_matmul", _sparse(), Tensor(X32)),
        Spec("sparse.reduce_max", _sparse(), axis=Axis(1)),
        Spec("sparse.reduce_sum", _sparse(), axis=Axis(1)),
        Spec("sparse.reorder", _sparse()),
        Spec("sparse.reshape", _sparse(), Shape([3, 2])),
        Spec("sparse.retain", _sparse(), Tensor(np.array([True, False, True]))),
        Spec("sparse.slice", _sparse(), Shape([0, 0]), Shape([2, 2])),
        Spec("sparse.to_indicator", _sparse_ids(), Count(4)),
        Spec("sparse.transpose", _sparse(), perm=Perm([1, 0])),
        Spec("sparse.map_values", _negate, _sparse()),
        # tf.image and the decoders
        Spec("image.resize", Tensor(IMAGE), Shape([3, 3])),
        Spec("io.decode_png", Encoded(PNG)),
        Spec("io.decode_jpeg", Encoded(JPEG)),
        Spec("io.decode_bmp", Encoded(BMP)),
        Spec("io.decode_gif", Encoded(GIF)),
        Spec("io.decode_image", Encoded(PNG), channels=Count(3)),
        Spec("keras.Input", shape=Shape([3])),
        Spec("linalg.eye", Count(2), num_columns=Count(3)),
        Spec("debugging.assert_shapes", Name([(X23, ("N", "Q"))])),
        # segments, counting and searching
        Spec("math.bincount", Indices(ints([1, 2, 2])), minlength=Count(4)),
        Spec("math.cumulative_logsumexp", _f(), axis=Axis(1)),
        Spec("math.in_top_k", Indices(ints([1, 2])), _f(), Count(2)),
        Spec(
            "histogram_fixed_width", _f(), Tensor(np.array([0.0, 1.0], np.float32)), nbins=Count(4)
        ),  # fmt: skip
        Spec(
            "histogram_fixed_width_bins",
            _f(),
            Tensor(np.array([0.0, 1.0], np.float32)),
            nbins=Count(4),
        ),  # fmt: skip
        Spec("searchsorted", _f(), Tensor(X23[:, :2] + 0.1)),
        Spec("unique", _f((3,))),
        Spec("unique_with_counts", _f((3,))),
        Spec("tensor_scatter_nd_max", _f(), Indices(ints([[1], [0]])), Tensor(X23)),
        Spec("tensor_scatter_nd_min", _f(), Indices(ints([[1], [0]])), Tensor(X23)),
        # linear algebra
        Spec("linalg.cross", _f(), _f()),
        Spec("linalg.eigh", Tensor(SPD)),
        Spec("linalg.eigvalsh", Tensor(SPD)),
        Spec("linalg.expm", Tensor(SPD)),
        Spec("linalg.global_norm", TensorList([X23, X3])),
        Spec("linalg.lstsq", Tensor(SPD), Tensor(RHS)),
        Spec("linalg.lu", Tensor(SPD)),
        Spec("linalg.lu_matrix_inverse", Tensor(LU), Indices(ints([0, 1]))),
        Spec("linalg.lu_reconstruct", Tensor(LU), Indices(ints([0, 1]))),
        Spec("linalg.lu_solve", Tensor(LU), Indices(ints([0, 1])), Tensor(RHS)),
        Spec("linalg.matrix_rank", _f()),
        Spec("linalg.pinv", _f()),
        Spec("linalg.qr", _f()),
        Spec("linalg.svd", _f()),
        # common names (issue 11): integer bits, casts, rearranging, partitions
        Spec("bitwise.bitwise_and", Tensor(ints([5, 6])), Tensor(ints([3, 2]))),
        Spec("bitwise.bitwise_or", Tensor(ints([5, 6])), Tensor(ints([3, 2]))),
        Spec("bitwise.bitwise_xor", Tensor(ints([5, 6])), Tensor(ints([3, 2]))),
        Spec("bitwise.invert", Tensor(ints([5, 6]))),
        Spec("bitwise.left_shift", Tensor(ints([5, 6])), Tensor(ints([1, 2]))),
        Spec("bitwise.right_shift", Tensor(ints([5, 6])), Tensor(ints([1, 2]))),
        Spec("bitcast", _f(), DType("int32")),
        Spec("truncatediv", _f(), _f()),
        Spec("truncatemod", _f(), _f()),
        Spec("saturate_cast", _f(), DType("int32")),
        Spec("complex", _f(), _f()),
        Spec("math.real", _f()),
        Spec("math.imag", _f()),
        Spec("roll", _f(), 1, Axis(1)),
        Spec("reverse_sequence", _f(), Indices(ints([2, 3])), seq_axis=Axis(1)),
        Spec("sequence_mask", Indices(ints([1, 3])), Count(4)),
        Spec("unravel_index", Indices(ints([1, 5])), Tensor(ints([2, 3]))),
        Spec("shape_n", TensorList([X23, X3])),
        Spec("tuple", TensorList([X23, X3])),
        Spec("dynamic_partition", _f((3,)), Indices(ints([0, 1, 0])), Count(2)),
        Spec("dynamic_stitch", TensorList([ints([0, 1])]), TensorList([X23])),
        Spec("Assert", Tensor(np.array(True)), TensorList([X3])),
    ]
    s += [Spec(f"keras.layers.{f}", TensorList([X23, X23])) for f in MERGE_FUNCTIONS]
    s += [Spec("keras.layers.dot", TensorList([X23, X23]), axes=Axis(1))]
    s += [Spec(f"math.{f}", _f(), Indices(ints([0, 0]))) for f in SEGMENT_REDUCTIONS]
    s += [Spec(f"math.{f}", _f(), Indices(ints([1, 0])), Count(3)) for f in UNSORTED_SEGMENTS]
    s += [Spec(path, *args, **kwargs) for path, args, kwargs in fuzz_image_specs.SPECS]
    return s


def _negate(x):
    return -x


def _sparse():
    return Built(lambda tf: tf.sparse.from_dense(np.array([[1.0, 0, 2], [0, 3, 0]], np.float32)))


def _sparse_ids():
    return Built(lambda tf: tf.sparse.from_dense(np.array([[1, 0, 3], [0, 2, 0]], np.int64)))


def _sparse_list():
    return Built(lambda tf: [tf.sparse.from_dense(X23), tf.sparse.from_dense(X23)])


def _op_cases(spec: Spec):
    cases = {}

    def call(position, bad, use_bad):
        def run(tf):
            fn = resolve(tf, spec.path)
            args, kwargs = spec.call_with(position if use_bad else None, bad)
            args = [build(tf, a) for a in args]
            return fn(*args, **{k: build(tf, v) for k, v in kwargs.items()})

        return run

    key = spec.path
    cases[f"{key}|valid"] = call(None, None, False)
    for position, name, arg in spec.slots():
        for label, value in arg.bad():
            cases[f"{key}|{name}={label}"] = call(position, value, True)
    return cases


# Cases that abort TensorFlow's process (a failed CHECK in a kernel, TF 2.21 with oneDNN):
# make_fuzz.py does not run them and records "crash"; tapeflow must raise a named error.
TF_CRASHES = frozenset(
    {
        "nn.conv1d|arg0=rank_down",
        "nn.conv2d|arg0=scalar",
        "nn.conv2d|arg0=rank_down",
        "nn.conv2d|arg0=shape5",
        "nn.conv2d_transpose|arg2=negative",
        "nn.conv2d_transpose|arg2=rank2",
        "nn.conv2d_transpose|arg2=empty_list_of_size",
        "nn.depthwise_conv2d|arg0=rank_down",
    }
)


def all_cases() -> dict:
    """case id -> function of the `tf` module; ids are "path|argument=variant"."""
    cases = {}
    seen_paths = {}
    for spec in op_specs():
        n = seen_paths.get(spec.path, 0)
        seen_paths[spec.path] = n + 1
        for case_id, fn in _op_cases(spec).items():
            if n:  # a second spec of the same op (gather with batch_dims)
                head, tail = case_id.split("|", 1)
                case_id = f"{head}#{n}|{tail}"
            cases[case_id] = fn
    for path, ctor, kind in layer_specs():
        cases.update(layer_cases(path, ctor, kind))
    return cases


def spec_paths() -> set:
    """The public paths that have a spec (the test checks every export has one)."""
    return {s.path for s in op_specs()} | {p for p, _, _ in layer_specs()}

"""Bad-input cases for every public op and Keras layer, shared by make_fuzz.py (TensorFlow)
and tests/test_fuzz.py (tapeflow) so the two cannot drift.

Each spec is one public callable with a valid call whose arguments carry a role (a float
tensor, indices, a shape, an axis, a count, ...). A case replaces one argument by one bad
value of its role (None, a string, a float where an int belongs, out-of-range or negative,
wrong rank, empty) and keeps the others valid; the valid call itself is a case too. A case
is a function of the `tf` module (TensorFlow with Keras 3, or tapeflow) that calls it.
"""

from __future__ import annotations

import numpy as np

# ---- valid values --------------------------------------------------------------------------

X23 = (np.arange(1, 7, dtype=np.float32).reshape(2, 3) / 7).astype(np.float32)
X32 = X23.T.copy()
X3 = np.array([0.25, 0.5, 0.75], np.float32)
X213 = X23.reshape(2, 1, 3)
SPD = np.array([[2.0, 1.0], [1.0, 2.0]], np.float32)
LOWER = np.array([[2.0, 0.0], [1.0, 2.0]], np.float32)
RHS = np.array([[1.0], [2.0]], np.float32)
IMAGE = (np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1) / 16).astype(np.float32)
SEQUENCE = (np.arange(10, dtype=np.float32).reshape(1, 5, 2) / 10).astype(np.float32)
BOOLS = np.array([[True, False, True], [False, True, True]])
WORDS = np.array([b"Hello world", b"a b"])


# ---- roles: each has its valid value and its bad variants ----------------------------------


class Arg:
    """An argument with a role: `bad()` lists (label, value) variants of the wrong kind."""

    def __init__(self, value):
        self.value = value

    def bad(self):
        return []


class Tensor(Arg):
    """A numeric tensor (a NumPy array): wrong dtypes, ranks, empty, None and text."""

    def bad(self):
        v = np.asarray(self.value)
        out = [("none", None), ("text", "abc"), ("strings", np.full(v.shape, b"a", "S1"))]
        if v.dtype.kind != "b":
            out.append(("bool", v.astype(bool)))
        if v.dtype.kind == "f":
            out.append(("int32", v.astype(np.int32)))
            if v.dtype == np.float32:
                out.append(("float64", v.astype(np.float64)))
        else:
            out.append(("float32", v.astype(np.float32)))
        if v.ndim:
            out.append(("scalar", v.reshape(-1)[:1].reshape(())))
            out.append(("rank_down", v[0]))
            out.append(("empty", np.zeros((0,) + v.shape[1:], v.dtype)))
        out.append(("rank_up", np.stack([v, v])))
        out.append(("shape5", np.ones((5,), v.dtype)))
        return out


class Indices(Tensor):
    """An integer tensor of positions: also out of range, negative and floats."""

    def bad(self):
        v = np.asarray(self.value)
        return super().bad() + [
            ("out_of_range", np.full_like(v, 99)),
            ("negative", np.full_like(v, -7)),
            ("float_list", v.astype(float).tolist()),
        ]


class Strings(Arg):
    """A string tensor: numbers, None, wrong rank, empty."""

    def bad(self):
        v = np.asarray(self.value)
        out = [
            ("none", None),
            ("number", 3),
            ("int32", np.ones(v.shape, np.int32)),
            ("float32", np.ones(v.shape, np.float32)),
            ("rank_up", np.stack([v, v])),
        ]
        if v.ndim:
            out.append(("empty", np.zeros((0,) + v.shape[1:], "S1")))
        return out


class TensorList(Arg):
    """A list of tensors: None, empty, mismatched shapes or dtypes, a string."""

    def bad(self):
        first = np.asarray(self.value[0])
        other = np.ones(first.shape[::-1] if first.ndim > 1 else (first.size + 2,), first.dtype)
        if first.dtype.kind in "SUO":
            other_dtype = np.ones(first.shape, np.float32)
        elif first.dtype == np.float32:
            other_dtype = first.astype(np.float64)
        else:
            other_dtype = first.astype(np.float32)
        return [
            ("none", None),
            ("empty_list", []),
            ("text", "abc"),
            ("none_item", [first, None]),
            ("mismatched_shapes", [first, other]),
            ("mixed_dtypes", [first, other_dtype]),
            ("strings", [np.full(first.shape, b"a", "S1"), np.full(first.shape, b"b", "S1")]),
        ]


class Shape(Arg):
    """A shape argument (list of non-negative ints)."""

    def bad(self):
        s = list(self.value)
        rest = s[1:]
        return [
            ("none", None),
            ("text", "ab"),
            ("negative", [-2] + rest),
            ("float_list", [2.5] + rest),
            ("whole_float_list", [float(d) for d in s]),
            ("float_array", np.array([2.5] + rest, np.float32)),
            ("rank2", [s]),
            ("none_dim", [None] + rest),
            ("string_array", np.array([b"2"] * len(s))),
            ("empty_list_of_size", [] if s else [1]),
        ]


class Paddings(Arg):
    """Paddings or crops: one (before, after) pair of non-negative ints per dimension."""

    def bad(self):
        p = [list(pair) for pair in self.value]
        return [
            ("none", None),
            ("negative", [[-1, 1]] + p[1:]),
            ("float_list", [[1.5, 1]] + p[1:]),
            ("too_few_rows", p[:1]),
            ("flat", [d for pair in p for d in pair]),
            ("three_columns", [pair + [1] for pair in p]),
            ("text", "ab"),
        ]


class Nested(Arg):
    """A nested Python list of numbers (ragged rows)."""

    def bad(self):
        return [
            ("none", None),
            ("mixed_depth", [[1, 2], 3]),
            ("text_items", [["a", 1], [2]]),
            ("none_item", [[1, None], [2]]),
        ]


class Axis(Arg):
    """An axis (an int, or a list of ints where the op takes several)."""

    def bad(self):
        a = self.value if not isinstance(self.value, list) else self.value[0]
        return [
            ("out_of_range", 5),
            ("negative_out_of_range", -5),
            ("float", 1.5),
            ("whole_float", 1.0),
            ("text", "1"),
            ("bool", True),
            ("duplicate", [a, a]),
            ("rank2", [[a]]),
            ("float_array", np.float32(1.0)),
        ]


class Count(Arg):
    """A size or count (k, depth, num, repeats, num_rows)."""

    def bad(self):
        n = self.value
        return [
            ("negative", -1),
            ("float", 2.5),
            ("whole_float", float(n)),
            ("text", "2"),
            ("none", None),
            ("list", [n, n]),
            ("float_array", np.float32(n)),
        ]


class Perm(Arg):
    """A permutation of the axes."""

    def bad(self):
        p = list(self.value)
        return [
            ("duplicate", [p[0]] * len(p)),
            ("out_of_range", p[:-1] + [7]),
            ("short", p[:1]),
            ("float_list", [float(i) for i in p]),
            ("text", "ab"),
        ]


class Number(Arg):
    """A scalar float parameter (rate, alpha, clip_norm, epsilon)."""

    def bad(self):
        return [
            ("none", None),
            ("text", "a"),
            ("matrix", np.ones((2, 2), np.float32)),
            ("negative", -1.0),
            ("above_one", 1.5),
        ]


class Name(Arg):
    """A string option (padding, data_format, equation, encoding, dtype name)."""

    def bad(self):
        return [("unknown", "FOO"), ("none", None), ("number", 3)]


class DType(Arg):
    """A dtype, given by name: bad names, None, numbers."""

    def bad(self):
        return [("unknown", "floot"), ("none", None), ("number", 1.5)]


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


def resolve(tf, path):
    obj = tf
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _f(shape=(2, 3)):
    return Tensor(np.resize(X23, shape).astype(np.float32))


def _i(values):
    return np.asarray(values, np.int32)


UNARY = [
    "abs", "atan", "cos", "cosh", "exp", "floor", "negative", "round", "sigmoid", "sign",
    "sin", "sinh", "sqrt", "square", "tan", "tanh", "identity", "stop_gradient",
    "zeros_like", "ones_like", "rank", "shape", "size",
    "math.ceil", "math.erf", "math.erfc", "math.expm1", "math.is_finite", "math.is_inf",
    "math.is_nan", "math.log", "math.log1p", "math.reciprocal", "math.rsqrt",
    "math.softplus", "math.softsign",
    "nn.elu", "nn.gelu", "nn.relu", "nn.relu6", "nn.selu", "nn.silu", "nn.l2_loss",
    "linalg.adjoint", "linalg.matrix_transpose", "linalg.trace", "random.shuffle",
    "debugging.is_numeric_tensor", "nn.compute_average_loss", "nn.scale_regularization_loss",
]  # fmt: skip
BINARY = [
    "add", "subtract", "multiply", "divide", "truediv", "realdiv", "maximum", "minimum",
    "pow", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
    "math.floordiv", "math.floormod", "math.squared_difference", "math.divide_no_nan",
]  # fmt: skip
LOGICAL = ["logical_and", "logical_or", "math.logical_xor"]
REDUCTIONS = [
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
    "reduce_logsumexp", "math.reduce_std", "math.reduce_variance",
    "math.reduce_euclidean_norm", "math.count_nonzero",
]  # fmt: skip


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
        Spec("gather", _f(), Indices(_i([1, 0])), axis=Axis(1)),
        Spec("gather", _f(), Indices(_i([[1], [0]])), axis=1, batch_dims=Count(1)),
        Spec("gather_nd", _f(), Indices(_i([[1, 2], [0, 0]]))),
        Spec("boolean_mask", _f(), Tensor(BOOLS)),
        Spec("where", Tensor(BOOLS), _f(), _f()),
        Spec("one_hot", Indices(_i([0, 2])), Count(3), axis=Axis(1)),
        Spec("repeat", _f(), Count(2), axis=Axis(1)),
        Spec("scatter_nd", Indices(_i([[1], [0]])), Tensor(X23), Shape([3, 3])),
        Spec("tensor_scatter_nd_add", _f(), Indices(_i([[1], [0]])), Tensor(X23)),
        Spec("tensor_scatter_nd_sub", _f(), Indices(_i([[1], [0]])), Tensor(X23)),
        Spec("tensor_scatter_nd_update", _f(), Indices(_i([[1], [0]])), Tensor(X23)),
        Spec("math.unsorted_segment_sum", _f(), Indices(_i([1, 0])), Count(3)),
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
        Spec("nn.batch_normalization", _f(), _f((3,)), _f((3,)), _f((3,)), _f((3,)),
             Number(0.001)),  # fmt: skip
        Spec("nn.bias_add", _f(), _f((3,))),
        Spec("nn.conv1d", Tensor(SEQUENCE), _f((3, 2, 4)), Count(1), Name("VALID")),
        Spec("nn.conv2d", Tensor(IMAGE), _f((3, 3, 1, 2)), Count(1), Name("VALID")),
        Spec("nn.conv2d_transpose", Tensor(IMAGE), _f((3, 3, 2, 1)), Shape([1, 6, 6, 2]),
             Count(1), padding=Name("VALID")),  # fmt: skip
        Spec("nn.depthwise_conv2d", Tensor(IMAGE), _f((3, 3, 1, 2)), Shape([1, 1, 1, 1]),
             Name("VALID")),  # fmt: skip
        Spec("nn.dropout", _f(), Number(0.5), seed=1),
        Spec("nn.embedding_lookup", _f(), Indices(_i([1, 0]))),
        Spec("nn.leaky_relu", _f(), alpha=Number(0.2)),
        Spec("nn.sigmoid_cross_entropy_with_logits", labels=_f(), logits=_f()),
        Spec("nn.softmax_cross_entropy_with_logits", _f(), _f(), axis=Axis(1)),
        Spec("nn.sparse_softmax_cross_entropy_with_logits", Indices(_i([1, 2])), _f()),
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
        Spec("debugging.assert_integer", Tensor(_i([1, 2]))),
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
        Spec("strings.unicode_encode", Indices(_i([72, 105])), Name("UTF-8")),
        Spec("strings.unicode_split", Strings(WORDS), Name("UTF-8")),
        Spec("strings.upper", Strings(WORDS)),
        # ragged, io
        Spec("ragged.constant", Nested([[1, 2], [3]])),
        Spec("ragged.row_splits_to_segment_ids", Indices(_i([0, 2, 3]))),
        Spec("ragged.segment_ids_to_row_splits", Indices(_i([0, 0, 1])), num_segments=Count(2)),
        Spec("io.decode_csv", Strings(np.array([b"1,2", b"3,4"])), TensorList([[0.0], [0]])),
    ]
    return s


# ---- Keras layers --------------------------------------------------------------------------

# (class path, constructor kwargs with roles, valid input, call kwargs). A constructor
# argument with a role is fuzzed too (units=-1, pool_size=2.5, ...).
LAYER_INPUTS = {
    "vector": X23,
    "sequence": np.resize(SEQUENCE, (2, 5, 2)).astype(np.float32),
    "image": np.resize(IMAGE, (2, 4, 4, 1)).astype(np.float32),
    "ids": _i([[1, 2], [0, 4]]),
}


def layer_specs() -> list:
    """(path, constructor kwargs, input kind) for every Keras layer tapeflow exports."""
    L = "keras.layers."
    seq, img, vec = "sequence", "image", "vector"
    return [
        (L + "Dense", {"units": Count(2)}, vec),
        (L + "Activation", {"activation": Name("relu")}, vec),
        (L + "Dropout", {"rate": Number(0.5)}, vec),
        (L + "Flatten", {}, img),
        (L + "Reshape", {"target_shape": Shape([3, 1])}, vec),
        (L + "RepeatVector", {"n": Count(2)}, vec),
        (L + "Identity", {}, vec),
        (L + "Permute", {"dims": Perm([2, 1])}, seq),
        (L + "Embedding", {"input_dim": Count(5), "output_dim": Count(2)}, "ids"),
        (L + "Conv1D", {"filters": Count(2), "kernel_size": Count(3)}, seq),
        (L + "Conv2D", {"filters": Count(2), "kernel_size": Count(3)}, img),
        (L + "Conv2DTranspose", {"filters": Count(2), "kernel_size": Count(3)}, img),
        (L + "DepthwiseConv2D", {"kernel_size": Count(3)}, img),
        (L + "MaxPooling1D", {"pool_size": Count(2)}, seq),
        (L + "MaxPooling2D", {"pool_size": Count(2)}, img),
        (L + "AveragePooling1D", {"pool_size": Count(2)}, seq),
        (L + "AveragePooling2D", {"pool_size": Count(2)}, img),
        (L + "GlobalAveragePooling1D", {}, seq),
        (L + "GlobalAveragePooling2D", {}, img),
        (L + "GlobalMaxPooling1D", {}, seq),
        (L + "GlobalMaxPooling2D", {}, img),
        (L + "ZeroPadding1D", {"padding": Count(1)}, seq),
        (L + "ZeroPadding2D", {"padding": Count(1)}, img),
        (L + "Cropping1D", {"cropping": Count(1)}, seq),
        (L + "Cropping2D", {"cropping": Count(1)}, img),
        (L + "UpSampling1D", {"size": Count(2)}, seq),
        (L + "UpSampling2D", {"size": Count(2)}, img),
        (L + "BatchNormalization", {"axis": Axis(-1)}, vec),
        (L + "LayerNormalization", {"axis": Axis(-1)}, vec),
        (L + "Normalization", {"axis": Axis(-1)}, vec),
        (L + "Rescaling", {"scale": Number(0.5)}, vec),
        (L + "SimpleRNN", {"units": Count(3)}, seq),
        (L + "LSTM", {"units": Count(3)}, seq),
        (L + "GRU", {"units": Count(3)}, seq),
        (L + "MultiHeadAttention", {"num_heads": Count(2), "key_dim": Count(2)}, "attention"),
        (L + "Add", {}, "pair"),
        (L + "Subtract", {}, "pair"),
        (L + "Multiply", {}, "pair"),
        (L + "Average", {}, "pair"),
        (L + "Maximum", {}, "pair"),
        (L + "Minimum", {}, "pair"),
        (L + "Concatenate", {"axis": Axis(-1)}, "pair"),
        (L + "Dot", {"axes": Axis(1)}, "pair"),
    ]


def _layer_input_variants(kind):
    """(label, value) bad inputs of a layer taking `kind`, and a matching valid value."""
    if kind == "pair":
        return LAYER_INPUTS["vector"], TensorList([X23, X23]).bad()
    if kind == "attention":
        return LAYER_INPUTS["sequence"], Tensor(LAYER_INPUTS["sequence"]).bad()
    v = LAYER_INPUTS[kind]
    role = Indices(v) if kind == "ids" else Tensor(v)
    return v, role.bad()


def _make_layer(tf, path, kwargs):
    return resolve(tf, path)(**kwargs)


def _call_layer(layer, kind, x):
    if kind == "pair":
        return layer(x if not isinstance(x, np.ndarray) or x.ndim == 0 else [x, x])
    if kind == "attention":
        return layer(x, x)
    return layer(x)


def _layer_cases(path, ctor, kind):
    valid_kwargs = {k: a.value if isinstance(a, Arg) else a for k, a in ctor.items()}
    valid_input, bad_inputs = _layer_input_variants(kind)
    cases = {}

    def plain(kwargs, x):
        return lambda tf: _call_layer(_make_layer(tf, path, kwargs), kind, x)

    cases[f"{path}|valid"] = plain(valid_kwargs, valid_input)
    if kind == "pair":  # a merge layer takes a list: its bad lists are the inputs
        for label, value in bad_inputs:
            cases[f"{path}|input={label}"] = _merge_case(path, valid_kwargs, value)
    else:
        for label, value in bad_inputs:
            cases[f"{path}|input={label}"] = plain(valid_kwargs, value)
        if kind in ("sequence", "image", "vector"):
            # Built on the valid input, then called with one more feature.
            wider = np.concatenate([valid_input, valid_input[..., :1]], axis=-1)
            cases[f"{path}|input=wider_after_build"] = _after_build(
                path, valid_kwargs, kind, valid_input, wider
            )
        if kind == "sequence":
            cases[f"{path}|input=no_steps"] = plain(valid_kwargs, valid_input[:, :0])
    for name, arg in ctor.items():
        if not isinstance(arg, Arg):
            continue
        for label, value in arg.bad():
            kwargs = dict(valid_kwargs, **{name: value})
            cases[f"{path}|{name}={label}"] = plain(kwargs, valid_input)
    return cases


def _merge_case(path, kwargs, value):
    return lambda tf: _make_layer(tf, path, kwargs)(value)


def _after_build(path, kwargs, kind, first, second):
    def run(tf):
        layer = _make_layer(tf, path, kwargs)
        _call_layer(layer, kind, first)
        return _call_layer(layer, kind, second)

    return run


def _op_cases(spec: Spec):
    cases = {}

    def call(position, bad, use_bad):
        def run(tf):
            fn = resolve(tf, spec.path)
            args, kwargs = spec.call_with(position if use_bad else None, bad)
            return fn(*args, **kwargs)

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
        cases.update(_layer_cases(path, ctor, kind))
    return cases


def spec_paths() -> set:
    """The public paths that have a spec (the test checks every export has one)."""
    return {s.path for s in op_specs()} | {p for p, _, _ in layer_specs()}

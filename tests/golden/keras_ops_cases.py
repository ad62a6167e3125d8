"""Cases of `keras.ops` compared with Keras 3.15 on TensorFlow 2.21 (keras_ops.json).

`cases(keras, tf)` maps a name to a function of no argument; it runs with Keras 3 and
TensorFlow in make_keras_ops.py and with tapeflow.keras and tapeflow in the test. The
inputs are fixed NumPy arrays, so both compute exactly the same thing. Three families:
- values: each op on typical inputs (values, dtype and shape of the result);
- dtypes: the result dtype of the elementwise ops over pairs of input dtypes (Keras'
  promotion rules, Python numbers as weak types);
- grads: the gradient of sum(op(x) * w) with respect to each float input.
"""

import numpy as np

_RNG = np.random.default_rng(1234)
A = _RNG.normal(size=(3, 4)).astype("float32")
B = _RNG.normal(size=(3, 4)).astype("float32")
C = _RNG.normal(size=(4, 5)).astype("float32")
P = _RNG.uniform(0.1, 0.9, size=(3, 4)).astype("float32")  # in (0, 1)
POS = _RNG.uniform(0.5, 3.0, size=(3, 4)).astype("float32")
V = _RNG.normal(size=(5,)).astype("float32")
I = np.array([[3, -1, 0, 7], [2, 2, -5, 1], [0, 4, 4, -2]], dtype="int32")  # noqa: E741
IMG = _RNG.normal(size=(2, 6, 6, 3)).astype("float32")
SEQ = _RNG.normal(size=(2, 7, 3)).astype("float32")
SPD = (lambda m: (m @ m.T + 4 * np.eye(4)).astype("float32"))(_RNG.normal(size=(4, 4)))
NANS = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan], [4.0, -2.0, 0.5]], "float32")


def encode(value):
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in sorted(value.items())}}
    if isinstance(value, (list, tuple)):
        return {"list": [encode(v) for v in value]}
    if value is None:
        return {"none": True}
    if isinstance(value, (str, bool, int, float)) and not hasattr(value, "dtype"):
        return {"python": value}
    a = np.asarray(value)
    dtype = getattr(value, "dtype", a.dtype)
    name = getattr(dtype, "name", str(dtype))
    if a.dtype.kind == "f":
        values = np.where(np.isnan(a), None, a).tolist() if np.isnan(a).any() else a.tolist()
        values = _no_inf(values)
    elif a.dtype == object:
        values = [v.decode() if isinstance(v, bytes) else v for v in a.reshape(-1).tolist()]
        return {"values": values, "dtype": name, "shape": list(a.shape), "text": True}
    else:
        values = a.tolist()
    return {"values": values, "dtype": name, "shape": list(a.shape)}


def _no_inf(v):
    if isinstance(v, list):
        return [_no_inf(x) for x in v]
    if isinstance(v, float) and np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def run(fn):
    try:
        return encode(fn())
    except Exception as e:  # the error type is part of the expected behaviour
        return {"error": type(e).__name__}


def value_cases(keras):
    ops = keras.ops
    t = ops.convert_to_tensor
    a, b, c, p, pos, v, i = (t(x) for x in (A, B, C, P, POS, V, I))
    out = {
        # creation
        "ones": lambda: ops.ones((2, 3)),
        "zeros_int": lambda: ops.zeros((2,), dtype="int32"),
        "full": lambda: ops.full((2, 2), 7),
        "full_float_int": lambda: ops.full((2,), 1.5, dtype="int32"),
        "full_like": lambda: ops.full_like(i, 2.7),
        "ones_like": lambda: ops.ones_like(a),
        "zeros_like_dtype": lambda: ops.zeros_like(a, dtype="int8"),
        "arange_int": lambda: ops.arange(5),
        "arange_float": lambda: ops.arange(0.5, 3, 0.5),
        "arange_start_stop": lambda: ops.arange(2, 9, 3),
        "arange_dtype": lambda: ops.arange(4, dtype="float16"),
        "linspace": lambda: ops.linspace(0, 1, 5),
        "linspace_noend": lambda: ops.linspace(0.0, 1.0, 4, endpoint=False),
        "linspace_int": lambda: ops.linspace(0, 10, 4, dtype="int32"),
        "linspace_retstep": lambda: ops.linspace(2.0, 3.0, 5, retstep=True),
        "logspace": lambda: ops.logspace(0.0, 2.0, 3),
        "geomspace": lambda: ops.geomspace(1.0, 1000.0, 4),
        "eye": lambda: ops.eye(3, 4, k=1),
        "identity": lambda: ops.identity(3, dtype="int32"),
        "tri": lambda: ops.tri(3, 4, k=-1),
        "tril": lambda: ops.tril(a, k=1),
        "triu": lambda: ops.triu(a, k=-1),
        "meshgrid": lambda: ops.meshgrid(t([1, 2, 3]), t([4.0, 5.0])),
        "meshgrid_ij": lambda: ops.meshgrid(t([1, 2, 3]), t([4, 5]), indexing="ij"),
        "diag_vector": lambda: ops.diag(v, k=1),
        "diag_matrix": lambda: ops.diag(a, k=-1),
        "diagflat": lambda: ops.diagflat(t([[1, 2], [3, 4]])),
        "diagonal": lambda: ops.diagonal(a, offset=1),
        "trace": lambda: ops.trace(i),
        "vander": lambda: ops.vander(t([1.0, 2.0, 3.0]), 3),
        # arithmetic and math
        "add_scalar": lambda: ops.add(a, 1),
        "add_broadcast": lambda: ops.add(a, t([1.0, 2.0, 3.0, 4.0])),
        "subtract_int_float": lambda: ops.subtract(i, 0.5),
        "multiply": lambda: ops.multiply(a, b),
        "divide_int": lambda: ops.divide(i, 2),
        "divide_no_nan": lambda: ops.divide_no_nan(a, t([[0.0, 1.0, 2.0, 0.0]])),
        "true_divide": lambda: ops.true_divide(i, i),
        "floor_divide": lambda: ops.floor_divide(i, 3),
        "floor_divide_float": lambda: ops.floor_divide(a, 0.5),
        "power": lambda: ops.power(pos, 1.5),
        "power_int": lambda: ops.power(i, 2),
        "maximum": lambda: ops.maximum(a, 0),
        "minimum": lambda: ops.minimum(a, b),
        "mod": lambda: ops.mod(i, 3),
        "mod_float": lambda: ops.mod(a, 0.7),
        "fmod": lambda: ops.fmod(i, 3),
        "negative": lambda: ops.negative(i),
        "abs": lambda: ops.abs(a),
        "absolute_int": lambda: ops.absolute(i),
        "fabs_int": lambda: ops.fabs(i),
        "square": lambda: ops.square(a),
        "square_bool": lambda: ops.square(t([True, False])),
        "sqrt": lambda: ops.sqrt(pos),
        "sqrt_int": lambda: ops.sqrt(t([4, 9])),
        "cbrt": lambda: ops.cbrt(a),
        "reciprocal": lambda: ops.reciprocal(pos),
        "sign": lambda: ops.sign(a),
        "sign_int": lambda: ops.sign(i),
        "exp": lambda: ops.exp(a),
        "exp_int": lambda: ops.exp(i),
        "exp2": lambda: ops.exp2(a),
        "expm1": lambda: ops.expm1(a),
        "log": lambda: ops.log(pos),
        "log_int": lambda: ops.log(t([1, 2, 4])),
        "log1p": lambda: ops.log1p(p),
        "log2": lambda: ops.log2(pos),
        "log10": lambda: ops.log10(pos),
        "logaddexp": lambda: ops.logaddexp(a, b),
        "logaddexp2": lambda: ops.logaddexp2(a, b),
        "sin": lambda: ops.sin(a),
        "cos": lambda: ops.cos(a),
        "tan": lambda: ops.tan(p),
        "sinh": lambda: ops.sinh(a),
        "cosh": lambda: ops.cosh(a),
        "tanh": lambda: ops.tanh(a),
        "arcsin": lambda: ops.arcsin(p),
        "arccos": lambda: ops.arccos(p),
        "arctan": lambda: ops.arctan(a),
        "arcsinh": lambda: ops.arcsinh(a),
        "arccosh": lambda: ops.arccosh(pos + 1),
        "arctanh": lambda: ops.arctanh(p),
        "arctan2": lambda: ops.arctan2(a, b),
        "hypot": lambda: ops.hypot(a, b),
        "hypot_int": lambda: ops.hypot(i, i),
        "deg2rad": lambda: ops.deg2rad(t([0, 90, 180])),
        "rad2deg": lambda: ops.rad2deg(a),
        "sinc": lambda: ops.sinc(t([0.0, 0.5, 1.0, 1.5])),
        "ceil": lambda: ops.ceil(a),
        "floor_int": lambda: ops.floor(i),
        "round": lambda: ops.round(t([0.5, 1.5, 2.5, -0.5, 1.26])),
        "round_decimals": lambda: ops.round(a, 2),
        "round_int_negative": lambda: ops.round(t([1234, 5678]), -2),
        "trunc": lambda: ops.trunc(a),
        "clip": lambda: ops.clip(a, -0.5, 0.5),
        "clip_int": lambda: ops.clip(i, 0, 3),
        "clip_bool": lambda: ops.clip(t([True, False]), 0, 1),
        "heaviside": lambda: ops.heaviside(t([-1.0, 0.0, 2.0]), 0.5),
        "nan_to_num": lambda: ops.nan_to_num(t([np.nan, np.inf, -np.inf, 1.0]), posinf=9.0),
        "isnan": lambda: ops.isnan(t(NANS)),
        "isinf_int": lambda: ops.isinf(i),
        "isfinite": lambda: ops.isfinite(t([1.0, np.inf, np.nan])),
        "isposinf": lambda: ops.isposinf(t([1.0, np.inf, -np.inf])),
        "isneginf": lambda: ops.isneginf(t([1.0, np.inf, -np.inf])),
        "signbit": lambda: ops.signbit(t([-0.0, 0.0, -1.0, 2.0])),
        "ldexp": lambda: ops.ldexp(a, t([1, 2, 3, 4])),
        "conj": lambda: ops.conj(a),
        "real": lambda: ops.real(a),
        "imag": lambda: ops.imag(a),
        # comparisons and logic
        "equal": lambda: ops.equal(i, 2),
        "not_equal": lambda: ops.not_equal(a, b),
        "greater": lambda: ops.greater(a, 0.1),
        "greater_equal": lambda: ops.greater_equal(i, i),
        "less": lambda: ops.less(a, b),
        "less_equal": lambda: ops.less_equal(i, 0),
        "logical_and": lambda: ops.logical_and(i, a > 0),
        "logical_or": lambda: ops.logical_or(t([True, False]), t([False, False])),
        "logical_xor": lambda: ops.logical_xor(t([1, 0, 2]), t([1, 1, 0])),
        "logical_not": lambda: ops.logical_not(i),
        "isclose": lambda: ops.isclose(a, a + 1e-6),
        "allclose": lambda: ops.allclose(a, b),
        "isin": lambda: ops.isin(i, t([2, 4, 7])),
        "where": lambda: ops.where(a > 0, a, 0),
        "where_int_float": lambda: ops.where(i > 0, i, 0.5),
        "where_nonzero": lambda: ops.where(t([[0, 1], [2, 0]])),
        "nonzero": lambda: ops.nonzero(i),
        "select": lambda: ops.select([a < 0, a > 1], [a, 2 * a], default=-1.0),
        # reductions
        "sum": lambda: ops.sum(a),
        "sum_axis": lambda: ops.sum(a, axis=1, keepdims=True),
        "sum_bool": lambda: ops.sum(t([True, True, False])),
        "sum_int8": lambda: ops.sum(t(np.array([100, 100], "int8"))),
        "mean": lambda: ops.mean(a, axis=0),
        "mean_int": lambda: ops.mean(i),
        "mean_float16": lambda: ops.mean(t(A.astype("float16")), axis=-1),
        "max": lambda: ops.max(a, axis=1),
        "max_initial": lambda: ops.max(a, axis=0, initial=0.5),
        "max_bool": lambda: ops.max(t([True, False])),
        "min": lambda: ops.min(i, axis=(0, 1)),
        "amax": lambda: ops.amax(a, axis=-1, keepdims=True),
        "amin": lambda: ops.amin(a),
        "prod": lambda: ops.prod(p, axis=0),
        "prod_int8": lambda: ops.prod(t(np.array([3, 4], "int8"))),
        "var": lambda: ops.var(a, axis=0),
        "var_int": lambda: ops.var(i),
        "std": lambda: ops.std(a, axis=1, keepdims=True),
        "std_int": lambda: ops.std(i),
        "all": lambda: ops.all(i, axis=0),
        "any": lambda: ops.any(a > 1.5),
        "argmax": lambda: ops.argmax(a, axis=1),
        "argmax_flat": lambda: ops.argmax(a),
        "argmax_keepdims": lambda: ops.argmax(a, axis=0, keepdims=True),
        "argmin_int": lambda: ops.argmin(i, axis=-1),
        "argmax_negative_zero": lambda: ops.argmax(t([-0.0, 0.0])),
        "cumsum": lambda: ops.cumsum(a, axis=1),
        "cumsum_flat": lambda: ops.cumsum(i),
        "cumsum_bool": lambda: ops.cumsum(t([True, True, False])),
        "cumprod": lambda: ops.cumprod(p, axis=0),
        "count_nonzero": lambda: ops.count_nonzero(i, axis=1),
        "average": lambda: ops.average(a, axis=1),
        "average_weights": lambda: ops.average(a, axis=1, weights=t([1.0, 2.0, 3.0, 4.0])),
        "average_weights_full": lambda: ops.average(a, weights=p),
        "ptp": lambda: ops.ptp(a, axis=0),
        "logsumexp": lambda: ops.logsumexp(a, axis=1),
        "median": lambda: ops.median(a, axis=1),
        "median_flat": lambda: ops.median(a),
        "quantile": lambda: ops.quantile(a, 0.3, axis=0),
        "quantile_vector": lambda: ops.quantile(a, [0.1, 0.5, 0.9], axis=1),
        "quantile_keepdims": lambda: ops.quantile(a, 0.5, axis=1, keepdims=True),
        "quantile_methods": lambda: [
            ops.quantile(a, 0.4, axis=1, method=m)
            for m in ("lower", "higher", "nearest", "midpoint")
        ],
        "percentile": lambda: ops.percentile(i, 75),
        "nansum": lambda: ops.nansum(t(NANS), axis=1),
        "nanmean": lambda: ops.nanmean(t(NANS), axis=1),
        "nanmax": lambda: ops.nanmax(t(NANS), axis=1),
        "nanmin": lambda: ops.nanmin(t(NANS)),
        "nanprod": lambda: ops.nanprod(t(NANS), axis=0),
        "nanvar": lambda: ops.nanvar(t(NANS), axis=1),
        "nanstd": lambda: ops.nanstd(t(NANS)),
        "nanargmax": lambda: ops.nanargmax(t(NANS), axis=1),
        "nanargmin": lambda: ops.nanargmin(t(NANS), axis=0),
        "nancumsum": lambda: ops.nancumsum(t(NANS), axis=1),
        "nanmedian": lambda: ops.nanmedian(t(NANS), axis=1),
        "nanquantile": lambda: ops.nanquantile(t(NANS), 0.25, axis=0),
        # shapes
        "reshape": lambda: ops.reshape(a, (2, -1)),
        "transpose": lambda: ops.transpose(a),
        "transpose_axes": lambda: ops.transpose(t(IMG), (0, 3, 1, 2)),
        "expand_dims": lambda: ops.expand_dims(a, (0, -1)),
        "squeeze": lambda: ops.squeeze(ops.expand_dims(a, 1), axis=1),
        "squeeze_bad_axis": lambda: ops.squeeze(a, axis=0),
        "moveaxis": lambda: ops.moveaxis(t(IMG), -1, 1),
        "swapaxes": lambda: ops.swapaxes(t(IMG), 1, 3),
        "ravel": lambda: ops.ravel(i),
        "concatenate": lambda: ops.concatenate([a, b], axis=1),
        "concatenate_mixed": lambda: ops.concatenate([i, a], axis=0),
        "append": lambda: ops.append(i, a),
        "stack": lambda: ops.stack([a, b], axis=1),
        "stack_mixed": lambda: ops.stack([i, a]),
        "hstack": lambda: ops.hstack([a, b]),
        "vstack": lambda: ops.vstack([v, v]),
        "dstack": lambda: ops.dstack([a, b]),
        "split": lambda: ops.split(a, 2, axis=1),
        "split_indices": lambda: ops.split(a, [1, 3], axis=1),
        "array_split": lambda: ops.array_split(v, 3),
        "hsplit": lambda: ops.hsplit(a, 2),
        "vsplit": lambda: ops.vsplit(a, 3),
        "tile": lambda: ops.tile(v, (2, 2)),
        "repeat": lambda: ops.repeat(a, 2, axis=0),
        "repeat_flat": lambda: ops.repeat(i, 2),
        "flip": lambda: ops.flip(a, axis=1),
        "flip_all": lambda: ops.flip(a),
        "fliplr": lambda: ops.fliplr(a),
        "flipud": lambda: ops.flipud(a),
        "roll": lambda: ops.roll(a, 1, axis=1),
        "roll_flat": lambda: ops.roll(a, -3),
        "rot90": lambda: ops.rot90(a),
        "rot90_k2": lambda: ops.rot90(t(IMG), k=3, axes=(1, 2)),
        "pad": lambda: ops.pad(a, ((1, 0), (0, 2))),
        "pad_value": lambda: ops.pad(i, ((0, 1), (1, 1)), constant_values=9),
        "pad_reflect": lambda: ops.pad(a, ((1, 1), (2, 0)), mode="reflect"),
        "pad_symmetric": lambda: ops.pad(a, ((1, 1), (2, 0)), mode="symmetric"),
        "broadcast_to": lambda: ops.broadcast_to(v, (2, 5)),
        "diff": lambda: ops.diff(a, axis=1),
        "diff_n2": lambda: ops.diff(i, n=2, axis=0),
        "size": lambda: ops.size(a),
        "ndim": lambda: ops.ndim(t(IMG)),
        "shape": lambda: list(ops.shape(a)),
        "copy": lambda: ops.copy(i),
        "unravel_index": lambda: ops.unravel_index(t([1, 5, 7]), (3, 4)),
        "get_item": lambda: ops.get_item(a, 1),
        # selection and sorting
        "take": lambda: ops.take(a, t([0, 2]), axis=0),
        "take_negative": lambda: ops.take(a, t([-1, 1]), axis=1),
        "take_flat": lambda: ops.take(a, t([[0, 5], [11, 3]])),
        "take_along_axis": lambda: ops.take_along_axis(a, ops.argsort(a, axis=1), axis=1),
        "take_along_axis_broadcast": lambda: ops.take_along_axis(a, t([[0], [3], [1]]), axis=1),
        "sort": lambda: ops.sort(a, axis=0),
        "sort_flat": lambda: ops.sort(i, axis=None),
        "argsort": lambda: ops.argsort(i, axis=1),
        "argsort_bool": lambda: ops.argsort(t([True, False, True])),
        "argpartition": lambda: ops.sort(ops.argpartition(t([5, 1, 4, 2]), 1)[:2]),
        "searchsorted": lambda: ops.searchsorted(t([1.0, 2.0, 3.0]), t([0.5, 2.0, 2.5])),
        "searchsorted_right": lambda: ops.searchsorted(t([1, 2, 3]), t([2, 3]), side="right"),
        "digitize": lambda: ops.digitize(a, [-1.0, 0.0, 1.0]),
        "bincount": lambda: ops.bincount(t([0, 1, 1, 3])),
        "bincount_weights": lambda: ops.bincount(
            t([0, 1, 1, 3]), weights=t([0.5, 1.0, 2.0, 3.0]), minlength=6
        ),
        "unique": lambda: ops.unique(t([3, 1, 3, 2])),
        "top_k": lambda: ops.top_k(a, 2),
        "in_top_k": lambda: ops.in_top_k(t([0, 3, 1]), a, 2),
        # products
        "matmul": lambda: ops.matmul(a, c),
        "matmul_vector": lambda: ops.matmul(a, t(C[:, 0])),
        "matmul_batched": lambda: ops.matmul(t(np.stack([A, B])), c),
        "matmul_int": lambda: ops.matmul(i, t(I.T)),
        "matmul_int8": lambda: ops.matmul(t(I.astype("int8")), t(I.T.astype("int8"))),
        "dot": lambda: ops.dot(a, c),
        "dot_vector": lambda: ops.dot(v, v),
        "dot_scalar": lambda: ops.dot(a, 2.0),
        "einsum": lambda: ops.einsum("ij,jk->ik", a, c),
        "einsum_trace": lambda: ops.einsum("ii->", t(SPD)),
        "einsum_int": lambda: ops.einsum("ij,ij->i", i, i),
        "tensordot": lambda: ops.tensordot(a, c, axes=1),
        "tensordot_axes": lambda: ops.tensordot(a, b, axes=([0, 1], [0, 1])),
        "inner": lambda: ops.inner(a, b),
        "outer": lambda: ops.outer(v, t([1.0, 2.0])),
        "vdot": lambda: ops.vdot(a, b),
        "kron": lambda: ops.kron(t([[1, 2], [3, 4]]), t([[0, 1], [1, 0]])),
        "cross": lambda: ops.cross(t([1.0, 2.0, 3.0]), t([4.0, 5.0, 6.0])),
        "cross_2d": lambda: ops.cross(t([[1.0, 2.0]]), t([[3.0, 4.0]])),
        "trapezoid": lambda: ops.trapezoid(a, axis=1),
        # nn
        "relu": lambda: ops.relu(a),
        "relu6": lambda: ops.relu6(a * 5),
        "sigmoid": lambda: ops.sigmoid(a),
        "softplus": lambda: ops.softplus(a),
        "softsign": lambda: ops.softsign(a),
        "silu": lambda: ops.silu(a),
        "swish": lambda: ops.nn.swish(a),
        "gelu": lambda: ops.gelu(a),
        "gelu_exact": lambda: ops.gelu(a, approximate=False),
        "elu": lambda: ops.elu(a, alpha=0.5),
        "selu": lambda: ops.selu(a),
        "celu": lambda: ops.celu(a, alpha=2.0),
        "glu": lambda: ops.glu(a),
        "leaky_relu": lambda: ops.leaky_relu(a),
        "hard_sigmoid": lambda: ops.hard_sigmoid(a * 4),
        "hard_silu": lambda: ops.hard_silu(a * 4),
        "hard_tanh": lambda: ops.hard_tanh(a * 2),
        "hard_shrink": lambda: ops.hard_shrink(a),
        "soft_shrink": lambda: ops.soft_shrink(a),
        "tanh_shrink": lambda: ops.tanh_shrink(a),
        "threshold": lambda: ops.threshold(a, 0.2, -1.0),
        "squareplus": lambda: ops.squareplus(a),
        "sparse_plus": lambda: ops.sparse_plus(a),
        "sparse_sigmoid": lambda: ops.sparse_sigmoid(a),
        "log_sigmoid": lambda: ops.log_sigmoid(a),
        "softmax": lambda: ops.softmax(a),
        "softmax_axis0": lambda: ops.softmax(a, axis=0),
        "softmax_none": lambda: ops.softmax(a, axis=None),
        "log_softmax": lambda: ops.log_softmax(a),
        "sparsemax": lambda: ops.sparsemax(a),
        "one_hot": lambda: ops.one_hot(t([0, 2, -1, 5]), 4),
        "one_hot_axis": lambda: ops.one_hot(t([[0, 1], [2, 3]]), 4, axis=1, dtype="int32"),
        "one_hot_bool": lambda: ops.one_hot(t([1, 0]), 3, dtype="bool"),
        "multi_hot": lambda: ops.multi_hot(t([[0, 2], [1, 1]]), 4),
        "binary_crossentropy": lambda: ops.binary_crossentropy(t(P > 0.5) * 1.0, p),
        "binary_crossentropy_logits": lambda: ops.binary_crossentropy(
            t((P > 0.5).astype("float32")), a, from_logits=True
        ),
        "binary_crossentropy_sigmoid": lambda: ops.binary_crossentropy(
            t((P > 0.5).astype("float32")), ops.sigmoid(a)
        ),
        "categorical_crossentropy": lambda: ops.categorical_crossentropy(
            ops.one_hot(t([0, 3, 1]), 4), p
        ),
        "categorical_crossentropy_logits": lambda: ops.categorical_crossentropy(
            ops.one_hot(t([0, 3, 1]), 4), a, from_logits=True
        ),
        "categorical_crossentropy_softmax": lambda: ops.categorical_crossentropy(
            ops.one_hot(t([0, 3, 1]), 4), ops.softmax(a)
        ),
        "sparse_categorical_crossentropy": lambda: ops.sparse_categorical_crossentropy(
            t([0, 3, 1]), ops.softmax(a)
        ),
        "sparse_categorical_crossentropy_logits": lambda: ops.sparse_categorical_crossentropy(
            t([[0], [3], [1]]), a, from_logits=True
        ),
        "moments": lambda: ops.moments(a, axes=[0]),
        "moments_keepdims": lambda: ops.moments(t(IMG), axes=[0, 1, 2], keepdims=True),
        "batch_normalization": lambda: ops.batch_normalization(
            a,
            t([0.1, 0.2, 0.3, 0.4]),
            t([1.0, 2.0, 0.5, 1.5]),
            axis=-1,
            offset=t([0.0, 1.0, 0.0, 1.0]),
            scale=t([2.0, 1.0, 1.0, 0.5]),
        ),
        "normalize": lambda: ops.normalize(a),
        "normalize_l1": lambda: ops.normalize(a, axis=0, order=1),
        "layer_normalization": lambda: ops.layer_normalization(
            a, gamma=t([1.0, 2.0, 1.0, 0.5]), beta=t([0.0, 0.1, 0.2, 0.3])
        ),
        "rms_normalization": lambda: ops.rms_normalization(a, scale=t([1.0, 2.0, 1.0, 0.5])),
        "psnr": lambda: ops.psnr(p, pos / 4, 1.0),
        "conv_1d": lambda: ops.conv(t(SEQ), t(_RNG_FIXED["k1"]), strides=2, padding="same"),
        "conv_2d": lambda: ops.conv(t(IMG), t(_RNG_FIXED["k2"]), padding="valid"),
        "conv_2d_dilated": lambda: ops.conv(t(IMG), t(_RNG_FIXED["k2"]), dilation_rate=2),
        "conv_2d_channels_first": lambda: ops.conv(
            ops.transpose(t(IMG), (0, 3, 1, 2)), t(_RNG_FIXED["k2"]), data_format="channels_first"
        ),
        "depthwise_conv": lambda: ops.depthwise_conv(
            t(IMG), t(_RNG_FIXED["kd"]), strides=2, padding="same"
        ),
        "depthwise_conv_1d": lambda: ops.depthwise_conv(t(SEQ), t(_RNG_FIXED["kd"][0])),
        "separable_conv": lambda: ops.separable_conv(
            t(IMG), t(_RNG_FIXED["kd"]), t(_RNG_FIXED["kp"])
        ),
        "conv_transpose": lambda: ops.conv_transpose(t(IMG), t(_RNG_FIXED["kt"]), strides=2),
        "conv_transpose_same": lambda: ops.conv_transpose(
            t(IMG), t(_RNG_FIXED["kt"]), strides=2, padding="same"
        ),
        "conv_transpose_1d": lambda: ops.conv_transpose(t(SEQ), t(_RNG_FIXED["kt"][0]), strides=3),
        "max_pool": lambda: ops.max_pool(t(IMG), 2),
        "max_pool_1d_same": lambda: ops.max_pool(t(SEQ), 3, strides=2, padding="same"),
        "average_pool": lambda: ops.average_pool(t(IMG), (3, 2), strides=(1, 2)),
        "average_pool_same": lambda: ops.average_pool(t(IMG), 4, padding="same"),
        "dot_product_attention": lambda: ops.dot_product_attention(
            t(_RNG_FIXED["q"]), t(_RNG_FIXED["k"]), t(_RNG_FIXED["k"]) * 2
        ),
        "dot_product_attention_causal": lambda: ops.dot_product_attention(
            t(_RNG_FIXED["q"]), t(_RNG_FIXED["q"]), t(_RNG_FIXED["q"]), is_causal=True
        ),
        "depth_to_space": lambda: ops.depth_to_space(t(_RNG_FIXED["d2s"]), 2),
        "space_to_depth": lambda: ops.space_to_depth(t(IMG[:, :4, :4]), 2),
        # math and linalg
        "erf": lambda: ops.erf(a),
        "erfc": lambda: ops.erfc(a),
        "rsqrt": lambda: ops.rsqrt(pos),
        "segment_sum": lambda: ops.segment_sum(a, t([0, 0, 2]), num_segments=3),
        "segment_sum_sorted": lambda: ops.segment_sum(a, t([0, 0, 1]), sorted=True),
        "extract_sequences": lambda: ops.extract_sequences(v, 2, 2),
        "cdist": lambda: ops.cdist(a, b),
        "cholesky": lambda: ops.cholesky(t(SPD)),
        "cholesky_upper": lambda: ops.cholesky(t(SPD), upper=True),
        "cholesky_inverse": lambda: ops.cholesky_inverse(ops.cholesky(t(SPD))),
        "det": lambda: ops.det(t(SPD)),
        "inv": lambda: ops.inv(t(SPD)),
        "logdet": lambda: ops.logdet(t(SPD)),
        "slogdet": lambda: ops.slogdet(t(SPD)),
        "solve": lambda: ops.solve(t(SPD), t(C[:, 0])),
        "solve_matrix": lambda: ops.solve(t(SPD), c),
        "solve_triangular": lambda: ops.solve_triangular(ops.cholesky(t(SPD)), c, lower=True),
        "norm": lambda: ops.norm(a),
        "norm_axis": lambda: ops.norm(a, axis=1),
        "norm_ord1": lambda: ops.norm(a, ord=1, axis=0),
        "norm_inf": lambda: ops.norm(a, ord=np.inf, axis=1),
        "norm_ord3": lambda: ops.norm(a, ord=3, axis=1, keepdims=True),
        "norm_fro": lambda: ops.norm(a, ord="fro", axis=(0, 1)),
        "norm_matrix_1": lambda: ops.norm(a, ord=1, axis=(0, 1)),
        "norm_matrix_inf": lambda: ops.norm(a, ord=np.inf, axis=(0, 1)),
        "norm_int": lambda: ops.norm(i),
        # core
        "cast": lambda: ops.cast(a, "int32"),
        "cast_float16": lambda: ops.cast(i, "float16"),
        "saturate_cast": lambda: ops.saturate_cast(t([-300.0, 12.7, 300.0]), "uint8"),
        "convert_to_tensor_int": lambda: ops.convert_to_tensor(3),
        "convert_to_tensor_float": lambda: ops.convert_to_tensor([1.0, 2.0]),
        "convert_to_tensor_dtype": lambda: ops.convert_to_tensor(1.7, dtype="int32"),
        "convert_to_tensor_numpy": lambda: ops.convert_to_tensor(np.arange(3.0)),
        "convert_to_numpy": lambda: ops.convert_to_numpy(a),
        "dtype": lambda: ops.dtype(i),
        "is_tensor": lambda: [ops.is_tensor(a), ops.is_tensor(A)],
        "stop_gradient": lambda: ops.stop_gradient(a),
        "unstack": lambda: ops.unstack(a, axis=1),
        "scatter": lambda: ops.scatter(t([[0, 1], [2, 3]]), t([1.0, 2.0]), (3, 4)),
        "scatter_update": lambda: ops.scatter_update(a, t([[0, 0], [1, 2]]), t([9.0, 8.0])),
        "slice": lambda: ops.slice(a, (1, 1), (2, 2)),
        "slice_update": lambda: ops.slice_update(a, (1, 2), t([[7.0, 7.0], [8.0, 8.0]])),
        "cond": lambda: ops.cond(ops.sum(a) > 0, lambda: a, lambda: -a),
        "while_loop": lambda: ops.while_loop(
            lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), (0, a)
        ),
        "while_loop_single": lambda: ops.while_loop(lambda x: x < 10, lambda x: x + 3, 1),
        "fori_loop": lambda: ops.fori_loop(0, 4, lambda i, x: x + i, t(0.5)),
        "switch": lambda: ops.switch(1, [lambda x: x + 1, lambda x: x * 10], a),
        "switch_clipped": lambda: ops.switch(5, [lambda x: x + 1, lambda x: x * 10], a),
        "scan": lambda: ops.scan(lambda c, x: (c + x, c * x), t(0.0), v),
        "scan_reverse": lambda: ops.scan(lambda c, x: (c + x, c), t(1.0), v, reverse=True),
        "map": lambda: ops.map(lambda x: ops.sum(x), a),
        "associative_scan": lambda: ops.associative_scan(lambda x, y: x + y, a, axis=1),
        "vectorized_map": lambda: ops.vectorized_map(lambda x: x * 2, a),
        "image_rgb_to_grayscale": lambda: ops.image.rgb_to_grayscale(t(IMG)),
        "image_pad": lambda: ops.image.pad_images(t(IMG), 1, 2, target_height=8, target_width=9),
        "eigh": lambda: (lambda w, v: [w, ops.abs(v)])(*ops.eigh(t(SPD))),  # signs are free
        "qr": lambda: [ops.abs(m) for m in ops.qr(a)],
        "qr_complete": lambda: [ops.abs(m) for m in ops.qr(a, mode="complete")],
        "svd_values": lambda: ops.svd(a, compute_uv=False),
        "svd_reconstructs": lambda: (lambda u, s, v: ops.matmul(u * s, v))(
            *ops.svd(a, full_matrices=False)
        ),
        "pinv": lambda: ops.pinv(a),
        "matrix_rank": lambda: ops.matrix_rank(t(np.outer(V, V))),
        "lstsq": lambda: ops.lstsq(t(C.T), t(V)),
        "lstsq_matrix": lambda: ops.lstsq(t(C.T), t(C.T[:, :2])),
        "lu_factor": lambda: ops.lu_factor(t(SPD)),
        "norm_spectral": lambda: ops.norm(a, ord=2, axis=(0, 1)),
        "norm_nuclear": lambda: ops.norm(a, ord="nuc", axis=(0, 1), keepdims=True),
        "norm_smallest": lambda: ops.norm(a, ord=-2, axis=(0, 1)),
        "segment_max": lambda: ops.segment_max(a, t([0, 0, 2])),
        "segment_min_sorted": lambda: ops.segment_min(a, t([0, 1, 1]), sorted=True),
        "segment_prod": lambda: ops.segment_prod(p, t([1, 0, 1]), num_segments=3),
        "scatter_update_max": lambda: ops.scatter_update(
            a, t([[0, 0], [1, 2]]), t([9.0, -8.0]), reduction="max"
        ),
        "scatter_update_min": lambda: ops.scatter_update(
            a, t([[0, 0], [1, 2]]), t([9.0, -8.0]), reduction="min"
        ),
        "scatter_update_mul": lambda: ops.scatter_update(
            a, t([[0, 0], [0, 0]]), t([2.0, 3.0]), reduction="mul"
        ),
        "image_resize": lambda: ops.image.resize(t(IMG), (3, 4)),
        "image_resize_nearest": lambda: ops.image.resize(t(IMG), (9, 5), interpolation="nearest"),
        "image_resize_crop": lambda: ops.image.resize(
            t(IMG[:, :, :4]), (2, 4), crop_to_aspect_ratio=True
        ),
        "image_resize_pad": lambda: ops.image.resize(
            t(IMG[0, :, :4]), (4, 4), pad_to_aspect_ratio=True, fill_value=1.0
        ),
        "image_resize_channels_first": lambda: ops.image.resize(
            ops.transpose(t(IMG), (0, 3, 1, 2)), (3, 3), data_format="channels_first"
        ),
        "image_crop": lambda: ops.image.crop_images(t(IMG), 1, 2, target_height=3, target_width=2),
    }
    return out


_FIXED_RNG = np.random.default_rng(99)
_RNG_FIXED = {
    "k1": _FIXED_RNG.normal(size=(3, 3, 4)).astype("float32"),
    "k2": _FIXED_RNG.normal(size=(2, 2, 3, 5)).astype("float32"),
    "kd": _FIXED_RNG.normal(size=(3, 3, 3, 2)).astype("float32"),
    "kp": _FIXED_RNG.normal(size=(1, 1, 6, 4)).astype("float32"),
    "kt": _FIXED_RNG.normal(size=(3, 3, 2, 3)).astype("float32"),
    "q": _FIXED_RNG.normal(size=(2, 4, 2, 3)).astype("float32"),
    "k": _FIXED_RNG.normal(size=(2, 5, 2, 3)).astype("float32"),
    "d2s": _FIXED_RNG.normal(size=(1, 2, 3, 8)).astype("float32"),
}

# Input dtypes of the promotion table; "int" and "float" are Python numbers (weak types).
DTYPES = ["bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32",
          "float64", "int", "float"]  # fmt: skip
BINARY_OPS = ["add", "subtract", "multiply", "divide", "maximum", "power", "floor_divide",
              "equal", "mod", "arctan2", "logaddexp", "where", "matmul", "concatenate",
              "hypot", "dot"]  # fmt: skip
UNARY_OPS = ["exp", "sqrt", "sin", "log1p", "abs", "square", "sign", "negative", "sum", "mean",
             "var", "std", "prod", "cumsum", "argmax", "floor", "round", "tanh", "relu",
             "sigmoid", "softmax", "norm", "reciprocal", "isnan", "trunc"]  # fmt: skip


def _operand(keras, dtype):
    if dtype == "int":
        return 3
    if dtype == "float":
        return 1.5
    values = np.array([[1, 2], [3, 0]])
    return keras.ops.convert_to_tensor(values.astype(dtype))


def dtype_cases(keras):
    ops = keras.ops
    out = {}
    for name in BINARY_OPS:
        for d1 in DTYPES:
            for d2 in DTYPES:
                if name in ("matmul", "concatenate", "dot") and "int" in (d1, d2):
                    continue
                if name in ("matmul", "concatenate", "dot") and "float" in (d1, d2):
                    continue

                def case(name=name, d1=d1, d2=d2):
                    x1, x2 = _operand(keras, d1), _operand(keras, d2)
                    if name == "where":
                        result = ops.where(ops.convert_to_tensor([[True, False], [False, True]]),
                                           x1, x2)  # fmt: skip
                    elif name == "concatenate":
                        result = ops.concatenate([x1, x2])
                    else:
                        result = getattr(ops, name)(x1, x2)
                    return {"dtype": ops.dtype(result)}

                out[f"{name}/{d1}/{d2}"] = case
    for name in UNARY_OPS:
        for d in DTYPES[:-2]:

            def case(name=name, d=d):
                return {"dtype": ops.dtype(getattr(ops, name)(_operand(keras, d)))}

            out[f"{name}/{d}"] = case
    return out


def result_type_cases(keras):
    out = {}
    for d1 in DTYPES:
        for d2 in DTYPES:
            t1 = {"int": int, "float": float}.get(d1, d1)
            t2 = {"int": int, "float": float}.get(d2, d2)
            out[f"result_type/{d1}/{d2}"] = lambda t1=t1, t2=t2: keras.backend.result_type(t1, t2)
    out["result_type/empty"] = lambda: keras.backend.result_type()
    out["result_type/three"] = lambda: keras.backend.result_type("int8", "uint8", float)
    return out


# (op name, inputs made from these arrays, which inputs get a gradient, extra kwargs)
GRAD_CASES = [
    ("add", (A, B), {}), ("subtract", (A, B), {}), ("multiply", (A, B), {}),
    ("divide", (A, POS), {}), ("power", (POS, B), {}), ("maximum", (A, B), {}),
    ("minimum", (A, B), {}), ("exp", (A,), {}), ("log", (POS,), {}), ("sqrt", (POS,), {}),
    ("square", (A,), {}), ("sin", (A,), {}), ("cos", (A,), {}), ("tanh", (A,), {}),
    ("arcsin", (P,), {}), ("arccos", (P,), {}), ("arctan", (A,), {}), ("arcsinh", (A,), {}),
    ("arccosh", (POS + 1,), {}), ("arctanh", (P,), {}), ("arctan2", (A, POS), {}),
    ("log1p", (P,), {}), ("expm1", (A,), {}), ("log2", (POS,), {}), ("log10", (POS,), {}),
    ("logaddexp", (A, B), {}), ("hypot", (A, B), {}), ("cbrt", (POS,), {}),
    ("reciprocal", (POS,), {}), ("abs", (A,), {}), ("sinc", (A,), {}),
    ("sum", (A,), {"axis": 1}), ("mean", (A,), {"axis": 0}), ("max", (A,), {"axis": 1}),
    ("prod", (P,), {"axis": 0}), ("var", (A,), {"axis": 1}), ("std", (A,), {}),
    ("cumsum", (A,), {"axis": 1}), ("cumprod", (P,), {"axis": 1}), ("logsumexp", (A,), {}),
    ("quantile", (A,), {"q": 0.3, "axis": 1}), ("median", (A,), {"axis": 0}),
    ("average", (A, P), {"axis": None}), ("ptp", (A,), {"axis": 1}),
    ("matmul", (A, C), {}), ("dot", (A, C), {}), ("tensordot", (A, C), {"axes": 1}),
    ("inner", (A, B), {}), ("outer", (V, V), {}), ("vdot", (A, B), {}),
    ("transpose", (A,), {}), ("reshape", (A,), {"newshape": (4, 3)}), ("flip", (A,), {"axis": 0}),
    ("roll", (A,), {"shift": 1, "axis": 1}), ("rot90", (A,), {}), ("tile", (V,), {"repeats": 2}),
    ("repeat", (A,), {"repeats": 2, "axis": 1}), ("diagonal", (A,), {"offset": 1}),
    ("trace", (A,), {}), ("diff", (A,), {}), ("pad", (A,), {"pad_width": ((1, 1), (0, 2))}),
    ("take_along_axis", (A,), {"indices": np.array([[0], [3], [1]]), "axis": 1}),
    ("take", (A,), {"indices": np.array([2, 0, 2]), "axis": 1}), ("sort", (A,), {"axis": 1}),
    ("clip", (A,), {"x_min": -0.5, "x_max": 0.5}), ("where", (A, B), {}),
    ("relu", (A,), {}), ("gelu", (A,), {}), ("silu", (A,), {}), ("softplus", (A,), {}),
    ("elu", (A,), {}), ("selu", (A,), {}), ("sigmoid", (A,), {}), ("softmax", (A,), {}),
    ("log_softmax", (A,), {}), ("glu", (A,), {}), ("celu", (A,), {}),
    ("hard_sigmoid", (A,), {}), ("log_sigmoid", (A,), {}), ("sparsemax", (A,), {}),
    ("normalize", (A,), {}), ("layer_normalization", (A,), {}), ("rms_normalization", (A,), {}),
    ("moments", (A,), {"axes": [1]}), ("binary_crossentropy", (P, POS / 4), {}),
    ("categorical_crossentropy", (P, B), {"from_logits": True}),
    ("conv", (IMG, _RNG_FIXED["k2"]), {"padding": "same"}),
    ("depthwise_conv", (IMG, _RNG_FIXED["kd"]), {}),
    ("conv_transpose", (IMG, _RNG_FIXED["kt"]), {"strides": 2}),
    ("max_pool", (IMG,), {"pool_size": 2}), ("average_pool", (IMG,), {"pool_size": 2}),
    ("dot_product_attention", (_RNG_FIXED["q"], _RNG_FIXED["k"], _RNG_FIXED["k"]), {}),
    ("einsum", (A, C), {"subscripts": "ij,jk->ik"}), ("cross", (A[:, :3], B[:, :3]), {}),
    ("norm", (A,), {"ord": 3, "axis": 1}), ("det", (SPD,), {}), ("inv", (SPD,), {}),
    ("solve", (SPD, C), {}), ("cholesky", (SPD,), {}), ("logdet", (SPD,), {}),
    ("slice_update", (A, np.ones((2, 2), "float32")), {"start_indices": (1, 1)}),
    ("scatter_update", (A, np.array([5.0, 6.0], "float32")),
     {"indices": np.array([[0, 0], [2, 3]])}),
    ("nanmean", (A,), {"axis": 1}), ("kron", (A[:2, :2], B[:2, :2]), {}),
    ("pinv", (A,), {}), ("lstsq", (C.T, V), {}), ("segment_max", (A,),
     {"segment_ids": np.array([0, 0, 1])}),
    ("norm", (A,), {"ord": "nuc", "axis": (0, 1)}),
]  # fmt: skip


def grad_cases(keras, tf):
    ops = keras.ops
    out = {}
    for name, inputs, kwargs in GRAD_CASES:

        def case(name=name, inputs=inputs, kwargs=kwargs):
            xs = [tf.constant(x) for x in inputs]
            with tf.GradientTape() as tape:
                tape.watch(xs)
                args = list(xs)
                if name == "where":
                    args = [ops.greater(xs[0], xs[1])] + args
                if name in ("take_along_axis", "take"):
                    args.append(kwargs["indices"])
                    kw = {"axis": kwargs["axis"]}
                elif name == "einsum":
                    args = [kwargs["subscripts"]] + args
                    kw = {}
                elif name == "slice_update":
                    args = [xs[0], kwargs["start_indices"], xs[1]]
                    kw = {}
                elif name == "scatter_update":
                    args = [xs[0], kwargs["indices"], xs[1]]
                    kw = {}
                else:
                    kw = kwargs
                y = getattr(ops, name)(*args, **kw)
                ys = y if isinstance(y, (list, tuple)) else [y]
                loss = 0.0
                for k, part in enumerate(ys):
                    weights = np.linspace(0.5, 1.5, int(np.prod(part.shape)) or 1)
                    shape = tuple(int(d) for d in part.shape)
                    weights = weights.reshape(shape).astype("float32") * (k + 1)
                    loss = loss + ops.sum(part * weights)
            return tape.gradient(loss, xs)

        out[f"grad/{name}"] = case
    return out


def legacy_cases(tf):
    """tf.keras.backend's legacy functions (Keras 1/2 semantics, TF dtypes)."""
    K = tf.keras.backend  # noqa: N806
    t = tf.constant
    a, b, c, i = t(A), t(B), t(C), t(I)
    x3 = t(SEQ)
    return {
        "int_shape": lambda: list(K.int_shape(x3)),
        "ndim": lambda: K.ndim(x3),
        "dtype": lambda: K.dtype(i),
        "floatx": lambda: K.floatx(),
        "epsilon": lambda: K.epsilon(),
        "image_data_format": lambda: K.image_data_format(),
        "cast_to_floatx": lambda: K.cast_to_floatx([1, 2]),
        "variable": lambda: K.get_value(K.variable([[1, 2], [3, 4]])),
        "constant": lambda: K.constant(3),
        "zeros": lambda: K.get_value(K.zeros((2, 3))),
        "ones_int": lambda: K.get_value(K.ones((2,), dtype="int32")),
        "eye": lambda: K.get_value(K.eye(3)),
        "count_params": lambda: K.count_params(K.variable(A)),
        "arange": lambda: K.arange(2, 8, 2),
        "arange_float": lambda: K.arange(5, dtype="float32"),
        "dot": lambda: K.dot(a, c),
        "dot_3d": lambda: K.dot(x3, t(SEQ[0])),
        "batch_dot": lambda: K.batch_dot(x3, x3, axes=(2, 2)),
        "batch_dot_default": lambda: K.batch_dot(a, b),
        "batch_flatten": lambda: K.batch_flatten(x3),
        "sum": lambda: K.sum(a, axis=1),
        "mean_bool": lambda: K.mean(a > 0),
        "std": lambda: K.std(a, axis=0, keepdims=True),
        "var": lambda: K.var(a),
        "max": lambda: K.max(i, axis=0),
        "argmax": lambda: K.argmax(a),
        "all": lambda: K.all(i, axis=1),
        "clip": lambda: K.clip(a, -0.5, 0.5),
        "clip_swapped": lambda: K.clip(a, 0.5, -0.5),
        "clip_none": lambda: K.clip(a, None, 0.0),
        "sqrt_negative": lambda: K.sqrt(a),
        "relu_leaky": lambda: K.relu(a, alpha=0.1),
        "relu_max": lambda: K.relu(a * 4, max_value=2.0),
        "relu_threshold": lambda: K.relu(a, threshold=0.5),
        "relu_all": lambda: K.relu(a * 4, alpha=0.2, max_value=3.0, threshold=0.1),
        "elu": lambda: K.elu(a, alpha=0.5),
        "softmax": lambda: K.softmax(a),
        "softmax_axes": lambda: K.softmax(a, axis=(0, 1)),
        "hard_sigmoid": lambda: K.hard_sigmoid(a * 3),
        "binary_crossentropy": lambda: K.binary_crossentropy(t((P > 0.5).astype("float32")), t(P)),
        "binary_crossentropy_logits": lambda: K.binary_crossentropy(
            t((P > 0.5).astype("float32")), a, from_logits=True
        ),
        "categorical_crossentropy": lambda: K.categorical_crossentropy(
            tf.one_hot([0, 3, 1], 4), t(P)
        ),
        "sparse_categorical_crossentropy": lambda: K.sparse_categorical_crossentropy(
            t([0, 3, 1]), t(P)
        ),
        "sparse_categorical_crossentropy_logits": lambda: K.sparse_categorical_crossentropy(
            t([0, 3, 1]), a, from_logits=True
        ),
        "binary_focal_crossentropy": lambda: K.binary_focal_crossentropy(
            t((P > 0.5).astype("float32")), t(P), apply_class_balancing=True
        ),
        "categorical_focal_crossentropy": lambda: K.categorical_focal_crossentropy(
            tf.one_hot([0, 3, 1], 4), t(P)
        ),
        "switch_scalar": lambda: K.switch(t(True), a, b),
        "switch_tensor": lambda: K.switch(a > 0, a, b),
        "switch_broadcast": lambda: K.switch(t([True, False, True]), a, b),
        "repeat": lambda: K.repeat(a, 2),
        "repeat_elements": lambda: K.repeat_elements(a, 2, axis=1),
        "reverse": lambda: K.reverse(a, 1),
        "permute_dimensions": lambda: K.permute_dimensions(x3, (0, 2, 1)),
        "temporal_padding": lambda: K.temporal_padding(x3, (1, 2)),
        "spatial_2d_padding": lambda: K.spatial_2d_padding(t(IMG)),
        "bias_add": lambda: K.bias_add(a, t([1.0, 2.0, 3.0, 4.0])),
        "bias_add_3d": lambda: K.bias_add(x3, t(np.ones((7, 3), "float32"))),
        "conv1d_causal": lambda: K.conv1d(x3, t(_RNG_FIXED["k1"]), padding="causal"),
        "conv2d": lambda: K.conv2d(t(IMG), t(_RNG_FIXED["k2"]), padding="same"),
        "pool2d": lambda: K.pool2d(t(IMG), (2, 2), strides=(2, 2)),
        "pool2d_avg": lambda: K.pool2d(t(IMG), (3, 3), padding="same", pool_mode="avg"),
        "resize_images": lambda: K.resize_images(t(IMG[:, :2, :2]), 2, 3, "channels_last"),
        "one_hot": lambda: K.one_hot(t([0, 2]), 3),
        "l2_normalize": lambda: K.l2_normalize(a, axis=1),
        "in_top_k": lambda: K.in_top_k(a, t([0, 3, 1]), 2),
        "concatenate": lambda: K.concatenate([a, b]),
        "stack": lambda: K.stack([a, b], axis=-1),
        "squeeze": lambda: K.squeeze(K.expand_dims(a, 1), 1),
        "gather": lambda: K.gather(a, t([2, 0])),
        "flatten": lambda: K.flatten(a),
        "cumsum": lambda: K.cumsum(a, axis=1),
        "map_fn": lambda: K.map_fn(lambda r: r * 2, a),
        "foldl": lambda: K.foldl(lambda acc, r: acc + r, a),
        "foldr": lambda: K.foldr(lambda acc, r: acc * 2 + r, a),
        "moving_average_update": lambda: K.get_value(
            K.moving_average_update(K.variable(A), b, 0.9)
        ),
        "update_add": lambda: K.get_value(K.update_add(K.variable(A), b)),
        "random_normal": lambda: (lambda r: [list(r.shape), r.dtype.name])(
            K.random_normal((3, 2), seed=1)
        ),
        "random_uniform_dtype": lambda: K.random_uniform((2,), dtype="float64", seed=2).dtype.name,
        "random_bernoulli": lambda: sorted(
            set(np.asarray(K.random_bernoulli((50,), p=0.5, seed=3)).tolist())
        ),
        "truncated_normal": lambda: bool(
            np.all(np.abs(np.asarray(K.truncated_normal((200,), seed=4))) <= 2.0)
        ),
    }


def config_cases(keras):
    config = keras.config
    return {
        "backend": lambda: config.backend(),
        "floatx": lambda: config.floatx(),
        "epsilon": lambda: config.epsilon(),
        "image_data_format": lambda: config.image_data_format(),
        "max_epochs": lambda: config.max_epochs(),
        "max_steps_per_epoch": lambda: config.max_steps_per_epoch(),
        "is_interactive_logging_enabled": lambda: config.is_interactive_logging_enabled(),
        "is_traceback_filtering_enabled": lambda: config.is_traceback_filtering_enabled(),
        "is_flash_attention_enabled": lambda: config.is_flash_attention_enabled(),
        "is_nnx_enabled": lambda: config.is_nnx_enabled(),
        "set_floatx_bad": lambda: config.set_floatx("int32"),
        "backend_module": lambda: keras.backend.backend(),
        "get_uid": lambda: [
            keras.backend.get_uid("golden_prefix"),
            keras.backend.get_uid("golden_prefix"),
        ],
        "is_keras_tensor": lambda: [
            keras.backend.is_keras_tensor(keras.Input((3,))),
            keras.backend.is_keras_tensor(keras.ops.ones((3,))),
        ],
        "standardize_dtype": lambda: [
            keras.backend.standardize_dtype(d)
            for d in ("float", "int", float, int, bool, np.float16, "float64")
        ],
        "is_float_dtype": lambda: [keras.backend.is_float_dtype(d) for d in ("float16", "int8")],
        "is_int_dtype": lambda: [keras.backend.is_int_dtype(d) for d in ("uint8", "bool")],
    }


def random_cases(keras):
    """Shapes, dtypes and determinism of keras.random (the values themselves are tapeflow's
    own streams)."""
    r = keras.random

    def same(fn):
        return bool(np.array_equal(np.asarray(fn()), np.asarray(fn())))

    def spec(x):
        return [list(x.shape), keras.ops.dtype(x)]

    return {
        "normal": lambda: spec(r.normal((2, 3), seed=1)),
        "normal_same_seed": lambda: same(lambda: r.normal((4,), seed=7)),
        "uniform_float16": lambda: spec(r.uniform((3,), dtype="float16", seed=1)),
        "uniform_int_dtype": lambda: r.uniform((3,), dtype="int32", seed=1),
        "randint": lambda: spec(r.randint((5,), 0, 4, seed=1)),
        "randint_int8": lambda: spec(r.randint((5,), 0, 4, dtype="int8", seed=1)),
        "truncated_normal": lambda: spec(r.truncated_normal((3, 3), seed=2)),
        "dropout": lambda: spec(r.dropout(keras.ops.ones((4, 4)), 0.5, seed=3)),
        "dropout_rate0": lambda: r.dropout(keras.ops.ones((2,)), 0.0, seed=3),
        "dropout_rate1": lambda: r.dropout(keras.ops.ones((2,)), 1.0, seed=3),
        "shuffle": lambda: spec(r.shuffle(keras.ops.arange(6), seed=4)),
        "categorical": lambda: spec(r.categorical(keras.ops.zeros((2, 3)), 5, seed=5)),
        "categorical_int64": lambda: spec(
            r.categorical(keras.ops.zeros((2, 3)), 5, dtype="int64", seed=5)
        ),
        "gamma": lambda: spec(r.gamma((2, 2), 2.0, seed=6)),
        "beta": lambda: spec(r.beta((2, 2), 2.0, 3.0, seed=6)),
        "binomial": lambda: spec(r.binomial((2, 2), 5, 0.5, seed=6)),
        "seed_generator_state": lambda: [
            r.SeedGenerator(42).state.numpy().tolist(),
            keras.ops.dtype(r.SeedGenerator(42).state),
        ],
        "seed_generator_next": lambda: (
            lambda g: [
                g.next().numpy().tolist(),
                g.next().numpy().tolist(),
                g.state.numpy().tolist(),
            ]
        )(r.SeedGenerator(42)),
        "seed_generator_config": lambda: r.SeedGenerator(3, name="g").get_config(),
        "seed_generator_advances": lambda: (
            lambda g: not np.array_equal(r.normal((3,), seed=g), r.normal((3,), seed=g))
        )(r.SeedGenerator(1)),
        "bad_seed": lambda: r.normal((2,), seed="x"),
    }


def cases(keras, tf):
    return {
        **{f"legacy/{k}": v for k, v in legacy_cases(tf).items()},
        **{f"config/{k}": v for k, v in config_cases(keras).items()},
        **{f"random/{k}": v for k, v in random_cases(keras).items()},
        **{f"value/{k}": v for k, v in value_cases(keras).items()},
        **dtype_cases(keras),
        **result_type_cases(keras),
        **grad_cases(keras, tf),
    }

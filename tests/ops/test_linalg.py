"""Linear algebra ops: forward against NumPy, TensorFlow's numbers, shapes, dtypes and errors.

Gradients of every registered op are checked by the generic test (test_gradcheck.py); here
the gradients are compared with TensorFlow's on the golden cases.
"""

import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "linalg_nn.json").read_text()
)["cases"]

needs_norm_ops = pytest.mark.skipif(
    not (all(hasattr(tf.math, n) for n in ("sqrt", "abs", "pow")) and hasattr(tf, "reduce_max")),
    reason="tf.norm is built on tf.math.sqrt/abs/pow and tf.reduce_max (math, reduce families)",
)


def _ones(shape, dtype=np.float32):
    return tf.constant(np.ones(shape, dtype))


def _zeros(shape, dtype=np.float32):
    return tf.constant(np.zeros(shape, dtype))


def _square(rng, shape=(3, 3)):
    return rng.standard_normal(shape) + 3 * np.eye(shape[-1])


def _spd(rng, shape=(3, 3)):
    x = rng.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + 3 * np.eye(shape[-1])


def _np_diag(d, k):
    n = d.shape[-1] + abs(k)
    out = np.zeros(d.shape[:-1] + (n, n))
    i = np.arange(d.shape[-1])
    out[..., i + max(-k, 0), i + max(k, 0)] = d
    return out


def _np_band(a, lo, hi):
    m, n = a.shape[-2:]
    off = np.arange(n)[None, :] - np.arange(m)[:, None]
    keep = ((lo < 0) | (-off <= lo)) & ((hi < 0) | (off <= hi))
    return np.where(keep, a, 0)


# (name, tapeflow function, NumPy reference, input makers)
FORWARD = [
    ("matmul", tf.matmul, np.matmul, [(3, 4), (4, 5)]),
    (
        "matmul_ta",
        lambda a, b: tf.matmul(a, b, transpose_a=True),
        lambda a, b: a.T @ b,
        [(4, 3), (4, 5)],
    ),
    (
        "matmul_adj_b",
        lambda a, b: tf.linalg.matmul(a, b, adjoint_b=True),
        lambda a, b: a @ b.T,
        [(3, 4), (5, 4)],
    ),
    ("matmul_batch_broadcast", tf.matmul, np.matmul, [(2, 1, 3, 4), (5, 4, 6)]),
    (
        "matmul_batch_ta_tb",
        lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
        lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2),
        [(2, 4, 3), (5, 4)],
    ),
    (
        "matvec",
        tf.linalg.matvec,
        lambda a, b: np.einsum("...ij,...j->...i", a, b),
        [(2, 3, 4), (4,)],
    ),
    (
        "tensordot_int",
        lambda a, b: tf.tensordot(a, b, 2),
        lambda a, b: np.tensordot(a, b, 2),
        [(2, 3, 4), (3, 4, 5)],
    ),
    (
        "tensordot_pair",
        lambda a, b: tf.tensordot(a, b, [[0, 2], [2, 0]]),
        lambda a, b: np.tensordot(a, b, [[0, 2], [2, 0]]),
        [(2, 3, 4), (4, 5, 2)],
    ),
    (
        "tensordot_outer",
        lambda a, b: tf.tensordot(a, b, 0),
        lambda a, b: np.tensordot(a, b, 0),
        [(2,), (3,)],
    ),
    (
        "einsum_matmul",
        lambda a, b: tf.einsum("ij,jk->ik", a, b),
        lambda a, b: a @ b,
        [(2, 3), (3, 4)],
    ),
    (
        "einsum_implicit",
        lambda a, b: tf.einsum("ij,jk", a, b),
        lambda a, b: np.einsum("ij,jk", a, b),
        [(2, 3), (3, 4)],
    ),
    (
        "einsum_ellipsis",
        lambda a, b: tf.einsum("...ij,...jk->...ik", a, b),
        np.matmul,
        [(1, 2, 3), (4, 3, 2)],
    ),
    ("einsum_trace", lambda a: tf.einsum("ii", a), np.trace, [(3, 3)]),
    (
        "einsum_three",
        lambda a, b, c: tf.einsum("ij,jk,k->i", a, b, c),
        lambda a, b, c: a @ b @ c,
        [(2, 3), (3, 4), (4,)],
    ),
    ("inv", tf.linalg.inv, np.linalg.inv, [_square]),
    (
        "inv_batch_adjoint",
        lambda a: tf.linalg.inv(a, adjoint=True),
        lambda a: np.linalg.inv(np.swapaxes(a, -1, -2)),
        [lambda rng: _square(rng, (2, 3, 3))],
    ),
    ("det", tf.linalg.det, np.linalg.det, [lambda rng: _square(rng, (2, 3, 3))]),
    (
        "slogdet",
        lambda a: tf.stack(list(tf.linalg.slogdet(a))),
        lambda a: np.stack(np.linalg.slogdet(a)),
        [lambda rng: -_square(rng, (2, 3, 3))],
    ),
    ("logdet", tf.linalg.logdet, lambda a: np.linalg.slogdet(a)[1], [_spd]),
    ("solve", tf.linalg.solve, np.linalg.solve, [_square, (3, 2)]),
    (
        "solve_adjoint",
        lambda a, b: tf.linalg.solve(a, b, adjoint=True),
        lambda a, b: np.linalg.solve(np.swapaxes(a, -1, -2), b),
        [lambda rng: _square(rng, (2, 3, 3)), (2, 3, 1)],
    ),
    (
        "triangular_solve_lower",
        tf.linalg.triangular_solve,
        lambda a, b: np.linalg.solve(np.tril(a), b),
        [_square, (3, 2)],
    ),
    (
        "triangular_solve_upper_adjoint",
        lambda a, b: tf.linalg.triangular_solve(a, b, lower=False, adjoint=True),
        lambda a, b: np.linalg.solve(np.triu(a).T, b),
        [_square, (3, 2)],
    ),
    ("cholesky", tf.linalg.cholesky, np.linalg.cholesky, [lambda rng: _spd(rng, (2, 3, 3))]),
    (
        "cholesky_solve",
        lambda a, b: tf.linalg.cholesky_solve(tf.linalg.cholesky(a), b),
        np.linalg.solve,
        [_spd, (3, 2)],
    ),
    (
        "band_part",
        lambda a: tf.linalg.band_part(a, 1, 0),
        lambda a: _np_band(a, 1, 0),
        [(2, 4, 3)],
    ),
    ("band_part_upper", lambda a: tf.linalg.band_part(a, 0, -1), np.triu, [(4, 4)]),
    ("diag_part", tf.linalg.diag_part, lambda a: np.diagonal(a, 0, -2, -1), [(2, 3, 4)]),
    (
        "diag_part_k",
        lambda a: tf.linalg.diag_part(a, k=-1),
        lambda a: np.diagonal(a, -1, -2, -1),
        [(4, 3)],
    ),
    ("diag", tf.linalg.diag, lambda d: _np_diag(d, 0), [(2, 3)]),
    ("diag_k", lambda d: tf.linalg.diag(d, k=2), lambda d: _np_diag(d, 2), [(3,)]),
    ("set_diag", tf.linalg.set_diag, lambda a, d: _set_diag_ref(a, d), [(2, 3, 4), (2, 3)]),
    ("trace", tf.linalg.trace, lambda a: np.trace(a, axis1=-2, axis2=-1), [(2, 3, 4)]),
    (
        "matrix_transpose",
        tf.linalg.matrix_transpose,
        lambda a: np.swapaxes(a, -1, -2),
        [(2, 3, 4)],
    ),
    ("adjoint", tf.linalg.adjoint, lambda a: a.T, [(3, 4)]),
]


def _set_diag_ref(a, d):
    out = a.copy()
    i = np.arange(d.shape[-1])
    out[..., i, i] = d
    return out


@pytest.mark.parametrize("name, fn, ref, makers", FORWARD, ids=[c[0] for c in FORWARD])
def test_forward_matches_numpy(name, fn, ref, makers, rng):
    args = [m(rng) if callable(m) else rng.standard_normal(m) for m in makers]
    out = fn(*[tf.constant(a) for a in args])
    expected = ref(*args)
    assert out.dtype == tf.float64
    assert tuple(out.shape) == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)


# ---- TensorFlow's numbers ----------------------------------------------------------------------


def _golden(name, fn):
    """Output and weighted input gradients of `fn` on a golden case, with TF's."""
    case = GOLDEN[name]
    xs = [tf.constant(np.asarray(x, case["dtype"])) for x in case["inputs"]]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = fn(*xs)
    grads = tape.gradient(
        y, xs, output_gradients=tf.constant(np.asarray(case["weight"], y.dtype.name))
    )
    return case, y, grads


def _assert_golden(name, fn, rtol=2e-5, atol=1e-5):
    case, y, grads = _golden(name, fn)
    np.testing.assert_allclose(y.numpy(), np.asarray(case["output"]), rtol=rtol, atol=atol)
    for g, expected in zip(grads, case["grads"], strict=True):
        if expected is None:
            assert g is None
        else:
            np.testing.assert_allclose(g.numpy(), np.asarray(expected), rtol=rtol, atol=atol)


MATMUL_CASES = [n for n in GOLDEN if n.startswith("matmul_")]


@pytest.mark.parametrize("name", MATMUL_CASES)
def test_matmul_matches_tensorflow(name):
    kwargs = GOLDEN[name]["kwargs"]
    _assert_golden(name, lambda a, b: tf.linalg.matmul(a, b, **kwargs))


def test_matmul_broadcast_shape_and_gradient_shapes_match_tensorflow():
    case, y, (ga, gb) = _golden("matmul_batch_broadcast", tf.matmul)
    assert y.shape == (2, 5, 3, 6)
    assert ga.shape == (2, 1, 3, 4) and gb.shape == (5, 4, 6)


@pytest.mark.parametrize(
    "name, fn",
    [
        ("inv", tf.linalg.inv),
        ("inv_adjoint", lambda a: tf.linalg.inv(a, adjoint=True)),
        ("det", tf.linalg.det),
        ("slogdet", lambda a: tf.linalg.slogdet(a)[1]),
        ("solve", tf.linalg.solve),
        ("solve_adjoint", lambda a, b: tf.linalg.solve(a, b, adjoint=True)),
        ("cholesky", tf.linalg.cholesky),
        ("logdet", tf.linalg.logdet),
        ("triangular_solve_upper", lambda a, b: tf.linalg.triangular_solve(a, b, lower=False)),
        ("trace", tf.linalg.trace),
        ("diag_part_k1", lambda a: tf.linalg.diag_part(a, k=1)),
        ("einsum_bij_bjk", lambda a, b: tf.einsum("bij,bjk->bik", a, b)),
        ("tensordot_pair", lambda a, b: tf.tensordot(a, b, [[1, 2], [1, 0]])),
    ],
)
def test_linalg_matches_tensorflow(name, fn):
    _assert_golden(name, fn, rtol=1e-4, atol=1e-5)


NORM_CASES = [n for n in GOLDEN if n.startswith("norm_")]


@needs_norm_ops
@pytest.mark.parametrize("name", NORM_CASES)
def test_norm_matches_tensorflow(name):
    kwargs = {k: (np.inf if v == "inf" else v) for k, v in GOLDEN[name]["kwargs"].items()}
    _assert_golden(name, lambda x: tf.norm(x, **kwargs))


# ---- matmul semantics --------------------------------------------------------------------------


def test_matmul_inner_mismatch_names_both_shapes():
    with pytest.raises(
        InvalidArgumentError,
        match=r"^MatMul: inner dimensions differ: a is \(32, 11\), b is \(12, 64\)$",
    ):
        tf.matmul(_ones([32, 11]), _ones([12, 64]))


def test_matmul_errors():
    with pytest.raises(InvalidArgumentError, match="MatMul: a must be a matrix"):
        tf.matmul(_ones([3]), _ones([3, 2]))
    with pytest.raises(InvalidArgumentError, match="batch dimensions do not broadcast"):
        tf.matmul(_ones([2, 3, 4]), _ones([3, 4, 5]))
    with pytest.raises(InvalidArgumentError, match=r"a is \(2, 3, 4\), b is \(2, 5, 4\)"):
        tf.matmul(_ones([2, 3, 4]), _ones([2, 5, 4]))
    with pytest.raises(ValueError, match="Only one of `transpose_a` and `adjoint_a`"):
        tf.matmul(_ones([2, 2]), _ones([2, 2]), transpose_a=True, adjoint_a=True)
    with pytest.raises(InvalidArgumentError, match="same dtype"):
        tf.matmul(_ones([2, 3], np.float64), _ones([3, 2]))


def test_matmul_dtypes():
    ints = tf.matmul(_ones([2, 3], np.int32), _ones([3, 2], np.int32))
    assert ints.dtype == tf.int32 and ints.numpy().tolist() == [[3, 3], [3, 3]]
    mixed = tf.matmul(tf.constant(np.eye(2)), [[1.0, 2.0], [3.0, 4.0]])
    assert mixed.dtype == tf.float64
    assert tf.matmul(_ones([2, 3]), _ones([3, 1])).dtype == tf.float32


def test_matmul_complex_adjoint_conjugates():
    a = np.array([[1 + 2j, 3j], [2.0, 1 - 1j]])
    b = np.array([[1.0, 2j], [0.5, 1.0]])
    out = tf.matmul(tf.constant(a), tf.constant(b), adjoint_a=True, transpose_b=True)
    np.testing.assert_allclose(out.numpy(), a.conj().T @ b.T)


def test_matmul_of_variable_gives_dense_gradients_of_its_shape(rng):
    kernel = tf.Variable(rng.standard_normal((4, 3)).astype(np.float32))
    x = tf.constant(rng.standard_normal((5, 4)).astype(np.float32))
    with tf.GradientTape() as tape:
        y = tf.matmul(x, kernel)
    (g,) = tape.gradient(y, [kernel])
    np.testing.assert_allclose(g.numpy(), x.numpy().T @ np.ones((5, 3)), rtol=1e-6)


def test_matmul_second_order(rng):
    a = tf.constant(rng.standard_normal((3, 3)))
    with tf.GradientTape() as outer:
        outer.watch(a)
        with tf.GradientTape() as inner:
            inner.watch(a)
            y = tf.reduce_sum(tf.matmul(a, a))  # sum_ijk a_ij a_jk
        (g,) = inner.gradient(y, [a])
        z = tf.reduce_sum(g * g)
    (h,) = outer.gradient(z, [a])
    an, ones = a.numpy(), np.ones((3, 3))
    g_ref = ones @ an.T + an.T @ ones  # g = J a^T + a^T J, so d sum(g^2) = 2 (g^T J + J g^T)
    np.testing.assert_allclose(g.numpy(), g_ref, rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), 2 * (g_ref.T @ ones + ones @ g_ref.T), rtol=1e-12)


# ---- tensordot and einsum ----------------------------------------------------------------------


def test_tensordot_errors():
    with pytest.raises(ValueError, match="must not be larger than the number of dimensions"):
        tf.tensordot(_ones([2, 3]), _ones([3, 4]), 3)
    with pytest.raises(InvalidArgumentError, match="tensordot: contracted dimensions differ"):
        tf.tensordot(_ones([2, 3]), _ones([4, 4]), 1)
    with pytest.raises(ValueError, match="Different number of contraction axes"):
        tf.tensordot(_ones([2, 3]), _ones([3, 4]), [[1], [0, 1]])


def test_tensordot_axes_as_scalars_and_negative():
    assert tf.tensordot(_ones([2, 3, 4]), _ones([4, 3, 5]), [2, 0]).shape == (2, 3, 3, 5)
    assert tf.tensordot(_ones([2, 3]), _ones([3, 4]), [[-1], [0]]).shape == (2, 4)


def test_einsum_errors_and_spaces():
    with pytest.raises(ValueError, match='Got 1 inputs for equation "ij,jk->ik", expecting 2'):
        tf.einsum("ij,jk->ik", _ones([2, 3]))
    with pytest.raises(InvalidArgumentError, match="Einsum"):
        tf.einsum("ij,jk->ik", _ones([2, 3]), _ones([4, 4]))
    assert tf.einsum("ij, jk -> ik", _ones([2, 3]), _ones([3, 4])).shape == (2, 4)
    assert tf.einsum("ba", _ones([1, 2])).shape == (2, 1)  # implicit: sorted output


def test_einsum_gradient_of_diagonal_and_broadcast(rng):
    a = tf.constant(rng.standard_normal((3, 3)))
    b = tf.constant(rng.standard_normal((1, 3)))
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = tf.einsum("ii,zi->z", a, b)  # b broadcasts against nothing: plain dot with diag
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_allclose(ga.numpy(), np.diag(b.numpy()[0]))
    np.testing.assert_allclose(gb.numpy(), np.diag(a.numpy())[None, :])


def test_batch_jacobian_through_matmul_is_per_example(rng):
    w = tf.constant(rng.standard_normal((3, 2)))
    x = tf.constant(rng.standard_normal((4, 3)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.matmul(x, w)
    j = tape.batch_jacobian(y, x)
    np.testing.assert_allclose(j.numpy(), np.broadcast_to(w.numpy().T, (4, 2, 3)))


# ---- inverses, determinants, solves ------------------------------------------------------------


def test_inverse_errors():
    with pytest.raises(InvalidArgumentError, match="MatrixInverse: input is not invertible"):
        tf.linalg.inv(_zeros([3, 3]))
    with pytest.raises(InvalidArgumentError, match=r"must be square matrices, got shape \(3, 2\)"):
        tf.linalg.inv(_zeros([3, 2]))
    with pytest.raises(InvalidArgumentError, match="floating or complex tensor, got int32"):
        tf.linalg.inv(tf.constant([[1, 0], [0, 1]]))
    with pytest.raises(InvalidArgumentError, match=r"rank >= 2\), got shape \(3,\)"):
        tf.linalg.det(_zeros([3]))


def test_determinant_of_singular_matrix_is_zero_and_float32_stays():
    d = tf.linalg.det(_zeros([2, 2]))
    assert d.dtype == tf.float32 and float(d) == 0.0


def test_solve_checks_shapes_as_tensorflow():
    eye3 = tf.linalg.eye(3, batch_shape=[2])
    with pytest.raises(InvalidArgumentError, match="same rank"):
        tf.linalg.solve(eye3, _ones([3, 1]))
    with pytest.raises(InvalidArgumentError, match="same batch dimensions"):
        tf.linalg.solve(eye3, _ones([1, 3, 1]))
    with pytest.raises(InvalidArgumentError, match="matrix and rhs are incompatible"):
        tf.linalg.solve(tf.linalg.eye(3), _ones([4, 1]))
    with pytest.raises(InvalidArgumentError, match="not invertible"):
        tf.linalg.solve(_zeros([3, 3]), _ones([3, 1]))


def test_triangular_solve_reads_one_triangle_only():
    a = tf.constant([[2.0, 1.0], [100.0, 4.0]])
    out = tf.linalg.triangular_solve(a, tf.constant([[1.0], [2.0]]), lower=False)
    np.testing.assert_allclose(out.numpy(), [[0.25], [0.5]])  # TF's value


def test_cholesky_errors_on_indefinite_input():
    # TF 2.21 fills the result with NaNs here; tapeflow says what went wrong instead.
    with pytest.raises(InvalidArgumentError, match="Cholesky: the input is not positive definite"):
        tf.linalg.cholesky(-tf.linalg.eye(2))


def test_logdet_gradient_is_the_inverse(rng):
    a = tf.constant(_spd(rng))
    with tf.GradientTape() as tape:
        tape.watch(a)
        y = tf.linalg.logdet(a)
    (g,) = tape.gradient(y, [a])
    np.testing.assert_allclose(g.numpy(), np.linalg.inv(a.numpy()), rtol=1e-10)


def test_cholesky_gradient_is_symmetric_as_tensorflow(rng):
    a = tf.constant(_spd(rng))
    w = rng.standard_normal((3, 3))
    with tf.GradientTape() as tape:
        tape.watch(a)
        y = tf.reduce_sum(tf.linalg.cholesky(a) * w)
    (g,) = tape.gradient(y, [a])
    np.testing.assert_allclose(g.numpy(), g.numpy().T)
    sym = rng.standard_normal((3, 3))
    sym = sym + sym.T
    eps = 1e-6
    numeric = (
        np.sum(np.linalg.cholesky(a.numpy() + eps * sym) * w)
        - np.sum(np.linalg.cholesky(a.numpy() - eps * sym) * w)
    ) / (2 * eps)
    np.testing.assert_allclose(np.sum(g.numpy() * sym), numeric, rtol=1e-6)


# ---- diagonals, transposes, eye ----------------------------------------------------------------


def test_diagonals_as_tensorflow():
    m = tf.reshape(tf.constant(np.arange(6.0)), [2, 3])
    assert tf.linalg.diag_part(m).numpy().tolist() == [0.0, 4.0]
    assert tf.linalg.diag_part(m, k=1).numpy().tolist() == [1.0, 5.0]
    assert tf.linalg.diag_part(m, k=-1).numpy().tolist() == [3.0]
    assert float(tf.linalg.trace(m)) == 4.0
    assert tf.linalg.diag([1.0, 2.0], k=1).numpy().tolist() == [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    assert tf.linalg.diag([1.0, 2.0], padding_value=9).numpy().tolist() == [[1, 9], [9, 2]]
    assert tf.linalg.diag([1.0, 2.0], k=1, num_rows=2, num_cols=3).shape == (2, 3)
    with pytest.raises(InvalidArgumentError, match="MatrixDiagV3: the number of rows"):
        tf.linalg.diag([1.0, 2.0], k=1, num_rows=3, num_cols=4)
    with pytest.raises(InvalidArgumentError, match="input must be at least 2-dim"):
        tf.linalg.diag_part(tf.constant([1.0, 2.0]))
    with pytest.raises(NotImplementedError, match="single diagonal"):
        tf.linalg.diag_part(_ones([3, 3]), k=(-1, 1))
    out = tf.linalg.set_diag(_zeros([2, 3]), tf.constant([1.0, 2.0]))
    assert out.numpy().tolist() == [[1, 0, 0], [0, 2, 0]]


def test_diag_part_of_variable_does_not_alias_it():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    d = tf.linalg.diag_part(v)
    v.assign([[0.0, 0.0], [0.0, 0.0]])
    assert d.numpy().tolist() == [1.0, 4.0]


def test_matrix_transpose_and_eye():
    assert tf.linalg.matrix_transpose(_ones([4, 2, 3])).shape == (4, 3, 2)
    with pytest.raises(ValueError, match="rank >= 2"):
        tf.linalg.matrix_transpose(_ones([3]))
    e = tf.linalg.eye(2, 3, batch_shape=[2], dtype=tf.float64)
    assert e.shape == (2, 2, 3) and e.dtype == tf.float64
    np.testing.assert_array_equal(e.numpy()[1], np.eye(2, 3))
    assert tf.linalg.eye(3).dtype == tf.float32


def test_slogdet_returns_named_fields():
    out = tf.linalg.slogdet(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    assert float(out.sign) == -1.0
    np.testing.assert_allclose(float(out.log_abs_determinant), np.log(2.0), rtol=1e-6)


# ---- norms -------------------------------------------------------------------------------------


def test_norm_argument_errors_match_tensorflow():
    x = _ones([2, 3])
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got fro"):
        tf.norm(x, ord="fro")
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got 0"):
        tf.norm(x, ord=0)
    with pytest.raises(ValueError, match="'ord' must be a supported matrix norm"):
        tf.norm(x, ord=3, axis=[0, 1])
    with pytest.raises(ValueError, match="tuple of 2 unique integers"):
        tf.norm(x, axis=[0, 0])
    with pytest.raises(ValueError, match="tuple of 2 unique integers"):
        tf.norm(_ones([2, 2, 2]), axis=[0, 1, 2])


@needs_norm_ops
def test_norm_shapes_and_spectral_norm():
    x = _ones([2, 3])
    assert tf.norm(x).shape == ()
    assert tf.norm(x, keepdims=True).shape == (1, 1)
    assert tf.norm(x, axis=1, keepdims=True).shape == (2, 1)
    assert tf.norm(_ones([2, 3, 4]), ord=1, axis=(0, 2)).shape == (3,)
    assert tf.norm(_ones([2, 3, 4]), ord=2, axis=(0, 2), keepdims=True).shape == (1, 3, 1)
    np.testing.assert_allclose(tf.norm(x, ord=2, axis=[0, 1]).numpy(), np.sqrt(6.0), rtol=1e-6)


@needs_norm_ops
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_norm_gradient_at_zero_is_nan_as_in_tensorflow():
    x = _zeros([3])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        euclid = tf.norm(x)
        l1 = tf.norm(x, ord=1)
    assert np.isnan(tape.gradient(euclid, x).numpy()).all()
    assert tape.gradient(l1, x).numpy().tolist() == [0.0, 0.0, 0.0]

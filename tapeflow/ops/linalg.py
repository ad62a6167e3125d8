"""Linear algebra (tf.linalg): matmul, tensordot, einsum, norm, inv, det, solve, cholesky."""

API = {}

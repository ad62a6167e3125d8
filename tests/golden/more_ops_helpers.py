"""Helpers shared by the case modules of more_ops.json (see more_ops_cases.py): the case
registry, input formulas, gradients of fixed weighted sums, and the JSON encoding.
"""

import numpy as np

CASES = {}  # name -> (function of tf, {"rtol": ..., "atol": ...})


def case(name, rtol=1e-6, atol=1e-6):
    def register(fn):
        if name in CASES:
            raise ValueError(f"case {name!r} is defined twice")
        CASES[name] = (fn, {"rtol": rtol, "atol": atol})
        return fn

    return register


def data(shape, seed=0, dtype=np.float64):
    """Deterministic values in [-2, 2] (a formula, not a random stream); quadratic in the
    position, so the matrices it fills are generic (full rank, distinct singular values)."""
    n = int(np.prod(shape))
    k = np.arange(1, n + 1)
    values = 2 * np.sin(0.91 * k * k + 1.37 * k * (seed + 1) + seed)
    return values.reshape(shape).astype(dtype)


def well_conditioned(n, seed=0, dtype=np.float64, batch=()):
    return (data(batch + (n, n), seed) + 4 * np.eye(n)).astype(dtype)


def symmetric(n, seed=0, dtype=np.float64, batch=()):
    a = data(batch + (n, n), seed)
    return (a + np.swapaxes(a, -1, -2)).astype(dtype)


def weights(shape, k=0, dtype=np.float64):
    n = int(np.prod(shape))
    return np.cos(np.arange(n) * 0.9 + k).reshape(shape).astype(dtype)


def with_grads(tf, fn, *arrays):
    """{"out": fn(*xs), "grads": d <w, fn(*xs)> / d xs} for fixed weights w on each float
    output (integer outputs carry no gradient)."""
    xs = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        out = fn(*xs)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = None
        for k, o in enumerate(outs):
            if o.dtype.is_floating:
                w = tf.constant(weights(o.shape.as_list(), k, o.dtype.as_numpy_dtype))
                term = tf.reduce_sum(o * w)
                loss = term if loss is None else loss + term
    return {"out": out, "grads": tape.gradient(loss, xs)}


def sq(tf, x):
    return x * x


# ---- encoding --------------------------------------------------------------------------------


def encode(tf, x):
    """A case's result as JSON-ready data: tensors as {"dtype", "shape", "value"}."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: encode(tf, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [encode(tf, v) for v in x]
    if hasattr(x, "indices") and hasattr(x, "values"):  # IndexedSlices: as the dense tensor
        x = tf.convert_to_tensor(x)
    a = np.asarray(x.numpy())
    value = a.tolist()
    if a.dtype == object:
        value = np.vectorize(lambda b: b.decode(), otypes=[object])(a).tolist() if a.size else []
    return {"dtype": x.dtype.name, "shape": list(a.shape), "value": value}


def run(tf, fn):
    """{"result": encoded result} or {"error": exception type name, "message": text}."""
    try:
        return {"result": encode(tf, fn(tf))}
    except Exception as e:  # noqa: BLE001 - the error is the result
        return {"error": type(e).__name__, "message": str(e).splitlines()[0][:300]}

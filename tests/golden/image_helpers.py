"""Helpers of the image.json cases (image_cases.py): the case registry, small deterministic
images, gradients of fixed weighted sums, and a compact JSON encoding (floats to 8 significant
digits, enough for float32 and the tolerances of the test).
"""

import numpy as np

CASES = {}  # name -> (function of tf, {"rtol": ..., "atol": ...})
# Cases that make tf.Variables or return Python values: not run again inside tf.function.
EAGER_ONLY = set()


def case(name, rtol=2e-6, atol=2e-6, eager_only=False):
    def register(fn):
        if name in CASES:
            raise ValueError(f"case {name!r} is defined twice")
        CASES[name] = (fn, {"rtol": rtol, "atol": atol})
        if eager_only:
            EAGER_ONLY.add(name)
        return fn

    return register


def image(shape, seed=0, dtype=np.float32):
    """Values in [0, 1] from a formula (no random stream), distinct almost everywhere."""
    n = int(np.prod(shape))
    k = np.arange(1, n + 1)
    values = 0.5 + 0.5 * np.sin(0.91 * k * k + 1.37 * k * (seed + 1) + seed)
    return values.reshape(shape).astype(dtype)


def uint8_image(shape, seed=0):
    return np.round(image(shape, seed, np.float64) * 255).astype(np.uint8)


def weights(shape, k=0, dtype=np.float32):
    n = int(np.prod(shape))
    return np.cos(np.arange(n) * 0.9 + k).reshape(shape).astype(dtype)


def with_grads(tf, fn, *arrays):
    """{"out": fn(*xs), "grads": d <w, fn(*xs)> / d xs} for fixed weights w on each float
    output; arrays that are not floating are passed as constants."""
    xs = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        for x in xs:
            if x.dtype.is_floating:
                tape.watch(x)
        out = fn(*xs)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = None
        for k, o in enumerate(outs):
            if o.dtype.is_floating:
                w = tf.constant(weights(o.shape.as_list(), k, o.dtype.as_numpy_dtype))
                term = tf.reduce_sum(o * w)
                loss = term if loss is None else loss + term
    floats = [x for x in xs if x.dtype.is_floating]
    return {"out": out, "grads": tape.gradient(loss, floats)}


def gradient_error(tf, fn, *arrays):
    """The type name of the error asking for a gradient through `fn` raises (or "none")."""
    xs = [tf.Variable(a) for a in arrays]
    with tf.GradientTape() as tape:
        out = fn(*xs)
    try:
        grads = tape.gradient(out, xs)
    except LookupError as e:
        return {"gradient_error": type(e).__name__}
    return {"grads": grads}


def _encode_floats(a):
    if a.ndim == 0:
        return float(f"{float(a):.8g}")
    return [_encode_floats(v) for v in a]


def encode(tf, x):
    """A case's result as JSON-ready data: tensors as {"dtype", "shape", "value"}."""
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, dict):
        return {k: encode(tf, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [encode(tf, v) for v in x]
    a = np.asarray(x.numpy())
    value = _encode_floats(a.astype(np.float64)) if a.dtype.kind == "f" else a.tolist()
    return {"dtype": x.dtype.name, "shape": list(a.shape), "value": value}


def run(tf, fn):
    """{"result": encoded result} or {"error": exception type name, "message": text}."""
    try:
        return {"result": encode(tf, fn(tf))}
    except Exception as e:  # noqa: BLE001 - the error is the result
        return {"error": type(e).__name__, "message": str(e).splitlines()[0][:300]}

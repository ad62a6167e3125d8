"""tapeflow.func: grad, value_and_grad, vjp, jvp, vmap, jacrev, jacfwd, hessian and
functional_call, against analytic results, tape jacobians and loops, and composed."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import func


def _t(rng, *shape):
    return tf.constant(rng.standard_normal(shape))


def f_scalar(x):
    return tf.reduce_sum(tf.sin(x) * x**2)


def test_grad_and_value_and_grad(rng):
    x = _t(rng, 4)
    xv = x.numpy()
    want = np.cos(xv) * xv**2 + 2 * xv * np.sin(xv)
    np.testing.assert_allclose(func.grad(f_scalar)(x).numpy(), want, rtol=1e-12)
    value, g = func.value_and_grad(f_scalar)(x)
    np.testing.assert_allclose(float(value), np.sum(np.sin(xv) * xv**2))
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-12)


def test_grad_argnums_has_aux_and_structures(rng):
    def f(params, x):
        out = params["w"] * x + params["b"]
        return tf.reduce_sum(out**2), out

    params = {"w": _t(rng, 3), "b": _t(rng, 3)}
    x = _t(rng, 3)
    (g_params, g_x), aux = func.grad(f, argnums=(0, 1), has_aux=True)(params, x)
    out = params["w"].numpy() * x.numpy() + params["b"].numpy()
    np.testing.assert_allclose(aux.numpy(), out)
    np.testing.assert_allclose(g_params["w"].numpy(), 2 * out * x.numpy())
    np.testing.assert_allclose(g_params["b"].numpy(), 2 * out)
    np.testing.assert_allclose(g_x.numpy(), 2 * out * params["w"].numpy())


def test_unconnected_inputs_get_zeros_and_non_scalar_is_an_error(rng):
    g = func.grad(lambda x, y: tf.reduce_sum(x), argnums=1)(_t(rng, 2), _t(rng, 3))
    np.testing.assert_array_equal(g.numpy(), np.zeros(3))
    with pytest.raises(TypeError, match="scalar output"):
        func.grad(lambda x: x * 2.0)(_t(rng, 3))


def test_grad_of_grad(rng):
    x = _t(rng, 3)
    d2 = func.grad(lambda x: tf.reduce_sum(func.grad(f_scalar)(x)))(x)
    xv = x.numpy()
    want = -np.sin(xv) * xv**2 + 4 * xv * np.cos(xv) + 2 * np.sin(xv)
    np.testing.assert_allclose(d2.numpy(), want, rtol=1e-10)


def test_vjp_and_jvp_against_the_jacobian(rng):
    x = _t(rng, 3)
    A = _t(rng, 2, 3)

    def f(x):
        return tf.tanh(tf.linalg.matvec(A, x))

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    jac = tape.jacobian(y, x).numpy()
    out, vjp_fn = func.vjp(f, x)
    u = _t(rng, 2)
    (gx,) = vjp_fn(u)
    np.testing.assert_allclose(gx.numpy(), u.numpy() @ jac, rtol=1e-12)
    (gx2,) = vjp_fn(u * 2.0)  # the function can be called again
    np.testing.assert_allclose(gx2.numpy(), 2 * u.numpy() @ jac, rtol=1e-12)
    v = _t(rng, 3)
    value, tangent = func.jvp(f, (x,), (v,))
    np.testing.assert_allclose(value.numpy(), out.numpy())
    np.testing.assert_allclose(tangent.numpy(), jac @ v.numpy(), rtol=1e-12)


def test_jacrev_and_jacfwd_agree_with_the_tape(rng):
    x = _t(rng, 2, 3)
    W = _t(rng, 3, 4)

    def f(x):
        return tf.nn.softmax(tf.matmul(x, W))

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    want = tape.jacobian(y, x).numpy()
    assert want.shape == (2, 4, 2, 3)
    np.testing.assert_allclose(func.jacrev(f)(x).numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(func.jacfwd(f)(x).numpy(), want, rtol=1e-10, atol=1e-12)


def test_hessian_is_jacfwd_of_jacrev(rng):
    A = rng.standard_normal((3, 3))
    A = tf.constant(A + A.T)
    x = _t(rng, 3)

    def f(x):
        return 0.5 * tf.reduce_sum(x * tf.linalg.matvec(A, x)) + tf.reduce_sum(x**3)

    h = func.hessian(f)(x).numpy()
    np.testing.assert_allclose(h, A.numpy() + np.diag(6 * x.numpy()), rtol=1e-10)


def test_vmap_in_axes_and_out_axes(rng):
    x = _t(rng, 3, 5)  # examples on axis 1
    y = _t(rng, 3)  # shared

    out = func.vmap(lambda a, b: a * b, in_axes=(1, None))(x, y)
    np.testing.assert_allclose(out.numpy(), (x.numpy() * y.numpy()[:, None]).T)
    out = func.vmap(lambda a, b: a * b, in_axes=(1, None), out_axes=1)(x, y)
    np.testing.assert_allclose(out.numpy(), x.numpy() * y.numpy()[:, None])
    with pytest.raises(ValueError, match="sizes"):
        func.vmap(lambda a, b: a + b)(x, _t(rng, 4))


def test_vmap_of_grad_gives_per_example_gradients(rng):
    w = _t(rng, 3)
    xs = _t(rng, 6, 3)

    def loss(w, x):
        return tf.reduce_sum(tf.tanh(w * x))

    got = func.vmap(func.grad(loss), in_axes=(None, 0))(w, xs).numpy()
    want = np.stack([func.grad(loss)(w, xs[i]).numpy() for i in range(6)])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_jacfwd_of_jacrev_of_a_model_layer(rng):
    layer = tf.keras.layers.Dense(2, activation="tanh", dtype="float64")
    layer.build((None, 3))

    def f(x):
        return tf.reduce_sum(layer(x[None]))

    x = _t(rng, 3)
    h = func.jacfwd(func.jacrev(f))(x).numpy()
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    want = outer.jacobian(g, x).numpy()
    np.testing.assert_allclose(h, want, rtol=1e-10, atol=1e-12)


def _model(rng):
    model = tf.keras.Sequential(
        [tf.keras.Input((4,)), tf.keras.layers.Dense(3, "relu"), tf.keras.layers.Dense(1)]
    )
    for v in model.trainable_variables:
        v.assign(rng.standard_normal(v.shape).astype("f4"))
    return model


def test_functional_call_uses_the_given_parameters(rng):
    model = _model(rng)
    x = tf.constant(rng.standard_normal((2, 4)).astype("f4"))
    params = func.named_parameters(model)
    assert list(params) == [v.path for v in model.trainable_variables]
    doubled = {k: v * 2.0 for k, v in params.items()}
    kernel0, bias0, kernel1, bias1 = (v.numpy() for v in model.trainable_variables)
    want = np.maximum(x.numpy() @ (2 * kernel0) + 2 * bias0, 0) @ (2 * kernel1) + 2 * bias1
    np.testing.assert_allclose(func.functional_call(model, doubled, x).numpy(), want, rtol=1e-6)
    as_list = [v * 2.0 for v in model.trainable_variables]
    np.testing.assert_allclose(func.functional_call(model, as_list, x).numpy(), want, rtol=1e-6)
    np.testing.assert_array_equal(model.trainable_variables[0].numpy(), kernel0)  # untouched
    np.testing.assert_allclose(model(x).numpy(), np.maximum(x.numpy() @ kernel0 + bias0, 0)
                               @ kernel1 + bias1, rtol=1e-6)  # fmt: skip


def test_functional_call_in_one_thread_leaves_other_threads_on_the_variables(rng):
    # The substituted values are the calling thread's: another thread running the same
    # model meanwhile reads the Variables (it once saw the other thread's values), and a
    # block that ends while another thread's is open leaves that one working.
    import threading

    from tapeflow.core import op_inputs

    model = _model(rng)
    x = tf.constant(rng.standard_normal((2, 4)).astype("f4"))
    plain = model(x).numpy()
    doubled = {k: v * 2.0 for k, v in func.named_parameters(model).items()}
    want_doubled = func.functional_call(model, doubled, x).numpy()
    assert not np.allclose(plain, want_doubled)
    mapping = {v._id: doubled[v.path] for v in model.trainable_variables}
    inside, release, results = threading.Event(), threading.Event(), {}

    def substituted(name, wait_for):
        with op_inputs.substituting(mapping):
            inside.set()
            wait_for.wait(10)
            results[name] = model(x).numpy()

    first_done = threading.Event()
    first = threading.Thread(target=substituted, args=("first", release))
    first.start()
    assert inside.wait(10)
    results["main"] = model(x).numpy()  # while the other thread's block is open
    inside.clear()
    second = threading.Thread(target=substituted, args=("second", first_done))
    second.start()
    assert inside.wait(10)
    release.set()
    first.join(10)
    first_done.set()  # the second block outlives the first
    second.join(10)
    np.testing.assert_array_equal(results["main"], plain)
    np.testing.assert_allclose(results["first"], want_doubled, rtol=1e-6)
    np.testing.assert_allclose(results["second"], want_doubled, rtol=1e-6)
    assert op_inputs._substituting["active"] == 0
    assert tf.Variable in op_inputs._DIRECT_TYPES  # the no-conversion path is back


def test_functional_call_errors(rng):
    model = _model(rng)
    x = tf.ones((1, 4))
    with pytest.raises(KeyError, match="names no variable"):
        func.functional_call(model, {"nope": tf.ones(3)}, x)
    with pytest.raises(ValueError, match="shape"):
        func.functional_call(model, {model.trainable_variables[0].path: tf.ones((2, 2))}, x)
    with pytest.raises(ValueError, match="3 parameter values"):
        func.functional_call(model, [tf.ones(1)] * 3, x)


def test_per_example_gradients_with_functional_call(rng):
    model = _model(rng)
    x = tf.constant(rng.standard_normal((5, 4)).astype("f4"))
    y = tf.constant(rng.standard_normal((5, 1)).astype("f4"))
    params = func.named_parameters(model)

    def loss(p, xi, yi):
        pred = func.functional_call(model, p, xi[None])
        return tf.reduce_mean((pred - yi[None]) ** 2)

    per_example = func.vmap(func.grad(loss), in_axes=(None, 0, 0))(params, x, y)
    for i in range(5):
        with tf.GradientTape() as tape:
            l_i = tf.reduce_mean((model(x[i : i + 1]) - y[i : i + 1]) ** 2)
        want = tape.gradient(l_i, model.trainable_variables)
        for v, w in zip(model.trainable_variables, want):
            np.testing.assert_allclose(per_example[v.path][i].numpy(), w.numpy(), rtol=1e-5,
                                       atol=1e-6)  # fmt: skip


def test_functional_call_inside_tf_function(rng):
    model = _model(rng)
    x = tf.constant(rng.standard_normal((2, 4)).astype("f4"))

    @tf.function
    def f(p, x):
        return func.functional_call(model, p, x)

    params = {k: tf.identity(v) for k, v in func.named_parameters(model).items()}
    np.testing.assert_allclose(f(params, x).numpy(), model(x).numpy(), rtol=1e-6)
    scaled = {k: v * 0.0 for k, v in params.items()}
    np.testing.assert_allclose(f(scaled, x).numpy(), np.zeros((2, 1)))


def test_ensembles_vmap_over_parameters(rng):
    model = _model(rng)
    x = tf.constant(rng.standard_normal((2, 4)).astype("f4"))
    params = func.named_parameters(model)
    stacked = {k: tf.stack([v, v * 0.5, v * 2.0]) for k, v in params.items()}
    out = func.vmap(lambda p: func.functional_call(model, p, x))(stacked)
    assert out.shape == (3, 2, 1)
    for i, s in enumerate((1.0, 0.5, 2.0)):
        want = func.functional_call(model, {k: v * s for k, v in params.items()}, x)
        np.testing.assert_allclose(out[i].numpy(), want.numpy(), rtol=1e-5, atol=1e-6)

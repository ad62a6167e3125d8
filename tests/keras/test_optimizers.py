"""Keras optimizers and learning-rate schedules: Keras 3's numbers, API and state protocol.

The golden numbers come from tests/golden/make_optimizers.py (Keras 3 in TensorFlow 2.21).
"""

import json
import pathlib
import warnings
import weakref

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import optimizers as K
from tapeflow.keras.optimizers import schedules as S

GOLDEN = json.loads(
    (pathlib.Path(__file__).parent.parent / "golden" / "optimizers.json").read_text()
)
ALL_CLASSES = [K.SGD, K.RMSprop, K.Adam, K.AdamW, K.Adagrad, K.Adadelta, K.Adamax, K.Nadam, K.Lion]


def _kwargs(kwargs):
    out = dict(kwargs)
    lr = out.get("learning_rate")
    if isinstance(lr, list):
        out["learning_rate"] = getattr(S, lr[0])(**lr[1])
    return out


def _run_golden_case(case):
    dtype = case["options"].get("dtype", "float32")
    p = GOLDEN["problem"][dtype]
    w = tf.Variable(np.array(p["w"], dtype), name="w")
    b = tf.Variable(np.array(p["b"], dtype), name="b")
    opt = getattr(K, case["class"])(**_kwargs(case["kwargs"]))
    for step in range(GOLDEN["steps"]):
        gw, gb = p["dense"][step]
        if case["options"].get("sparse"):
            values, rows = p["sparse"][step]
            gw = tf.IndexedSlices(
                tf.constant(np.array(values, dtype)), tf.constant(np.array(rows, np.int32)), (4, 3)
            )
        else:
            gw = tf.constant(np.array(gw, dtype))
        gb = (
            None if case["options"].get("skip") and step == 1 else tf.constant(np.array(gb, dtype))
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt.apply_gradients([(gw, w), (gb, b)])
    return opt, w, b


@pytest.mark.parametrize("case_id", sorted(GOLDEN["cases"]))
def test_matches_keras(case_id):
    case = GOLDEN["cases"][case_id]
    opt, w, b = _run_golden_case(case)
    dtype = case["options"].get("dtype", "float32")
    # float32: TF's pow differs from the C library's by an ulp at times, and a few entries
    # land near zero after cancellation, hence the tiny atol.
    tol = {"rtol": 1e-6, "atol": 1e-8} if dtype == "float32" else {"rtol": 1e-12}
    assert w.dtype == tf.as_dtype(dtype)
    np.testing.assert_allclose(w.numpy(), np.array(case["w"], dtype), **tol)
    np.testing.assert_allclose(b.numpy(), np.array(case["b"], dtype), **tol)
    assert int(opt.iterations) == case["iterations"]


@pytest.mark.parametrize("sched_id", sorted(GOLDEN["schedules"]))
def test_schedule_matches_keras(sched_id):
    case = GOLDEN["schedules"][sched_id]
    schedule = getattr(S, case["class"])(**case["config"])
    got = [float(schedule(np.int64(s))) for s in case["steps"]]
    np.testing.assert_allclose(got, case["values"], rtol=1e-6, atol=1e-9)
    assert schedule(3).dtype == tf.float32  # a Python initial rate computes in float32
    again = S.deserialize(S.serialize(schedule))
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()


def test_schedule_steps_from_variable_and_float64_rate():
    s = S.ExponentialDecay(np.float64(0.1), decay_steps=2, decay_rate=0.5)
    out = s(tf.Variable(np.int64(4)))
    assert out.dtype == tf.float64
    # Keras casts the Python decay_rate through float32 (ops.cast): 0.5 is exact anyway.
    assert float(out) == pytest.approx(0.025, rel=1e-15)
    with pytest.raises(ValueError, match="decay_steps"):
        S.PolynomialDecay(0.1, decay_steps=0)
    with pytest.raises(ValueError, match="boundaries"):
        S.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    assert S.PiecewiseConstantDecay([2, 5], [1, 2, 3])(4).dtype == tf.int32


# ---- 0-d, 1-d, 2-d and sparse variables in one call -----------------------------------------


def _shape_loss(variables, step):
    loss = tf.constant(0.0)
    if "s" in variables:
        loss += variables["s"] * tf.convert_to_tensor(step["s"], tf.float32)
    if "v" in variables:
        loss += tf.reduce_sum(variables["v"] * tf.convert_to_tensor(step["v"], tf.float32))
    if "w" in variables:
        loss += tf.reduce_sum(variables["w"] * tf.convert_to_tensor(step["w"], tf.float32))
    if "e" in variables:
        rows = tf.gather(variables["e"], step["rows"])
        loss += tf.reduce_sum(rows * tf.convert_to_tensor(step["e"], tf.float32))
    if "u" in variables:
        rows = tf.gather(variables["u"], step["rows"])
        loss += tf.reduce_sum(rows * tf.convert_to_tensor(step["u"], tf.float32))
    return loss


def _run_shape_case(case, step_fn=None):
    problem = GOLDEN["shape_problem"]
    names = case["variables"]
    variables = {n: tf.Variable(np.array(problem["init"][n], np.float32), name=n) for n in names}
    var_list = [variables[n] for n in names]
    opt = getattr(K, case["class"])(**_kwargs(case["kwargs"]))

    def step(coefficients):
        with tf.GradientTape() as tape:
            loss = _shape_loss(variables, coefficients)
        grads = tape.gradient(loss, var_list)
        opt.apply_gradients(zip(grads, var_list, strict=True))
        return grads

    for coefficients in problem["steps"]:
        grads = step(coefficients) if step_fn is None else step_fn(step, coefficients)
    return opt, variables, grads


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "per_variable"])
@pytest.mark.parametrize("case_id", sorted(GOLDEN["shape_cases"]))
def test_shapes_match_keras(case_id, fused, monkeypatch):
    """A scalar, a vector, a matrix, a gathered table and a gathered vector (IndexedSlices)
    in one call; every optimizer, with the fused and the per-variable update."""
    from tapeflow.keras.optimizers import _flat

    monkeypatch.setattr(_flat, "MAX_MEAN_SIZE", 10**9 if fused else 0)
    case = GOLDEN["shape_cases"][case_id]
    opt, variables, grads = _run_shape_case(case)
    for name, grad in zip(variables, grads, strict=True):
        assert isinstance(grad, tf.IndexedSlices) == (name in ("e", "u"))
    for name, var in variables.items():
        expected = np.array(case["values"][name], np.float32)
        assert var.shape == expected.shape and var.dtype == tf.float32
        np.testing.assert_allclose(
            var.numpy(), expected, rtol=2e-6, atol=1e-7, err_msg=f"variable {name}"
        )
    assert int(opt.iterations) == case["iterations"]
    if not fused:
        assert opt._flat_group is None
    elif len(variables) > 1 and "e" not in variables and "u" not in variables:
        assert opt._flat_group is not None


@pytest.mark.parametrize(
    "case_id", ["adam_scalar", "rmsprop_centered_momentum_shapes", "nadam_shapes"]
)
def test_shapes_match_keras_in_tf_function(case_id):
    case = GOLDEN["shape_cases"][case_id]
    compiled = {}

    def step_fn(step, coefficients):
        if "fn" not in compiled:
            compiled["fn"] = tf.function(step)
        return compiled["fn"]({k: tf.constant(v) for k, v in coefficients.items()})

    _, variables, _ = _run_shape_case(case, step_fn)
    for name, var in variables.items():
        np.testing.assert_allclose(
            var.numpy(), np.array(case["values"][name], np.float32), rtol=2e-6, atol=1e-7
        )


# ---- sparse gradients ------------------------------------------------------------------------


def _sparse_vs_dense(cls, kwargs, rng):
    w0 = rng.standard_normal((6, 3)).astype(np.float32)
    rows = np.array([4, 1, 4, 0], np.int32)  # row 4 twice: its two slices add up
    w_sparse, w_dense = tf.Variable(w0), tf.Variable(w0)
    opt_sparse, opt_dense = cls(**kwargs), cls(**kwargs)
    for _ in range(3):
        values = rng.standard_normal((4, 3)).astype(np.float32)
        dense = np.zeros((6, 3), np.float32)
        np.add.at(dense, rows, values)
        opt_sparse.apply(
            [tf.IndexedSlices(tf.constant(values), tf.constant(rows), (6, 3))], [w_sparse]
        )
        opt_dense.apply([tf.constant(dense)], [w_dense])
    return w0, w_sparse.numpy(), w_dense.numpy(), opt_sparse


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (K.SGD, {}),
        (K.SGD, {"momentum": 0.9}),
        (K.RMSprop, {}),
        (K.RMSprop, {"centered": True}),
        (K.Adam, {}),
        (K.Adagrad, {}),
        (K.Adadelta, {}),
        (K.Adamax, {}),
        (K.Nadam, {}),
        (K.Lion, {}),
        (K.SGD, {"clipnorm": 0.5}),
        (K.Adam, {"global_clipnorm": 0.5}),
    ],
)
def test_sparse_gradient_equals_its_dense_sum(cls, kwargs, rng):
    w0, sparse, dense, _ = _sparse_vs_dense(cls, {"learning_rate": 0.1, **kwargs}, rng)
    np.testing.assert_allclose(sparse, dense, rtol=1e-6, atol=1e-7)
    assert not np.allclose(sparse[4], w0[4])


@pytest.mark.parametrize("cls", [K.SGD, K.RMSprop, K.Adagrad])
def test_sparse_update_leaves_untouched_rows_alone(cls, rng):
    w0, sparse, _, opt = _sparse_vs_dense(cls, {"learning_rate": 0.1}, rng)
    np.testing.assert_array_equal(sparse[[2, 3, 5]], w0[[2, 3, 5]])
    if cls is K.Adagrad:
        acc = opt._slot_variables(opt._trainable_variables[0])["accumulator"].numpy()
        np.testing.assert_array_equal(acc[[2, 3, 5]], np.float32(0.1))


def test_sparse_from_tape_gather(rng):
    table = tf.Variable(rng.standard_normal((5, 2)).astype(np.float32))
    before = table.numpy()
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(table, [3, 1, 3]))
    grad = tape.gradient(loss, table)
    assert isinstance(grad, tf.IndexedSlices)
    K.SGD(learning_rate=0.5).apply_gradients([(grad, table)])
    expected = before.copy()
    expected[3] -= 1.0  # two reads of row 3: gradient 2 * 0.5
    expected[1] -= 0.5
    np.testing.assert_allclose(table.numpy(), expected, rtol=1e-6)


# ---- the apply pipeline ----------------------------------------------------------------------


def test_none_gradients_are_skipped_with_a_warning():
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable([3.0], name="b")
    opt = K.SGD(learning_rate=0.5)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b:0'\]"):
        opt.apply_gradients([(tf.constant([1.0, 1.0]), a), (None, b)])
    np.testing.assert_allclose(a.numpy(), [0.5, 1.5])
    np.testing.assert_allclose(b.numpy(), [3.0])
    with pytest.raises(
        ValueError,
        match=r"No gradients provided for any variable: \['a:0', "
        r"'b:0'\]",
    ):
        opt.apply_gradients([(None, a), (None, b)])
    assert int(opt.iterations) == 1


def test_slots_are_created_lazily_for_new_variables():
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable([[3.0]], name="b")
    opt = K.Adam(learning_rate=0.1, name="adam")
    assert opt._slot_variables(a) == {}
    opt.apply_gradients([(tf.constant([1.0, 1.0]), a)])
    assert sorted(opt._slot_variables(a)) == ["momentum", "velocity"]
    assert opt._slot_variables(b) == {}
    opt.apply_gradients([(tf.constant([[1.0]]), b)])  # a new variable: no error
    # Its bias correction uses the optimizer's step count (2), as in Keras and TF.
    alpha = 0.1 * np.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    np.testing.assert_allclose(
        b.numpy(), [[3.0 - alpha * 0.1 / (np.sqrt(0.001) + 1e-7)]], rtol=1e-5
    )
    assert [v.name for v in opt.variables] == [
        "adam/iteration:0",
        "adam/learning_rate:0",
        "adam/a_0_momentum:0",
        "adam/a_0_velocity:0",
        "adam/b_0_momentum:0",
        "adam/b_0_velocity:0",
    ]


def test_iterations_and_gradient_accumulation():
    v = tf.Variable([1.0])
    opt = K.SGD(learning_rate=1.0, gradient_accumulation_steps=3)
    assert opt.iterations.dtype == tf.int64 and int(opt.iterations) == 0
    for g in (1.0, 2.0, 6.0):
        opt.apply_gradients([(tf.constant([g]), v)])
    np.testing.assert_allclose(v.numpy(), [1.0 - 3.0])  # the mean of the three
    assert int(opt._iterations) == 3 and int(opt.iterations) == 1
    acc = opt._slot_variables(v)["gradient_accumulator"].numpy()
    np.testing.assert_array_equal(acc, [0.0])
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        K.SGD(gradient_accumulation_steps=1)


def test_clipping_options_and_their_validation():
    v = tf.Variable([0.0, 0.0])
    K.SGD(learning_rate=1.0, clipnorm=1.0).apply_gradients([(tf.constant([3.0, 4.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-0.6, -0.8], rtol=1e-6)
    a, b = tf.Variable([0.0]), tf.Variable([0.0])
    K.SGD(learning_rate=1.0, global_clipnorm=2.5).apply_gradients(
        [(tf.constant([3.0]), a), (tf.constant([4.0]), b)]
    )
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [-1.5, -2.0], rtol=1e-6)
    with pytest.raises(ValueError, match="Only one of"):
        K.Adam(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_is_decoupled_and_can_exclude_variables():
    kernel, bias = tf.Variable([2.0], name="dense/kernel"), tf.Variable([2.0], name="dense/bias")
    opt = K.SGD(learning_rate=0.5, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(tf.constant([0.0]), kernel), (tf.constant([0.0]), bias)])
    np.testing.assert_allclose(kernel.numpy(), [2.0 - 2.0 * 0.1 * 0.5], rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), [2.0])
    with pytest.raises(ValueError, match="weight_decay"):
        K.AdamW(weight_decay=None)


def test_constraint_is_applied_after_the_update():
    v = tf.Variable([1.0, -1.0], constraint=lambda x: tf.constant(np.clip(x.numpy(), 0, 9)))
    K.SGD(learning_rate=1.0).apply_gradients([(tf.constant([2.0, 2.0]), v)])
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])


def test_updates_are_in_place_and_copy_on_write():
    v = tf.Variable(np.ones(4, np.float32))
    array = weakref.ref(v._value)  # a weak reference: the variable stays the sole owner
    opt = K.Adam(learning_rate=0.1)
    opt.apply_gradients([(tf.constant(np.ones(4, np.float32)), v)])
    assert v._value is array()  # nothing else held it: written in place
    read = v.read_value()
    kept = read.numpy().copy()
    opt.apply_gradients([(tf.constant(np.ones(4, np.float32)), v)])
    np.testing.assert_array_equal(read.numpy(), kept)  # an earlier read keeps its values
    assert not np.array_equal(v.numpy(), kept)


def test_gradient_is_never_written_into(rng):
    g = rng.standard_normal(5).astype(np.float32)
    grad = tf.constant(g)
    for cls in ALL_CLASSES:
        v = tf.Variable(np.zeros(5, np.float32))
        cls(learning_rate=0.1).apply_gradients([(grad, v), (grad, v)])
    np.testing.assert_array_equal(grad.numpy(), g)


def test_gradient_shape_and_type_errors():
    v = tf.Variable(np.zeros((2, 3), np.float32), name="kernel")
    with pytest.raises(ValueError, match=r"kernel:0 has shape \(3, 2\)"):
        K.SGD().apply_gradients([(tf.constant(np.zeros((3, 2), np.float32)), v)])
    with pytest.raises(TypeError, match="tf.Variable"):
        K.SGD().apply(
            [tf.constant(np.zeros((2, 3), np.float32))],
            [tf.constant(np.zeros((2, 3), np.float32))],
        )
    with pytest.raises(ValueError, match="must already be built"):
        K.SGD().apply([tf.constant(np.zeros((2, 3), np.float32))])


def test_gradient_dtype_is_cast_to_the_variable():
    v = tf.Variable(np.ones(2, np.float32))
    K.SGD(learning_rate=0.5).apply([np.array([1.0, 2.0])], [v])  # float64 NumPy gradient
    assert v.dtype == tf.float32
    np.testing.assert_allclose(v.numpy(), [0.5, 0.0])


# ---- learning rate ---------------------------------------------------------------------------


def test_learning_rate_forms():
    opt = K.SGD(learning_rate=0.1)
    assert isinstance(opt.learning_rate, tf.Variable) and opt.learning_rate.dtype == tf.float32
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5 and opt.variables[1] is opt.learning_rate
    with pytest.raises(ValueError, match="should be float"):
        K.SGD(learning_rate=1)
    sched = K.SGD(learning_rate=S.ExponentialDecay(1.0, 1, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        sched.learning_rate = 0.1
    v = tf.Variable([0.0])
    for _ in range(3):
        sched.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-(1.0 + 0.5 + 0.25)])
    assert float(sched.learning_rate) == 0.125
    no_arg = K.SGD(learning_rate=lambda: 0.25)  # Keras calls it with no argument
    by_step = K.SGD(learning_rate=lambda step: 0.5 / (1 + int(step)))
    a, b = tf.Variable([0.0]), tf.Variable([0.0])
    for _ in range(2):
        no_arg.apply_gradients([(tf.constant([1.0]), a)])
        by_step.apply_gradients([(tf.constant([1.0]), b)])
    np.testing.assert_allclose(a.numpy(), [-0.5])
    np.testing.assert_allclose(b.numpy(), [-0.75])
    assert len(no_arg.variables) == 1  # only `iterations`: no learning-rate Variable


# ---- config and serialization ----------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_config_round_trip(cls):
    opt = cls(learning_rate=0.25, clipnorm=2.0)
    config = opt.get_config()
    assert config["learning_rate"] == 0.25 and config["clipnorm"] == 2.0
    again = cls.from_config(config)
    assert again.get_config() == config
    same = K.deserialize(K.serialize(opt))
    assert type(same) is cls and same.get_config() == config


def test_get_and_serialize():
    assert isinstance(K.get("adam"), K.Adam) and isinstance(K.get("RMSprop"), K.RMSprop)
    opt = K.get({"class_name": "SGD", "config": {"learning_rate": 0.2, "momentum": 0.5}})
    assert opt.momentum == 0.5 and float(opt.learning_rate) == pytest.approx(0.2)
    assert K.get(opt) is opt and K.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        K.get(3)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        K.get("nope")
    s = K.serialize(K.Adam(learning_rate=S.CosineDecay(0.1, 10), name="opt"))
    assert s["module"] == "keras.optimizers" and s["class_name"] == "Adam"
    assert s["config"]["learning_rate"]["class_name"] == "CosineDecay"
    again = K.deserialize(s)
    assert isinstance(again._learning_rate, S.CosineDecay) and again.name == "opt"
    assert tf.keras.optimizers.schedules.CosineDecay is S.CosineDecay


def test_auto_names_are_unique():
    a, b = K.Lion(), K.Lion()
    assert a.name != b.name and a.name.startswith("lion") and b.name.startswith("lion")
    assert K.RMSprop().name.startswith("rm_sprop")  # Keras' snake case of "RMSprop"


# ---- checkpoint protocol ---------------------------------------------------------------------


def test_trackable_children_and_slot_names():
    opt = K.Nadam(learning_rate=0.1)
    v = tf.Variable([1.0, 2.0])
    opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    children = opt._trackable_children()
    assert set(children) == {"iterations", "learning_rate", "u_product"}
    assert children["iterations"] is opt._iterations
    assert sorted(opt._slot_variables(v)) == ["momentum", "velocity"]
    rms = K.RMSprop(momentum=0.5, centered=True)
    rms.build([v])
    assert sorted(rms._slot_variables(v)) == ["average_gradient", "momentum", "velocity"]
    sched = K.SGD(learning_rate=S.ExponentialDecay(0.1, 2, 0.5))
    assert set(sched._trackable_children()) == {"iterations"}


def test_restore_slot_now_and_deferred():
    v = tf.Variable([1.0, 2.0])
    opt = K.Adam(learning_rate=0.1)
    opt._restore_slot(v, "momentum", np.array([0.5, 0.5], np.float32))  # no slot yet
    assert opt._slot_variables(v) == {}
    opt._iterations.assign(5)
    opt.apply_gradients([(tf.constant([0.0, 0.0]), v)])
    m = opt._slot_variables(v)["momentum"]
    np.testing.assert_allclose(m.numpy(), [0.45, 0.45], rtol=1e-6)  # 0.5 decayed once
    opt._restore_slot(v, "velocity", np.array([4.0, 4.0], np.float32))  # exists: set now
    np.testing.assert_array_equal(opt._slot_variables(v)["velocity"].numpy(), [4.0, 4.0])


# ---- minimize and custom optimizers ----------------------------------------------------------


def test_minimize_with_callable_and_with_tape():
    w = tf.Variable([1.0, -2.0])
    opt = K.SGD(learning_rate=0.25)
    opt.minimize(lambda: tf.reduce_sum(w * w), [w])
    np.testing.assert_allclose(w.numpy(), [0.5, -1.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    opt.minimize(loss, [w], tape=tape)
    np.testing.assert_allclose(w.numpy(), [0.25, -0.5])
    with pytest.raises(ValueError, match="`tape` is required"):
        opt.minimize(loss, [w])


class _KerasStyleSGD(K.Optimizer):
    """A custom optimizer written as the Keras 3 docs show (tensor ops, self.assign_*)."""

    def __init__(self, **kwargs):
        super().__init__(learning_rate=0.5, **kwargs)

    def build(self, variables):
        super().build(variables)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        m = self.momentums[self._get_variable_index(variable)]
        assert isinstance(gradient, tf.Tensor)  # custom steps get Tensors, as in Keras
        self.assign(m, m * 0.5 - gradient * learning_rate)
        self.assign_add(variable, m)


def test_custom_optimizer_in_keras_style():
    v = tf.Variable([1.0])
    opt = _KerasStyleSGD()
    for _ in range(2):
        opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [1.0 - 0.5 - 0.75])
    late = tf.Variable([0.0], name="late")  # build runs again over both variables
    opt.apply_gradients([(tf.constant([1.0]), v), (tf.constant([1.0]), late)])
    np.testing.assert_allclose(v.numpy(), [1.0 - 0.5 - 0.75 - 0.875])
    np.testing.assert_allclose(late.numpy(), [-0.5])


def test_build_must_register_variables():
    class EarlyReturn(K.SGD):
        def build(self, var_list):
            if self.built:
                return
            super().build(var_list)

    opt = EarlyReturn()
    opt.apply_gradients([(tf.constant([1.0]), tf.Variable([1.0]))])
    with pytest.raises(ValueError, match="did not register"):
        opt.apply_gradients([(tf.constant([1.0]), tf.Variable([1.0], name="late"))])


def test_ema_finalize():
    v = tf.Variable([0.0])
    opt = K.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    for _ in range(3):
        opt.apply_gradients([(tf.constant([-1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [3.0])
    # averages: 1 (first step copies), then 0.5*1 + 0.5*2 = 1.5, then 0.5*1.5 + 0.5*3 = 2.25
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.numpy(), [2.25])


# ---- the fused (flat-buffer) update ----------------------------------------------------------


def _train(cls, kwargs, fused, monkeypatch, rng_seed=3, steps=4):
    from tapeflow.keras.optimizers import _flat

    monkeypatch.setattr(_flat, "MAX_MEAN_SIZE", 10**9 if fused else 0)
    rng = np.random.default_rng(rng_seed)
    shapes = [(5, 4), (4,), (4, 1), (1,)]
    variables = [tf.Variable(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    opt = cls(learning_rate=0.1, **kwargs)
    for _ in range(steps):
        grads = [tf.constant(rng.standard_normal(s).astype(np.float32)) for s in shapes]
        opt.apply_gradients(zip(grads, variables, strict=True))
    return opt, variables


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (K.SGD, {}),
        (K.SGD, {"momentum": 0.9, "nesterov": True}),
        (K.RMSprop, {"momentum": 0.5, "centered": True}),
        (K.Adam, {"amsgrad": True}),
        (K.AdamW, {}),
        (K.Adagrad, {}),
        (K.Adadelta, {}),
        (K.Adamax, {}),
        (K.Nadam, {}),
        (K.Lion, {}),
        (K.Adam, {"use_ema": True, "gradient_accumulation_steps": 2}),
    ],
)
def test_fused_update_is_bitwise_the_per_variable_update(cls, kwargs, monkeypatch):
    fused_opt, fused = _train(cls, kwargs, True, monkeypatch)
    plain_opt, plain = _train(cls, kwargs, False, monkeypatch)
    assert fused_opt._flat_group is not None and plain_opt._flat_group is None
    for a, b in zip(fused, plain, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        slots_a, slots_b = fused_opt._slot_variables(a), plain_opt._slot_variables(b)
        assert sorted(slots_a) == sorted(slots_b)
        for name in slots_a:
            np.testing.assert_array_equal(slots_a[name].numpy(), slots_b[name].numpy())


def test_fused_slots_stay_copy_on_write(monkeypatch):
    opt, variables = _train(K.Adam, {}, True, monkeypatch, steps=3)
    slot = opt._slot_variables(variables[0])["momentum"]
    held = slot.read_value()  # a Tensor that may share the slot's array
    kept = held.numpy().copy()
    opt.apply_gradients([(tf.constant(np.ones(v.shape, np.float32)), v) for v in variables])
    np.testing.assert_array_equal(held.numpy(), kept)
    assert not np.array_equal(slot.numpy(), kept)
    opt._restore_slot(variables[1], "velocity", np.full(4, 2.0, np.float32))
    np.testing.assert_array_equal(opt._slot_variables(variables[1])["velocity"].numpy(), 2.0)
    before = variables[1].numpy()
    opt.apply_gradients([(tf.constant(np.zeros(v.shape, np.float32)), v) for v in variables])
    # With zero gradients the velocity restored above only decays: 2 * 0.999.
    np.testing.assert_allclose(
        opt._slot_variables(variables[1])["velocity"].numpy(), 2.0 * 0.999, rtol=1e-6
    )
    assert not np.array_equal(variables[1].numpy(), before)  # the momentum still moves it

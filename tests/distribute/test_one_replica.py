"""tf.distribute and tapeflow.horovod in one process, without MPI: one replica, the same
numbers as plain training, TF's contexts and errors, and the fault machinery's pieces."""

import json
import sys

import numpy as np
import pytest

import tapeflow as tf
import tapeflow.horovod as hvd
from tapeflow.core import distribution
from tapeflow.distribute import comm, faults


def _model(seed=0):
    tf.keras.utils.set_random_seed(seed)
    return tf.keras.Sequential(
        [
            tf.keras.Input((3,)),
            tf.keras.layers.Dense(4, activation="relu"),
            tf.keras.layers.Dense(1),
        ]  # fmt: skip
    )


def _data(rng):
    x = rng.normal(size=(12, 3)).astype(np.float32)
    return x, (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)


# ---- contexts ---------------------------------------------------------------------------------


def test_default_strategy_and_contexts_as_tf():
    default = tf.distribute.get_strategy()
    assert default.num_replicas_in_sync == 1
    assert not tf.distribute.has_strategy()
    assert not tf.distribute.in_cross_replica_context()
    assert tf.distribute.get_replica_context() is not None
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    assert strategy.num_replicas_in_sync == 1
    with strategy.scope():
        assert tf.distribute.has_strategy() and tf.distribute.get_strategy() is strategy
        assert tf.distribute.in_cross_replica_context()
        assert tf.distribute.get_replica_context() is None

        def in_replica():
            context = tf.distribute.get_replica_context()
            assert not tf.distribute.in_cross_replica_context()
            assert int(context.replica_id_in_sync_group) == 0
            return context.merge_call(lambda s: tf.distribute.in_cross_replica_context())

        assert strategy.run(in_replica) is True
    assert not tf.distribute.has_strategy()


def test_mixing_strategies_is_an_error():
    a, b = tf.distribute.MirroredStrategy(), tf.distribute.MirroredStrategy()
    with a.scope():
        with pytest.raises(ValueError, match="Mixing different tf.distribute.Strategy"):
            with b.scope():
                pass


def test_mirrored_strategy_is_one_replica_and_refuses_several_devices():
    assert tf.distribute.MirroredStrategy().num_replicas_in_sync == 1
    assert tf.distribute.MirroredStrategy(["/cpu:0"]).num_replicas_in_sync == 1
    with pytest.raises(NotImplementedError, match="MultiWorkerMirroredStrategy.*mpiexec -n 2"):
        tf.distribute.MirroredStrategy(["/gpu:0", "/gpu:1"])


def test_tf_config_with_several_workers_outside_a_launcher_is_an_error(monkeypatch):
    cluster = {"worker": ["host1:2222", "host2:2222"]}
    monkeypatch.setenv(
        "TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}})
    )
    with pytest.raises(ValueError, match="TF_CONFIG lists 2 workers.*mpiexec -n 2"):
        tf.distribute.MultiWorkerMirroredStrategy()
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    assert resolver.cluster_spec().as_dict() == cluster
    assert (resolver.task_type, resolver.task_id) == ("worker", 0)
    assert resolver.master() == "host1:2222"
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["h:1"]}}))
    assert tf.distribute.MultiWorkerMirroredStrategy().num_replicas_in_sync == 1
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG is not valid JSON"):
        tf.distribute.cluster_resolver.TFConfigClusterResolver()


def test_launcher_detection(monkeypatch):
    for name in comm._LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("TAPEFLOW_DISTRIBUTED", raising=False)
    monkeypatch.delitem(sys.modules, "mpi4py.MPI", raising=False)
    assert not comm.started_by_mpi()
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "4")
    assert comm.started_by_mpi()
    monkeypatch.setenv("TAPEFLOW_DISTRIBUTED", "off")
    assert not comm.started_by_mpi()


def test_launched_without_mpi4py_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r"OMPI_COMM_WORLD_SIZE=2.*tapeflow\[distributed\]"):
        comm.MPICommunicator()


def test_communication_options_and_input_context():
    options = tf.distribute.experimental.CommunicationOptions(bytes_per_pack=100,
                                                              timeout_seconds=5)  # fmt: skip
    assert repr(options) == (
        "Options(bytes_per_pack=100,timeout_seconds=5, "
        "implementation=CommunicationImplementation.AUTO)"
    )
    with pytest.raises(ValueError, match="non-negative"):
        tf.distribute.experimental.CommunicationOptions(bytes_per_pack=-1)
    context = tf.distribute.InputContext(2, 1, 4)
    assert context.get_per_replica_batch_size(8) == 2
    with pytest.raises(ValueError, match="not divisible"):
        context.get_per_replica_batch_size(7)


def test_compute_average_loss_follows_the_context():
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    losses = tf.constant([1.0, 2.0, 3.0])
    with strategy.scope():
        with pytest.raises(RuntimeError, match="cross replica context"):
            tf.nn.compute_average_loss(losses)
        got = strategy.run(tf.nn.compute_average_loss, args=(losses,))
    assert float(got) == 2.0
    assert float(strategy.run(tf.nn.scale_regularization_loss, args=(losses,))) == 6.0


def test_one_replica_reduce_gather_and_datasets():
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    value = tf.constant([[1.0, 2.0], [3.0, 5.0]])
    assert strategy.reduce("SUM", value, axis=None) is value
    np.testing.assert_array_equal(strategy.reduce("MEAN", value, axis=0), [2.0, 3.5])
    np.testing.assert_array_equal(strategy.reduce("SUM", value, axis=0), [4.0, 7.0])
    assert strategy.gather(value, axis=0) is value
    assert strategy.experimental_local_results(value) == (value,)
    with pytest.raises(ValueError, match="ReduceOp"):
        strategy.reduce("MAX", value, axis=None)
    with pytest.raises(RuntimeError, match="cross-replica context"):
        strategy.run(lambda: strategy.reduce("SUM", value, axis=None))
    batches = [b.numpy().tolist() for b in strategy.experimental_distribute_dataset(
        tf.data.Dataset.range(5).batch(2))]  # fmt: skip
    assert batches == [[0, 1], [2, 3], [4]]


def test_dataset_pieces_and_their_checks():
    from tapeflow.distribute.input import local_share, piece_bounds

    assert [piece_bounds(7, 2, i) for i in range(2)] == [(0, 4), (4, 7)]
    assert [piece_bounds(2, 4, i) for i in range(4)] == [(0, 1), (1, 2), (2, 2), (2, 2)]
    dataset = tf.data.Dataset.range(7).batch(7)
    assert [b.numpy().tolist() for b in local_share(dataset, 2, 1)] == [[4, 5, 6]]
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    every = [b.numpy().tolist() for b in local_share(dataset.with_options(options), 2, 1)]
    assert every == [[0, 1, 2, 3], [4, 5, 6]]
    with pytest.raises(ValueError, match=r"must be a batch.*\.batch\(global_batch_size\)"):
        local_share(tf.data.Dataset.range(4), 2, 0)


# ---- training equals plain training ----------------------------------------------------------


def test_custom_loop_under_one_replica_strategy_equals_plain_training(rng):
    x, y = _data(rng)

    def train(strategy):
        with strategy.scope():
            model = _model()
            optimizer = tf.keras.optimizers.Adam(0.1)

        @tf.function
        def step(xb, yb):
            def replica_step(xb, yb):
                with tf.GradientTape() as tape:
                    per_example = tf.keras.losses.binary_crossentropy(yb, model(xb), True)
                    loss = tf.nn.compute_average_loss(per_example)
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
                return loss

            return strategy.reduce("SUM", strategy.run(replica_step, args=(xb, yb)), None)

        for _ in range(3):
            step(x, y)
        return [w.numpy() for w in model.weights]

    plain = train(tf.distribute.get_strategy())
    for strategy in (
        tf.distribute.MultiWorkerMirroredStrategy(),
        tf.distribute.MirroredStrategy(),
    ):
        for a, b in zip(train(strategy), plain):
            np.testing.assert_array_equal(a, b)


def test_fit_under_one_replica_strategy_equals_plain_fit(rng):
    x, y = _data(rng)

    def fit(strategy):
        with strategy.scope():
            model = _model()
            model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
        np.random.seed(0)
        history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
        return [w.numpy() for w in model.weights], history.history

    plain_weights, plain_history = fit(tf.distribute.get_strategy())
    weights, history = fit(tf.distribute.MultiWorkerMirroredStrategy())
    for a, b in zip(weights, plain_weights):
        np.testing.assert_array_equal(a, b)
    assert history == plain_history


# ---- the tape's ready hook and the overlapped reduction --------------------------------------


def test_tape_reports_each_gradient_when_it_is_final(rng):
    model = _model()
    x, _ = _data(rng)
    seen = []
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x) ** 2)
    tape._on_source_ready = lambda k, g: seen.append((k, g.numpy().copy()))
    variables = model.trainable_variables  # kernel0, bias0, kernel1, bias1
    grads = tape.gradient(loss, variables)
    order = [k for k, _ in seen]
    assert sorted(order) == [0, 1, 2, 3]
    assert order.index(2) < order.index(0) and order.index(3) < order.index(1)  # last layer first
    for k, g in seen:
        np.testing.assert_array_equal(g, grads[k].numpy())


def test_distributed_gradient_tape_one_rank_equals_the_tape_eager_and_traced(rng):
    hvd.init()
    model = _model()
    x, _ = _data(rng)

    def grads(distributed):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x) ** 2)
        if distributed:
            tape = hvd.DistributedGradientTape(tape, compression=hvd.Compression.none)
        return tape.gradient(loss, model.trainable_variables)

    plain = [g.numpy() for g in grads(False)]
    for got in (grads(True), tf.function(lambda: grads(True))(), tf.function(
            lambda: grads(True))()):  # fmt: skip
        for a, b in zip(got, plain):
            np.testing.assert_array_equal(a.numpy(), b)


def test_horovod_one_rank_basics_and_optimizer():
    hvd.init()
    assert (hvd.size(), hvd.rank(), hvd.local_rank(), hvd.local_size()) == (1, 0, 0, 1)
    assert hvd.is_initialized() and not hvd.mpi_enabled()
    x = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(hvd.allreduce(x), [1.0, 2.0])
    np.testing.assert_array_equal(hvd.allgather(x), [1.0, 2.0])
    assert hvd.broadcast_object({"a": 1}) == {"a": 1}
    with pytest.raises(NotImplementedError, match="Adasum"):
        hvd.allreduce(x, op=hvd.Adasum)
    w = tf.Variable([1.0, 1.0])
    optimizer = hvd.DistributedOptimizer(tf.keras.optimizers.SGD(0.5), backward_passes_per_step=2)
    assert isinstance(optimizer, tf.keras.optimizers.SGD)
    optimizer.apply_gradients([(tf.constant([1.0, 2.0]), w)])
    np.testing.assert_array_equal(w.numpy(), [1.0, 1.0])  # first pass: accumulated only
    optimizer.apply_gradients([(tf.constant([1.0, 2.0]), w)])
    np.testing.assert_array_equal(w.numpy(), [0.0, -1.0])  # the sum of two passes applied


def test_horovod_requires_init(monkeypatch):
    from tapeflow.horovod import basics

    monkeypatch.setitem(basics._state, "initialized", False)
    with pytest.raises(ValueError, match=r"hvd.init\(\)"):
        hvd.size()


def test_horovod_keras_callbacks_in_fit(rng):
    import tapeflow.horovod.keras as hvd_keras

    hvd_keras.init()
    x, y = _data(rng)
    model = _model()
    model.compile(hvd_keras.DistributedOptimizer(tf.keras.optimizers.SGD(0.1, momentum=0.9)),
                  "binary_crossentropy")  # fmt: skip
    callbacks = [
        hvd_keras.callbacks.BroadcastGlobalVariablesCallback(0),
        hvd_keras.callbacks.MetricAverageCallback(),
        hvd_keras.callbacks.LearningRateWarmupCallback(0.1, warmup_epochs=2, verbose=0),
    ]
    history = model.fit(x, y, batch_size=4, epochs=3, callbacks=callbacks, verbose=0)
    # One rank: the warm-up goes from 0.1 / 1 to 0.1, so the rate stays 0.1.
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.1, 0.1], rtol=1e-6)
    assert callbacks[0].broadcast_done


# ---- the fault machinery's pieces ------------------------------------------------------------


def test_watchdog_aborts_a_collective_past_its_timeout(capfd):
    import threading

    aborted = threading.Event()
    watchdog = faults.Watchdog(lambda code: aborted.set(), rank=3, size=4)
    watchdog.enter("#7 allreduce (float32, 8 bytes)", 0.2)
    assert aborted.wait(5.0)
    err = capfd.readouterr().err
    assert "rank 3 of 4: collective #7 allreduce (float32, 8 bytes) did not complete" in err
    assert "within 0.2 s" in err


def test_watchdog_stays_quiet_when_collectives_finish():
    import threading
    import time

    aborted = threading.Event()
    watchdog = faults.Watchdog(lambda code: aborted.set(), rank=0, size=2)
    for _ in range(5):
        watchdog.enter("quick", 0.3)
        watchdog.leave()
    time.sleep(0.6)
    assert not aborted.is_set()


def test_unhandled_exception_hook_aborts(monkeypatch, capfd):
    codes = []
    monkeypatch.setattr(sys, "excepthook", lambda *a: None)
    monkeypatch.setitem(faults._installed, "hook", None)
    faults.install_excepthook(codes.append, rank=1, size=2)
    try:
        raise KeyError("lost")
    except KeyError:
        sys.excepthook(*sys.exc_info())
    assert codes == [1]
    assert "rank 1 of 2 raised an unhandled KeyError; aborting the job" in capfd.readouterr().err


def test_collective_timeout_from_the_environment(monkeypatch):
    monkeypatch.delenv("TAPEFLOW_COLLECTIVE_TIMEOUT", raising=False)
    assert faults.default_timeout() == 600.0
    monkeypatch.setenv("TAPEFLOW_COLLECTIVE_TIMEOUT", "0")
    assert faults.default_timeout() is None
    monkeypatch.setenv("TAPEFLOW_COLLECTIVE_TIMEOUT", "12.5")
    assert faults.default_timeout() == 12.5
    monkeypatch.setenv("TAPEFLOW_COLLECTIVE_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="TAPEFLOW_COLLECTIVE_TIMEOUT"):
        faults.default_timeout()


def test_saving_is_left_to_the_chief(tmp_path, monkeypatch):
    class NotChief:
        def _is_chief_writer(self):
            return False

    model = _model()
    monkeypatch.setattr(distribution, "_process_strategy", NotChief())
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    tf.train.Checkpoint(model=model).save(str(tmp_path / "ckpt"))
    assert list(tmp_path.iterdir()) == []

"""A killed-and-resumed Keras training run ends with the same weights as an uninterrupted one."""

import numpy as np

import tapeflow as tf

keras = tf.keras


def _data():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((96, 5)).astype("float32")
    y = (x @ rng.standard_normal((5, 1)) > 0).astype("float32")
    return x, y


def _model(seed):
    tf.random.set_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(5,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    return model


def test_fit_resumed_from_a_checkpoint_matches_an_uninterrupted_run(tmp_path):
    x, y = _data()
    straight = _model(seed=1)
    straight.fit(x, y, epochs=6, batch_size=16, shuffle=False, verbose=0)

    first = _model(seed=1)
    manager = tf.train.CheckpointManager(
        tf.train.Checkpoint(model=first, optimizer=first.optimizer), str(tmp_path), max_to_keep=2
    )
    first.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    manager.save()
    del first, manager  # the "kill": nothing of the first process survives but the files

    resumed = _model(seed=99)  # different initial weights: everything must come from the file
    resumed(x[:1])  # built, and the optimizer slots are restored lazily on the first update
    checkpoint = tf.train.Checkpoint(model=resumed, optimizer=resumed.optimizer)
    checkpoint.restore(tf.train.latest_checkpoint(str(tmp_path)))
    resumed.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)

    assert int(resumed.optimizer.iterations.numpy()) == int(straight.optimizer.iterations.numpy())
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_custom_loop_resumed_from_a_checkpoint_matches(tmp_path):
    x, y = _data()
    loss_fn = keras.losses.BinaryCrossentropy()

    def run(model, optimizer, steps):
        for i in range(steps):
            xb, yb = x[(i % 6) * 16 : (i % 6 + 1) * 16], y[(i % 6) * 16 : (i % 6 + 1) * 16]
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))

    straight = _model(seed=3)
    run(straight, straight.optimizer, 12)

    first = _model(seed=3)
    run(first, first.optimizer, 6)
    path = tf.train.Checkpoint(model=first, optimizer=first.optimizer).save(str(tmp_path / "ckpt"))

    resumed = _model(seed=42)
    status = tf.train.Checkpoint(model=resumed, optimizer=resumed.optimizer).restore(path)
    run(resumed, resumed.optimizer, 6)  # model built and slots created on the way: deferred
    status.assert_consumed()
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)

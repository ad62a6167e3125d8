"""tf.summary: event files written through TensorBoard's writer and read back with
TensorBoard's own EventAccumulator (tags, steps, values), eagerly and inside tf.function."""

import numpy as np
import pytest

import tapeflow as tf

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)
from tensorboard.util import tensor_util  # noqa: E402


def _read(logdir):
    accumulator = EventAccumulator(str(logdir), size_guidance={"tensors": 0})
    accumulator.Reload()
    return accumulator


def _values(accumulator, tag):
    return [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in accumulator.Tensors(tag)]


def test_scalars_histograms_text_and_images_read_back(tmp_path, rng):
    writer = tf.summary.create_file_writer(str(tmp_path))
    weights = rng.normal(size=(50,))
    images = rng.random((2, 4, 5, 3)).astype(np.float32)
    with writer.as_default():
        for step in range(3):
            assert bool(tf.summary.scalar("loss", 1.0 / (step + 1), step=step))
        tf.summary.histogram("weights", weights, step=7, buckets=5)
        tf.summary.text("note", "hello *world*", step=2)
        tf.summary.image("pictures", images, step=4, max_outputs=1)
    writer.close()
    events = _read(tmp_path)
    assert sorted(events.Tags()["tensors"]) == ["loss", "note", "pictures", "weights"]
    assert [(s, float(v)) for s, v in _values(events, "loss")] == [
        (0, 1.0),
        (1, pytest.approx(0.5)),
        (2, pytest.approx(1 / 3)),
    ]
    [(step, buckets)] = _values(events, "weights")
    assert step == 7 and buckets.shape == (5, 3)
    assert buckets[:, 2].sum() == 50
    assert buckets[0, 0] == pytest.approx(weights.min()) and buckets[-1, 1] == pytest.approx(
        weights.max()
    )
    [(step, note)] = _values(events, "note")
    assert step == 2 and note == b"hello *world*"
    [(step, encoded)] = _values(events, "pictures")
    assert step == 4 and list(encoded[:2]) == [b"5", b"4"] and len(encoded) == 3
    assert encoded[2].startswith(b"\x89PNG")
    metadata = events.SummaryMetadata("pictures").plugin_data.plugin_name
    assert metadata == "images"
    assert events.SummaryMetadata("weights").plugin_data.plugin_name == "histograms"


def test_png_pixels_follow_tf_convert_image_dtype(tmp_path):
    import io

    from PIL import Image

    pixel = np.array([0.0, 0.5, 1.0, 0.999], np.float32).reshape(1, 1, 4, 1)
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        tf.summary.image("p", pixel, step=0)
    writer.close()
    [(_, encoded)] = _values(_read(tmp_path), "p")
    decoded = np.asarray(Image.open(io.BytesIO(encoded[2])))
    assert decoded.ravel().tolist() == [0, 127, 255, 255]  # floor(x * 255.5)


def test_default_step_writer_step_and_errors(tmp_path):
    assert not bool(tf.summary.scalar("x", 1.0, step=0))  # no default writer: not written
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)
        tf.summary.experimental.set_step(5)
        assert tf.summary.experimental.get_step() == 5
        tf.summary.scalar("x", 1.0)
    tf.summary.experimental.set_step(None)
    with writer.as_default(step=9):
        tf.summary.scalar("x", 2.0)
    assert tf.summary.experimental.get_step() is None
    tf.summary.flush(writer)
    assert [s for s, _ in _values(_read(tmp_path), "x")] == [5, 9]
    writer.close()
    with pytest.raises(RuntimeError, match="closed"), writer.as_default():
        tf.summary.scalar("x", 3.0, step=1)


def test_record_if_and_noop_writer(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        for step in range(6):
            with tf.summary.record_if(lambda step=step: step % 2 == 0):
                tf.summary.scalar("even", float(step), step=step)
        with tf.summary.record_if(False):
            assert not bool(tf.summary.should_record_summaries())
            assert not bool(tf.summary.scalar("never", 1.0, step=0))
        assert bool(tf.summary.should_record_summaries())
    writer.close()
    assert [s for s, _ in _values(_read(tmp_path), "even")] == [0, 2, 4]
    with tf.summary.create_noop_writer().as_default():
        assert not bool(tf.summary.scalar("x", 1.0, step=0))


def test_inside_tf_function_summaries_run_on_every_call(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def train(x):
        with writer.as_default(step=step):
            tf.summary.scalar("doubled", x * 2.0)
            tf.summary.histogram("values", tf.fill([3], x))
        step.assign_add(1)
        return x

    for i in range(4):
        train(tf.constant(float(i)))
    assert train.experimental_get_tracing_count() == 1  # one trace, replayed 3 times
    writer.close()
    events = _read(tmp_path)
    assert [(s, float(v)) for s, v in _values(events, "doubled")] == [
        (0, 0.0),
        (1, 2.0),
        (2, 4.0),
        (3, 6.0),
    ]
    assert [s for s, _ in _values(events, "values")] == [0, 1, 2, 3]


def test_trace_export_writes_the_traced_graph(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))

    @tf.function
    def affine(x, w):
        return tf.matmul(x, w) + 1.0

    tf.summary.trace_on(graph=True)
    affine(tf.ones((2, 3)), tf.ones((3, 4)))
    with writer.as_default():
        tf.summary.trace_export(name="affine_trace", step=0)
    writer.close()
    graph = _read(tmp_path).Graph()
    ops = [node.op for node in graph.node]
    assert "MatMul" in ops and "AddV2" in ops and ops.count("Placeholder") == 2
    matmul = next(n for n in graph.node if n.op == "MatMul")
    assert all(i.split("/")[-1].startswith("input_") for i in matmul.input)

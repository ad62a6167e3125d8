"""Datasets print with the class names TensorFlow 2.21 prints (`<_BatchDataset
element_spec=...>`): the names below are what TF's repr gave for the same pipelines."""

import pytest

import tapeflow as tf


def _pipelines(tmp_path):
    d = tf.data.Dataset.range(6)
    text = tmp_path / "a.txt"
    text.write_text("x\ny\n")
    (tmp_path / "a.csv").write_text("1,2\n3,4\n")
    record = str(tmp_path / "a.rec")
    with tf.io.TFRecordWriter(record) as writer:
        writer.write(b"abc")
    single = tf.data.Dataset.from_tensors
    spec = tf.TensorSpec((), tf.int32)
    return {
        "_TensorSliceDataset": tf.data.Dataset.from_tensor_slices([1, 2]),
        "_TensorDataset": single([1, 2]),
        "_RangeDataset": d,
        "_FlatMapDataset": tf.data.Dataset.from_generator(
            lambda: iter([1]), output_signature=spec
        ),
        "_ZipDataset": d.enumerate(),
        "_ConcatenateDataset": d.concatenate(d),
        "_ShuffleDataset": tf.data.Dataset.list_files(str(tmp_path / "*.txt")),
        "CacheDataset": d.cache(),
        "_PrefetchDataset": d.prefetch(1),
        "_BatchDataset": d.ragged_batch(2),
        "_ParallelBatchDataset": d.batch(2, num_parallel_calls=2),
        "_UnbatchDataset": d.batch(2).unbatch(),
        "_RebatchDataset": d.batch(2).rebatch(3),
        "_PaddedBatchDataset": d.padded_batch(2),
        "_WindowDataset": d.window(2),
        "_MapDataset": d.map(lambda x: x),
        "_ParallelMapDataset": d.map(lambda x: x, num_parallel_calls=1),
        "_FilterDataset": d.filter(lambda x: x > 1),
        "_TakeWhileDataset": d.take_while(lambda x: x < 3),
        "_InterleaveDataset": d.interleave(single),
        "_ParallelInterleaveDataset": d.interleave(single, num_parallel_calls=2),
        "_ScanDataset": tf.data.Dataset.counter(),
        "_UniqueDataset": d.unique(),
        "_TakeDataset": d.take(2),
        "_SkipDataset": d.skip(2),
        "_ShardDataset": d.shard(2, 0),
        "_RepeatDataset": d.repeat(2),
        "TextLineDatasetV2": tf.data.TextLineDataset(str(text)),
        "TFRecordDatasetV2": tf.data.TFRecordDataset(record),
        "FixedLengthRecordDatasetV2": tf.data.FixedLengthRecordDataset(str(text), 1),
        "CsvDatasetV2": tf.data.experimental.CsvDataset(
            str(tmp_path / "a.csv"), [tf.int32, tf.int32]
        ),
        "_DirectedInterleaveDataset": tf.data.Dataset.sample_from_datasets([d, d], seed=1),
        "_AssertCardinalityDataset": d.apply(tf.data.experimental.assert_cardinality(6)),
        "_OptionsDataset": d.with_options(tf.data.Options()),
    }


def test_datasets_print_tensorflows_class_names(tmp_path):
    for name, dataset in _pipelines(tmp_path).items():
        assert repr(dataset).startswith(f"<{name} element_spec="), (name, repr(dataset))
    unshuffled = tf.data.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
    assert repr(unshuffled) == (
        "<_TensorSliceDataset element_spec=TensorSpec(shape=(), dtype=tf.string, name=None)>"
    )


@pytest.mark.parametrize("n", [1, 3])
def test_a_batched_range_prints_as_tf(n):
    assert repr(tf.data.Dataset.range(5).batch(n)) == (
        "<_BatchDataset element_spec=TensorSpec(shape=(None,), dtype=tf.int64, name=None)>"
    )

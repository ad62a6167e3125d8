"""TFRecord files against TensorFlow 2.21 (tests/golden/make_tfrecord.py -> tfrecord.json):
the bytes TF writes, reading TF's plain, GZIP and ZLIB files, TF's errors for damaged files,
and FixedLengthRecordDataset."""

import base64
import gzip
import json
import os
import zlib
from pathlib import Path

import numpy as np
import pytest

import tapeflow as tf

pytest.importorskip("google_crc32c", reason="TFRecord files need the tfrecord extra")

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "tfrecord.json").read_text())
RECORDS = [base64.b64decode(r) for r in GOLDEN["records"]]
EXAMPLE = base64.b64decode(GOLDEN["example"])
FILES = {k: base64.b64decode(v) for k, v in GOLDEN["files"].items()}
KINDS = {"NONE": None, "GZIP": "GZIP", "ZLIB": "ZLIB"}


def _read(path, **kwargs):
    return [t.numpy() for t in tf.data.TFRecordDataset(path, **kwargs)]


def _write(path, records, options=None):
    with tf.io.TFRecordWriter(str(path), options) as writer:
        for r in records:
            writer.write(r)


def _tf_message(name):
    """TF's error text without its op-location wrapping."""
    kind, text = GOLDEN["errors"][name]
    text = text.split("}} ", 1)[-1].split(" [Op:", 1)[0]
    return kind, text.split("' failed with", 1)[0]


def test_written_bytes_are_tensorflows(tmp_path):
    path = tmp_path / "r.tfrecord"
    _write(path, RECORDS + [EXAMPLE])
    assert path.read_bytes() == FILES["NONE"]


@pytest.mark.parametrize("kind", ["GZIP", "ZLIB"])
def test_compressed_files_hold_tensorflows_records(tmp_path, kind):
    path = tmp_path / "r.tfrecord"
    _write(path, RECORDS + [EXAMPLE], tf.io.TFRecordOptions(compression_type=kind))
    unpack = gzip.decompress if kind == "GZIP" else zlib.decompress
    assert unpack(path.read_bytes()) == unpack(FILES[kind]) == FILES["NONE"]
    assert path.read_bytes()[:2] == FILES[kind][:2]  # the same container (gzip / zlib header)
    # The options may also be the compression's name, as TF allows.
    _write(tmp_path / "s.tfrecord", [b"x"], kind)
    assert _read(tmp_path / "s.tfrecord", compression_type=kind) == [b"x"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_reads_tensorflows_files(tmp_path, kind):
    path = tmp_path / "tf.tfrecord"
    path.write_bytes(FILES[kind])
    dataset = tf.data.TFRecordDataset(str(path), compression_type=KINDS[kind])
    assert dataset.element_spec == tf.TensorSpec((), tf.string)
    assert int(dataset.cardinality()) == -2  # unknown, as TF
    assert [t.numpy() for t in dataset] == RECORDS + [EXAMPLE]


def test_records_parse_as_examples_in_a_pipeline(tmp_path):
    path = tmp_path / "examples.tfrecord"
    _write(path, [EXAMPLE, EXAMPLE])
    spec = {
        "label": tf.io.FixedLenFeature([], tf.int64),
        "pixels": tf.io.FixedLenFeature([2], tf.float32),
    }
    dataset = tf.data.TFRecordDataset(str(path)).map(lambda r: tf.io.parse_single_example(r, spec))
    rows = list(dataset.batch(2))
    assert len(rows) == 1
    np.testing.assert_array_equal(rows[0]["label"].numpy(), [7, 7])
    np.testing.assert_array_equal(rows[0]["pixels"].numpy(), [[0.5, 1.5], [0.5, 1.5]])


def test_several_files_in_turn_and_from_a_dataset(tmp_path):
    a, b = tmp_path / "a.tfrecord", tmp_path / "b.tfrecord"
    _write(a, [b"a1", b"a2", b"a3"])
    _write(b, [b"b1"])
    assert _read([str(a), str(b)]) == [b"a1", b"a2", b"a3", b"b1"]
    assert _read([str(a), str(b)], num_parallel_reads=2) == [b"a1", b"b1", b"a2", b"a3"]
    names = tf.data.Dataset.from_tensor_slices([str(b), str(a)])
    assert _read(names) == [b"b1", b"a1", b"a2", b"a3"]


@pytest.mark.parametrize(
    "name, damage",
    [
        ("data_byte_flipped", lambda d: d[:14] + b"X" + d[15:]),
        ("length_crc_flipped", lambda d: d[:9] + b"\x00" + d[10:]),
        ("last_record_cut", lambda d: d[:-3]),
    ],
)
def test_damaged_files_raise_tensorflows_errors(tmp_path, name, damage):
    path = tmp_path / "damaged.tfrecord"
    path.write_bytes(damage(FILES["NONE"]))
    kind, text = _tf_message(name)
    with pytest.raises(getattr(tf.errors, kind)) as caught:
        _read(str(path))
    assert str(caught.value) == f"{path}: {text}"


def test_a_partial_header_is_an_error_not_the_end(tmp_path):
    # TF ends the dataset quietly when fewer than 12 bytes remain; tapeflow says the file is
    # cut rather than dropping what may be a lost record.
    path = tmp_path / "cut.tfrecord"
    path.write_bytes(FILES["NONE"][:5])
    with pytest.raises(tf.errors.DataLossError, match="truncated record at 0"):
        _read(str(path))


def test_missing_file_and_bad_compression(tmp_path):
    kind, text = _tf_message("missing_file")
    missing = tmp_path / "missing.tfrecord"
    with pytest.raises(getattr(tf.errors, kind), match="No such file or directory"):
        _read(str(missing))
    assert text.endswith("missing.tfrecord; No such file or directory")
    with pytest.raises(tf.errors.InvalidArgumentError, match="compression_type"):
        tf.data.TFRecordDataset(str(missing), compression_type="BZ2")
    path = tmp_path / "plain.tfrecord"
    path.write_bytes(FILES["NONE"])
    with pytest.raises(tf.errors.DataLossError, match="cannot read it as GZIP"):
        _read(str(path), compression_type="GZIP")


def test_writer_refuses_non_strings_and_writes_nothing_on_error(tmp_path):
    path = tmp_path / "w.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        with pytest.raises(TypeError, match="expected bytes or str, got .*Tensor"):
            writer.write(tf.constant(b"tensor"))
        with pytest.raises(TypeError, match="got int"):
            writer.write(3)
        writer.write(b"kept")
    assert _read(str(path)) == [b"kept"]
    failed = tmp_path / "failed.tfrecord"
    with pytest.raises(ValueError, match="boom"):
        with tf.io.TFRecordWriter(str(failed)) as writer:
            writer.write(b"half")
            raise ValueError("boom")
    assert sorted(os.listdir(tmp_path)) == ["w.tfrecord"]  # no file, no temporary


def test_close_flush_and_a_writer_left_open(tmp_path):
    path = tmp_path / "c.tfrecord"
    writer = tf.io.TFRecordWriter(str(path))
    writer.write(b"one")
    writer.flush()
    assert not path.exists()  # the file appears whole, at close
    writer.close()
    writer.close()
    assert _read(str(path)) == [b"one"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="closed"):
        writer.write(b"two")
    other = tmp_path / "d.tfrecord"
    writer = tf.io.TFRecordWriter(str(other))
    writer.write(b"freed")
    del writer  # closed when freed, as TF's writer is
    assert _read(str(other)) == [b"freed"]


def test_options_and_dataset_writer(tmp_path):
    get = tf.io.TFRecordOptions.get_compression_type_string
    assert (get(None), get("ZLIB"), get(tf.io.TFRecordOptions("GZIP"))) == ("", "ZLIB", "GZIP")
    path = tmp_path / "ds.tfrecord"
    records = tf.data.Dataset.from_tensor_slices([b"p", b"q"])
    tf.data.experimental.TFRecordWriter(str(path), "GZIP").write(records)
    assert _read(str(path), compression_type="GZIP") == [b"p", b"q"]
    with pytest.raises(TypeError, match="scalar strings"):
        tf.data.experimental.TFRecordWriter(str(path)).write(tf.data.Dataset.range(3))


def test_fixed_length_records(tmp_path):
    path = tmp_path / "fixed.bin"
    path.write_bytes(b"HH" + b"abcdefgh" + b"F")
    dataset = tf.data.FixedLengthRecordDataset(str(path), 4, header_bytes=2, footer_bytes=1)
    assert [t.numpy().decode() for t in dataset] == GOLDEN["fixed_records"]
    path.write_bytes(b"HH" + b"abcdefg" + b"F")
    kind, text = _tf_message("fixed_partial_body")
    expected = text.replace(text.split('"')[1], str(path))
    with pytest.raises(getattr(tf.errors, kind)) as caught:
        list(tf.data.FixedLengthRecordDataset(str(path), 4, 2, 1))
    assert str(caught.value) == expected
    with pytest.raises(tf.errors.InvalidArgumentError, match="record_bytes must be > 0"):
        tf.data.FixedLengthRecordDataset(str(path), 0)


def test_a_huge_length_field_is_a_truncated_record_not_an_allocation(tmp_path):
    # A hostile header: a checksummed length of 1 TiB. Reading streams in chunks, so it
    # ends as a truncated record instead of a terabyte allocation.
    import struct

    import google_crc32c

    from tapeflow.data.tfrecord import _masked_crc

    length = struct.pack("<Q", 1 << 40)
    header = length + struct.pack("<I", _masked_crc(google_crc32c.value, length))
    path = tmp_path / "huge.tfrecord"
    path.write_bytes(FILES["NONE"] + header + b"only a few bytes")
    with pytest.raises(tf.errors.DataLossError, match=f"truncated record at {len(FILES['NONE'])}"):
        _read(str(path))

"""tf.data's file sources beyond the golden cases: compression, errors naming the file and
line, epochs and batching of make_csv_dataset, strings through the file cache."""

import gzip
import zlib

import numpy as np
import pytest

import tapeflow as tf


def _write(path, text):
    path.write_text(text, newline="")
    return str(path)


def test_text_lines_of_zlib_and_gzip_files_equal_the_plain_ones(tmp_path):
    text = "first\nsecond\r\n\nlast"
    plain = _write(tmp_path / "a.txt", text)
    (tmp_path / "a.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "a.z").write_bytes(zlib.compress(text.encode()))
    expected = [b"first", b"second", b"", b"last"]
    assert list(tf.data.TextLineDataset(plain).as_numpy_iterator()) == expected
    gz = tf.data.TextLineDataset(str(tmp_path / "a.gz"), compression_type="GZIP")
    assert list(gz.as_numpy_iterator()) == expected
    z = tf.data.TextLineDataset(str(tmp_path / "a.z"), compression_type="ZLIB")
    assert list(z.as_numpy_iterator()) == expected


def test_file_names_may_be_paths(tmp_path):
    # TF converts os.PathLike file names (pathlib.Path) like strings.
    path = tmp_path / "p.txt"
    _write(path, "a\nb\n")
    assert list(tf.data.TextLineDataset(path).as_numpy_iterator()) == [b"a", b"b"]
    both = tf.data.TextLineDataset([path, str(path)])
    assert list(both.as_numpy_iterator()) == [b"a", b"b", b"a", b"b"]


def test_text_lines_errors(tmp_path):
    with pytest.raises(tf.errors.NotFoundError, match="missing.txt"):
        list(tf.data.TextLineDataset(str(tmp_path / "missing.txt")))
    with pytest.raises(tf.errors.InvalidArgumentError, match="compression_type"):
        tf.data.TextLineDataset("x", compression_type="BZ2")
    not_gzip = _write(tmp_path / "plain.txt", "hello\n")
    with pytest.raises(tf.errors.InvalidArgumentError, match="GZIP"):
        list(tf.data.TextLineDataset(not_gzip, compression_type="GZIP"))


def test_csv_errors_name_the_file_and_line(tmp_path):
    path = _write(tmp_path / "bad.csv", "a,b\n1,2\n3,x\n")
    ds = tf.data.experimental.CsvDataset(path, [tf.int32, tf.int32], header=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"bad.csv line 3: Field 1 in record"):
        list(ds)


def test_csv_records_decode_in_chunks_past_the_chunk_size(tmp_path):
    rows = [f"{i},{i * 0.5},w{i % 7}" for i in range(2500)]
    path = _write(tmp_path / "big.csv", "\n".join(rows) + "\n")
    ds = tf.data.experimental.CsvDataset(path, [[0], [0.0], [""]])
    got = list(ds.as_numpy_iterator())
    assert len(got) == 2500
    assert got[2049] == (np.int32(2049), np.float32(1024.5), b"w5")


def test_make_csv_dataset_repeats_forever_by_default_and_drops_the_partial_batch(tmp_path):
    path = _write(tmp_path / "xy.csv", "x,y\n1,a\n2,b\n3,c\n")
    ds = tf.data.experimental.make_csv_dataset(path, batch_size=2, label_name="y", shuffle=False)
    assert int(ds.cardinality()) == tf.data.INFINITE_CARDINALITY
    batches = list(ds.take(3).as_numpy_iterator())
    assert [b[0]["x"].tolist() for b in batches] == [[1, 2], [3, 1], [2, 3]]
    assert batches[0][1].tolist() == [b"a", b"b"]
    assert list(batches[0][0]) == ["x"]


def test_make_csv_dataset_errors(tmp_path):
    path = _write(tmp_path / "xy.csv", "x,y\n1,2\n")
    with pytest.raises(ValueError, match="label_name"):
        tf.data.experimental.make_csv_dataset(path, 1, label_name="z")
    with pytest.raises(ValueError, match="select_columns"):
        tf.data.experimental.make_csv_dataset(path, 1, select_columns=["nope"])
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched"):
        tf.data.experimental.make_csv_dataset(str(tmp_path / "*.tsv"), 1)


def test_list_files_shuffles_reproducibly_with_a_seed(tmp_path):
    for i in range(6):
        _write(tmp_path / f"f{i}.txt", "")
    pattern = str(tmp_path / "*.txt")
    first = list(tf.data.Dataset.list_files(pattern, seed=3).as_numpy_iterator())
    again = list(tf.data.Dataset.list_files(pattern, seed=3).as_numpy_iterator())
    assert first == again and sorted(first) == [
        str(tmp_path / f"f{i}.txt").encode() for i in range(6)
    ]
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched"):
        tf.data.Dataset.list_files(str(tmp_path / "*.csv"))


def test_strings_round_trip_through_the_cache_file(tmp_path):
    values = ["", "a", "é", "x" * 1000, "\x00bin"]
    ds = tf.data.Dataset.from_tensor_slices({"s": values, "n": np.arange(5)}).batch(2)
    cached = ds.cache(str(tmp_path / "c"))
    first = list(cached.as_numpy_iterator())
    assert (tmp_path / "c.tfcache").exists()
    again = list(ds.cache(str(tmp_path / "c")).as_numpy_iterator())  # read from the file
    for a, b in zip(first, again):
        assert a["s"].tolist() == b["s"].tolist() and a["n"].tolist() == b["n"].tolist()
    assert [s for b in again for s in b["s"].tolist()] == [v.encode() for v in values]

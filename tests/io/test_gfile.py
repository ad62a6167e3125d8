"""tf.io.gfile, tf.io.read_file and tf.io.write_file on the local file system."""

import os

import pytest

import tapeflow as tf


def test_gfile_basics(tmp_path):
    d = str(tmp_path / "a" / "b")
    tf.io.gfile.makedirs(d)
    tf.io.gfile.makedirs(d)  # exists: no error
    assert tf.io.gfile.isdir(d) and tf.io.gfile.exists(d)
    path = os.path.join(d, "f.txt")
    with tf.io.gfile.GFile(path, "w") as f:
        f.write("one\ntwo\n")
    with tf.io.gfile.GFile(path) as f:
        assert f.read() == "one\ntwo\n"
    with tf.io.gfile.GFile(path, "rb") as f:
        assert f.readlines() == [b"one\n", b"two\n"]
    assert [line for line in tf.io.gfile.GFile(path)] == ["one\n", "two\n"]
    assert tf.io.gfile.GFile(path).size() == 8
    assert tf.io.gfile.glob(os.path.join(d, "*.txt")) == [path]
    assert tf.io.gfile.listdir(d) == ["f.txt"]
    walked = list(tf.io.gfile.walk(str(tmp_path)))
    assert walked[0] == (str(tmp_path), ["a"], [])
    other = os.path.join(d, "g.txt")
    tf.io.gfile.copy(path, other)
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.io.gfile.rename(path, other)
    tf.io.gfile.rename(path, other, overwrite=True)
    assert not tf.io.gfile.exists(path)
    tf.io.gfile.remove(other)
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.gfile.remove(other)
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.gfile.listdir(str(tmp_path / "nope"))
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.gfile.GFile(str(tmp_path / "nope.txt"))
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.io.gfile.mkdir(d)
    with pytest.raises(tf.errors.UnimplementedError, match="gs"):
        tf.io.gfile.exists("gs://bucket/x")


def test_write_file_is_atomic_and_creates_directories(tmp_path, monkeypatch):
    path = str(tmp_path / "new" / "out.bin")
    tf.io.write_file(path, b"\x00\xffdata")
    assert tf.io.read_file(path).numpy() == b"\x00\xffdata"

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        tf.io.write_file(path, "replacement")
    assert tf.io.read_file(path).numpy() == b"\x00\xffdata"  # the old file is intact
    assert os.listdir(tmp_path / "new") == ["out.bin"]  # no temporary left behind


def test_read_file_inside_tf_function_reads_on_every_call(tmp_path):
    path = str(tmp_path / "f.txt")
    read = tf.function(lambda: tf.io.read_file(path))
    tf.io.write_file(path, "one")
    assert read().numpy() == b"one"
    tf.io.write_file(path, "two")
    assert read().numpy() == b"two"


def test_the_internal_file_format_is_still_importable_from_tf_io():
    from tapeflow.io import read_tensors, write_tensors  # noqa: F401

    assert tf.io.gfile.exists is not None and tf.io.decode_csv is not None

"""The safe tensor file: round trips, atomic writes, and clear refusals of bad files."""

import hashlib
import json
import os
import pickle
import struct

import numpy as np
import pytest

from tapeflow.core.errors import DataLossError, NotFoundError
from tapeflow.io import atomic, safe_format
from tapeflow.io.safe_format import atomic_write, read_tensors, write_tensors

DTYPES = [
    "float16",
    "float32",
    "float64",
    "int8",
    "int32",
    "int64",
    "uint8",
    "uint64",
    "bool",
    "complex64",
    "complex128",
]


def _sample(rng, dtype, shape):
    values = rng.normal(size=shape) * 10
    if np.dtype(dtype).kind == "c":
        values = values + 1j * rng.normal(size=shape)
    return values.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_keeps_values_dtypes_and_shapes(tmp_path, rng, dtype):
    tensors = {
        "scalar": _sample(rng, dtype, ()),
        "matrix": _sample(rng, dtype, (3, 5)),
        "empty": _sample(rng, dtype, (0, 4)),
        "cube/with/slashes": _sample(rng, dtype, (2, 3, 4)),
    }
    path = tmp_path / "t.bin"
    write_tensors(path, tensors, {"step": 7, "names": ["a", "b"]})
    loaded, metadata = read_tensors(path)
    assert metadata == {"step": 7, "names": ["a", "b"]}
    assert list(loaded) == list(tensors)
    for name, value in tensors.items():
        assert loaded[name].dtype == value.dtype and loaded[name].shape == value.shape
        np.testing.assert_array_equal(loaded[name], value)
        assert loaded[name].flags.writeable


def test_big_endian_and_strided_inputs_are_stored_little_endian_and_contiguous(tmp_path):
    a = np.arange(12, dtype=">f8").reshape(3, 4)
    path = tmp_path / "t.bin"
    write_tensors(path, {"be": a, "strided": a[:, ::2].T})
    loaded, _ = read_tensors(path)
    assert loaded["be"].dtype == np.dtype("<f8")
    np.testing.assert_array_equal(loaded["be"], a)
    np.testing.assert_array_equal(loaded["strided"], a[:, ::2].T)


@pytest.mark.parametrize(
    "value",
    [
        np.array(["a", "b"]),
        np.zeros(2, dtype=[("x", "f4")]),
        np.array([b"ab"]),
    ],
)
def test_object_string_and_structured_arrays_are_refused_on_write(tmp_path, value):
    path = tmp_path / "t.bin"
    with pytest.raises(TypeError, match="only bool, integer, float and complex"):
        write_tensors(path, {"bad": value})
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize(
    "value", [np.array([{"x": 1}], dtype=object), np.array([b"a", "b"], dtype=object)]
)
def test_object_arrays_other_than_bytes_are_refused_on_write(tmp_path, value):
    with pytest.raises(TypeError, match="does not hold only bytes"):
        write_tensors(tmp_path / "t.bin", {"bad": value})
    assert not os.listdir(tmp_path)


def test_bad_names_and_metadata_are_refused(tmp_path):
    with pytest.raises(TypeError, match="names must be str"):
        write_tensors(tmp_path / "t.bin", {3: np.zeros(2)})
    with pytest.raises(TypeError, match="JSON"):
        write_tensors(tmp_path / "t.bin", {"a": np.zeros(2)}, {"f": object()})
    assert not os.listdir(tmp_path)


def test_file_permissions_follow_the_umask(tmp_path):
    path = tmp_path / "t.bin"
    write_tensors(path, {"a": np.zeros(2)})
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(NotFoundError, match="no such file"):
        read_tensors(tmp_path / "nothing.bin")


# ---- damaged files --------------------------------------------------------------------------


@pytest.fixture
def good_file(tmp_path, rng):
    path = tmp_path / "good.bin"
    write_tensors(path, {"w": rng.normal(size=(4, 8)), "b": rng.normal(size=8)}, {"k": "v"})
    return path


@pytest.mark.parametrize("keep", [0, 5, 20, 40, 300, -41, -1])
def test_truncated_file_is_data_loss_naming_the_file(good_file, keep):
    data = good_file.read_bytes()
    good_file.write_bytes(data[:keep] if keep >= 0 else data[:keep])
    with pytest.raises(DataLossError, match="truncated") as info:
        read_tensors(good_file)
    assert str(good_file) in str(info.value)


def test_extra_bytes_are_data_loss(good_file):
    good_file.write_bytes(good_file.read_bytes() + b"\0")
    with pytest.raises(DataLossError, match="unexpected bytes"):
        read_tensors(good_file)


@pytest.mark.parametrize("where", ["payload", "header", "trailer"])
def test_corrupted_byte_is_data_loss(good_file, where):
    data = bytearray(good_file.read_bytes())
    header_len = struct.unpack_from("<Q", data, 16)[0]
    index = {"payload": len(data) - 100, "header": 24 + header_len // 2, "trailer": -1}[where]
    data[index] ^= 0x01
    good_file.write_bytes(bytes(data))
    with pytest.raises(DataLossError) as info:
        read_tensors(good_file)
    assert str(good_file) in str(info.value)
    assert "checksum" in str(info.value) or "header" in str(info.value)


def test_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.bin"
    path.write_bytes(pickle.dumps({"w": Exploit()}))
    with pytest.raises(DataLossError, match="pickle"):
        read_tensors(path)
    assert not marker.exists()


def test_npz_with_object_array_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, w=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataLossError, match="zip"):
        read_tensors(path)


def _forge(path, header: dict, payload: bytes, version=safe_format.FORMAT_VERSION):
    """A file with a valid checksum around an arbitrary header: only validation can stop it."""
    head = json.dumps(header).encode()
    body = struct.pack("<8sIIQ", safe_format.MAGIC, version, 0, len(head)) + head
    body += bytes(-len(body) % 64) + payload
    path.write_bytes(body + b"SHA256\0\0" + hashlib.sha256(body).digest())


def _header(entry, payload_nbytes=16):
    return {
        "format": "tapeflow.tensors",
        "version": 1,
        "metadata": {},
        "payload_nbytes": payload_nbytes,
        "tensors": {"x": entry},
    }


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"dtype": "|O", "shape": [2], "offset": 0, "nbytes": 16}, "not allowed"),
        ({"dtype": "<U2", "shape": [2], "offset": 0, "nbytes": 16}, "not allowed"),
        ({"dtype": ">f8", "shape": [2], "offset": 0, "nbytes": 16}, "not allowed"),
        ({"dtype": "<f8", "shape": [4], "offset": 0, "nbytes": 32}, "past the end"),
        ({"dtype": "<f8", "shape": [2], "offset": 8, "nbytes": 16}, "past the end"),
        ({"dtype": "<f8", "shape": [3], "offset": 0, "nbytes": 16}, "do not hold"),
        ({"dtype": "<f8", "shape": [-2], "offset": 0, "nbytes": 16}, "malformed shape"),
        ({"dtype": "<f8", "shape": [2], "offset": -8, "nbytes": 16}, "malformed offset"),
    ],
)
def test_forged_entries_are_refused(tmp_path, entry, message):
    path = tmp_path / "forged.bin"
    _forge(path, _header(entry), bytes(16))
    with pytest.raises(DataLossError, match=message):
        read_tensors(path)


def test_forged_file_that_is_valid_reads(tmp_path):
    path = tmp_path / "forged.bin"
    _forge(
        path,
        _header({"dtype": "<f8", "shape": [2], "offset": 0, "nbytes": 16}),
        np.array([1.5, -2.0]).tobytes(),
    )
    np.testing.assert_array_equal(read_tensors(path)[0]["x"], [1.5, -2.0])


def test_unknown_version_is_refused(tmp_path):
    path = tmp_path / "future.bin"
    _forge(
        path,
        _header({"dtype": "<f8", "shape": [2], "offset": 0, "nbytes": 16}),
        bytes(16),
        version=2,
    )
    with pytest.raises(DataLossError, match="unsupported format version 2"):
        read_tensors(path)


# ---- atomicity ------------------------------------------------------------------------------


class _CrashingFile:
    """Writes the first `budget` bytes, then fails as a full disk or a kill would."""

    def __init__(self, f, budget):
        self._f, self._budget = f, budget

    def write(self, data):
        data = memoryview(data).cast("B")
        if len(data) > self._budget:
            self._f.write(data[: self._budget])
            self._f.flush()
            raise OSError("simulated crash while writing")
        self._budget -= len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)


@pytest.mark.parametrize("budget", [0, 30, 200, 2000])
def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, budget):
    path = tmp_path / "t.bin"
    old = {"w": np.arange(300.0)}
    write_tensors(path, old)
    opener = atomic._open_for_writing
    monkeypatch.setattr(atomic, "_open_for_writing", lambda fd: _CrashingFile(opener(fd), budget))
    with pytest.raises(OSError, match="simulated crash"):
        write_tensors(path, {"w": np.zeros(300)})
    assert os.listdir(tmp_path) == ["t.bin"]
    np.testing.assert_array_equal(read_tensors(path)[0]["w"], old["w"])


def test_temporary_left_by_a_killed_writer_is_never_valid(tmp_path):
    path = tmp_path / "t.bin"
    write_tensors(path, {"w": np.arange(300.0)})
    full = path.read_bytes()
    stray = tmp_path / ".t.bin.0123456789ab.tmp"
    stray.write_bytes(full[: len(full) // 2])  # what a kill mid-write leaves behind
    with pytest.raises(DataLossError, match="truncated"):
        read_tensors(stray)
    np.testing.assert_array_equal(read_tensors(path)[0]["w"], np.arange(300.0))


def test_atomic_write_replaces_only_on_success(tmp_path):
    path = tmp_path / "state"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write(b"new but unfinished")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["state"]
    with atomic_write(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"

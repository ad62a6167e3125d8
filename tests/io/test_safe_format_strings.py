"""String arrays in the safe tensor file: length-prefixed bytes, checked before slicing."""

import numpy as np
import pytest

from tapeflow.core.errors import DataLossError
from tapeflow.io.safe_format import read_tensors, write_tensors

from .test_safe_format import _forge, _header


def _strings(items, shape):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


@pytest.mark.parametrize(
    "value",
    [
        _strings([b"", b"a", "é".encode(), b"\x00\xff" * 300], (2, 2)),
        _strings([b"scalar"], ()),
        _strings([], (0, 3)),
    ],
)
def test_string_arrays_round_trip(tmp_path, value):
    path = tmp_path / "t.bin"
    write_tensors(path, {"s": value, "n": np.arange(3.0)})
    loaded, _ = read_tensors(path)
    assert loaded["s"].dtype == object and loaded["s"].shape == value.shape
    assert loaded["s"].tolist() == value.tolist()
    assert all(type(b) is bytes for b in loaded["s"].reshape(-1))
    np.testing.assert_array_equal(loaded["n"], np.arange(3.0))


@pytest.mark.parametrize(
    "lengths, blob, shape, message",
    [
        ([2, 5], b"abcdefg", [2], None),  # a valid forged file reads back
        ([2, 6], b"abcdefg", [2], "do not add up"),
        ([2**64 - 1, 8], b"abcdefg", [2], "do not add up"),
        ([3], b"abc", [5], "cannot hold"),
        ([3], b"abc", [10**15], "cannot hold"),
    ],
)
def test_forged_string_entries_are_refused(tmp_path, lengths, blob, shape, message):
    payload = np.array(lengths, dtype="<u8").tobytes() + blob
    entry = {"dtype": "string", "shape": shape, "offset": 0, "nbytes": len(payload)}
    path = tmp_path / "forged.bin"
    _forge(path, _header(entry, payload_nbytes=len(payload)), payload)
    if message is None:
        assert read_tensors(path)[0]["x"].tolist() == [b"ab", b"cdefg"]
        return
    with pytest.raises(DataLossError, match=message):
        read_tensors(path)

"""Values and argument roles of the bad-input cases (fuzz_cases.py): each role has a valid
value and its bad variants (None, text, floats where ints belong, out-of-range, negative,
wrong rank or dtype, empty). Plain NumPy and Python values, so that TensorFlow and tapeflow
get exactly the same inputs.
"""

from __future__ import annotations

import struct

import numpy as np

# ---- valid values --------------------------------------------------------------------------

X23 = (np.arange(1, 7, dtype=np.float32).reshape(2, 3) / 7).astype(np.float32)
X32 = X23.T.copy()
X3 = np.array([0.25, 0.5, 0.75], np.float32)
X213 = X23.reshape(2, 1, 3)
SPD = np.array([[2.0, 1.0], [1.0, 2.0]], np.float32)
LOWER = np.array([[2.0, 0.0], [1.0, 2.0]], np.float32)
RHS = np.array([[1.0], [2.0]], np.float32)
LU = np.array([[2.0, 1.0], [0.5, 1.5]], np.float32)  # tf.linalg.lu(SPD): perm [0, 1]
IMAGE = (np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1) / 16).astype(np.float32)
SEQUENCE = (np.arange(10, dtype=np.float32).reshape(1, 5, 2) / 10).astype(np.float32)
BOOLS = np.array([[True, False, True], [False, True, True]])
WORDS = np.array([b"Hello world", b"a b"])


# ---- roles: each has its valid value and its bad variants ----------------------------------


class Arg:
    """An argument with a role: `bad()` lists (label, value) variants of the wrong kind."""

    def __init__(self, value):
        self.value = value

    def bad(self):
        return []


class Tensor(Arg):
    """A numeric tensor (a NumPy array): wrong dtypes, ranks, empty, None and text."""

    def bad(self):
        v = np.asarray(self.value)
        out = [("none", None), ("text", "abc"), ("strings", np.full(v.shape, b"a", "S1"))]
        if v.dtype.kind != "b":
            out.append(("bool", v.astype(bool)))
        if v.dtype.kind == "f":
            out.append(("int32", v.astype(np.int32)))
            if v.dtype == np.float32:
                out.append(("float64", v.astype(np.float64)))
        else:
            out.append(("float32", v.astype(np.float32)))
        if v.ndim:
            out.append(("scalar", v.reshape(-1)[:1].reshape(())))
            out.append(("rank_down", v[0]))
            out.append(("empty", np.zeros((0,) + v.shape[1:], v.dtype)))
        out.append(("rank_up", np.stack([v, v])))
        out.append(("shape5", np.ones((5,), v.dtype)))
        return out


class Indices(Tensor):
    """An integer tensor of positions: also out of range, negative and floats."""

    def bad(self):
        v = np.asarray(self.value)
        return super().bad() + [
            ("out_of_range", np.full_like(v, 99)),
            ("negative", np.full_like(v, -7)),
            ("float_list", v.astype(float).tolist()),
        ]


class Strings(Arg):
    """A string tensor: numbers, None, wrong rank, empty."""

    def bad(self):
        v = np.asarray(self.value)
        out = [
            ("none", None),
            ("number", 3),
            ("int32", np.ones(v.shape, np.int32)),
            ("float32", np.ones(v.shape, np.float32)),
            ("rank_up", np.stack([v, v])),
        ]
        if v.ndim:
            out.append(("empty", np.zeros((0,) + v.shape[1:], "S1")))
        return out


class TensorList(Arg):
    """A list of tensors: None, empty, mismatched shapes or dtypes, a string."""

    def bad(self):
        first = np.asarray(self.value[0])
        other = np.ones(first.shape[::-1] if first.ndim > 1 else (first.size + 2,), first.dtype)
        if first.dtype.kind in "SUO":
            other_dtype = np.ones(first.shape, np.float32)
        elif first.dtype == np.float32:
            other_dtype = first.astype(np.float64)
        else:
            other_dtype = first.astype(np.float32)
        return [
            ("none", None),
            ("empty_list", []),
            ("text", "abc"),
            ("none_item", [first, None]),
            ("mismatched_shapes", [first, other]),
            ("mixed_dtypes", [first, other_dtype]),
            ("strings", [np.full(first.shape, b"a", "S1"), np.full(first.shape, b"b", "S1")]),
        ]


class Shape(Arg):
    """A shape argument (list of non-negative ints)."""

    def bad(self):
        s = list(self.value)
        rest = s[1:]
        return [
            ("none", None),
            ("text", "ab"),
            ("negative", [-2] + rest),
            ("float_list", [2.5] + rest),
            ("whole_float_list", [float(d) for d in s]),
            ("float_array", np.array([2.5] + rest, np.float32)),
            ("rank2", [s]),
            ("none_dim", [None] + rest),
            ("string_array", np.array([b"2"] * len(s))),
            ("empty_list_of_size", [] if s else [1]),
        ]


class Paddings(Arg):
    """Paddings or crops: one (before, after) pair of non-negative ints per dimension."""

    def bad(self):
        p = [list(pair) for pair in self.value]
        return [
            ("none", None),
            ("negative", [[-1, 1]] + p[1:]),
            ("float_list", [[1.5, 1]] + p[1:]),
            ("too_few_rows", p[:1]),
            ("flat", [d for pair in p for d in pair]),
            ("three_columns", [pair + [1] for pair in p]),
            ("text", "ab"),
        ]


class Nested(Arg):
    """A nested Python list of numbers (ragged rows)."""

    def bad(self):
        return [
            ("none", None),
            ("mixed_depth", [[1, 2], 3]),
            ("text_items", [["a", 1], [2]]),
            ("none_item", [[1, None], [2]]),
        ]


class Axis(Arg):
    """An axis (an int, or a list of ints where the op takes several)."""

    def bad(self):
        a = self.value if not isinstance(self.value, list) else self.value[0]
        return [
            ("out_of_range", 5),
            ("negative_out_of_range", -5),
            ("float", 1.5),
            ("whole_float", 1.0),
            ("text", "1"),
            ("bool", True),
            ("duplicate", [a, a]),
            ("rank2", [[a]]),
            ("float_array", np.float32(1.0)),
        ]


class Count(Arg):
    """A size or count (k, depth, num, repeats, num_rows)."""

    def bad(self):
        n = self.value
        return [
            ("negative", -1),
            ("float", 2.5),
            ("whole_float", float(n)),
            ("text", "2"),
            ("none", None),
            ("list", [n, n]),
            ("float_array", np.float32(n)),
        ]


class Perm(Arg):
    """A permutation of the axes."""

    def bad(self):
        p = list(self.value)
        return [
            ("duplicate", [p[0]] * len(p)),
            ("out_of_range", p[:-1] + [7]),
            ("short", p[:1]),
            ("float_list", [float(i) for i in p]),
            ("text", "ab"),
        ]


class Number(Arg):
    """A scalar float parameter (rate, alpha, clip_norm, epsilon)."""

    def bad(self):
        return [
            ("none", None),
            ("text", "a"),
            ("matrix", np.ones((2, 2), np.float32)),
            ("negative", -1.0),
            ("above_one", 1.5),
        ]


class Name(Arg):
    """A string option (padding, data_format, equation, encoding, dtype name)."""

    def bad(self):
        return [("unknown", "FOO"), ("none", None), ("number", 3)]


class DType(Arg):
    """A dtype, given by name: bad names, None, numbers."""

    def bad(self):
        return [("unknown", "floot"), ("none", None), ("number", 1.5)]


# Small encoded images (2x2 RGB PNG and JPEG written by TF's encoders, a 1x1 GIF, a 2x2 BMP).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a7300000016494441540899"
    "636410d1b0b1b161a8e859b0e5c41d0015ac04eeddad85ae0000000049454e44ae426082"
)
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _bmp(width=2, height=2) -> bytes:
    row = bytes(range(3 * width)) + b"\x00" * ((4 - 3 * width % 4) % 4)
    pixels = row * height
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) + info + pixels


BMP = _bmp()
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010101012c012c0000ffdb0043000302020302020303030304030304050805"
    "050404050a070706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f17181614"
    "1812141514ffdb00430103040405040509050509140d0b0d141414141414141414141414141414141414"
    "1414141414141414141414141414141414141414141414141414141414141414ffc00011080002000203"
    "012200021101031101ffc4001f0000010501010101010100000000000000000102030405060708090a0b"
    "ffc400b5100002010303020403050504040000017d010203000411051221314106135161072271143281"
    "91a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748"
    "494a535455565758595a636465666768696a737475767778797a838485868788898a9293949596979899"
    "9aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5"
    "e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f0100030101010101010101010000000000000102030405"
    "060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241510761"
    "711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a3536373839"
    "3a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a"
    "92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7"
    "d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f00f79f0afc2cf05f"
    "fc231a3ffc521a0ffc79c3ff0030c87fb83fd9a28a2be8cf9f3fffd9"
)


class Built(Arg):
    """A value built with the `tf` module under test (a SparseTensor, a sublayer) by
    `make(tf)`; bad variants are a dense array, None and text."""

    def __init__(self, make):
        super().__init__(_Factory(make))

    def bad(self):
        return [("none", None), ("text", "abc"), ("dense", np.ones((2, 3), np.float32))]


class Encoded(Arg):
    """Encoded image bytes (a scalar string): garbage, empty, numbers, None, a vector."""

    def bad(self):
        return [
            ("garbage", b"not an image at all"),
            ("empty_bytes", b""),
            ("number", 3),
            ("none", None),
            ("float32", np.ones((2,), np.float32)),
            ("rank_up", np.array([self.value, self.value])),
        ]


def ints(values):
    """An int32 array: indices and ids in the tables."""
    return np.asarray(values, np.int32)


def double(x):
    """A Python function argument (py_function, Lambda): twice its input."""
    return x * 2


def resolve(tf, path):
    """The public callable at dotted `path` ("nn.conv2d", "keras.layers.Dense") of `tf`."""
    obj = tf
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def build(tf, value):
    """An argument value with the `tf` module under test: `Built` values are made here."""
    if isinstance(value, _Factory):
        return value.make(tf)
    return value


class _Factory:
    def __init__(self, make):
        self.make = make

"""`tf.io.parse_example` of serialized `tf.train.Example` protos, and the feature specs.

`FixedLenFeature` (dense, with an optional default), `VarLenFeature` (a SparseTensor) and
`RaggedFeature` (a RaggedTensor, one row per example; no `partitions`) as TensorFlow defines
them. Decoding uses `tf.train.Example` (example_proto.py), so it needs the protobuf
package, imported on the first parse.
"""

from __future__ import annotations

import collections

import numpy as np

from ..backend import to_backend
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.ragged import RaggedTensor
from ..core.sparse import SparseTensor
from ..core.tensor import Operand, convert_to_tensor, wrap

FixedLenFeature = collections.namedtuple(
    "FixedLenFeature", ["shape", "dtype", "default_value"], defaults=(None,)
)
FixedLenFeature.__doc__ = "A dense feature of a fixed `shape` (or `default_value` if absent)."
VarLenFeature = collections.namedtuple("VarLenFeature", ["dtype"])
VarLenFeature.__doc__ = "A feature of any length, parsed into a SparseTensor."


class RaggedFeature(
    collections.namedtuple(
        "RaggedFeature", ["dtype", "value_key", "partitions", "row_splits_dtype", "validate"]
    )
):
    """A feature of any length, parsed into a RaggedTensor (one row per example)."""

    def __new__(cls, dtype, value_key=None, partitions=(), row_splits_dtype=dtypes.int32,
                validate=False):  # fmt: skip
        if partitions:
            raise NotImplementedError(
                "tf.io.RaggedFeature: tapeflow does not support `partitions`; parse the "
                "values and build the nested RaggedTensor with tf.RaggedTensor.from_*"
            )
        return super().__new__(
            cls, dtypes.as_dtype(dtype), value_key, tuple(partitions), row_splits_dtype, validate
        )


_KINDS = {"string": "bytes_list", "float32": "float_list", "int64": "int64_list"}


def _values(example, key, dtype, index):
    """The values of feature `key` in one Example (None if absent), checked against dtype."""
    features = example.features.feature
    if key not in features:
        return None
    feature = features[key]
    kind = feature.WhichOneof("kind")
    want = _KINDS.get(dtypes.as_dtype(dtype).name)
    if want is None:
        raise ValueError(
            f"tf.io.parse_example: feature {key!r} has dtype {dtypes.as_dtype(dtype).name}; "
            f"Example features are string, float32 or int64"
        )
    if kind is None:
        return []
    if kind != want:
        raise InvalidArgumentError(
            f"Key: {key}, Index: {index}. Data types don't match. Expected type: "
            f"{dtypes.as_dtype(dtype).name}, Actual type: {kind.split('_')[0]}"
        )
    return list(getattr(feature, kind).value)


def _array(values, dtype):
    dt = dtypes.as_dtype(dtype)
    if dt == dtypes.string:
        out = np.empty(len(values), dtype=object)
        out[:] = [bytes(v) for v in values]
        return out
    return np.asarray(values, dtype=dt._np).reshape(-1)


def _serialized_list(serialized) -> list:
    if isinstance(serialized, Operand):
        serialized = serialized.numpy()
    arr = np.asarray(serialized, dtype=object)
    return [bytes(v) for v in arr.reshape(-1)], arr.shape


def parse_example(serialized, features, example_names=None, name=None):
    """Parses a batch (vector) of serialized Examples into a dict of feature tensors."""
    from .example_proto import Example

    records, shape = _serialized_list(serialized)
    if len(shape) > 1:
        raise ValueError(f"tf.io.parse_example: serialized must be a vector, got shape {shape}")
    examples = []
    for i, record in enumerate(records):
        try:
            examples.append(Example.FromString(record))
        except Exception as e:  # protobuf's DecodeError
            raise InvalidArgumentError(
                f"tf.io.parse_example: could not parse example input {i}: {e}"
            ) from None
    return {key: _parse_feature(key, spec, examples) for key, spec in features.items()}


def parse_single_example(serialized, features, example_names=None, name=None):
    """Parses one serialized Example: the features without the batch dimension."""
    batched = parse_example(convert_to_tensor(serialized, dtype=dtypes.string)[None], features)
    out = {}
    for key, value in batched.items():
        if isinstance(value, RaggedTensor):
            out[key] = value.values
        elif isinstance(value, SparseTensor):
            shape = value.dense_shape[1:]
            out[key] = SparseTensor(value.indices[:, 1:], value.values, shape)
        else:
            out[key] = value[0]
    return out


def _parse_feature(key, spec, examples):
    if isinstance(spec, RaggedFeature):
        value_key = spec.value_key or key
        rows = [_values(ex, value_key, spec.dtype, i) or [] for i, ex in enumerate(examples)]
        flat = _array([v for r in rows for v in r], spec.dtype)
        return RaggedTensor.from_row_lengths(
            wrap(to_backend(flat)), np.asarray([len(r) for r in rows], np.int64), validate=False
        )
    if isinstance(spec, VarLenFeature):
        rows = [_values(ex, key, spec.dtype, i) or [] for i, ex in enumerate(examples)]
        flat = _array([v for r in rows for v in r], spec.dtype)
        indices = [(i, j) for i, r in enumerate(rows) for j in range(len(r))]
        width = max((len(r) for r in rows), default=0)
        return SparseTensor(
            np.asarray(indices, np.int64).reshape(-1, 2), flat, np.asarray([len(rows), width])
        )
    if isinstance(spec, FixedLenFeature):
        shape = tuple(int(d) for d in spec.shape)
        size = int(np.prod(shape)) if shape else 1
        out = []
        for i, ex in enumerate(examples):
            values = _values(ex, key, spec.dtype, i)
            if values is None:
                if spec.default_value is None:
                    raise InvalidArgumentError(
                        f"Feature: {key} (data type: {dtypes.as_dtype(spec.dtype).name}) is "
                        f"required but could not be found."
                    )
                default = convert_to_tensor(spec.default_value, dtype=spec.dtype).numpy()
                out.append(np.broadcast_to(default, shape))
                continue
            if len(values) != size:
                raise InvalidArgumentError(
                    f"Key: {key}, Index: {i}. Number of values != expected. values size: "
                    f"{len(values)} but output shape: {list(shape)}"
                )
            out.append(_array(values, spec.dtype).reshape(shape))
        dt = dtypes.as_dtype(spec.dtype)
        stacked = np.stack(out) if out else np.zeros((0,) + shape, dt._np)
        return wrap(to_backend(stacked) if dt != dtypes.string else stacked)
    raise TypeError(
        f"tf.io.parse_example: unsupported feature spec {spec!r} for {key!r} (FixedLenFeature, "
        f"VarLenFeature and RaggedFeature are supported)"
    )


API = {
    "io": [
        "FixedLenFeature",
        "VarLenFeature",
        "RaggedFeature",
        "parse_example",
        "parse_single_example",
    ],
}

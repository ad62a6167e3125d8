"""CategoryEncoding (integer categories to one-hot, multi-hot or count vectors) and Hashing
(any value to one of `num_bins` bins by TF's FarmHash Fingerprint64, or SipHash with a salt)."""

from __future__ import annotations

import numpy as np

from ....core.ragged import RaggedTensor
from .. import layer as layer_lib
from . import _common


class CategoryEncoding(layer_lib.Layer):
    """Encodes integer categories in [0, num_tokens): "one_hot" (each element), "multi_hot"
    or "count" (each sample, along the last axis), in the layer's dtype (float32)."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in _common.ENCODINGS:
            raise ValueError(f"CategoryEncoding: Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: num_tokens must be set to use this layer. If the number of "
                "tokens is not known beforehand, use the IntegerLookup layer instead."
            )
        if num_tokens < 1:
            raise ValueError(
                f"CategoryEncoding: `num_tokens` must be >= 1. Received: num_tokens={num_tokens}."
            )
        _common.refuse_sparse("CategoryEncoding", sparse)
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    f"CategoryEncoding {self.name}: `count_weights` is not used when "
                    f"`output_mode` is not `'count'`. Received `count_weights={count_weights}`."
                )
            return _common.on_host(self._encode, inputs, count_weights)
        return _common.on_host(self._encode, inputs)

    def _encode(self, values, count_weights=None) -> np.ndarray:
        indices = _common.to_array(values)
        if indices.dtype.kind not in "iu" and not (
            indices.dtype.kind == "f" and np.array_equal(indices, np.round(indices))
        ):
            raise TypeError(
                f"CategoryEncoding {self.name}: expected integer category indices, got "
                f"{'strings' if indices.dtype == object else indices.dtype} (StringLookup or "
                f"IntegerLookup map values to indices)"
            )
        if count_weights is not None:
            count_weights = np.asarray(_common.to_array(count_weights), self._dtype)
        try:
            return _common.encode_categorical(
                indices.astype(np.int64), self.output_mode, self.num_tokens, self._dtype,
                count_weights,
            )  # fmt: skip
        except Exception as e:
            raise type(e)(f"CategoryEncoding {self.name}: {e}") from None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return input_shape + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        return {
            **super().get_config(),
            "num_tokens": self.num_tokens,
            "output_mode": self.output_mode,
        }


class Hashing(layer_lib.Layer):
    """Hashes values into `num_bins` bins: TF's FarmHash Fingerprint64 of the value's text
    (floats are truncated to integers first), or SipHash-2-4 keyed by `salt`. With
    `mask_value`, bin 0 is kept for it and the others hash into bins 1..num_bins-1."""

    def __init__(
        self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs
    ):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(
                f"Hashing: the `num_bins` for `Hashing` cannot be `None` or non-positive "
                f"values. Received: num_bins={num_bins}."
            )
        if output_mode == "int" and self._dtype not in ("int32", "int64"):
            raise ValueError(
                f'Hashing: when `output_mode="int"`, `dtype` should be an integer type, '
                f"'int32' or 'int64'. Received: dtype={kwargs['dtype']}"
            )
        _common.check_mode("Hashing", output_mode, ("int",) + _common.ENCODINGS)
        if sparse and output_mode == "int":
            raise ValueError(
                f'Hashing: `sparse` may only be true if `output_mode` is `"one_hot"`, '
                f'`"multi_hot"`, or `"count"`. Received: sparse={sparse} and '
                f"output_mode={output_mode}"
            )
        _common.refuse_sparse("Hashing", sparse)
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.output_mode = output_mode
        self.sparse = sparse
        self.strong_hash = salt is not None
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError(
                    f"Hashing: the `salt` argument for `Hashing` can only be a tuple of size 2 "
                    f"integers, or a single integer. Received: salt={salt}."
                )

    def _convert_inputs(self, inputs):
        return inputs  # strings, integers and floats are all hashed as they come

    def call(self, inputs):
        if isinstance(inputs, RaggedTensor):
            if self.output_mode != "int":
                raise ValueError(
                    f"Hashing {self.name}: a RaggedTensor input needs output_mode='int'"
                )
            return inputs.with_flat_values(self.call(inputs.flat_values))
        return _common.on_host(self._hash, inputs)

    def _hash(self, values) -> np.ndarray:
        values = _common.to_array(values)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self._hash_values_to_bins(values)
        if self.output_mode == "int":
            return bins.astype(self._dtype)
        return _common.encode_categorical(bins, self.output_mode, self.num_bins, self._dtype)

    def _hash_values_to_bins(self, values: np.ndarray) -> np.ndarray:
        from ....ops.fingerprint import fingerprint64, siphash24

        hash_bins, mask = self.num_bins, None
        if self.mask_value is not None and hash_bins > 1:
            hash_bins -= 1
            mask = values == _mask_like(self.mask_value, values)
        if values.dtype.kind == "f":
            values = values.astype(np.int64)  # TF casts floats to int64 before as_string
        if values.dtype.kind == "b":
            raise TypeError(f"Hashing {self.name}: cannot hash booleans")
        flat = values.reshape(-1).tolist()
        texts = [v if isinstance(v, bytes) else str(v).encode() for v in flat]
        if self.strong_hash:
            key0, key1 = (k % 2**64 for k in self.salt)
            hashes = [siphash24(key0, key1, t) % hash_bins for t in texts]
        else:
            hashes = [fingerprint64(t) % hash_bins for t in texts]
        bins = np.asarray(hashes, np.int64).reshape(values.shape)
        if mask is not None:
            bins = np.where(mask, 0, bins + 1)
        return bins

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if not input_shape:
            return (self.num_bins,)
        if self.output_mode == "one_hot" and input_shape[-1] == 1:
            input_shape = input_shape[:-1]
            return input_shape + (self.num_bins,)
        return input_shape[:-1] + (self.num_bins,)

    def get_config(self):
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }


def _mask_like(mask_value, values):
    if values.dtype == object and isinstance(mask_value, str):
        return mask_value.encode("utf-8")
    return mask_value


__all__ = ["CategoryEncoding", "Hashing"]

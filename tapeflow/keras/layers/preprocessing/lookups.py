"""StringLookup and IntegerLookup: vocabularies of strings or of integers (Keras 3's layers;
the table itself is IndexLookup, in index_lookup.py)."""

from __future__ import annotations

import numpy as np

from ....core import string_values
from ....core.ragged import RaggedTensor
from ....core.tensor import Operand
from . import _common
from .index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Maps strings to integer indices (or, with `invert=True`, indices back to strings).

    The vocabulary comes from `adapt(data)` or `vocabulary=` (a list, array, tensor or the
    path of a text file with one token a line). `output_mode` "int" gives indices;
    "one_hot", "multi_hot", "count" and "tf_idf" encode them over the vocabulary.
    """

    _vocabulary_dtype = "string"

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token="[UNK]",
        vocabulary=None,
        idf_weights=None,
        invert=False,
        output_mode="int",
        pad_to_max_tokens=False,
        sparse=False,
        encoding="utf-8",
        name=None,
        salt=None,
        **kwargs,
    ):
        self.encoding = encoding
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            name=name,
            salt=salt,
            **kwargs,
        )

    def _key(self, token):
        if isinstance(token, bytes):
            return token
        if isinstance(token, str):
            return token.encode(self.encoding)
        if isinstance(token, np.str_):
            return str(token).encode(self.encoding)
        raise TypeError(
            f"StringLookup {self.name}: vocabulary terms and special tokens must be strings, "
            f"got {type(token).__name__} {token!r}"
        )

    def _public(self, key):
        return key.decode(self.encoding) if isinstance(key, bytes) else key

    def _tokens_of(self, data) -> np.ndarray:
        if isinstance(data, RaggedTensor):
            data = data.flat_values
        if isinstance(data, Operand):
            self._check_dtype(data.dtype)
            return data._value
        if isinstance(data, (str, bytes)):
            return string_values.bytes_array([self._key(data)], ())
        array = np.asarray(data)
        if array.dtype.kind in "iufb":
            raise TypeError(
                f"StringLookup {self.name}: expected string inputs, got an array of "
                f"{array.dtype} (use IntegerLookup for integer categories)"
            )
        try:
            return _common.string_array(array)
        except TypeError as e:
            raise TypeError(f"StringLookup {self.name}: {e}") from None

    def _check_dtype(self, dtype):
        if dtype.name != "string":
            raise TypeError(
                f"StringLookup {self.name}: expected string inputs, got a {dtype.name} tensor "
                f"(use IntegerLookup for integer categories)"
            )

    def _key_array(self, keys, shape) -> np.ndarray:
        return string_values.bytes_array(keys, shape)

    def get_config(self):
        config = {**super().get_config(), "encoding": self.encoding}
        del config["vocabulary_dtype"]  # Keras does not expose it for strings
        return config


class IntegerLookup(IndexLookup):
    """Maps integers to indices in a vocabulary of integers (or back, with `invert=True`).

    As StringLookup, with integer tokens: `oov_token` defaults to -1, and with several OOV
    indices an unknown value `v` goes to OOV index `v % num_oov_indices` (or its FarmHash
    with `oov_method="farmhash"`).
    """

    _vocabulary_dtype = "int64"

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token=-1,
        vocabulary=None,
        vocabulary_dtype="int64",
        idf_weights=None,
        invert=False,
        output_mode="int",
        sparse=False,
        pad_to_max_tokens=False,
        oov_method="floormod",
        salt=None,
        name=None,
        **kwargs,
    ):
        if vocabulary_dtype != "int64":
            raise ValueError(
                f"IntegerLookup: only `vocabulary_dtype='int64'` is supported at this time. "
                f"Received: vocabulary_dtype={vocabulary_dtype}"
            )
        if salt is not None and oov_method != "farmhash":
            raise ValueError(
                f"IntegerLookup: `salt` can only be used when `oov_method='farmhash'`. "
                f"Received: oov_method={oov_method}"
            )
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            oov_method=oov_method,
            salt=salt,
            name=name,
            **kwargs,
        )

    def _key(self, token):
        if isinstance(token, (bool, np.bool_)) or not isinstance(token, (int, np.integer)):
            if isinstance(token, (float, np.floating)) and float(token).is_integer():
                return int(token)
            raise TypeError(
                f"IntegerLookup {self.name}: vocabulary terms and special tokens must be "
                f"integers, got {type(token).__name__} {token!r}"
            )
        return int(token)

    def _public(self, key):
        return key

    def _from_line(self, line: str):
        return int(line)

    def _tokens_of(self, data) -> np.ndarray:
        if isinstance(data, RaggedTensor):
            data = data.flat_values
        array = _common.to_array(data) if not isinstance(data, int) else np.asarray(data)
        if array.dtype.kind not in "iu":
            raise TypeError(
                f"IntegerLookup {self.name}: expected integer inputs, got "
                f"{'strings' if array.dtype == object else array.dtype} (use StringLookup for "
                f"text categories)"
            )
        return array.astype(np.int64, copy=False)

    def _table_indices(self, keys: np.ndarray, missing: int) -> np.ndarray:
        # Vectorised: the sorted tokens and a binary search instead of a dict per element.
        cached = getattr(self, "_sorted", None)
        if cached is None or cached[0] is not self._tokens:
            tokens = np.asarray(self._tokens, np.int64)
            order = np.argsort(tokens, kind="stable")
            cached = (self._tokens, tokens[order], order)
            object.__setattr__(self, "_sorted", cached)  # a cache, not a tracked attribute
        _, sorted_keys, order = cached
        if not len(sorted_keys):
            return np.full(keys.shape, missing, np.int64)
        pos = np.clip(np.searchsorted(sorted_keys, keys), 0, len(sorted_keys) - 1)
        found = sorted_keys[pos] == keys
        return np.where(found, order[pos] + self._token_start_index(), missing).astype(np.int64)

    def _check_dtype(self, dtype):
        if not dtype.is_integer:
            raise TypeError(
                f"IntegerLookup {self.name}: expected integer inputs, got a {dtype.name} tensor "
                f"(use StringLookup for text categories)"
            )

    def _key_array(self, keys, shape) -> np.ndarray:
        return np.asarray(keys, np.int64).reshape(shape)

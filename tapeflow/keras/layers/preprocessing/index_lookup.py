"""IndexLookup: the vocabulary table behind StringLookup and IntegerLookup (Keras 3's
semantics: the index layout, `adapt`'s token order, OOV hashing, masks, TF-IDF weights).

The vocabulary lives in the layer's config once set or adapted (Keras 3 keeps an adapted one
in the archive's assets instead), so `model.save` and `load_model` carry it through tapeflow's
JSON config with no file read at load time.
"""

from __future__ import annotations

import os

import numpy as np

from ....core.errors import FailedPreconditionError, InvalidArgumentError
from ....core.ragged import RaggedTensor
from ....core.tensor import Operand
from .. import layer as layer_lib
from . import _common
from .vocabulary import Vocabulary, _as_list

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_MISSING = -2  # the index a key outside the vocabulary gets before OOV handling


class IndexLookup(Vocabulary, layer_lib.Layer):
    """Maps tokens to indices: [mask,] OOV indices, then the vocabulary (Keras' layout)."""

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
        oov_method="floormod",
        salt=None,
        name=None,
        **kwargs,
    ):
        layer = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(
                f"{layer}: if set, `max_tokens` must be greater than 1. Received: "
                f"max_tokens={max_tokens}"
            )
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                f"{layer}: if pad_to_max_tokens is True, must set `max_tokens`. Received: "
                f"max_tokens={max_tokens}"
            )
        if num_oov_indices < 0:
            raise ValueError(
                f"{layer}: `num_oov_indices` must be greater than or equal to 0. Received: "
                f"num_oov_indices={num_oov_indices}"
            )
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(
                f"{layer}: `oov_method` must be 'floormod' or 'farmhash', got {oov_method!r}"
            )
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _common.check_mode(layer, output_mode, _MODES)
        if invert and output_mode != "int":
            raise ValueError(
                f"{layer}: `output_mode` must be `'int'` when `invert` is true. Received: "
                f"output_mode={output_mode}"
            )
        if sparse and output_mode == "int":
            raise ValueError(
                f"{layer}: `sparse` may only be true if `output_mode` is `'one_hot'`, "
                f"`'multi_hot'`, `'count'` or `'tf_idf'`. Received: sparse={sparse} and "
                f"output_mode={output_mode}"
            )
        _common.refuse_sparse(layer, sparse)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                f"{layer}: `idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                f"Received: idf_weights={idf_weights} and output_mode={output_mode}"
            )
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_dtype", None)
        kwargs.pop("dtype", None)  # the layer's float dtype never applies to its tokens
        super().__init__(name=name, **kwargs)
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = invert
        self.output_mode = output_mode
        self.pad_to_max_tokens = pad_to_max_tokens
        self.sparse = sparse
        self.oov_method = oov_method
        self.salt = _salt(layer, salt)
        self._has_input_vocabulary = has_input_vocabulary
        self.input_vocabulary = (
            vocabulary if not isinstance(vocabulary, (str, os.PathLike)) else None
        )
        self.input_idf_weights = idf_weights
        self._tokens = []  # the learned or given vocabulary, special tokens excluded
        self._vocabulary_set = False  # by `vocabulary`, set_vocabulary or adapt
        self._table = None  # token key -> index (built lazily)
        self.idf_weights = None
        self._reset_counts()
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError(
                f"{layer}: when specifying the `vocabulary` argument, in TF-IDF output mode, "
                f"the `idf_weights` argument must also be provided."
            )
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # ---- calling ----------------------------------------------------------------------------

    def _convert_inputs(self, inputs):
        return inputs  # tokens are read as they come (`_tokens_of`), never cast to floats

    def _tokens_of(self, data) -> np.ndarray:
        raise NotImplementedError

    def _check_dtype(self, dtype):
        raise NotImplementedError

    def call(self, inputs):
        if isinstance(inputs, RaggedTensor):
            if self.output_mode == "int":
                return inputs.with_flat_values(self.call(inputs.flat_values))
            return self._encode_ragged(inputs)
        self._ensure_known_vocab_size()
        if self.invert:
            return _common.on_host(self._invert, inputs)
        if isinstance(inputs, Operand):
            self._check_dtype(inputs.dtype)  # now, not in the host call
        return _common.on_host(self._lookup_array, inputs)

    def _lookup_array(self, values) -> np.ndarray:
        """The output of `call` for the token array `values` (runs on the host)."""
        keys = self._tokens_of(values)
        if keys.ndim == 0 and self.output_mode == "int":
            # One token (a row of a tf.data pipeline): a dict lookup, no array passes.
            index = self._lookup_table().get(keys.item())
            if index is not None and (self.mask_token is None or keys.item() != self._mask_key):
                return np.array(index, np.int64)
        indices = self._lookup(keys)
        if self.output_mode == "int":
            return indices
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "tf_idf":
            counts = _common.encode_categorical(indices, "count", depth, np.float32, drop=-1)
            return counts * self.idf_weights[:depth].astype(np.float32)
        return _common.encode_categorical(indices, self.output_mode, depth, np.int64, drop=-1)

    def _encode_ragged(self, inputs):
        """multi_hot / count / tf_idf of each row of a 2-D RaggedTensor (TextVectorization)."""
        if self.output_mode == "one_hot" or inputs.ragged_rank != 1 or inputs.shape.rank != 2:
            raise ValueError(
                f"{type(self).__name__} {self.name}: a RaggedTensor input takes output_mode "
                f"'int', 'multi_hot', 'count' or 'tf_idf', with one ragged dimension"
            )
        self._ensure_known_vocab_size()

        def encode(values, splits):
            indices = self._lookup(self._tokens_of(values))
            depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
            counts = _common.count_rows(indices, np.asarray(splits), depth, drop=-1)
            if self.output_mode == "tf_idf":
                return counts.astype(np.float32) * self.idf_weights[:depth]
            if self.output_mode == "multi_hot":
                counts = counts > 0
            return counts.astype(np.int64)

        return _common.on_host(encode, inputs.flat_values, inputs.row_splits)

    def _ensure_known_vocab_size(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            if not self._vocabulary_set and not self._has_input_vocabulary:
                # As Keras 3 on TF: a lookup table nobody filled is "not initialized".
                raise FailedPreconditionError(
                    f"{type(self).__name__} {self.name}: Table not initialized: set the "
                    f"vocabulary (the `vocabulary` argument, set_vocabulary or adapt) before "
                    f"calling the layer"
                )
            return
        if not self._tokens and not self._has_input_vocabulary:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                f"you must set the layer's vocabulary before calling it. Either pass a "
                f"`vocabulary` argument to the layer, or call `adapt` with some sample data."
            )

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        """The index of every token key: -1 marks a mask in non-int modes (dropped)."""
        return self._finish_lookup(keys, self._table_indices(keys, _MISSING))

    def _table_indices(self, keys: np.ndarray, missing: int) -> np.ndarray:
        """The vocabulary index of every key, `missing` where it has none."""
        table = self._lookup_table()
        flat = keys.reshape(-1).tolist()
        indices = np.fromiter((table.get(k, missing) for k in flat), np.int64, len(flat))
        return indices.reshape(keys.shape)

    def _finish_lookup(self, keys, indices):
        mask = None
        oov = indices == _MISSING
        if self.mask_token is not None:
            mask = keys == self._key(self.mask_token)
            oov &= ~mask
        if oov.any():
            if self.num_oov_indices == 0:
                found = [self._public(k) for k in keys[oov].reshape(-1)[:10].tolist()]
                raise InvalidArgumentError(
                    f"When `num_oov_indices=0` all inputs should be in vocabulary, found OOV "
                    f"values {found}, consider setting `num_oov_indices=1`."
                )
            indices[oov] = self._oov_start_index() + self._oov_bucket(keys[oov])
        if mask is not None:
            indices[mask] = 0 if self.output_mode == "int" else -1
        return indices

    def _oov_bucket(self, keys: np.ndarray) -> np.ndarray:
        """Which OOV index (0 .. num_oov_indices - 1) each out-of-vocabulary key gets."""
        from ....ops.fingerprint import fingerprint64

        n = self.num_oov_indices
        if n == 1:
            return np.zeros(keys.shape, np.int64)
        if self._vocabulary_dtype != "string" and self.oov_method == "floormod":
            return np.mod(keys.astype(np.int64), n)
        texts = [k if isinstance(k, bytes) else str(int(k)).encode() for k in keys.tolist()]
        if self.salt is not None:
            from ....ops.strings import to_hash_bucket_strong

            buckets = to_hash_bucket_strong(texts, n, self.salt).numpy()
        else:
            buckets = np.array([fingerprint64(t) % n for t in texts], np.int64)
        return np.asarray(buckets, np.int64).reshape(keys.shape)

    def _invert(self, indices) -> np.ndarray:
        indices = np.asarray(_common.to_array(indices))
        vocabulary = self.get_vocabulary()
        start = self._token_start_index()
        keys = [self._key(t) for t in vocabulary]
        default = self._key(self.oov_token)
        mask_key = self._key(self.mask_token) if self.mask_token is not None else None
        flat = indices.reshape(-1).tolist()
        out = []
        for i in flat:
            if mask_key is not None and i == 0:
                out.append(mask_key)
            elif start <= i < len(keys):
                out.append(keys[i])
            else:
                out.append(default)
        return self._key_array(out, indices.shape)

    def _key_array(self, keys, shape) -> np.ndarray:
        raise NotImplementedError

    # ---- shapes, config ---------------------------------------------------------------------

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        self.built = True

    def get_config(self):
        # A given vocabulary is written as given (Keras 3); an adapted one (or one read from
        # a file) is written too, special tokens first, where Keras 3 saves an asset file:
        # a saved model carries it in its JSON and loading reads no other file.
        vocabulary, idf = self.input_vocabulary, self.input_idf_weights
        if vocabulary is not None:
            vocabulary = [self._public(self._key(t)) for t in _as_list(vocabulary)]
            idf = None if idf is None else np.asarray(_common.to_array(idf)).tolist()
        elif self._tokens:
            vocabulary = self.get_vocabulary()
            if self.output_mode == "tf_idf" and self.idf_weights is not None:
                idf = self.idf_weights[: len(vocabulary)].tolist()
        extra = {} if self._has_input_vocabulary else {"has_input_vocabulary": False}
        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self._vocabulary_dtype,
            "idf_weights": idf,
            "vocabulary": vocabulary,
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
            **extra,
        }


def _salt(layer, salt):
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return [int(s) for s in salt]
    if isinstance(salt, int):
        return [salt, salt]
    raise ValueError(
        f"{layer}: the `salt` argument can only be a tuple of 2 integers, or a single "
        f"integer. Received: salt={salt}."
    )

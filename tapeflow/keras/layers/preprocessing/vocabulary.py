"""The vocabulary of IndexLookup: special tokens and the index layout, setting a vocabulary
(a list, array, tensor or a text file), learning one with `adapt` (Keras 3's token order),
and the TF-IDF weights."""

from __future__ import annotations

import collections
import os

import numpy as np

from ....core.ragged import RaggedTensor
from ....core.tensor import Operand
from . import _common


class Vocabulary:
    """Mixin of IndexLookup: the vocabulary and its learning. The layer provides `_key`
    (a token as stored: bytes or int), `_public`, `_tokens_of`, and the attributes
    mask_token, oov_token, num_oov_indices, max_tokens, output_mode, pad_to_max_tokens."""

    def _key(self, token):
        """A token as the table stores it: bytes for strings, int for integers."""
        raise NotImplementedError

    def _public(self, key):
        """A stored token as `get_vocabulary` returns it."""
        raise NotImplementedError

    def _special_keys(self) -> list:
        mask = [self._key(self.mask_token)] if self._oov_start_index() else []
        oov = [self._key(self.oov_token)] if self.num_oov_indices else []
        return mask + oov * self.num_oov_indices

    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The size of the vocabulary, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary, index by index (with the mask and OOV tokens unless asked not)."""
        tokens = [self._public(t) for t in self._tokens]
        if not include_special_tokens:
            return tokens
        special = [self.mask_token] * self._oov_start_index()
        return special + [self.oov_token] * self.num_oov_indices + tokens

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (a list, array, tensor or a text file with one token a line),
        and for "tf_idf" the matching inverse document frequencies."""
        layer = f"{type(self).__name__} {self.name}"
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{layer}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(
                f"{layer}: `idf_weights` should only be set if output_mode is `'tf_idf'`. "
                f"Received: output_mode={self.output_mode} and idf_weights={idf_weights}"
            )
        if isinstance(vocabulary, (str, os.PathLike)):
            if self.output_mode == "tf_idf":
                raise ValueError(
                    f"{layer}: output_mode `'tf_idf'` does not support loading a vocabulary "
                    f"from file."
                )
            vocabulary = self._read_vocabulary_file(layer, os.fspath(vocabulary))
        keys = [self._key(t) for t in _as_list(vocabulary)]
        if not keys:
            raise ValueError(f"{layer}: cannot set an empty vocabulary. Received: {vocabulary}")
        special = self._special_keys()
        found_special = keys[: len(special)] == special
        tokens = keys[len(special) :] if found_special else keys
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(
                f"{layer}: the passed vocabulary has at least one repeated term. Please "
                f"uniquify your dataset. The repeated terms are: "
                f"{[self._public(t) for t in repeated]}"
            )
        if self.mask_token is not None and self._key(self.mask_token) in tokens:
            raise ValueError(
                f"{layer}: found reserved mask token {self.mask_token!r} at an unexpected "
                f"location in `vocabulary`. Remove the mask and OOV tokens, or give them only "
                f"at the start of the vocabulary in this order: "
                f"{[self._public(t) for t in special]}"
            )
        if self.oov_token is not None and self.invert and self._key(self.oov_token) in tokens:
            raise ValueError(
                f"{layer}: found reserved OOV token {self.oov_token!r} at an unexpected "
                f"location in `vocabulary`. Remove the mask and OOV tokens, or give them only "
                f"at the start of the vocabulary in this order: "
                f"{[self._public(t) for t in special]}"
            )
        size = self._token_start_index() + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                f"{layer}: attempted to set a vocabulary larger than the maximum vocab size. "
                f"Received vocabulary size is {size}; `max_tokens` is {self.max_tokens}."
            )
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            self._set_idf(layer, idf_weights, len(keys), front=0 if found_special else None)

    def _read_vocabulary_file(self, layer, path) -> list:
        from ...saving.serialization import in_safe_mode

        if in_safe_mode():
            raise ValueError(
                f"{layer}: requested the loading of a vocabulary file outside of the model "
                f"archive ({path!r}) while loading a model in safe mode. If you trust the "
                f"source, pass `safe_mode=False` to the loading function."
            )
        if not os.path.isfile(path):
            raise ValueError(f"{layer}: vocabulary file {path} does not exist.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return [self._from_line(line) for line in lines]

    def _from_line(self, line: str):
        return line

    def _set_tokens(self, tokens):
        size = self._token_start_index() + len(tokens)
        if (
            self.output_mode != "int"
            and not self.pad_to_max_tokens
            and self._frozen_vocab_size is not None
            and size != self._frozen_vocab_size
        ):
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                f"the vocabulary size cannot be changed after the layer is called. Old vocab "
                f"size is {self._frozen_vocab_size}, new vocab size is {size}"
            )
        self._tokens = list(tokens)
        self._table = None
        self._frozen_vocab_size = size
        self._vocabulary_set = True

    def _set_idf(self, layer, idf_weights, vocab_length, front):
        weights = np.asarray(_common.to_array(idf_weights), np.float64)
        if weights.ndim != 1:
            raise ValueError(f"{layer}: TF-IDF data must be a 1-index array, got {weights.shape}")
        if len(weights) != vocab_length:
            raise ValueError(
                f"{layer}: `idf_weights` must be the same length as vocabulary. "
                f"len(idf_weights) is {len(weights)}; len(vocabulary) is {vocab_length}"
            )
        # Special tokens have no document frequency: they get the mean weight, as in Keras.
        front_count = self._token_start_index() if front is None else 0
        back = 0
        if self.pad_to_max_tokens and self.max_tokens is not None:
            back = self.max_tokens - front_count - len(weights)
        padded = np.pad(
            weights,
            (front_count, back),
            constant_values=(np.mean(weights) if front_count else 0, 0),
        )
        self.idf_weights = padded.astype(np.float32)

    @property
    def _mask_key(self):
        return self._key(self.mask_token)

    def _lookup_table(self) -> dict:
        if self._table is None:
            start = self._token_start_index()
            self._table = {t: start + i for i, t in enumerate(self._tokens)}
        return self._table

    # ---- adapt ------------------------------------------------------------------------------

    def _reset_counts(self):
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def reset_state(self):
        if not self._has_input_vocabulary:
            self._reset_counts()

    def adapt(self, data, steps=None):
        """Learns the vocabulary from `data` (an array, tensor, list, or a tf.data.Dataset or
        iterable of batches): the most frequent tokens first, ties broken by the larger token,
        at most `max_tokens` with the special ones."""
        self.reset_state()

        def whole(x):
            x = self._tokens_of(x)
            return x.reshape(-1, 1) if isinstance(x, np.ndarray) and x.ndim == 1 else x

        for batch in _common.adapt_batches(data, steps, whole):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                f"`vocabulary` argument or `set_vocabulary()` method."
            )
        rows = self._rows(data)
        for row in rows:
            self._token_counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._document_counts.update(set(row))
            self._num_documents += len(rows)

    def _rows(self, data) -> list:
        """`data` as a list of documents (lists of token keys), as Keras' update_state sees
        them: a scalar or a vector is one document, a matrix's rows are documents."""
        if isinstance(data, RaggedTensor):
            return [[self._key(t) for t in row] for row in data.to_list()]
        array = self._tokens_of(data)
        if array.ndim <= 1:
            array = array.reshape(1, -1)
        return [[self._key(t) for t in row.reshape(-1).tolist()] for row in array]

    def finalize_state(self):
        if self._has_input_vocabulary or not self._token_counts:
            return
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._key(special), None)
        # Most frequent first; ties by the larger token (Keras' lexsort, reversed).
        ordered = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            ordered = ordered[: self.max_tokens - self._token_start_index()]
        self._set_tokens(ordered)
        if self.output_mode == "tf_idf":
            document = np.array([self._document_counts[t] for t in ordered], np.float64)
            idf = np.log(1 + self._num_documents / (1 + document))
            padded = np.pad(idf, (self._token_start_index(), 0), constant_values=np.mean(idf))
            if self.pad_to_max_tokens and self.max_tokens is not None:
                padded = np.pad(padded, (0, self.max_tokens - len(padded)))
            self.idf_weights = padded.astype(np.float32)
        self._reset_counts()


def _as_list(vocabulary) -> list:
    if isinstance(vocabulary, Operand):
        vocabulary = vocabulary.numpy()
    if isinstance(vocabulary, np.ndarray):
        if vocabulary.ndim != 1:
            raise ValueError(f"a vocabulary must be 1-D, got shape {vocabulary.shape}")
        return vocabulary.tolist()
    return list(vocabulary)

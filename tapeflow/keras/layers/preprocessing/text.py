"""TextVectorization: strings to token indices, or to multi-hot / count / TF-IDF vectors.

The pipeline is Keras 3's: standardize (lowercase with TF's ASCII-only `tf.strings.lower`,
strip its punctuation set), split (whitespace or characters), n-grams, then a StringLookup
whose mask token is "" (index 0 pads the "int" output).
"""

from __future__ import annotations

import numpy as np

from ....core.ragged import RaggedTensor
from ....core.tensor import Operand, wrap
from ....ops import string_regex, string_split, strings
from ....ops.array import squeeze
from .. import layer as layer_lib
from . import _common
from .lookups import StringLookup

_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class TextVectorization(layer_lib.Layer):
    """Turns strings into sequences of token indices ("int", padded or cut to
    `output_sequence_length`) or into one vector per string ("multi_hot", "count",
    "tf_idf"), with a vocabulary from `adapt` or `vocabulary=`."""

    def __init__(
        self,
        max_tokens=None,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=None,
        output_mode="int",
        output_sequence_length=None,
        pad_to_max_tokens=False,
        vocabulary=None,
        idf_weights=None,
        sparse=False,
        ragged=False,
        encoding="utf-8",
        name=None,
        **kwargs,
    ):
        _check_choice("standardize", standardize, _STANDARDIZE)
        _check_choice("split", split, _SPLIT)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _common.check_mode("TextVectorization", output_mode, _MODES)
        if not (
            ngrams is None
            or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
            or (isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams))
        ):
            raise ValueError(
                f"TextVectorization: `ngrams` must be None, an integer, or a tuple of "
                f"integers. Received: ngrams={ngrams}"
            )
        if output_mode == "int" and not (
            output_sequence_length is None or isinstance(output_sequence_length, int)
        ):
            raise ValueError(
                f"TextVectorization: `output_sequence_length` must be either None or an "
                f"integer when `output_mode` is 'int'. Received: "
                f"output_sequence_length={output_sequence_length}"
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                f"TextVectorization: `output_sequence_length` must not be set if "
                f"`output_mode` is not 'int'. Received "
                f"output_sequence_length={output_sequence_length}."
            )
        if ragged:
            raise ValueError(
                "TextVectorization: ragged=True is not supported by tapeflow (its "
                "RaggedTensor has no math); use the default padded output"
            )
        _common.refuse_sparse("TextVectorization", sparse)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            sparse=sparse,
            has_input_vocabulary=has_input_vocabulary,
            encoding=encoding,
            vocabulary_size=vocabulary_size,
        )
        self.built = True

    def _convert_inputs(self, inputs):
        return inputs

    # ---- vocabulary -------------------------------------------------------------------------

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary of the standardized, split tokens of `data` (strings: an
        array, tensor or list, or a tf.data.Dataset or iterable of batches)."""
        self.reset_state()

        def whole(x):
            x = _strings(x)
            return x.reshape(-1, 1) if x.ndim == 1 else x

        for batch in _common.adapt_batches(data, steps, whole):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ---- calling ----------------------------------------------------------------------------

    def _preprocess(self, inputs):
        if isinstance(inputs, RaggedTensor):
            text = inputs
        elif isinstance(inputs, Operand):
            if inputs.dtype.name != "string":
                raise TypeError(
                    f"TextVectorization {self.name}: expected string inputs, got a "
                    f"{inputs.dtype.name} tensor"
                )
            text = inputs
        else:
            text = wrap(_strings(inputs))
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            text = strings.lower(text)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = string_regex.regex_replace(text, _PUNCTUATION, "")
        if callable(self._standardize):
            text = self._standardize(text)
        if self._split is not None:
            if not isinstance(text, RaggedTensor) and text.shape.rank > 1:
                if text.shape[-1] != 1:
                    raise ValueError(
                        f"TextVectorization {self.name}: when using `TextVectorization` to "
                        f"tokenize strings, the input rank must be 1 or the last shape "
                        f"dimension must be 1. Received: inputs.shape={text.shape} with "
                        f"rank={text.shape.rank}"
                    )
                text = squeeze(text, [-1])
            if self._split == "whitespace":
                text = string_split.split(text)
            elif self._split == "character":
                text = string_split.unicode_split(text, "UTF-8")
            else:
                text = self._split(text)
        if self._ngrams is not None:
            text = string_split.ngrams(text, ngram_width=self._ngrams, separator=" ")
        return text

    def call(self, inputs):
        tokens = self._preprocess(inputs)
        looked_up = self._lookup_layer.call(tokens)
        if self._output_mode != "int":
            return looked_up
        if isinstance(looked_up, RaggedTensor):
            return _common.on_host(self._pad_rows, looked_up.flat_values, looked_up.row_splits)
        if self._output_sequence_length is None or looked_up.shape.rank == 0:
            return looked_up
        return _common.on_host(self._pad_last, looked_up)

    def _pad_rows(self, indices, splits) -> np.ndarray:
        """Ragged rows of indices, zero-padded (or cut) to `output_sequence_length`, else to
        the longest row."""
        lengths = np.diff(splits)
        length = self._output_sequence_length
        if length is None:
            length = int(lengths.max()) if len(lengths) else 0
        out = np.zeros((len(lengths), length), np.int64)
        for i, (start, n) in enumerate(zip(splits[:-1].tolist(), lengths.tolist())):
            n = min(n, length)
            out[i, :n] = indices[start : start + n]
        return out

    def _pad_last(self, values) -> np.ndarray:
        length = self._output_sequence_length
        values = values[..., :length]
        return np.pad(values, [(0, 0)] * (values.ndim - 1) + [(0, length - values.shape[-1])])

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            return (input_shape[0] if input_shape else None, self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = input_shape + (1,)
        else:
            input_shape = input_shape + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        self.built = True

    def get_config(self):
        from ...saving.serialization import serialize_keras_object

        lookup = self._lookup_layer.get_config()

        def plain(value):
            return (
                value
                if value is None or isinstance(value, str)
                else (serialize_keras_object(value))
            )

        config = {
            **super().get_config(),
            "max_tokens": self._lookup_layer.max_tokens,
            "standardize": plain(self._standardize),
            "split": plain(self._split),
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": self._lookup_layer.pad_to_max_tokens,
            "sparse": self._lookup_layer.sparse,
            "ragged": self._ragged,
            "vocabulary": lookup["vocabulary"],
            "idf_weights": lookup["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }
        if "has_input_vocabulary" in lookup:
            config["has_input_vocabulary"] = False
        return config

    @classmethod
    def from_config(cls, config):
        from ...saving.serialization import deserialize_keras_object

        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)


def _check_choice(name, value, allowed):
    if value is None or callable(value) or value in allowed:
        return
    raise ValueError(
        f"TextVectorization: invalid value for argument `{name}`: expected one of "
        f"{list(allowed)}, None or a callable. Received: {name}={value!r}"
    )


def _strings(x) -> np.ndarray:
    if isinstance(x, Operand):
        if x.dtype.name != "string":
            raise TypeError(
                f"TextVectorization: expected string inputs, got a {x.dtype.name} tensor"
            )
        return np.asarray(x.numpy())
    if isinstance(x, (str, bytes)):
        return _common.string_array([x]).reshape(())
    array = np.asarray(x)
    if array.dtype.kind in "iufb":
        raise TypeError(f"TextVectorization: expected string inputs, got {array.dtype}")
    return _common.string_array(array)


__all__ = ["TextVectorization"]

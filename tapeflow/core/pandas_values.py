"""pandas DataFrames and Series as tensor values, found by their type's module so that
pandas is never imported here: TensorFlow converts them through the array protocol (a
DataFrame is its 2-D `values`), and refuses text mixed with numbers as it does."""

from __future__ import annotations

import numpy as np


def is_pandas(value) -> bool:
    """Whether `value` is a pandas object (DataFrame, Series, Index, ...)."""
    module = type(value).__module__
    return module == "pandas" or module.startswith("pandas.")


def pandas_array(value) -> np.ndarray:
    """The NumPy array TensorFlow converts a pandas object to: numeric columns keep their
    dtype (mixed ones promote as NumPy promotes), text stays text; numbers mixed with text
    are TF's ValueError."""
    array = value.to_numpy() if hasattr(value, "to_numpy") else np.asarray(value)
    if array.dtype == object and array.size:
        flat = array.reshape(-1)
        text = [isinstance(v, (str, bytes)) for v in flat]
        if any(text) and not all(text):
            other = next(v for v, t in zip(flat, text) if not t)
            raise ValueError(
                "Failed to convert a NumPy array to a Tensor (Unsupported object type "
                f"{type(other).__name__})."
            )
    return array

"""`keras.layers`: the Layer base class and every built-in layer."""

from .input_layer import Input, InputLayer  # noqa: F401
from .layer import KerasVariable, Layer  # noqa: F401

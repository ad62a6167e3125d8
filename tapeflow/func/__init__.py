"""Function transforms: gradients, jacobians, forward mode and vectorisation as functions.

`tapeflow.func` holds JAX-style transforms over functions of tensors (and of Keras
models' variables, through `functional_call`); `tf.recompute_grad` lives here too.
"""

from .recompute import recompute_grad  # noqa: F401

"""Function transforms: gradients, jacobians, forward mode and vectorisation as functions.

JAX-style transforms over functions of tensors, and of Keras models' variables through
`functional_call`; they compose (`vmap(grad(f))`, `jacfwd(jacrev(f))`). TensorFlow's
`tf.vectorized_map` and `tf.recompute_grad` live here too.
"""

from .functional import functional_call, named_parameters
from .recompute import recompute_grad
from .transforms import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp, vmap
from .vmap import vectorized_map

__all__ = [
    "functional_call",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "named_parameters",
    "value_and_grad",
    "vjp",
    "vmap",
]

_ = (
    recompute_grad,
    vectorized_map,
)  # TF's names: exported as tf.recompute_grad, tf.vectorized_map

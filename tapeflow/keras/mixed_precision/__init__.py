"""`keras.mixed_precision`: dtype policies and the loss-scaling optimizer (Keras 3).

`set_global_policy("mixed_float16")` makes new layers compute in float16 with float32
weights; `compile` then wraps the optimizer in a `LossScaleOptimizer` (dynamic loss scaling),
and `fit` scales the loss and unscales the gradients, as Keras 3 does.
"""

from ..optimizers.loss_scale_optimizer import LossScaleOptimizer
from .policy import DTypePolicy, Policy, global_policy, set_global_policy

dtype_policy = global_policy
set_dtype_policy = set_global_policy

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]

"""`keras.mixed_precision` dtype policies: the dtype a layer computes in and stores weights in.

"mixed_float16" and "mixed_bfloat16" compute in float16 / bfloat16 with float32 variables;
any float dtype name ("float32", "float16", ...) uses it for both. A layer takes the global
policy when created without `dtype` (Keras 3 semantics; see layers/layer.py).
"""

from __future__ import annotations

from ...core import dtypes

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_FLOATS = ("float16", "bfloat16", "float32", "float64")


class DTypePolicy:
    """A dtype policy (Keras 3's `DTypePolicy`, also `keras.mixed_precision.Policy`).

    Args:
        name: "mixed_float16", "mixed_bfloat16", or a dtype name such as "float32" (None:
            `keras.config.floatx()`).
    """

    def __init__(self, name=None):
        from .. import backend

        if name is None:
            name = backend.floatx()
        if isinstance(name, DTypePolicy):
            name = name.name
        name = getattr(name, "name", name)  # a tf.DType
        if not isinstance(name, str):
            raise TypeError(
                f"'name' must be a string, such as 'mixed_float16'. Received: name={name} "
                f"(of type {type(name)})"
            )
        if name in _MIXED:
            compute, variable = _MIXED[name], "float32"
        else:
            try:
                dtype = dtypes.as_dtype(name).name
            except TypeError:
                dtype = None
            if dtype is None or name.startswith("mixed"):
                raise ValueError(
                    f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid "
                    f"policies include 'mixed_float16', 'mixed_bfloat16', and the name of "
                    f"any float dtype such as 'float32'."
                )
            compute = variable = dtype
        self._name = name
        self._compute_dtype = compute
        self._variable_dtype = variable

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's computations (its inputs are cast to it)."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return None

    @property
    def is_mixed(self) -> bool:
        return self._compute_dtype != self._variable_dtype

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other._name == self._name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy

_global_policy = [None]


def set_global_policy(policy):
    """Sets the policy of layers created without a `dtype` (None: back to floatx)."""
    if policy is not None:
        policy = policy if isinstance(policy, DTypePolicy) else DTypePolicy(policy)
        if policy.compute_dtype not in _FLOATS:
            raise ValueError(
                f"set_global_policy() can only be used to set the global policy to "
                f"floating-point policies, such as 'float32' and 'mixed_float16', but got "
                f"policy: {policy.name}"
            )
    _global_policy[0] = policy


def global_policy() -> DTypePolicy:
    """The policy of layers created without a `dtype` (floatx's unless one was set)."""
    return _global_policy[0] if _global_policy[0] is not None else DTypePolicy()


def policy_of(dtype) -> DTypePolicy:
    """The policy a layer's `dtype` argument names: None (the global one), a policy, a
    policy or dtype name, a tf.DType, or a serialized policy (a dict)."""
    if dtype is None:
        return global_policy()
    if isinstance(dtype, DTypePolicy):
        return dtype
    if isinstance(dtype, dict):
        return DTypePolicy(dtype.get("config", {}).get("name"))
    return DTypePolicy(dtype)

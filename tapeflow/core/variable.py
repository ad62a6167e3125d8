"""`Variable`: a mutable array of fixed dtype and shape, updated in place.

Reads inside a tape are recorded under the variable's own id, so gradients flow to it
from every read. In-place writes are copy-on-write: when anything else still holds the
array (a saved tape input, a tensor from `read_value`, a view), the write replaces the
array instead, so no Tensor ever sees its values change. This is TensorFlow's rule too.
"""

from __future__ import annotations

import sys

import numpy as np

from ..backend import to_numpy, xp
from . import distribution, dtypes
from .context import hooks, observed, state
from .errors import DTypeMismatchError, InvalidArgumentError
from .shape import TensorShape
from .tensor import Operand, Tensor, _next_id, convert_to_tensor

# References to an array owned by a Variable alone: its slot plus getrefcount's argument.
_SOLE_OWNER_REFS = 2


class VariableSynchronization:
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation:
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class Variable(Operand):
    """`tf.Variable`: state that training updates with `assign`, `assign_add`, `assign_sub`."""

    __slots__ = (
        "_value",
        "_id",
        "_name",
        "_trainable",
        "_shape",
        "_constraint",
        "_aggregation",
        "_synchronization",
        "__weakref__",
        "__dict__",
    )
    _is_variable = True

    def __init__(
        self,
        initial_value=None,
        trainable=None,
        validate_shape=True,
        caching_device=None,
        name=None,
        variable_def=None,
        dtype=None,
        import_scope=None,
        constraint=None,
        synchronization=VariableSynchronization.AUTO,
        aggregation=VariableAggregation.NONE,
        shape=None,
        experimental_enable_variable_lifting=True,
    ):
        if initial_value is None:
            raise ValueError("The `initial_value` arg (or `variable_def`) must be specified.")
        if callable(initial_value) and not isinstance(initial_value, Operand):
            initial_value = initial_value()
        t = (
            convert_to_tensor(initial_value, dtype=dtype)
            if not (
                dtype is not None
                and isinstance(initial_value, Operand)
                and initial_value.dtype != dtypes.as_dtype(dtype)
            )
            else None
        )
        if t is None:
            raise ValueError(
                f"Variable: initial_value has dtype {initial_value.dtype.name} but dtype="
                f"{dtypes.as_dtype(dtype).name} was given; use tf.cast first."
            )
        self._value = xp.array(t._value, copy=True)  # a variable owns its array
        self._id = _next_id()
        if trainable is None:
            trainable = synchronization != VariableSynchronization.ON_READ
        self._trainable = bool(trainable)
        # Eager TF prefixes the enclosing name scopes and does not uniquify; nor does tapeflow.
        self._name = "".join(state.name_scopes) + (name or "Variable")
        if shape is not None:
            self._shape = TensorShape(shape)
            if not self._shape.is_compatible_with(self._value.shape):
                raise ValueError(
                    f"Variable {self._name}: initial value shape "
                    f"{TensorShape(self._value.shape)} is not compatible with "
                    f"shape {self._shape}"
                )
        elif validate_shape:
            self._shape = TensorShape(self._value.shape)
        else:
            self._shape = TensorShape(None)
        self._constraint = constraint
        self._aggregation = aggregation
        self._synchronization = synchronization
        if distribution._state.stack:  # in a strategy's scope: it may set rank 0's value
            distribution.variable_created(self)
        if state.tracer is not None:  # tf.function allows variables on its first trace only
            state.tracer.variable_created(self)

    # ---- reading ------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return f"{self._name}:0"

    @property
    def path(self) -> str:
        return self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def shape(self) -> TensorShape:
        if self._shape.is_fully_defined():
            return self._shape
        return TensorShape(self._value.shape)

    @property
    def constraint(self):
        return self._constraint

    @property
    def aggregation(self):
        return self._aggregation

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def initial_value(self):
        raise NotImplementedError("Variable.initial_value is not kept by tapeflow.")

    def _snapshot(self) -> Tensor:
        """A Tensor sharing this variable's array and id: what a tape saves for a read."""
        t = Tensor.__new__(Tensor)
        t._value = self._value
        t._id = self._id
        return t

    def _as_tensor(self) -> Tensor:
        """A read of the variable, recorded on the active tapes (gradients flow to it)."""
        from .registry import get_op

        return get_op("Identity")(self)

    def read_value(self) -> Tensor:
        return self._as_tensor()

    def value(self) -> Tensor:
        return self._as_tensor()

    def numpy(self):
        v = observed(self, "array", to_numpy(self._value)).copy()
        return v[()] if v.ndim == 0 else v

    def __array__(self, dtype=None, copy=None):
        a = np.array(observed(self, "array", to_numpy(self._value)), copy=True)
        return a if dtype is None else a.astype(dtype)

    # ---- writing ------------------------------------------------------------------------------

    def _checked(self, value, op: str):
        """The backend array of `value`, after TF's dtype and shape checks for `op`."""
        # Optimizer, metric and `assign_sub(lr * grad)` updates: same dtype and shape, nothing
        # to convert or check.
        arr = value._value if type(value) is Tensor else value
        if (
            (type(arr) is xp.ndarray or type(value) is Tensor)
            and arr.dtype == self._value.dtype
            and arr.shape == self._value.shape
        ):
            return arr
        arr = self._converted(value, op)
        if self._shape.rank is not None and not self._shape.is_compatible_with(arr.shape):
            # TF: ValueError from assign, InvalidArgumentError from assign_add/sub.
            error = ValueError if op == "assign" else InvalidArgumentError
            raise error(
                f"Variable.{op}: cannot update variable {self.name} with shape "
                f"{self.shape} using a value with shape {TensorShape(arr.shape)}; shapes must "
                f"be equal."
            )
        return arr

    def _converted(self, value, op: str):
        if isinstance(value, Operand):
            if value.dtype != self.dtype:
                raise DTypeMismatchError(
                    f"Variable.{op}: variable {self.name} has dtype {self.dtype.name}, "
                    f"the value has dtype {value.dtype.name}; use tf.cast first."
                )
            return value._value
        try:
            return convert_to_tensor(value, dtype=self.dtype)._value
        except TypeError as e:
            raise DTypeMismatchError(f"Variable.{op}: {e}") from None

    def _owns_array(self) -> bool:
        return sys.getrefcount(self._value) <= _SOLE_OWNER_REFS

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Sets the values; the shape and dtype stay fixed. Returns the variable (None with
        `read_value=False`, as TF)."""
        arr = self._checked(value, "assign")
        _traced_write(self, "assign", value)
        if self._owns_array() and arr.shape == self._value.shape:
            xp.copyto(self._value, arr)
        else:
            self._value = xp.array(arr, copy=True)
        return self if read_value else None  # TF: no value to read back

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        arr = self._checked(delta, "assign_add")
        _traced_write(self, "assign_add", delta)
        if self._owns_array():
            xp.add(self._value, arr, out=self._value)
        else:
            self._value = xp.asarray(self._value + arr)  # rank 0: an array, not a NumPy scalar
        return self if read_value else None

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        arr = self._checked(delta, "assign_sub")
        _traced_write(self, "assign_sub", delta)
        if self._owns_array():
            xp.subtract(self._value, arr, out=self._value)
        else:
            self._value = xp.asarray(self._value - arr)
        return self if read_value else None

    def _assign_slice(self, key, value):
        """`v[key].assign(value)`: writes into the selected region."""
        region_shape = np.shape(self._value[key])  # one string element is bytes, not an array
        arr = self._checked_region(value, region_shape)
        _traced_write(self, "assign_slice", value, key=key)
        if not self._owns_array():
            self._value = self._value.copy()
        if arr.dtype == object and arr.ndim == 0:
            arr = arr[()]  # one string: NumPy would store the 0-d array itself as the element
        self._value[key] = arr
        return self

    def _checked_region(self, value, region_shape):
        arr = self._converted(value, "assign")
        try:
            np.broadcast_shapes(arr.shape, region_shape)
        except ValueError:
            raise ValueError(
                f"Variable slice assign: the slice has shape "
                f"{TensorShape(region_shape)}, the value has shape "
                f"{TensorShape(arr.shape)}"
            ) from None
        return arr

    def scatter_nd_update(self, indices, updates, name=None):
        idx = convert_to_tensor(indices)._value
        arr = self._checked_region(updates, idx.shape[:-1] + self._value.shape[idx.shape[-1] :])
        _traced_write(self, "scatter_nd_update", updates, indices=indices)
        if not self._owns_array():
            self._value = self._value.copy()
        self._value[tuple(xp.moveaxis(idx, -1, 0))] = arr
        return self

    def __getitem__(self, key):
        from .registry import get_op

        sliced = get_op("Identity")(self)[key]
        return _VariableSlice(sliced, self, key)

    def __deepcopy__(self, memo):
        v = Variable(self._value, trainable=self._trainable, name=self._name)
        memo[id(self)] = v
        return v

    def __reduce__(self):
        return _rebuild_variable, (to_numpy(self._value), self._trainable, self._name)

    def __repr__(self):
        from .tensor import _repr_values

        return (
            f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
            f"numpy={_repr_values(self._value)}>"
        )

    __str__ = __repr__


def _traced_write(variable, method: str, value, **extra):
    """Tells the tf.function tracer, if any, that `variable.<method>(value)` is about to run.

    Before the write, so the tracer holds the old array and the write copies it (variables
    are copy-on-write): a dry trace can put it back.
    """
    if state.tracer is not None:
        state.tracer.variable_write(variable, method, value, extra)
    if state.tapes and hooks.assigned is not None:
        hooks.assigned(variable, method, value)


def _rebuild_variable(value, trainable, name):
    return Variable(value, trainable=trainable, name=name)


class _VariableSlice(Tensor):
    """The Tensor `v[key]` returns: a read, plus `assign` into that region of `v`."""

    __slots__ = ("_variable", "_key")

    def __init__(self, sliced: Tensor, variable: Variable, key):
        self._value = sliced._value
        self._id = sliced._id
        self._variable = variable
        self._key = key

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._variable._assign_slice(_array_key(self._key), value)


def _array_key(key):
    """An index key with Tensors replaced by their arrays, for direct array assignment."""
    if isinstance(key, tuple):
        return tuple(_array_key(k) for k in key)
    if isinstance(key, Operand):
        return key._value
    return key

"""`tf.TensorSpec` and the cache key of a call: what a trace is specialised on.

A call's key holds, per argument leaf: a Tensor's (or NumPy array's) dtype and shape, a
Variable's dtype, shape and type (variables are passed by reference, so one trace serves
every variable of that kind; aliasing between variable arguments is part of the key), and
any other Python value by value (by identity when unhashable). The nesting of lists,
tuples and dicts is part of it too.
"""

from __future__ import annotations

import numpy as np

from ..core import dtypes, nest
from ..core.spec import TensorSpec  # noqa: F401  (re-exported: tf.TensorSpec)
from ..core.tensor import Operand, Tensor, convert_to_tensor
from .polymorphic import relaxed_shape, resolve_axes


def _spec_of(tensor) -> TensorSpec:
    return TensorSpec(tuple(np.shape(tensor._value)), dtypes.from_numpy(tensor._value.dtype))


# ---- keys -----------------------------------------------------------------------------------


class CallArgs:
    """One call's arguments split into what the plan takes and what the key holds.

    `relaxed_key` is the key with None for the sizes of None dimensions (a trace that
    serves every size is kept under it; see polymorphic.py), or None without such
    dimensions; `dynamic` gives those dimensions' axes per flat tensor.
    """

    __slots__ = ("key", "relaxed_key", "dynamic", "parts", "tensors", "variables", "structure")
    __slots__ += ("keep",)

    def __init__(self):
        self.key = None
        self.relaxed_key = None
        self.dynamic = None
        self.parts = []  # (argument name, key part) for retracing messages
        self.tensors = []  # flat Tensor leaves (NumPy arrays converted)
        self.variables = []  # flat Variable leaves, in order of first appearance
        self.structure = []  # (name, value with leaves replaced by markers)
        self.keep = []  # unhashable Python values, kept alive while the key lives


class _Composite:
    """Marks a composite tensor argument (SparseTensor): its components' tensor markers."""

    __slots__ = ("cls", "markers", "spec")

    def __init__(self, cls, markers, spec):
        self.cls = cls
        self.markers = markers
        self.spec = spec


class _Leaf:
    """Marks a leaf position in an argument's structure: a tensor or a variable index."""

    __slots__ = ("kind", "index")

    def __init__(self, kind, index):
        self.kind = kind
        self.index = index


def split_arguments(names, values, dynamic=None) -> CallArgs:
    """The key and the flat tensors/variables of arguments `values` (named `names`).

    `dynamic`, per flat tensor, the axes of its None dimensions (a tuple, or "all" for an
    unknown rank): the call then also gets a `relaxed_key`.
    """
    call = CallArgs()
    parts = []
    var_index = {}
    for name, value in zip(names, values):
        if type(value) is Tensor:  # the common case, no structure to walk
            call.structure.append((name, _Leaf("t", len(call.tensors))))
            call.tensors.append(value)
            part = (value._value.dtype, np.shape(value._value))
            parts.append(part)
            call.parts.append((name, part))
            continue
        leaves = nest.flatten(value)
        markers, leaf_parts = [], []
        for leaf in leaves:
            marker, part = _leaf(call, leaf, var_index)
            markers.append(marker)
            leaf_parts.append(part)
        part = (_treedef(value), tuple(leaf_parts))
        if nest.is_nested(value):
            call.structure.append((name, nest.pack_sequence_as(value, markers)))
        else:
            call.structure.append((name, markers[0]))
        parts.append(part)
        call.parts.append((name, part))
    call.key = tuple(parts)
    if dynamic is not None and any(dynamic):
        call.dynamic = [
            resolve_axes(axes, np.ndim(t._value)) for axes, t in zip(dynamic, call.tensors)
        ]
        call.relaxed_key = relax_key(call.key, call.dynamic)
    return call


def relax_key(key, dynamic):
    """`key` with None at the `dynamic` axes of each tensor part (in flat tensor order)."""
    axes = iter(dynamic)

    def relax(part):
        if type(part) is tuple and len(part) == 2 and isinstance(part[0], np.dtype):
            return (part[0], relaxed_shape(part[1], next(axes)))
        if type(part) is tuple and len(part) == 2 and type(part[1]) is tuple:
            return (part[0], tuple(relax(p) for p in part[1]))
        if type(part) is tuple and len(part) == 3 and part[0] == "composite":
            # The spec's sizes are the components' (or, for a sparse dense shape, values
            # its trace reads through guards): with relaxed components, only its kind stays.
            parts = tuple(relax(p) for p in part[2])
            if parts == part[2]:
                return part
            return ("composite", _spec_kind(part[1]), parts)
        return part

    return tuple(relax(p) for p in key)


def _spec_kind(spec):
    """A composite spec without its sizes: the type, dtype, rank and ragged rank."""
    return (type(spec), spec.dtype, spec.shape.rank, getattr(spec, "ragged_rank", None))


def _leaf(call, leaf, var_index):
    if hasattr(leaf, "_components"):  # a SparseTensor: its dense components are the inputs
        markers, parts = [], []
        for t in leaf._components():
            call.tensors.append(t)
            markers.append(_Leaf("t", len(call.tensors) - 1))
            parts.append((t._value.dtype, np.shape(t._value)))
        spec = leaf._type_spec
        # The dense shape is part of the key, as TF's SparseTensorSpec is.
        return _Composite(type(leaf), markers, spec), ("composite", spec, tuple(parts))
    if isinstance(leaf, Operand):
        if leaf._is_variable:
            first = var_index.setdefault(id(leaf), len(call.variables))
            if first == len(call.variables):
                call.variables.append(leaf)
            return _Leaf("v", first), (
                "var",
                leaf._value.dtype,
                leaf._value.shape,
                type(leaf),
                first,
            )
        call.tensors.append(leaf)
        return _Leaf("t", len(call.tensors) - 1), (leaf._value.dtype, np.shape(leaf._value))
    if isinstance(leaf, (np.ndarray, np.generic)):
        t = convert_to_tensor(leaf)
        call.tensors.append(t)
        return _Leaf("t", len(call.tensors) - 1), (t._value.dtype, np.shape(t._value))
    tracing_type = getattr(type(leaf), "__tf_tracing_type__", None)
    if tracing_type is not None:  # the object says what its traces are specialised on
        return leaf, ("trace_type", tracing_type(leaf, None))
    try:
        hash(leaf)
        part = ("py", type(leaf), leaf)
    except TypeError:
        call.keep.append(leaf)
        part = ("id", type(leaf), id(leaf))
    return leaf, part


def _treedef(value):
    if isinstance(value, dict):
        return (
            "dict",
            type(value),
            tuple(sorted(map(repr, value))),
            tuple(_treedef(value[k]) for k in sorted(value, key=repr)),
        )
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_treedef(v) for v in value))
    return None


def rebuild(structure, tensors, variables):
    """The arguments again, with markers replaced by `tensors` and `variables`."""

    def fill(x):
        if isinstance(x, _Leaf):
            return tensors[x.index] if x.kind == "t" else variables[x.index]
        if isinstance(x, _Composite):
            return x.cls._from_components(tuple(tensors[m.index] for m in x.markers))
        return x

    out = []
    for name, value in structure:
        if isinstance(value, (_Leaf, _Composite)):
            out.append((name, fill(value)))
        elif nest.is_nested(value):
            out.append((name, nest.map_structure(fill, value)))
        else:
            out.append((name, value))
    return out


def describe_part(part) -> str:
    """A key part as a retracing message shows it: 'float32[32, 11]', '3', ..."""
    if isinstance(part, tuple) and len(part) == 2 and isinstance(part[0], np.dtype):
        return f"{dtypes.from_numpy(part[0]).name}{list(part[1])}"  # 'string', not 'object'
    if isinstance(part, tuple) and part and part[0] == "composite":
        return repr(part[1]) if not isinstance(part[1], tuple) else part[1][0].__name__
    if isinstance(part, tuple) and part and part[0] == "py":
        return repr(part[2])
    if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], tuple):
        leaves = [describe_part(p) for p in part[1]]
        return leaves[0] if part[0] is None and len(leaves) == 1 else f"({', '.join(leaves)})"
    if isinstance(part, tuple) and part and part[0] == "var":
        return f"Variable {part[1].name}{list(part[2])}"
    return repr(part)


# ---- input_signature --------------------------------------------------------------------------


def bind_to_signature(input_signature, values, describe_call):
    """Converts argument `values` to Tensors fitting `input_signature`, or TypeError as TF."""
    if len(values) > len(input_signature):
        raise TypeError(
            f"Binding inputs to tf.function failed due to `too many positional arguments`. "
            f"{describe_call()}"
        )
    if len(values) < len(input_signature):
        raise TypeError(
            f"Binding inputs to tf.function failed due to `missing a required argument: "
            f"{len(values)}`. {describe_call()}"
        )
    converted = []
    for value, spec in zip(values, input_signature):
        if isinstance(spec, TensorSpec):  # a list or array value is data here, not structure
            converted.append(_fit(value, spec, describe_call))
            continue
        specs = nest.flatten(spec)
        leaves = nest.flatten(value)
        if len(specs) != len(leaves):
            raise TypeError(
                f"Binding inputs to tf.function failed due to `{value!r} does not match the "
                f"structure of {spec!r}`. {describe_call()}"
            )
        out = []
        for leaf, s in zip(leaves, specs):
            out.append(_fit(leaf, s, describe_call))
        converted.append(nest.pack_sequence_as(value, out) if nest.is_nested(value) else out[0])
    return converted


def _fit(value, spec: TensorSpec, describe_call):
    if not isinstance(spec, TensorSpec):  # a SparseTensorSpec
        if not spec.is_compatible_with(value):
            raise TypeError(
                f"Binding inputs to tf.function failed due to `Can not cast {value!r} to "
                f"{spec!r}`. {describe_call()}"
            )
        return value
    if isinstance(value, Operand):
        tensor = value
    elif (spec.dtype.is_integer or spec.dtype.is_bool) and _has_python_float(value):
        tensor = None  # TF never turns a Python float (even 2.0) into an integer tensor
    else:
        try:
            tensor = convert_to_tensor(value, dtype=spec.dtype)
        except (TypeError, ValueError):
            tensor = None
            try:
                tensor = convert_to_tensor(value)
            except (TypeError, ValueError):
                pass
    if tensor is None or not spec.is_compatible_with(tensor):
        got = _spec_of(tensor) if tensor is not None else repr(value)
        raise TypeError(
            f"Binding inputs to tf.function failed due to `Can not cast {got!r} to "
            f"{spec!r}`. {describe_call()}"
        )
    return tensor


def _has_python_float(value) -> bool:
    if isinstance(value, float):
        return True
    return isinstance(value, (list, tuple)) and any(_has_python_float(v) for v in value)


# ---- tf.types.experimental ------------------------------------------------------------------


class TraceType:
    """`tf.types.experimental.TraceType`: what a Python argument's traces are keyed on.

    An object whose class defines `__tf_tracing_type__(self, context)` returning one
    gets a trace per distinct (equal, same hash) TraceType instead of one per object.
    tapeflow traces on the object itself, so `placeholder_value` is not needed to trace.
    """

    def is_subtype_of(self, other) -> bool:
        raise NotImplementedError

    def most_specific_common_supertype(self, others):
        raise NotImplementedError

    def placeholder_value(self, placeholder_context=None):
        raise NotImplementedError

    def __eq__(self, other):
        raise NotImplementedError

    def __hash__(self):
        raise NotImplementedError


class SupportsTracingProtocol:
    """`tf.types.experimental.SupportsTracingProtocol`: a class with __tf_tracing_type__."""

    def __tf_tracing_type__(self, context) -> TraceType:
        raise NotImplementedError

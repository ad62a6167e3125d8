"""Element structures of tf.data: tuples, namedtuples and dicts nest; lists are values.

tf.data differs from `tf.nest` here on purpose (as TensorFlow's `data/util/nest` does): a
Python list is converted to one tensor (`from_tensor_slices([1, 2, 3])`), not a sequence of
three components. Datasets flow as flat tuples of backend arrays plus one template.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..core.ragged import RaggedTensor
from ..core.ragged_spec import RaggedTensorSpec
from ..core.sparse import SparseTensor, SparseTensorSpec
from ..core.spec import DatasetSpec, TensorSpec
from ..core.tensor import Operand, convert_to_tensor, wrap
from .ragged_rows import RaggedArray
from .sparse_rows import SparseArray


def is_nested(x) -> bool:
    return isinstance(x, (tuple, Mapping))


def _keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def flatten(x) -> list:
    """The leaves of `x` in order (dict keys sorted, as in TF)."""
    out = []

    def walk(v):
        if isinstance(v, Mapping):
            for k in _keys(v):
                walk(v[k])
        elif isinstance(v, tuple):
            for item in v:
                walk(item)
        else:
            out.append(v)

    walk(x)
    return out


def flatten_with_paths(x, path: str = "") -> list:
    """(path, leaf) pairs; a path reads like an index into `x`: "[0]['image']"."""
    if isinstance(x, Mapping):
        return [p for k in _keys(x) for p in flatten_with_paths(x[k], f"{path}[{k!r}]")]
    if isinstance(x, tuple):
        return [p for i, item in enumerate(x) for p in flatten_with_paths(item, f"{path}[{i}]")]
    return [(path, x)]


def pack(template, flat):
    """The leaves of `flat` put back into the nesting of `template`."""
    it = iter(flat)

    def build(t):
        if isinstance(t, Mapping):
            built = {k: build(t[k]) for k in _keys(t)}
            items = [(k, built[k]) for k in t]
            return dict(items) if type(t) is dict else type(t)(items)
        if isinstance(t, tuple):
            items = [build(item) for item in t]
            return type(t)(*items) if hasattr(t, "_fields") else type(t)(items)
        return next(it)

    return build(template)


def same_structure(a, b) -> bool:
    """True if `a` and `b` nest the same way (types of containers and dict keys included)."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)) or set(a) != set(b):
            return False
        return all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple) or isinstance(b, tuple):
        if type(a) is not type(b) or len(a) != len(b):
            return False
        return all(same_structure(x, y) for x, y in zip(a, b))
    return True


def to_array(value, dtype=None):
    """One component value (Tensor, array, Python number or list, pandas Series) as a
    backend array, with TensorFlow's conversion rules (Python floats -> float32)."""
    if isinstance(value, list) and _numpy_first(value):
        # As TF: a list led by NumPy arrays (or float scalars) keeps their dtype
        # ([f64 array, f64 array] is float64); Python floats alone default to float32.
        value = np.asarray(value)
    elif not isinstance(value, (Operand, np.ndarray, np.generic, list, tuple, int, float, bool)):
        if hasattr(value, "__array__"):  # pandas Series, ...: keep their dtype, as TF does
            value = np.asarray(value)
    if isinstance(value, SparseTensor):
        return SparseArray.from_sparse(value)
    if isinstance(value, RaggedTensor):
        return RaggedArray.from_ragged(value)
    return convert_to_tensor(value, dtype=dtype)._value


def _numpy_first(values) -> bool:
    while isinstance(values, list) and values:
        values = values[0]
    return isinstance(values, (np.ndarray, np.floating))


def normalize(value):
    """A user-supplied element (or map result) as (template, flat arrays). Lists become
    one tensor; a list returned at top level by a map function is a tuple, as in TF."""
    if isinstance(value, list):
        value = tuple(value)
    if value is None:
        raise TypeError("a tf.data element cannot be None")
    leaves = flatten(value)
    flat = []
    for leaf in leaves:
        if leaf is None:
            raise TypeError(f"a tf.data element cannot contain None: got {value!r}")
        flat.append(leaf if _is_dataset(leaf) else to_array(leaf))
    return value, flat


def _is_dataset(x) -> bool:
    return hasattr(x, "_iter_flat") and hasattr(x, "element_spec")


def spec_of(value) -> TensorSpec | DatasetSpec | SparseTensorSpec:
    """The spec of one flat component: an array, a SparseArray or a Dataset."""
    if _is_dataset(value):
        return DatasetSpec(value.element_spec)
    if isinstance(value, (SparseArray, RaggedArray)):
        return value.spec()
    return TensorSpec(value.shape, value.dtype)


def spec_structure(template, flat):
    """The element_spec of an element given as (template, flat arrays)."""
    return pack(template, [spec_of(a) for a in flat])


def make_packer(element_spec):
    """A function turning a flat tuple of arrays into the user-facing element (Tensors in
    the nesting of `element_spec`). The common shapes get a direct path."""
    specs = flatten(element_spec)
    if any(isinstance(s, (DatasetSpec, SparseTensorSpec, RaggedTensorSpec)) for s in specs):
        makers = [_component_maker(s) for s in specs]
        return lambda flat: pack(element_spec, [m(a) for a, m in zip(flat, makers)])
    if isinstance(element_spec, TensorSpec):
        return lambda flat: wrap(flat[0])
    if type(element_spec) is tuple and all(isinstance(s, TensorSpec) for s in element_spec):
        return lambda flat: tuple([wrap(a) for a in flat])
    return lambda flat: pack(element_spec, [wrap(a) for a in flat])


def _component_maker(spec):
    if isinstance(spec, TensorSpec):
        return wrap
    if isinstance(spec, SparseTensorSpec):
        return SparseArray.to_sparse
    if isinstance(spec, RaggedTensorSpec):
        return _ragged_maker
    return lambda a: a


def _ragged_maker(a):
    # A ragged component's row can arrive as a plain array (a dense ragged_rank-0 row).
    return a.to_user() if isinstance(a, RaggedArray) else wrap(a)


def call_with_element(fn, element):
    """Calls a user function with an element as TF does: a plain tuple is spread into
    positional arguments, anything else (dict, namedtuple, Tensor) is one argument."""
    if type(element) is tuple:
        return fn(*element)
    return fn(element)


class LazyPacker:
    """`make_packer(dataset.element_spec)`, built at the first element: by then every map
    above has seen a real element and learned its spec, so iterating never has to call a
    map function ahead of time to find out what it returns."""

    __slots__ = ("_dataset", "_pack")

    def __init__(self, dataset):
        self._dataset = dataset
        self._pack = None

    def __call__(self, flat):
        pack = self._pack
        if pack is None:
            pack = self._pack = make_packer(self._dataset.element_spec)
        return pack(flat)

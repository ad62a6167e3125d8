"""`tf.TensorShape`: a shape whose dimensions may be unknown (None), or whose rank may be."""

from __future__ import annotations

import operator


def _dimension(d):
    """One dimension: None or a non-negative int (TF's TypeError for 2.0, ValueError for -2)."""
    if d is None:
        return None
    try:
        n = operator.index(d)
    except TypeError:
        raise TypeError(
            f"Dimension value must be integer or None or have an __index__ method, got value "
            f"{d!r} with type {type(d)}"
        ) from None
    if n < 0:
        raise ValueError(f"Dimension {n} must be >= 0")
    return n


class TensorShape:
    """The shape of a tensor; indexing gives ints (or None), slicing gives a TensorShape."""

    __slots__ = ("_dims",)

    def __init__(self, dims):
        if type(dims) is tuple and all(type(d) is int for d in dims):
            self._dims = dims  # an array's shape: the common case, no conversion needed
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif dims is None:
            self._dims = None
        elif isinstance(dims, int):
            self._dims = (dims,)
        else:
            self._dims = tuple(_dimension(d) for d in dims)

    @property
    def rank(self):
        return None if self._dims is None else len(self._dims)

    ndims = rank

    @property
    def dims(self):
        return None if self._dims is None else list(self._dims)

    def as_list(self) -> list:
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def is_fully_defined(self) -> bool:
        return self._dims is not None and all(d is not None for d in self._dims)

    def is_compatible_with(self, other) -> bool:
        other = TensorShape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def merge_with(self, other) -> TensorShape:
        other = TensorShape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        return TensorShape([a if a is not None else b for a, b in zip(self._dims, other._dims)])

    def concatenate(self, other) -> TensorShape:
        other = TensorShape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def with_rank(self, rank: int) -> TensorShape:
        if self._dims is not None and len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self if self._dims is not None else TensorShape([None] * rank)

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {TensorShape(other)} are incompatible")

    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key):
        if self._dims is None:
            return None if not isinstance(key, slice) else TensorShape(None)
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return self._dims[key]

    def __bool__(self):
        return self._dims is not None

    def __eq__(self, other):
        try:
            other = TensorShape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(self._dims)

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return TensorShape(other).concatenate(self)

    def __repr__(self):
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)})"

    def __str__(self):
        if self._dims is None:
            return "<unknown>"
        inner = ", ".join("None" if d is None else str(d) for d in self._dims)
        return f"({inner},)" if len(self._dims) == 1 else f"({inner})"

    def __reduce__(self):
        return TensorShape, (self._dims,)


class WatchedShape(TensorShape):
    """A traced tensor's shape whose `varying` axes follow a None dimension of a
    tf.function's input_signature (see tapeflow/function/polymorphic.py).

    It holds the traced sizes, so Python code works as in eager mode; reading one of the
    varying sizes (indexing it, iterating, comparing, converting, printing) calls
    `on_read` once, which ties the trace to this size. The rank and the other sizes read
    freely. Every base method reads `_dims`, which is the property below, so no path
    reads a varying size unseen.
    """

    __slots__ = ("_sizes", "_varying", "_on_read")

    def __init__(self, dims, varying, on_read):
        self._sizes = tuple(dims)
        self._varying = frozenset(varying)
        self._on_read = on_read

    @property
    def _dims(self):
        self._read()
        return self._sizes

    def _read(self):
        if self._on_read is not None:
            on_read, self._on_read = self._on_read, None
            on_read()

    @property
    def rank(self):
        return len(self._sizes)

    ndims = rank

    def __len__(self):
        return len(self._sizes)

    def __bool__(self):
        return True

    def is_fully_defined(self) -> bool:
        return None not in self._sizes  # a RaggedTensor's shape has None ragged dimensions

    def with_rank(self, rank: int) -> TensorShape:
        if len(self._sizes) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self

    def __getitem__(self, key):
        if isinstance(key, slice):
            axes = range(len(self._sizes))[key]
            varying = [i for i, a in enumerate(axes) if a in self._varying]
            sizes = self._sizes[key]
            if not varying:
                return TensorShape(sizes)
            return WatchedShape(sizes, varying, self._on_read_for_slice())
        axis = range(len(self._sizes))[key]  # IndexError as a tuple gives
        if axis in self._varying:
            self._read()
        return self._sizes[axis]

    def _on_read_for_slice(self):
        return lambda: self._read()

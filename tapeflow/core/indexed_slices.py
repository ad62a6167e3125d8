"""`tf.IndexedSlices`: a sparse gradient, rows `values` at `indices` of a dense tensor."""

from __future__ import annotations

from .shape import TensorShape


class IndexedSlices:
    """Rows of a tensor of shape `dense_shape`; repeated indices add up when densified."""

    def __init__(self, values, indices, dense_shape=None):
        self.values = values
        self.indices = indices
        self.dense_shape = dense_shape

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self.dense_shape)

    def _tapeflow_tensor_conversion(self):
        """The dense Tensor; differentiable, so it may sit inside a recorded computation."""
        from .registry import get_op

        return get_op("UnsortedSegmentSum")(
            self.values, self.indices, num_segments=int(self.dense_shape[0])
        )

    def __neg__(self):
        return IndexedSlices(-self.values, self.indices, self.dense_shape)

    def __repr__(self):
        return (
            f"IndexedSlices(indices={self.indices!r}, values={self.values!r}, "
            f"dense_shape={self.dense_shape!r})"
        )

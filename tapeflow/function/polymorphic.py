"""Shape polymorphism: one trace for every size of an input_signature's None dimensions.

A trace runs on concrete values, so every shape in it is the first call's. For that trace to
serve other sizes, nothing in it may be tied to the traced size. The tracer checks this by
running every op that depends on a None dimension a second time, on "shadow" inputs one
larger along those dimensions, with the same attributes and constants. The trace serves
every size only when:

- the shadow run succeeds and keeps every rank: an attribute or constant made from the
  traced size (a reshape target, a mask drawn for the traced batch) meets a shadow value of
  the other size and fails;
- Python never saw a shape or the values of a tensor whose shape follows a None dimension
  (`x.shape`, `len(x)`, iterating over `x`, `x.numpy()`), where TF itself gives None, nor
  converted a value that converts otherwise at the shadow size (`int(tf.shape(x)[0])`);
  conversions that agree (`if tf.reduce_max(x) > 100:`) stay guards checked on each call;
- no op's output shape depends on values that follow the size (`tf.range(tf.shape(x)[0])`),
  and no variable is written or host callback fed a value whose shape follows it;
- each None dimension was traced with a size of at least 2 (a size 1 broadcasts, so a
  baked size 1 cannot be told apart from a size that follows the input).

Otherwise the trace is specialised to its shapes, as without None dimensions (one trace per
shape), and keeps the reason (`ConcreteFunction.polymorphic_reason`).

A scalar made in Python from a size (`n = x.shape[0]` then `/ n`) cannot be caught by a shadow
run, since it broadcasts against either size. For user code the shape read itself is seen
(above). Library code therefore derives counts and shapes with ops (`tf.shape`, `tf.size`,
shape-generic ops such as a broadcast "like" another tensor), never from a NumPy shape read
in Python; `tests/function/test_polymorphic.py` checks every op's forward and gradient, and
Keras training steps, against eager runs at other sizes.
"""

from __future__ import annotations

import copy

import numpy as np

from ..backend import xp
from ..core import nest
from ..core.shape import TensorShape, WatchedShape
from ..core.spec import TensorSpec
from .scopes import _where

_PYTHON = {"bool": bool, "int": int, "float": float, "complex": complex}

# Stateful ops that must not run twice (their effect is outside the arrays): no shadow run.
_NO_SHADOW = frozenset({"PrintV2", "WriteFile", "ReadFile"})


class Shadow:
    """The second-size run alongside one trace: shadow arrays of the values that follow a
    None dimension, and the first reason (if any) the trace cannot serve other sizes."""

    __slots__ = ("arrays", "reason")

    def __init__(self):
        self.arrays = {}  # value id -> its array at the shadow size (values that depend on it)
        self.reason = None

    def specialise(self, reason: str):
        if self.reason is None:
            self.reason = reason

    def tainted(self, v) -> bool:
        return v in self.arrays

    def varies(self, v, real) -> bool:
        """Whether value `v`'s shape follows a None dimension (differs at the shadow size)."""
        shadow = self.arrays.get(v)
        return shadow is not None and np.shape(shadow) != np.shape(real)

    def add_input(self, v, array, axes):
        """Input value `v` (array `array`) with None dimensions at `axes`."""
        shadow = array
        for axis in axes:
            n = array.shape[axis]
            if n < 2:
                self.specialise(
                    f"traced with size {n} in the None dimension {axis} of an input (a trace "
                    f"serves every size only when traced with a size of at least 2)"
                )
                return
            shadow = xp.take(shadow, xp.arange(n + 1) % n, axis=axis)  # backend arrays
        if axes:
            self.arrays[v] = shadow

    def record(self, op, ins, attrs, outs, arrays):
        """Op `op` ran on values `ins` giving `outs`: its run at the shadow size."""
        if self.reason is not None or not any(v in self.arrays for v in ins):
            return
        if op.name in _NO_SHADOW:
            if outs:
                self.specialise(f"{op.name} reads a value whose shape follows a None dimension")
            return
        if op.stateful:  # a random draw: a copy of its generator, so the stream stays put
            attrs = {
                k: copy.deepcopy(a) if isinstance(a, np.random.Generator) else a
                for k, a in attrs.items()
            }
        inputs = [self.arrays.get(v, arrays[v]) for v in ins]
        try:
            with np.errstate(all="ignore"):
                out = op.forward(*inputs, **attrs)
        except Exception as e:  # noqa: BLE001 - any failure means the size is baked in
            self.specialise(
                f"{op.name} fails at another size of the None dimension ({type(e).__name__}: "
                f"{e}); an attribute or constant holds the traced size"
            )
            return
        results = out if op.multiple_outputs else (out,)
        for v, a in zip(outs, results):
            if np.ndim(a) != np.ndim(arrays[v]):
                self.specialise(f"{op.name} gives another rank at another size")
                return
            self.arrays[v] = a

    def converted(self, v, kind, value, real, where):
        """Python converted value `v` to `value` (a guard). When its array has another shape
        at the shadow size, or converts to another Python value there (`tf.zeros((tf.shape(x)
        [0], 1))` turns a size into an int), the Python decision holds the traced size."""
        shadow = self.arrays.get(v)
        if shadow is None or self.reason is not None:
            return
        if np.shape(shadow) != np.shape(real):
            differs = True
        elif kind in _PYTHON:
            other = _PYTHON[kind](shadow)
            differs = other != value and not (other != other and value != value)
        else:
            differs = False
        if differs:
            self.specialise(
                f"Python converts a value that follows a None dimension (at {where}): its "
                f"traces are made per size"
            )

    def shapes(self, arrays) -> dict:
        """value id -> shadow shape, for the values whose shape follows a None dimension."""
        return {
            v: tuple(np.shape(a))
            for v, a in self.arrays.items()
            if v in arrays and np.shape(a) != np.shape(arrays[v])
        }


def shadow_sparse_inputs(tracer, structure):
    """SparseTensor arguments traced with a varying number of values: their shadow is a
    valid SparseTensor one entry larger and one larger in each None dimension of the spec
    traced for (the new entry at the old size there, 0 elsewhere: last in row-major
    order), so that a trace depending on the dense shape's values (an op taking it, a
    Python read) is seen to depend on them. (Without a spec, every dimension grows.)"""
    from ..core.sparse import SparseTensor

    shadow = tracer.shadow
    if shadow is None:
        return
    for _, template in structure:
        for marker in nest.flatten(template):
            if getattr(marker, "cls", None) is not SparseTensor:
                continue
            i, j, k = (tracer.inputs[m.index] for m in marker.markers)
            if not (shadow.tainted(i) and shadow.tainted(j)):
                continue  # a fixed number of values, or too few to tell sizes apart
            indices, values, dense_shape = tracer.arrays[i], tracer.arrays[j], tracer.arrays[k]
            shape = marker.spec.shape  # the spec traced for: its None dimensions grow
            grow = [1 if shape.rank is None or d is None else 0 for d in shape.as_list()]
            if not any(grow):
                continue
            grow = xp.asarray(grow, dense_shape.dtype)
            shadow.arrays[k] = dense_shape + grow
            corner = xp.reshape(xp.asarray(dense_shape * grow, indices.dtype), (1, -1))
            shadow.arrays[i] = xp.concatenate([indices, corner])
            shadow.arrays[j] = xp.concatenate([values, values[:1]])


def relaxed_shape(shape, axes):
    """`shape` with None at `axes` ("all": every axis): a polymorphic trace's key part."""
    if axes == "all":
        return (None,) * len(shape)
    return tuple(None if i in axes else d for i, d in enumerate(shape))


def differing_axes(old_key, new_key):
    """Per tensor of two call keys, the axes whose sizes differ; None when the keys differ
    otherwise (structure, dtypes, ranks, Python values)."""
    axes = []

    def walk(a, b) -> bool:
        if type(a) is tuple and len(a) == 2 and isinstance(a[0], np.dtype):
            if not (type(b) is tuple and len(b) == 2 and b[0] == a[0] and len(b[1]) == len(a[1])):
                return False
            axes.append(tuple(i for i, (x, y) in enumerate(zip(a[1], b[1])) if x != y))
            return True
        if type(a) is tuple and len(a) == 2 and type(a[1]) is tuple and a[0] != "py":
            return (
                type(b) is tuple
                and len(b) == 2
                and a[0] == b[0]
                and len(a[1]) == len(b[1])
                and all(walk(x, y) for x, y in zip(a[1], b[1]))
            )
        return a == b

    if len(old_key) != len(new_key) or not all(walk(a, b) for a, b in zip(old_key, new_key)):
        return None
    return axes


def dynamic_axes(spec):
    """The None axes of a TensorSpec: a tuple, "all" (unknown rank) or () (none)."""
    shape = spec.shape
    if shape.rank is None:
        return "all"
    return tuple(i for i, d in enumerate(shape.as_list()) if d is None)


def resolve_axes(axes, ndim: int) -> tuple:
    return tuple(range(ndim)) if axes == "all" else axes


def composite_axes(spec) -> list:
    """Per component tensor of a RaggedTensorSpec or SparseTensorSpec (in `_components()`
    order), the axes that vary among the values of the spec, as a TensorSpec's None axes:
    a ragged value's flat values (their length, and inner None dimensions) and row splits
    (the outer ones when the row count is None, the inner ones always); a sparse value's
    indices and values (the number stored). A sparse value's dense shape is a tensor of
    fixed length: its values are read through guards, which hold them where a trace
    depends on them."""
    rank = spec.shape.rank
    if hasattr(spec, "ragged_rank"):
        if spec.ragged_rank == 0:
            return [dynamic_axes(TensorSpec(spec.shape, spec.dtype))]
        inner = () if rank is None else spec.shape.as_list()[spec.ragged_rank + 1 :]
        flat = (0,) + tuple(1 + i for i, d in enumerate(inner) if d is None)
        outer = (0,) if rank is None or spec.shape.as_list()[0] is None else ()
        return [flat, outer] + [(0,)] * (spec.ragged_rank - 1)
    return [(0,) if rank is not None else "all", (0,), ()]


def signature_axes(input_signature):
    """Per flat input tensor of `input_signature` (a composite spec's components in
    turn), its None axes; None if it has none."""
    if input_signature is None:
        return None
    axes = []
    for s in nest.flatten(list(input_signature)):
        if isinstance(s, TensorSpec):
            axes.append(dynamic_axes(s))
        elif hasattr(s, "_example"):  # RaggedTensorSpec, SparseTensorSpec
            axes += composite_axes(s)
        else:
            axes.append(())
    return axes if any(axes) else None


def resolved_axes(dynamic, tensors) -> list:
    return [resolve_axes(a, t._value.ndim) for a, t in zip(dynamic, tensors)]


# Ops each of whose output sizes is, at every size, an attribute or an input size (or a sum or
# product of them: concat, tile, pad). Others (slices, splits, windows with strides, top_k)
# may clamp or round a size, so two probes (traced and shadow) cannot show how it varies.
_EXACT_EXTRA = frozenset(
    """Atan Ceil Cosh DivNoNan Elu EluGrad Erf Floor LeakyRelu LeakyReluGrad LogSoftmax Relu6
    Relu6Grad Round Selu SeluGrad SigmoidCrossEntropyWithLogits
    SigmoidCrossEntropyWithLogitsGrad Sinh Softmax SoftmaxCrossEntropyWithLogits Softplus
    Softsign Tan BroadcastLike ReshapeLike ReducedCount ReverseV2 Tile Unpack L2Loss
    EuclideanNorm Einsum MatrixBandPart PadV2 MirrorPad ReshapeFrom ZerosFrom
    StridedSliceGradLike""".split()
)


def _exact_ops():
    from .kernels import KERNELS
    from .trace import STATIC_SHAPE

    return STATIC_SHAPE | frozenset(KERNELS) | _EXACT_EXTRA


def guard_clamped_sizes(graph):
    """In a graph serving every size: after an op outside the exact set that takes a value
    whose shape varies, a shape guard on each output the probes found fixed (`x[:5]` is 5
    rows from 5 rows on, fewer below): a call where it is not fixed traces again."""
    from .ir import Node

    exact = _exact_ops()
    varying = graph.shadow_shapes
    nodes = []
    for n in graph.nodes:
        nodes.append(n)
        if n.kind != "op" or n.op.name in exact or not any(v in varying for v in n.inputs):
            continue
        for v in n.outputs:
            if v not in varying:
                expected = tuple(np.shape(graph.arrays[v]))
                nodes.append(
                    Node("guard", None, (v,), {"kind": "shape", "expected": expected}, ())
                )
    graph.nodes = nodes


# ---- hooks of the tracer -------------------------------------------------------------------


def watched_shape(tracer, tensor):
    """`tensor.shape` while tracing: where it follows a None dimension, a WatchedShape
    whose varying sizes, once read by Python, tie this trace to them (TF gives None
    there)."""
    shape = tensor._value.shape
    shadow = tracer.shadow
    if shadow is None or tracer.suspended or tensor._is_variable:
        return TensorShape(shape)
    v = tracer.by_tensor.get(tensor._id)
    if v is None or not shadow.varies(v, tracer.arrays[v]):
        return TensorShape(shape)
    other = np.shape(shadow.arrays[v])
    varying = [i for i, (a, b) in enumerate(zip(shape, other)) if a != b]
    where = _where()

    def on_read():
        shadow.specialise(
            f"Python reads a size of a tensor that follows a None dimension (at {where}); "
            f"TF gives None there"
        )

    return WatchedShape(shape, varying, on_read)


def check_gradient_shape(tracer, gradient, x, op_name):
    """The backward pass made `gradient` for `x`: with None dimensions, it must have
    x's shape at the shadow size too (a vjp may build it from a traced shape)."""
    shadow = tracer.shadow
    if shadow is None or shadow.reason is not None or tracer.suspended:
        return
    g = tracer.by_tensor.get(gradient._id)
    v = tracer.by_tensor.get(x._id)
    if g is None or v is None or not (shadow.tainted(g) or shadow.tainted(v)):
        return
    if np.shape(shadow.arrays.get(g, tracer.arrays[g])) != np.shape(
        shadow.arrays.get(v, tracer.arrays[v])
    ):
        shadow.specialise(f"the gradient of {op_name} takes the traced size of a None dimension")

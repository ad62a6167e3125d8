"""Sample sets for the generic op tests and small helpers shared by vjps."""

from ..core.errors import InvalidArgumentError
from ..core.registry import Sample

# Shapes chosen to exercise broadcasting in both directions and rank 0.
UNARY = [Sample((3, 4)), Sample(())]
BINARY = [
    Sample((3, 4), (3, 4)),
    Sample((3, 4), (4,)),
    Sample((2, 1, 3), (4, 1)),
    Sample((), (3,)),
]


def batch_ndim(g, ans) -> int:
    """How many leading (jacobian batch) dimensions the upstream gradient `g` carries."""
    return g.ndim - ans.ndim


def normalize_axis(axis, ndim: int):
    """`axis` (None, int or sequence) as a tuple of non-negative ints, or None for all axes."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        axes = axis
    else:
        axes = (axis,)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}")
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def _floating(name, x, out=None):
    """`out`, or TF's error when a float-only kernel got an integer or bool input.

    NumPy promotes such inputs (exp of int32 is float64), so a result of another dtype
    than the input means the input was not floating: checked after the fact, for free.
    Without `out`, checks the input's dtype itself.
    """
    if (x.dtype.kind != "f") if out is None else (out.dtype != x.dtype):
        raise InvalidArgumentError(
            f"{name}: expected a floating-point tensor (float16, "
            f"float32 or float64), got {x.dtype.name}"
        )
    return out


def no_gradient(forward_op):
    """Gives `forward_op` TF's answer for an op without a registered gradient: asking for a
    gradient through it raises LookupError (not a silent None). Its samples use `wrt=()`."""

    forward_op.gradient_error = "LookupError"  # for docs/api.md's table

    @forward_op.vjp
    def _no_gradient_vjp(g, ans, *inputs, **attrs):
        raise LookupError(
            f"gradient registry has no entry for: {forward_op.name} (TensorFlow defines no "
            f"gradient for it; wrap its inputs in tf.stop_gradient(...) if none is needed)"
        )

    return forward_op

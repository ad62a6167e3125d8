"""JAX-style function transforms on tapeflow: grad, value_and_grad, vjp, jvp, vmap,
jacrev, jacfwd, hessian.

Each takes a function of Tensors (nested structures allowed) and returns a function. They
are built on GradientTape, ForwardAccumulator and `vmap`, and each runs its function
through the dispatcher, so they compose: `vmap(grad(f))` gives per-example gradients,
`jacfwd(jacrev(f))` a Hessian, `grad(grad(f))` a second derivative. As in JAX, a gradient
with respect to an input the output does not depend on is zeros (never None).
"""

from __future__ import annotations

import functools

from ..backend import xp
from ..core import nest
from ..core.forward import ForwardAccumulator
from ..core.indexed_slices import IndexedSlices
from ..core.registry import get_op
from ..core.tape import GradientTape, UnconnectedGradients
from ..core.tensor import Operand, convert_to_tensor, wrap
from .vmap import batched_call


def _argnums(argnums, n_args):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for k in nums:
        if not -n_args <= k < n_args:
            raise ValueError(f"argnums {argnums} out of range for {n_args} positional arguments")
    return tuple(k % n_args for k in nums), isinstance(argnums, int)


def _fresh(x):
    """A Tensor of x's value with an id of its own, connected to x on outer tapes."""
    if isinstance(x, Operand) and x._is_variable:
        return x
    x = convert_to_tensor(x)
    return get_op("Identity")(x)


def _dense(g, like):
    if g is None:
        return wrap(xp.zeros_like(like._value))
    if isinstance(g, IndexedSlices):
        return convert_to_tensor(g)
    return g


def value_and_grad(f, argnums=0, has_aux=False):
    """`f`'s value and its gradient with respect to the `argnums` arguments.

    `f` must return a scalar Tensor (or `(scalar, aux)` with `has_aux=True`). Returns a
    function giving `(value, grads)` (`((value, aux), grads)` with `has_aux`); `grads` has
    the structure of the argument (a tuple of them when `argnums` is a tuple).
    """

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        nums, single = _argnums(argnums, len(args))
        args = list(args)
        flat = {}
        for k in nums:
            args[k] = nest.map_structure(_fresh, args[k])
            flat[k] = nest.flatten(args[k])
        with GradientTape(persistent=False) as tape:
            tape._explain = False  # unconnected inputs get zeros, as in JAX
            for k in nums:
                tape.watch(flat[k])
            out = f(*args, **kwargs)
            value, aux = out if has_aux else (out, None)
            value = convert_to_tensor(value)
            if value._value.ndim != 0:
                raise TypeError(
                    f"grad requires a scalar output; {getattr(f, '__name__', 'f')} returned "
                    f"shape {tuple(value._value.shape)} (use vjp or jacrev for other outputs)"
                )
        sources = [s for k in nums for s in flat[k]]
        grads = tape.gradient(value, sources, unconnected_gradients=UnconnectedGradients.NONE)
        grads = iter([_dense(g, s) for g, s in zip(grads, sources)])
        per_arg = [
            nest.pack_sequence_as(args[k], [next(grads) for _ in flat[k]])
            if nest.is_nested(args[k])
            else next(grads)
            for k in nums
        ]
        result = per_arg[0] if single else tuple(per_arg)
        return ((value, aux) if has_aux else value), result

    return wrapped


def grad(f, argnums=0, has_aux=False):
    """The gradient of scalar-valued `f` with respect to its `argnums` arguments."""
    vg = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def vjp(f, *primals, has_aux=False):
    """`(f(*primals), vjp_fn)`: `vjp_fn(cotangent)` is the tuple of vector-Jacobian products
    with respect to each primal (`(out, vjp_fn, aux)` with `has_aux`)."""
    primals = [nest.map_structure(_fresh, p) for p in primals]
    flat = [nest.flatten(p) for p in primals]
    tape = GradientTape(persistent=True)
    tape._explain = False
    with tape:
        for f_ in flat:
            tape.watch(f_)
        out = f(*primals)
        out, aux = out if has_aux else (out, None)
    sources = [s for f_ in flat for s in f_]

    def vjp_fn(cotangent):
        targets = nest.flatten(out)
        cot = nest.flatten(cotangent)
        if len(cot) != len(targets):
            raise ValueError(
                f"vjp: the cotangent has {len(cot)} leaves, the output {len(targets)}"
            )
        grads = tape.gradient(targets, sources, output_gradients=cot)
        grads = iter([_dense(g, s) for g, s in zip(grads, sources)])
        return tuple(
            nest.pack_sequence_as(p, [next(grads) for _ in f_])
            if nest.is_nested(p)
            else next(grads)
            for p, f_ in zip(primals, flat)
        )

    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def jvp(f, primals, tangents):
    """`(f(*primals), J·tangents)`: forward mode, one pass (primals and tangents are
    sequences of the same structure)."""
    primals = [nest.map_structure(_fresh, p) for p in primals]
    flat_p = [x for p in primals for x in nest.flatten(p)]
    flat_t = [x for t in tangents for x in nest.flatten(t)]
    with ForwardAccumulator(flat_p, flat_t) as acc:
        out = f(*primals)
    tangent_out = nest.map_structure(
        lambda y: acc.jvp(y, unconnected_gradients=UnconnectedGradients.ZERO), out
    )
    return out, tangent_out


def vmap(f, in_axes=0, out_axes=0, fallback_to_while_loop=True):
    """`f` mapped over an axis of its arguments, vectorised (see `tf.vectorized_map`).

    Args:
        in_axes: per positional argument (an int for all, or a tuple), the axis holding the
            examples, or None for an argument every example shares. An entry may also be a
            structure matching its argument.
        out_axes: where the example axis goes in each output (an int, or a structure).
    """

    @functools.wraps(f)
    def wrapped(*args):
        axes = in_axes if isinstance(in_axes, (tuple, list)) else (in_axes,) * len(args)
        if len(axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(axes)} entries for {len(args)} arguments")
        leaves, flags, structure = [], [], []
        for arg, ax in zip(args, axes):
            arg_leaves = nest.flatten(arg)
            arg_axes = (
                nest.flatten(ax)
                if nest.is_nested(ax) and nest.is_nested(arg)
                else [ax] * len(arg_leaves)
            )
            structure.append(len(arg_leaves))
            for leaf, a in zip(arg_leaves, arg_axes):
                if a is None:
                    leaves.append(leaf if isinstance(leaf, Operand) else convert_to_tensor(leaf))
                    flags.append(False)
                else:
                    leaves.append(_move_axis(convert_to_tensor(leaf), a, 0))
                    flags.append(True)
        sizes = {int(x._value.shape[0]) for x, b in zip(leaves, flags) if b}
        if len(sizes) != 1:
            raise ValueError(
                f"vmap: the mapped axes have sizes {sorted(sizes)}; they must agree"
                if sizes
                else "vmap: no argument is mapped (every in_axes entry is None)"
            )
        (size,) = sizes

        def call(*flat):
            it = iter(flat)
            rebuilt = [
                nest.pack_sequence_as(arg, [next(it) for _ in range(n)])
                if nest.is_nested(arg)
                else next(it)
                for arg, n in zip(args, structure)
            ]
            return f(*rebuilt)

        out = batched_call(call, leaves, flags, size, fallback_to_while_loop)
        if out_axes == 0:
            return out
        out_leaves = nest.flatten(out)
        ax_leaves = (
            nest.flatten(out_axes) if nest.is_nested(out_axes) else [out_axes] * len(out_leaves)
        )
        moved = [_move_axis(x, 0, a) for x, a in zip(out_leaves, ax_leaves)]
        return nest.pack_sequence_as(out, moved) if nest.is_nested(out) else moved[0]

    return wrapped


def _move_axis(x, source, dest):
    ndim = x._value.ndim
    source, dest = source % ndim, dest % ndim
    if source == dest:
        return x
    perm = [i for i in range(ndim) if i != source]
    perm.insert(dest, source)
    return get_op("Transpose")(x, perm=tuple(perm))


def jacrev(f, argnums=0):
    """The Jacobian of `f` by reverse mode: shape `output.shape + input.shape`."""

    @functools.wraps(f)
    def wrapped(*args):
        nums, single = _argnums(argnums, len(args))
        args = list(args)
        for k in nums:
            args[k] = _fresh(args[k])
        with GradientTape(persistent=True) as tape:
            tape._explain = False
            for k in nums:
                tape.watch(args[k])
            out = convert_to_tensor(f(*args))
        jac = [tape.jacobian(out, args[k], unconnected_gradients="zero") for k in nums]
        return jac[0] if single else tuple(jac)

    return wrapped


def jacfwd(f, argnums=0):
    """The Jacobian of `f` by forward mode: one vectorised jvp per input element."""

    @functools.wraps(f)
    def wrapped(*args):
        nums, single = _argnums(argnums, len(args))
        jacs = []
        for k in nums:
            x = convert_to_tensor(args[k])
            n = int(x._value.size)
            shape = tuple(x._value.shape)
            basis = wrap(xp.eye(n, dtype=x._value.dtype).reshape((n,) + shape))

            def column(t, k=k):
                primals = list(args)
                tangents = [wrap(xp.zeros_like(convert_to_tensor(a)._value)) for a in primals]
                tangents[k] = t
                return convert_to_tensor(jvp(f, primals, tangents)[1])

            cols = batched_call(column, [basis], [True], n)  # (n,) + out.shape
            out_rank = cols._value.ndim - 1
            perm = tuple(range(1, out_rank + 1)) + (0,)
            jac = get_op("Transpose")(cols, perm=perm)
            jacs.append(get_op("Reshape")(jac, shape=tuple(cols._value.shape[1:]) + shape))
        return jacs[0] if single else tuple(jacs)

    return wrapped


def hessian(f, argnums=0):
    """The Hessian of scalar `f`: `jacfwd(jacrev(f))`."""
    return jacfwd(jacrev(f, argnums), argnums)

"""The plan's code for effects and checks: variable writes, host callbacks, native (jit)
segments, guards, and the snapshots that undo the effects before a failed guard (see
`codegen.py`, which emits the rest and calls these)."""

from __future__ import annotations

import sys

import numpy as np

from ..core.variable import Variable
from .runtime import WRITERS
from .trace import Untraceable


def bind(em, v, local):
    em.name[v] = local
    em.holder[local] = v


def emit_native(em, n, var_names):
    """A native segment (function/native/): its optimizer scalars first (a changed optimizer
    fails like a guard: the call retraces), then one call, then the updates counted."""
    call = n.attrs["native"]
    from .native.runtime import own

    em.ns["_own"] = own
    em.ns["_rc"] = sys.getrefcount
    fn = em.const(call.fn, "N")
    scalars = {}
    for key, update in call.updates.items():
        u = em.const(update, "U")
        local = scalars[key] = em.fresh("q")
        em.emit(f"{local} = {u}.scalars()")
        em.emit(f"if {local} is None:")
        em.emit("    raise GuardFailure(-1)")
    args, handed = [], []
    for kind, what in call.params:
        if kind == "value":
            args.append(em.name[what])
        elif kind == "var" and what in call.written:
            # runtime.own inline: the array is handed over only when nothing else holds it
            # (its slot, this local and getrefcount's argument) and it is C-contiguous,
            # aligned and writeable (`flags.carray`).
            var, local = var_names[what], em.fresh("w")
            em.emit(f"{local} = {var}._value")
            em.emit(f"if _rc({local}) > 3 or not {local}.flags.carray:")
            em.emit(f"    {local} = _own({var})")
            args.append(local)
            handed.append(local)
        elif kind == "var":
            args.append(f"{var_names[what]}._value")
        else:
            args.append(scalars[what])
    outs = []
    for v in n.outputs:
        local = em.fresh("n")
        bind(em, v, local)
        outs.append(local)
    text = f"{fn}({', '.join(args)})"
    em.emit(f"{', '.join(outs)}, = {text}" if outs else text)
    if handed:  # the variables hold their arrays alone again
        em.emit(f"del {', '.join(handed)}")
    for key in call.updates:
        em.emit(f"{em.const(call.updates[key], 'U')}.finish()")


def emit_write(em, n, var_names):
    var = var_names[n.attrs["var"]]
    method = n.attrs["method"]
    # The fast writers stand for Variable's own methods, not for overrides of them.
    plain = getattr(em.var_types[var], method, None) is getattr(Variable, method)
    if method in WRITERS and plain:
        helper = "_" + method
        em.ns[helper] = WRITERS[method]
        em.emit(f"{helper}({var}, {em.name[n.inputs[0]]})")
    elif method in WRITERS:
        em.emit(f"{var}.{method}({em.name[n.inputs[0]]})")
    elif method == "assign_slice":
        key = em.const(n.attrs["key"])
        em.emit(f"{var}._assign_slice({key}, {em.name[n.inputs[0]]})")
    else:
        em.emit(f"{var}.scatter_nd_update({em.name[n.inputs[1]]}, {em.name[n.inputs[0]]})")


def emit_callback(em, n):
    fn = em.const(n.attrs["fn"], "C")
    args = ", ".join(em.name[v] for v in n.inputs)
    outs = []
    for v in n.outputs:
        local = em.fresh("c")
        bind(em, v, local)
        outs.append(local)
    if outs:
        em.emit(f"{', '.join(outs)}, = outputs_of({fn}({args}), {len(outs)})")
    else:
        em.emit(f"{fn}({args})")


def emit_guard(em, n, index):
    x = em.name[n.inputs[0]]
    kind, expected = n.attrs["kind"], n.attrs["expected"]
    if kind == "bool":
        test = f"not {x}" if expected else f"{x}"
    elif kind == "int":
        test = f"int({x}) != {int(expected)!r}"
    elif kind == "float":
        test = f"float_differs({x}, {em.const(expected)})"
    elif kind == "complex":
        test = f"complex_differs({x}, {em.const(expected)})"
    elif kind == "shape":
        test = f"np.shape({x}) != {tuple(expected)!r}"
    else:
        test = f"array_differs({x}, {em.const(expected)})"
    em.emit(f"if {test}:")
    em.emit(f"    raise GuardFailure({index})")


def emit_snapshots(em, rollback, var_names):
    slots = []
    for n in rollback:
        if n.kind == "write":
            slots.append(n.attrs["var"])
        elif n.kind == "callback":
            if n.attrs["writes"] is None:
                raise Untraceable(
                    "a host callback that does not declare the variables it writes runs "
                    "before a guard"
                )
            slots.extend(n.attrs["writes"])
    em.snap_slots = sorted(set(slots))
    for s in em.snap_slots:
        em.emit(f"_s{s} = {var_names[s]}._value.copy()")
    em.snap_rngs = []
    for n in rollback:
        rng = n.attrs.get("rng") if n.kind == "op" else None
        if isinstance(rng, np.random.Generator):
            name = em.const(rng)
            em.snap_rngs.append(name)
            em.emit(f"_g{name} = {name}.bit_generator.state")
    em.emit("_pending = []")


def emit_rollback_end(em, rollback, var_names):
    em.indent -= 1
    em.emit("except GuardFailure:")
    for s in em.snap_slots:
        em.emit(f"    {var_names[s]}._value = _s{s}")
    for name in em.snap_rngs:
        em.emit(f"    {name}.bit_generator.state = _g{name}")
    em.emit("    raise")
    em.emit("for _p in _pending:")
    em.emit("    _p()")

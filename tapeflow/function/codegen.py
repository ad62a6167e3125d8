"""Turns an optimised Graph into a plan: one generated Python function over arrays.

The plan is straight-line code, one statement per node: op forwards called on arrays, the
ufuncs of elementwise kernels (see `fusion.py`), variable reads (``V0._value``) and
writes, guard checks. No Tensor is built and no dispatch happens per op. Buffers:

- a value dies after its last use; its name is deleted then, so a variable whose read is
  dead can be updated in place (variables are copy-on-write: a live read forces a copy);
- a kernel writes into a buffer the plan owns that is free at that point: the running
  value of its chain, an input dying there (same shape and dtype, contiguous), or a dead
  buffer of the same shape and dtype; otherwise the ufunc allocates, as eager code does.
  In a plan serving every size of a None dimension, "same shape" is the symbolic shape
  (`Graph.symbolic_shape`): equal at the traced and at the shadow size.
  A buffer is owned when its op allocated it (seen while tracing: a fresh, contiguous,
  writeable array sharing memory with no input) and no view of it is still alive;
- arrays given to host callbacks are never written again (the callback may keep them).
Ownership, last uses and the pool of dead buffers are in `plan_buffers.py`; the code of
effects (writes, callbacks, native segments), guards and rollback in `codegen_effects.py`.

When effects (writes, callbacks, random draws, prints) come before a guard, the plan saves
what they change first and puts it back if the guard fails, so the call can be redone
eagerly; prints in that stretch are held back until its last guard has passed.
"""

from __future__ import annotations

import math

import numpy as np

from .codegen_effects import (
    bind,
    emit_callback,
    emit_guard,
    emit_native,
    emit_rollback_end,
    emit_snapshots,
    emit_write,
)
from .ir import Graph
from .kernels import DIRECT, KERNELS, kernel_for
from .plan_buffers import BufferPool, free_dead, last_uses, ownership, take_buffer
from .runtime import (
    GuardFailure,
    Plan,
    array_differs,
    complex_differs,
    float_differs,
    outputs_of,
)

# ---- code generation ------------------------------------------------------------------------


def _literal(value):
    """Source text for a plain attribute value, or None when it needs a named constant."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, tuple):
        items = [_literal(v) for v in value]
        if all(i is not None for i in items):
            return "(" + "".join(i + ", " for i in items) + ")"
    return None


class _Emitter:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.ns = {
            "np": np,
            "GuardFailure": GuardFailure,
            "float_differs": float_differs,
            "complex_differs": complex_differs,
            "array_differs": array_differs,
            "outputs_of": outputs_of,
            "_where": np.where,
        }
        self.lines = []
        self.indent = 1
        self.name = {}  # value id -> local or global name holding its array
        self.holder = {}  # local name -> value id it currently holds
        self._consts = {}
        self._counter = 0
        self.quiet = False

    def emit(self, line):
        self.lines.append("    " * self.indent + line)

    def const(self, obj, prefix="K") -> str:
        key = id(obj)
        name = self._consts.get(key)
        if name is None:
            name = f"{prefix}{len(self._consts)}"
            self._consts[key] = name
            self.ns[name] = obj
        return name

    def fresh(self, prefix="t") -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def ufunc(self, fname: str) -> str:
        return self.func(fname)

    def func(self, path: str) -> str:
        """A global name bound to `np.<path>` ("add", "add.reduce", ...)."""
        name = "_" + path.replace(".", "_")
        if name not in self.ns:
            obj = np
            for part in path.split("."):
                obj = getattr(obj, part)
            self.ns[name] = obj
        return name


def build_plan(graph: Graph, name: str = "plan") -> Plan:
    """Generates and compiles the plan of `graph` (already optimised and fused)."""
    em = _Emitter(graph)
    nodes = graph.nodes
    n_args = len(graph.inputs)
    params = [f"x{k}" for k in range(n_args)]
    for k, v in enumerate(graph.inputs):
        em.name[v] = f"x{k}"
    var_names = []
    em.var_types = {}
    n_var_args = 0
    for kind, what, *cls in graph.var_sources:
        if kind == "arg":
            var_names.append(f"A{what}")
            n_var_args = max(n_var_args, what + 1)
            em.var_types[var_names[-1]] = cls[0]
        else:
            var_names.append(em.const(what, "V"))
            em.var_types[var_names[-1]] = type(what)
    params += [f"A{k}" for k in range(n_var_args)]
    for v in graph.consts:
        if v not in em.name:
            em.name[v] = em.const(graph.arrays[v])

    last_use = last_uses(graph)
    roots, owned = ownership(graph)
    pinned = set()
    for n in nodes:
        if n.kind == "callback":
            for v in n.inputs:
                pinned.update(roots.get(v, ()))
    root_last = {}
    for v, rs in roots.items():
        for r in rs:
            root_last[r] = max(root_last.get(r, -1), last_use.get(v, -1))
    pool = BufferPool(em)  # dead owned buffers, by (shape, dtype)

    guards = []
    last_guard = max((i for i, n in enumerate(nodes) if n.kind == "guard"), default=-1)
    rollback = [n for n in nodes[: max(last_guard, 0)] if n.is_effect() and n.kind != "guard"]
    body_start = len(em.lines)
    if rollback:
        emit_snapshots(em, rollback, var_names)
        em.emit("try:")
        em.indent += 1

    for i, n in enumerate(nodes):
        deferred = rollback and i < last_guard
        if n.kind == "op" and kernel_for(graph, n) is not None:
            _emit_kernel(em, [n], i, owned, roots, root_last, pinned, pool)
        elif n.kind == "fused" and "native" in n.attrs:
            emit_native(em, n, var_names)
        elif n.kind == "fused" and "call" in n.attrs:
            _emit_call(em, n)
        elif n.kind == "fused":
            _emit_kernel(em, n.attrs["nodes"], i, owned, roots, root_last, pinned, pool)
        elif n.kind == "op":
            _emit_op(em, n, deferred)
        elif n.kind == "read":
            out = em.fresh("r")
            em.emit(f"{out} = {var_names[n.attrs['var']]}._value")
            bind(em, n.outputs[0], out)
        elif n.kind == "write":
            emit_write(em, n, var_names)
        elif n.kind == "callback":
            emit_callback(em, n)
        elif n.kind == "guard":
            guards.append(n)
            emit_guard(em, n, len(guards) - 1)
        else:  # pragma: no cover - every kind is handled above
            raise AssertionError(n.kind)
        if rollback and i == last_guard:
            emit_rollback_end(em, rollback, var_names)
        free_dead(em, graph, n, i, last_use, roots, root_last, owned, pinned, pool)

    pool.settle()
    outs = [em.name[v] for v in graph.outputs]
    em.emit("return (" + "".join(o + ", " for o in outs) + ")")
    body = em.lines[body_start:]
    if em.quiet:
        body = ["    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):"] + [
            "    " + line for line in body
        ]
    source = f"def {name}({', '.join(params)}):\n" + "\n".join(body or ["    return ()"]) + "\n"
    code = compile(source, f"<tf.function plan {name}>", "exec")
    exec(code, em.ns)  # noqa: S102 - generated from the graph above, nothing external
    return Plan(em.ns[name], source, graph, guards, bool(rollback))


def _operand(em, node, ref, running, prev=None):
    """Source text of a kernel operand; `prev` is the chain's value before this member."""
    if isinstance(ref, int):
        v = node.inputs[ref]
        return prev if v == "running" else em.name[v]
    if ref == "o":
        return running
    if ref == "Z":
        dtype = em.graph.arrays[node.outputs[0]].dtype
        return em.const(np.zeros((), dtype=dtype))
    if isinstance(ref, str):
        return ref  # an int literal
    fname, *args = ref
    inner = ", ".join(_operand(em, node, a, running, prev) for a in args)
    target = "_where" if fname == "where" else em.ufunc(fname)
    return f"{target}({inner})"


def _step_refs(step):
    """The input positions a step reads, nested temporaries included."""
    for a in step[1:]:
        if isinstance(a, int):
            yield a
        elif isinstance(a, tuple):
            yield from _step_refs(a)


def _emit_kernel(em, members, i, owned, roots, root_last, pinned, pool):
    """Emits one kernel or a fused chain, writing into an owned buffer when one is free."""
    graph = em.graph
    out_v = members[-1].outputs[0]
    out_arr = graph.arrays[out_v]
    key = (graph.symbolic_shape(out_v), out_arr.dtype.str)
    scalar = out_arr.ndim == 0
    internal = {m.outputs[0] for m in members[:-1]}
    refs = {}  # external input value -> the (member, step) positions that read it
    for mi, m in enumerate(members):
        for si, step in enumerate(KERNELS[m.op.name].steps):
            for r in _step_refs(step):
                v = m.inputs[r]
                if v not in internal:
                    refs.setdefault(v, set()).add((mi, si))
    buffer = None  # local name of the owned buffer holding the running value
    running = None
    for mi, m in enumerate(members):
        kernel = KERNELS[m.op.name]
        em.quiet |= kernel.quiet
        view = _MemberView(m, internal)
        prev, retired = running, None
        rereads = any(
            view.inputs[r] == "running" for step in kernel.steps[1:] for r in _step_refs(step)
        )
        if rereads and buffer is not None:
            retired, buffer = buffer, None  # its first step must not overwrite `prev`
        for si, step in enumerate(kernel.steps):
            fname, *args = step
            operands = ", ".join(_operand(em, view, a, running, prev) for a in args)
            if fname == "where":
                target = em.fresh()
                em.emit(f"{target} = _where({operands})")
                if scalar:
                    running = target
                    continue
                if buffer is not None and buffer != retired:
                    pool.join(key, buffer)
                buffer = running = target
                continue
            if buffer is None and scalar:
                running = em.fresh()  # rank 0: every step returns a new NumPy scalar
                em.emit(f"{running} = {em.ufunc(fname)}({operands})")
                continue
            if buffer is None:
                buffer = take_buffer(
                    em, i, (mi, si), refs, key, owned, roots, root_last, pinned, pool
                )
            ufunc = em.ufunc(fname)
            if buffer is None:
                target = em.fresh()
                em.emit(f"{target} = {ufunc}({operands})")
                buffer = running = target
            else:
                em.emit(f"{ufunc}({operands}, out={buffer})")
                running = buffer
        if retired is not None:
            pool.join(key, retired)
    bind(em, out_v, running)


class _MemberView:
    """A member node whose inputs produced inside the chain read the running value."""

    def __init__(self, node, internal):
        self.inputs = ["running" if v in internal else v for v in node.inputs]
        self.outputs = node.outputs


def _emit_op(em, n, deferred):
    op = n.op
    fname = em.const(op.forward, "f_" + op.name + "_")
    args = [em.name[v] for v in n.inputs]
    for k, value in n.attrs.items():
        text = _literal(value)
        args.append(f"{k}={text if text is not None else em.const(value)}")
    call = f"{fname}({', '.join(args)})"
    direct = DIRECT.get(op.name)
    if direct is not None:
        call = direct(em, n, [em.name[v] for v in n.inputs]) or call
    if op.name == "PrintV2" and deferred:
        from .print_op import deferred_print

        em.ns["_deferred_print"] = deferred_print
        em.emit(f"_pending.append(_deferred_print({', '.join(args)}))")
        return
    outs = []
    for v in n.outputs:
        local = em.fresh("v")
        bind(em, v, local)
        outs.append(local)
    if not outs:
        em.emit(call)
    elif op.multiple_outputs:
        em.emit(f"{', '.join(outs)}, = {call}")
    else:
        em.emit(f"{outs[0]} = {call}")


def _emit_call(em, n):
    """A chain computed by one function on arrays (fusion.fuse_bias_relu): fresh results."""
    fn, n_outputs = n.attrs["call"]
    call = f"{em.const(fn, 'F')}({', '.join(em.name[v] for v in n.inputs)})"
    outs = []
    for v in n.outputs:
        local = em.fresh("t")
        bind(em, v, local)
        outs.append(local)
    em.emit(f"{', '.join(outs)}, = {call}" if n_outputs > 1 else f"{outs[0]} = {call}")

"""Source of one native segment: a Numba function computing a run of graph nodes.

A segment's parameters are the arrays it reads from outside (values of the plan, variable
arrays, optimizer scalars); it returns the values used after it. Inside:

- an elementwise node whose value has one use, by an elementwise node, reduction or write
  of the segment over the same shape, is not stored: its formula is computed inside its
  user's loop (a chain becomes one loop over its arrays);
- any other elementwise value is one loop writing a new array; a Sum or Mean over its
  leading axes rides in the same loop (relu gradient + bias gradient in one pass);
- Sum/Mean over leading axes add rows in order in the dtype, as NumPy does (bitwise the
  same); other reductions accumulate in float64 and round once (NumPy sums pairwise: the
  two agree to float tolerance);
- Conv2D and its filter gradient are direct loops over their output, fused with the
  elementwise ops around them (emit_conv.py);
- MatMul calls NumPy's own BLAS gemm (see blas.py); views (Reshape, ...) are views;
  Softmax, the cross entropies and OneHot are loops over rows (emit_rows.py);
- variable writes go into the variable's array in place (the plan hands over an array only
  that variable holds), optimizer updates call the kernels of backend/native/optim.py.

Every shape is the trace's (a trace serving several sizes is not lowered), so loop bounds
are constants.
"""

from __future__ import annotations

import numpy as np

from . import rules
from .emit_conv import ConvOps
from .emit_rows import RowOps


def _is_grad(ref) -> bool:
    # A ref is "var", "grad" or a slot Variable (whose `==` would be an op).
    return isinstance(ref, str) and ref == "grad"


class _Body:
    """Statements of one loop body (or straight-line code), with fresh temporaries."""

    def __init__(self, seg, dtype):
        self.seg = seg
        self.lines = []
        self.set_dtype(dtype)

    def set_dtype(self, dtype):
        dtype = np.dtype(dtype)
        self.ctor = rules.CTOR.get(dtype.name, "np.float64")
        self.zero = rules.literal(0, dtype) if dtype.kind == "f" else "0"
        self.one = rules.literal(1, dtype) if dtype.kind == "f" else "1"

    def tmp(self, expr: str) -> str:
        if expr.isidentifier():
            return expr
        name = self.seg.fresh("t")
        self.lines.append(f"{name} = {expr}")
        return name


class Segment(RowOps, ConvOps):
    """Generates the Numba function of `members` (graph nodes, in order)."""

    def __init__(self, graph, members, used_after, name, updates, var_slot_of):
        self.graph = graph
        self.var_slot_of = var_slot_of  # id(Variable) -> its slot in the graph
        self.members = members
        self.name = name
        self.updates = updates  # id(callback node) -> NativeUpdate description
        self.lines = []
        self.indent = 1
        self._counter = 0
        self.params = []  # ("value", v) | ("var", slot) | ("scalars", id of an update node)
        self._param_names = {}
        self.local = {}  # value id -> local name (arrays and scalars computed here)
        self.scalar = set()  # value ids held as scalars (rank 0)
        self.var_param = {}  # variable slot -> parameter name
        self.written = set()  # variable slots written here
        self.slot_param = {}  # id(slot Variable) -> parameter name
        self.done = set()  # ids of member nodes already emitted (folded reductions)
        self.inline = set()  # value ids computed inside their user's loop
        self.producer = {}
        self.uses = {}
        for i, n in enumerate(members):
            for v in n.outputs:
                self.producer[v] = (i, n)
            for v in n.inputs:
                self.uses.setdefault(v, []).append(i)
        self.used_after = used_after
        self.outputs = [v for v in self.producer if v in used_after]
        self._plan_inlining()
        self._plan_convolutions()
        self._plan_read_copies()

    # ---- planning -----------------------------------------------------------------------------

    def fresh(self, prefix) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def _is_elementwise(self, n) -> bool:
        return n.kind == "op" and n.op.name in rules.ELEMENTWISE

    def _plan_inlining(self):
        """Elementwise values with one use, by a loop over their own shape, are inlined."""
        for i, n in enumerate(self.members):
            if not self._is_elementwise(n):
                continue
            v = n.outputs[0]
            users = self.uses.get(v, [])
            if v in self.used_after or len(users) != 1:
                continue
            user = self.members[users[0]]
            if user.inputs.count(v) != 1 and user.op is not None:
                continue  # x * x: compute x once
            if any(m.kind in ("write", "callback") for m in self.members[i + 1 : users[0]]):
                continue  # computed late, it could read a variable written in between
            shape = self.graph.shape(v)
            if self._is_elementwise(user) and self.graph.shape(user.outputs[0]) == shape:
                self.inline.add(v)
            elif user.kind == "op" and user.op.name in rules.REDUCTIONS:
                self.inline.add(v)
            elif user.kind == "write":  # its loop runs over the value's shape
                self.inline.add(v)

    def _plan_read_copies(self):
        """Reads of a variable this segment writes, whose values (or views of them) are
        used after the write or returned, are copied when read."""
        self.copied_reads = set()
        last_write = {}
        for i, n in enumerate(self.members):
            if n.kind == "write":
                last_write[n.attrs["var"]] = i
                self.written.add(n.attrs["var"])
            elif n.kind == "callback":
                for slot in self._update_slots(n):
                    last_write[slot] = i
                    self.written.add(slot)
        if not last_write:
            return
        for n in self.members:
            if n.kind != "read" or n.attrs["var"] not in last_write:
                continue
            aliases = self._aliases(n.outputs[0])
            late = any(
                u > last_write[n.attrs["var"]] for a in aliases for u in self.uses.get(a, [])
            )
            if late or any(a in self.used_after for a in aliases):
                self.copied_reads.add(n.outputs[0])

    def _update_slots(self, n):
        plan = self.updates[id(n)]
        slots = []
        for (_, refs, _), variable in zip(plan["calls"], plan["variables"]):
            for ref in refs:
                if ref.__class__ is not str or ref != "grad":
                    slots.append(self.var_slot_of[id(variable if ref.__class__ is str else ref)])
        return slots

    def _aliases(self, v):
        out, stack = {v}, [v]
        while stack:
            x = stack.pop()
            for i in self.uses.get(x, []):
                m = self.members[i]
                if m.kind == "op" and m.op.name in rules.VIEWS and m.inputs[0] == x:
                    for o in m.outputs:
                        if o not in out:
                            out.add(o)
                            stack.append(o)
        return out

    # ---- emission helpers ---------------------------------------------------------------------

    def emit(self, line):
        self.lines.append("    " * self.indent + line)

    def param(self, key) -> str:
        """The parameter name of `key`: ("value", v), ("var", slot) or ("scalars", id of an
        update node)."""
        name = self._param_names.get(key)
        if name is None:
            name = self._param_names[key] = f"p{len(self.params)}"
            self.params.append(key)
        return name

    def array(self, v) -> str:
        """Local name of value `v` as an array (a parameter when defined outside)."""
        if v in self.local:
            return self.local[v]
        name = self.param(("value", v))
        self.local[v] = name
        return name

    def access(self, v, body, domain) -> str:
        """Scalar expression of value `v` at the loop indices of `domain` (broadcast)."""
        if v in self.inline:
            i, n = self.producer[v]
            return self._formula(n, body, domain)
        if v in self.scalar:
            return self.local[v]
        g = self.graph
        if v in g.consts and v not in self.local:
            a = np.asarray(g.arrays[v])
            if a.size == 1 and a.dtype.kind in "fiub":
                return rules.literal(a.reshape(-1)[0], a.dtype)
        name = self.array(v)
        shape = g.shape(v)
        if not shape:
            return f"{name}[()]"
        lead = len(domain) - len(shape)
        idx = []
        for d, size in enumerate(shape):
            od = d + lead
            idx.append("0" if size == 1 and domain[od] != 1 else f"i{od}")
        return f"{name}[{', '.join(idx)}]"

    def _formula(self, n, body, domain) -> str:
        if n.op.name == "Conv2D":
            return self._conv_formula(n, body, domain)
        operands = [self.access(v, body, domain) for v in n.inputs]
        out_dtype = self.graph.arrays[n.outputs[0]].dtype
        saved = (body.ctor, body.zero, body.one)
        body.set_dtype(out_dtype)  # the op's constants are in its output dtype
        expr = rules.ELEMENTWISE[n.op.name](body, *operands)
        body.ctor, body.zero, body.one = saved
        return expr

    def _loops(self, domain):
        for d, size in enumerate(domain):
            self.emit(f"for i{d} in range({size}):")
            self.indent += 1

    def _end_loops(self, domain):
        self.indent -= len(domain)

    def _flush(self, body):
        for line in body.lines:
            self.emit(line)
        body.lines = []

    @staticmethod
    def _index(domain) -> str:
        return "()" if not domain else ", ".join(f"i{d}" for d in range(len(domain)))

    # ---- nodes --------------------------------------------------------------------------------

    def build(self) -> str:
        for i, n in enumerate(self.members):
            if id(n) in self.done:
                continue
            if n.kind == "read":
                self._read(n)
            elif n.kind == "write":
                self._write(n)
            elif n.kind == "callback":
                self._update(n)
            elif n.outputs[0] in self.inline:
                if n.op.name == "Conv2D":  # computed in its user's loop, from its input
                    self._conv_prepare(n)
                continue
            elif n.op.name in rules.ELEMENTWISE:
                self._elementwise(i, n)
            elif n.op.name in rules.REDUCTIONS:
                self._reduction(n)
            elif n.op.name in rules.VIEWS:
                self._view(n)
            else:
                getattr(self, "_op_" + n.op.name)(n)
        returned = []
        for v in self.outputs:
            if v in self.scalar:
                boxed = self.fresh("b")
                dtype = self.graph.arrays[v].dtype.name
                self.emit(f"{boxed} = np.empty((), np.{dtype})")
                self.emit(f"{boxed}[()] = {self.local[v]}")
                returned.append(boxed)
            else:
                returned.append(self.local[v])
        if returned:
            self.emit("return (" + "".join(r + ", " for r in returned) + ")")
        args = ", ".join(f"p{k}" for k in range(len(self.params)))
        head = f"def {self.name}({args}):"
        return "\n".join([head] + (self.lines or ["    pass"])) + "\n"

    def _var(self, slot) -> str:
        name = self.var_param.get(slot)
        if name is None:
            name = self.var_param[slot] = self.param(("var", slot))
        return name

    def _read(self, n):
        v = n.outputs[0]
        name = self._var(n.attrs["var"])
        if v in self.copied_reads:
            local = self.fresh("r")
            self.emit(f"{local} = {name}.copy()")
            name = local
        self.local[v] = name

    def _write(self, n):
        slot = n.attrs["var"]
        target = self._var(slot)
        v = n.inputs[0]
        domain = self.graph.shape(v)
        body = _Body(self, self.graph.arrays[v].dtype)
        self._loops(domain)
        value = self.access(v, body, domain)
        self._flush(body)
        cell = f"{target}[{self._index(domain)}]"
        method = n.attrs["method"]
        if method == "assign":
            self.emit(f"{cell} = {value}")
        elif method == "assign_add":
            self.emit(f"{cell} = {cell} + {value}")
        else:
            self.emit(f"{cell} = {cell} - {value}")
        self._end_loops(domain)

    def _elementwise(self, i, n):
        v = n.outputs[0]
        domain = self.graph.shape(v)
        dtype = self.graph.arrays[v].dtype
        body = _Body(self, dtype)
        if not domain:
            expr = self._formula(n, body, domain)
            self._flush(body)
            local = self.fresh("s")
            self.emit(f"{local} = {expr}")
            self.local[v] = local
            self.scalar.add(v)
            return
        out = self.fresh("e")
        self.emit(f"{out} = np.empty({domain!r}, np.{dtype.name})")
        riders = self._riders(i, v, domain)
        for r, rout in riders:
            self.emit(f"{rout} = np.zeros({self.graph.shape(r.outputs[0])!r}, np.{dtype.name})")
        self._loops(domain)
        expr = self._formula(n, body, domain)
        self._flush(body)
        idx = self._index(domain)
        if riders:
            self.emit(f"x_ = {expr}")
            self.emit(f"{out}[{idx}] = x_")
            for r, rout in riders:
                k = len(domain) - len(self._kept(r))
                kept = ", ".join(f"i{d}" for d in range(k, len(domain)))
                keep_prefix = "0, " * k if r.attrs.get("keepdims") else ""
                self.emit(f"{rout}[{keep_prefix}{kept}] += x_")
        else:
            self.emit(f"{out}[{idx}] = {expr}")
        self._end_loops(domain)
        self.local[v] = out
        for r, rout in riders:
            self._finish_reduction(r, rout, dtype)
            self.done.add(id(r))

    def _axes(self, r):
        ndim = len(self.graph.shape(r.inputs[0]))
        axis = r.attrs.get("axis")
        if axis is None:
            return tuple(range(ndim))
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        return tuple(sorted(a % ndim for a in axes)) if ndim else ()

    def _kept(self, r):
        shape = self.graph.shape(r.inputs[0])
        axes = self._axes(r)
        return tuple(d for k, d in enumerate(shape) if k not in axes)

    def _leading(self, r) -> bool:
        axes = self._axes(r)
        ndim = len(self.graph.shape(r.inputs[0]))
        return 0 < len(axes) < ndim and axes == tuple(range(len(axes)))

    def _riders(self, i, v, domain):
        """Sum/Mean nodes over leading axes of value `v`, computed in its loop."""
        out = []
        for j in self.uses.get(v, []):
            r = self.members[j]
            if j > i and r.kind == "op" and r.op.name == "Sum" and r.inputs == [v]:
                if self._leading(r) and id(r) not in self.done:
                    out.append((r, self.fresh("rs")))
        return out

    def _finish_reduction(self, r, acc, dtype):
        self.local[r.outputs[0]] = acc

    def _reduction(self, n):
        x = n.inputs[0]
        domain = self.graph.shape(x)
        dtype = self.graph.arrays[n.outputs[0]].dtype
        out_shape = self.graph.shape(n.outputs[0])
        axes = self._axes(n)
        count = int(np.prod([domain[a] for a in axes])) if axes else 1
        body = _Body(self, dtype)
        ctor = rules.CTOR[dtype.name]
        if self._leading(n):  # rows added in order, in the dtype: NumPy's own order
            out = self.fresh("rs")
            self.emit(f"{out} = np.zeros({out_shape!r}, np.{dtype.name})")
            self._loops(domain)
            value = self.access(x, body, domain)
            self._flush(body)
            k = len(axes)
            prefix = "0, " * k if n.attrs.get("keepdims") else ""
            kept = ", ".join(f"i{d}" for d in range(k, len(domain)))
            self.emit(f"{out}[{prefix}{kept}] += {value}")
            self._end_loops(domain)
            if n.op.name == "Mean":
                self._scale(out, out_shape, dtype, count)
            self.local[n.outputs[0]] = out
            return
        if len(axes) == len(domain):  # everything: a float64 scalar, rounded once
            acc = self.fresh("acc")
            self.emit(f"{acc} = 0.0")
            self._loops(domain)
            value = self.access(x, body, domain)
            self._flush(body)
            self.emit(f"{acc} += np.float64({value})")
            self._end_loops(domain)
            total = f"{ctor}({acc})"
            if n.op.name == "Mean":
                total = f"{total} / {rules.literal(count, dtype)}"
            if out_shape:  # keepdims
                out = self.fresh("rs")
                self.emit(f"{out} = np.empty({out_shape!r}, np.{dtype.name})")
                self.emit(f"{out}.reshape(-1)[0] = {total}")
                self.local[n.outputs[0]] = out
            else:
                local = self.fresh("s")
                self.emit(f"{local} = {total}")
                self.local[n.outputs[0]] = local
                self.scalar.add(n.outputs[0])
            return
        acc = self.fresh("acc")
        kept_shape = tuple(d for k, d in enumerate(domain) if k not in axes)
        self.emit(f"{acc} = np.zeros({kept_shape!r}, np.float64)")
        self._loops(domain)
        value = self.access(x, body, domain)
        self._flush(body)
        kept = ", ".join(f"i{d}" for d in range(len(domain)) if d not in axes)
        self.emit(f"{acc}[{kept}] += np.float64({value})")
        self._end_loops(domain)
        out = self.fresh("rs")
        self.emit(f"{out} = np.empty({kept_shape!r}, np.{dtype.name})")
        flat = self.fresh("f")
        self.emit(f"{flat} = {out}.reshape(-1)")
        src = self.fresh("f")
        self.emit(f"{src} = {acc}.reshape(-1)")
        self.emit(f"for j_ in range({flat}.size):")
        scale = f" / {rules.literal(count, dtype)}" if n.op.name == "Mean" else ""
        self.emit(f"    {flat}[j_] = {ctor}({src}[j_]){scale}")
        if out_shape != kept_shape:
            out2 = self.fresh("rs")
            self.emit(f"{out2} = {out}.reshape({out_shape!r})")
            out = out2
        self.local[n.outputs[0]] = out

    def _scale(self, out, shape, dtype, count):
        flat = self.fresh("f")
        self.emit(f"{flat} = {out}.reshape(-1)")
        self.emit(f"for j_ in range({flat}.size):")
        self.emit(f"    {flat}[j_] = {flat}[j_] / {rules.literal(count, dtype)}")

    def _contiguous(self, v) -> str:
        """`v` as a C-contiguous array (a copy only for a parameter that is not)."""
        if v in self.scalar:
            arr = self.fresh("c")
            dtype = self.graph.arrays[v].dtype.name
            self.emit(f"{arr} = np.empty((), np.{dtype})")
            self.emit(f"{arr}[()] = {self.local[v]}")
            return arr
        name = self.array(v)
        if v in self.producer and self.producer[v][1].kind == "op":
            return name  # made here: contiguous
        local = self.fresh("c")
        self.emit(f"{local} = np.ascontiguousarray({name})")
        return local

    def _view(self, n):
        v, x = n.outputs[0], n.inputs[0]
        if n.op.name in ("Identity", "StopGradient"):
            if x in self.scalar:
                self.scalar.add(v)
                self.local[v] = self.local[x]
                return
            self.local[v] = self.array(x) if x not in self.inline else self._materialize(x)
            return
        src = self._materialize(x) if x in self.inline else self._contiguous(x)
        local = self.fresh("w")
        self.emit(f"{local} = {src}.reshape({self.graph.shape(v)!r})")
        self.local[v] = local

    def _materialize(self, v):  # pragma: no cover - inlined values have elementwise users
        raise AssertionError("an inlined value is used by a view")

    def _op_MatMul(self, n):
        a_v, b_v = n.inputs
        ta, tb = bool(n.attrs.get("transpose_a")), bool(n.attrs.get("transpose_b"))
        a, b = self._contiguous(a_v), self._contiguous(b_v)
        sa, sb = self.graph.shape(a_v), self.graph.shape(b_v)
        m, k = (sa[1], sa[0]) if ta else sa
        n_cols = sb[0] if tb else sb[1]
        dtype = self.graph.arrays[n.outputs[0]].dtype
        out = self.fresh("mm")
        self.emit(f"{out} = np.empty(({m}, {n_cols}), np.{dtype.name})")
        gemm = "gemm_f4" if dtype.name == "float32" else "gemm_f8"
        if 0 in (m, n_cols):
            pass
        elif k == 0:
            self.emit(f"{out}[:] = 0")
        else:
            # Row-major, the transposition flags NumPy's matmul passes for transposed views.
            self.emit(
                f"{gemm}(101, {112 if ta else 111}, {112 if tb else 111}, {m}, {n_cols}, {k}, "
                f"{rules.literal(1, dtype)}, {a}.ctypes.data, {sa[1]}, {b}.ctypes.data, {sb[1]}, "
                f"{rules.literal(0, dtype)}, {out}.ctypes.data, {n_cols})"
            )
        self.local[n.outputs[0]] = out

    def _update(self, n):
        """An optimizer update: one kernel call per variable, on flat views."""
        plan = self.updates[id(n)]
        scalars = self.param(("scalars", id(n)))
        for (kernel, refs, flags), g, variable in zip(plan["calls"], n.inputs, plan["variables"]):
            args = []
            for ref in refs:
                if _is_grad(ref):
                    args.append(f"{self._contiguous(g)}.reshape(-1)")
                else:
                    slot = self.var_slot_of[id(variable if ref.__class__ is str else ref)]
                    args.append(f"{self._var(slot)}.reshape(-1)")
            flags_text = "".join(f", {bool(f)}" for f in flags)
            self.emit(f"optim.{kernel}({', '.join(args)}, {scalars}{flags_text})")

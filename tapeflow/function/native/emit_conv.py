"""Convolutions in a native segment: Conv2D and its filter gradient as direct loops.

Every shape is a constant of the trace, so each output element is written out as the sum of
its kh*kw*C taps, unrolled in the source: the innermost loop runs over the output channels
(contiguous in NHWC and in the HWIO filter), which LLVM vectorises, and the taps' input
values are invariant in it. That only pays while the taps are few (`DIRECT_MAX_TAPS`); a
convolution with more is not lowered (rules.py) and runs as the NumPy plan's im2col + GEMM.

Measured (CPU time of one thread, float32, 32 filters of 3x3, batch 32, 2-core machine under
load; forward is conv + bias + relu, gradient the filter gradient with the relu gradient;
im2col + GEMM with one BLAS thread):

    input           forward: direct / im2col+GEMM    filter gradient: direct / im2col+GEMM
    28x28x1 (9)     0.28 / 0.8-4 ms                  0.28 / 0.84 ms
    28x28x2 (18)    0.50 / 1.1 ms                    0.50 / 0.96 ms
    28x28x4 (36)    1.0 / 1.4 ms                     1.0 / 1.4 ms
    14x14x8 (72)    0.57 / 0.44 ms                   3.0 / 0.40 ms

With two BLAS threads im2col + GEMM takes up to half that, about even at 36 taps: so direct
loops up to 27 taps (3x3 RGB), im2col + GEMM past that.

Fusion, through the segment's inlining (emit.py): a Conv2D whose value has one use, by an
elementwise op over the same shape, is computed inside that op's loop (conv + bias + relu is
one pass, the conv output never stored); Conv2DBackpropFilter runs one loop over its output
gradient, so an elementwise producer of that gradient used only by it and by Sums over
leading axes (the relu gradient and the bias gradient) is computed in the same loop and the
Sums ride along, as they ride along an elementwise loop.

Order of float operations: taps added one after another in (row, column, channel) order (no
fused multiply-add), then what follows (the bias): the NumPy plan's GEMM adds in OpenBLAS's
blocked order with fused multiply-adds, so the two agree to float tolerance, not bitwise.
Padding is a zero-padded copy of the input, as in im2col. The filter gradient sums each
image in the dtype and the images in float64, rounded once at the end.
"""

from __future__ import annotations

from ...ops.conv import _window
from . import rules

# Most taps (kh * kw * input channels) of a convolution written out as direct loops.
DIRECT_MAX_TAPS = 27


def geometry(x_shape, kernel, attrs):
    """The Window (output size, pads) of a convolution node, as the op computes it."""
    return _window(
        "Conv2D", x_shape, kernel, attrs["strides"], attrs["padding"], attrs["dilations"]
    )


class ConvOps:
    """The convolution emitters of `emit.Segment` (a mixin: uses its planning state, `emit`,
    `fresh`, `access`, `array`, `_loops`)."""

    def _plan_convolutions(self):
        self.conv_input = {}  # id(conv node) -> local name of its (padded) input
        self.filter_riders = {}  # id(Conv2DBackpropFilter node) -> Sums riding in its loop
        for i, n in enumerate(self.members):
            if n.kind != "op":
                continue
            if n.op.name == "Conv2D":
                self._plan_conv_inline(i, n)
            elif n.op.name == "Conv2DBackpropFilter":
                self._plan_filter_fusion(i, n)

    def _no_state_between(self, start, stop) -> bool:
        return not any(m.kind in ("write", "callback") for m in self.members[start + 1 : stop])

    def _plan_conv_inline(self, i, n):
        v = n.outputs[0]
        users = self.uses.get(v, [])
        if v in self.used_after or len(users) != 1:
            return
        user = self.members[users[0]]
        if (
            self._is_elementwise(user)
            and user.inputs.count(v) == 1
            and self.graph.shape(user.outputs[0]) == self.graph.shape(v)
            and self._no_state_between(i, users[0])
        ):
            self.inline.add(v)

    def _plan_filter_fusion(self, k, n):
        g = n.inputs[1]
        if g not in self.producer or g in self.used_after or g == n.inputs[0]:
            return
        p, producer = self.producer[g]
        if not self._is_elementwise(producer) or not self._no_state_between(p, k):
            return
        riders = []
        for j in self.uses[g]:
            if j == k:
                continue
            r = self.members[j]
            is_sum = r.kind == "op" and r.op.name == "Sum" and r.inputs == [g]
            if not (is_sum and self._leading(r)):
                return
            if any(u <= k for u in self.uses.get(r.outputs[0], [])):
                return  # used before the convolution, where its loop runs
            riders.append(r)
        if self.uses[g].count(k) != 1:
            return
        self.inline.add(g)
        for r in riders:
            self.done.add(id(r))
        self.filter_riders[id(n)] = riders

    # ---- emission -----------------------------------------------------------------------------

    def _padded_input(self, n, x_v, win):
        """The input of convolution node `n` zero-padded by its window's pads (a local)."""
        if id(n) in self.conv_input:
            return self.conv_input[id(n)]
        src = self.array(x_v)
        (pt, pb), (pl, pr) = win.pads
        if pt or pb or pl or pr:
            b, h, w, c = self.graph.shape(x_v)
            dtype = self.graph.arrays[x_v].dtype.name
            padded = self.fresh("xp")
            shape = (b, h + pt + pb, w + pl + pr, c)
            self.emit(f"{padded} = np.zeros({shape!r}, np.{dtype})")
            self.emit(f"{padded}[:, {pt}:{pt + h}, {pl}:{pl + w}, :] = {src}")
            src = padded
        self.conv_input[id(n)] = src
        return src

    def _conv_prepare(self, n):
        """At the place of an inlined Conv2D: its padded input, ready for its user's loop."""
        x_v, f_v = n.inputs
        kernel = self.graph.shape(f_v)[:2]
        self._padded_input(n, x_v, geometry(self.graph.shape(x_v), kernel, n.attrs))

    def _taps(self, n, x_shape, kernel, channels, pixel):
        """(input cell, filter cell) index texts of every tap of output pixel `pixel`
        (index texts of batch, row, column), in (row, column, channel) order."""
        sh, sw = n.attrs["strides"]
        dh, dw = n.attrs["dilations"]
        b, i, j = pixel
        out = []
        for a in range(kernel[0]):
            for e in range(kernel[1]):
                row = f"{i} * {sh} + {a * dh}" if sh != 1 else f"{i} + {a * dh}"
                col = f"{j} * {sw} + {e * dw}" if sw != 1 else f"{j} + {e * dw}"
                for c in range(channels):
                    out.append((f"{b}, {row}, {col}, {c}", f"{a}, {e}, {c}"))
        return out

    def _conv_formula(self, n, body, domain):
        """Conv2D's value at the loop indices of its own (4-D) output domain."""
        x_v, f_v = n.inputs
        x_shape, f_shape = self.graph.shape(x_v), self.graph.shape(f_v)
        x = self._padded_input(n, x_v, geometry(x_shape, f_shape[:2], n.attrs))
        f = self.array(f_v)
        taps = self._taps(n, x_shape, f_shape[:2], f_shape[2], ("i0", "i1", "i2"))
        terms = [f"{x}[{xi}] * {f}[{fi}, i3]" for xi, fi in taps]
        expr = terms[0]
        for t in terms[1:]:
            expr = f"({expr} + {t})"
        return body.tmp(expr)

    def _op_Conv2D(self, n):
        """A Conv2D value used by more than one op (or by no elementwise op): stored."""
        from .emit import _Body

        v = n.outputs[0]
        domain = self.graph.shape(v)
        dtype = self.graph.arrays[v].dtype
        out = self.fresh("cv")
        self.emit(f"{out} = np.empty({domain!r}, np.{dtype.name})")
        self._conv_prepare(n)  # the padded input, before the loops
        body = _Body(self, dtype)
        self._loops(domain)
        expr = self._conv_formula(n, body, domain)
        self._flush(body)
        self.emit(f"{out}[i0, i1, i2, i3] = {expr}")
        self._end_loops(domain)
        self.local[v] = out

    def _op_Conv2DBackpropFilter(self, n):
        """One loop over the output gradient: its value (maybe computed here, see the
        module docstring) times each tap's input, into a per-image accumulator."""
        from .emit import _Body

        x_v, g_v = n.inputs
        x_shape, domain = self.graph.shape(x_v), self.graph.shape(g_v)
        f_shape = tuple(n.attrs["filter_sizes"])
        dtype = self.graph.arrays[n.outputs[0]].dtype
        name = dtype.name
        x = self._padded_input(n, x_v, geometry(x_shape, f_shape[:2], n.attrs))
        riders = [(r, self.fresh("rs")) for r in self.filter_riders.get(id(n), [])]
        total, acc = self.fresh("ft"), self.fresh("fa")
        self.emit(f"{total} = np.zeros({f_shape!r}, np.float64)")
        self.emit(f"{acc} = np.empty({f_shape!r}, np.{name})")
        for r, rout in riders:
            self.emit(f"{rout} = np.zeros({self.graph.shape(r.outputs[0])!r}, np.{name})")
        zero = rules.literal(0, dtype)
        self.emit(f"for i0 in range({domain[0]}):")
        self.indent += 1
        self.emit(f"{acc}[:] = {zero}")
        for d in range(1, 4):
            self.emit(f"for i{d} in range({domain[d]}):")
            self.indent += 1
        body = _Body(self, dtype)
        value = self.access(g_v, body, domain)
        self._flush(body)
        self.emit(f"x_ = {value}")
        for r, rout in riders:
            k = len(self._axes(r))
            kept = ", ".join(f"i{d}" for d in range(k, 4))
            prefix = "0, " * k if r.attrs.get("keepdims") else ""
            self.emit(f"{rout}[{prefix}{kept}] += x_")
        # Every tap in this loop over the channels: LLVM vectorises it (measured: 7x faster
        # than the gradient row stored first and a loop per tap).
        for xi, fi in self._taps(n, x_shape, f_shape[:2], f_shape[2], ("i0", "i1", "i2")):
            self.emit(f"{acc}[{fi}, i3] += {x}[{xi}] * x_")
        self.indent -= 3
        flat_t, flat_a = self.fresh("f"), self.fresh("f")
        self.emit(f"{flat_t} = {total}.reshape(-1)")
        self.emit(f"{flat_a} = {acc}.reshape(-1)")
        self.emit(f"for j_ in range({flat_t}.size):")
        self.emit(f"    {flat_t}[j_] += {flat_a}[j_]")
        self.indent -= 1
        out = self.fresh("fg")
        self.emit(f"{out} = np.empty({f_shape!r}, np.{name})")
        flat_o = self.fresh("f")
        self.emit(f"{flat_o} = {out}.reshape(-1)")
        self.emit(f"for j_ in range({flat_o}.size):")
        self.emit(f"    {flat_o}[j_] = {rules.CTOR[name]}({flat_t}[j_])")
        self.local[n.outputs[0]] = out
        for r, rout in riders:
            self._finish_reduction(r, rout, dtype)


def lowerable(graph, node, in_dtypes, out_dtype) -> bool:
    """Whether Conv2D / Conv2DBackpropFilter node `node` is written as direct loops."""
    name = node.op.name
    keys = {"strides", "padding", "dilations"}
    if name == "Conv2DBackpropFilter":
        keys = keys | {"filter_sizes"}
    if set(node.attrs) != keys or out_dtype not in rules.FLOATS:
        return False
    if not all(d == out_dtype for d in in_dtypes):
        return False
    x_shape = graph.shape(node.inputs[0])
    if name == "Conv2D":
        f_shape = graph.shape(node.inputs[1])
        g_shape = graph.shape(node.outputs[0])
    else:
        f_shape = tuple(node.attrs["filter_sizes"])
        g_shape = graph.shape(node.inputs[1])
    if len(x_shape) != 4 or len(f_shape) != 4 or len(g_shape) != 4:
        return False
    if -1 in f_shape or x_shape[3] != f_shape[2] or 0 in x_shape or 0 in g_shape:
        return False
    if f_shape[0] * f_shape[1] * f_shape[2] > DIRECT_MAX_TAPS:
        return False
    try:
        win = geometry(x_shape, f_shape[:2], node.attrs)
    except Exception:  # the op itself reports a bad geometry: the NumPy plan runs it
        return False
    return g_shape == (x_shape[0],) + tuple(win.out_hw) + (f_shape[3],)

"""`jit_compile=True`: a traced graph lowered to native code (Numba), part by part.

After the graph passes, `lower` cuts the node list into segments: maximal runs of nodes with
a native lowering (elementwise ops and their chains, Sum/Mean, MatMul through NumPy's own
BLAS, Conv2D and its filter gradient over few taps, Softmax and the cross entropies, views,
variable reads and writes, and the updates of the built-in Keras optimizers). Each segment
becomes one Numba function (emit.py) and, in the graph, one `fused` node marked `native`,
which the plan calls (codegen.py); everything else stays in the NumPy plan, with one
warning naming the ops that had no lowering.

Not lowered, so run as the ordinary plan: a trace serving several sizes of a None
dimension, anything before the last guard that writes state, and all of it when Numba is
missing (one warning naming the `fast` extra) or the backend is not NumPy. The generated
code is cached on disk (cache.py), so a later process loads it instead of compiling.
"""

from __future__ import annotations

import hashlib
import time
import warnings

import numpy as np

from ...backend import native as backend_native
from ...backend import xp
from ...core.variable import Variable
from ..ir import Node
from . import rules

_state = {"warned": set()}
# Nodes whose work is only moving references around: a segment of these alone is not
# worth a native call.
_FREE = ("read",)
_WRITE_METHODS = ("assign", "assign_add", "assign_sub")


def _warn_once(key, message):
    if key in _state["warned"]:
        return
    _state["warned"].add(key)
    warnings.warn(message, stacklevel=2)


class NativeInfo:
    """What lowering did to one trace: segments, ops left to NumPy, compile seconds."""

    def __init__(self):
        self.segments = []
        self.fallback = []
        self.seconds = 0.0
        self.cache_hits = 0
        self.source = ""
        self.reason = None

    def __repr__(self):
        return (
            f"NativeInfo(segments={len(self.segments)}, fallback={self.fallback}, "
            f"seconds={self.seconds:.3f}, cache_hits={self.cache_hits}, reason={self.reason!r})"
        )


def lower(graph, name: str) -> NativeInfo:
    """Replaces the lowerable runs of `graph.nodes` by native segments (in place)."""
    info = NativeInfo()
    if not backend_native.available():
        info.reason = "Numba is not installed"
        _warn_once(
            "numba",
            "tf.function(jit_compile=True) compiles with Numba, which is not installed "
            "(pip install 'tapeflow[fast]'); running the NumPy plan instead.",
        )
        return info
    if xp is not np:
        info.reason = "the backend is not NumPy"
        _warn_once("backend", "tf.function(jit_compile=True) runs the ordinary plan on CuPy.")
        return info
    if graph.polymorphic:
        info.reason = "the trace serves several sizes of a None dimension"
        return info
    started = time.perf_counter()
    from . import blas

    gemm = blas.register()
    nodes = graph.nodes
    last_guard = max((i for i, n in enumerate(nodes) if n.kind == "guard"), default=-1)
    var_slot_of = {}
    for slot, (kind, what, *_) in enumerate(graph.var_sources):
        if kind == "capture":
            var_slot_of[id(what)] = slot
    updates = {}
    ok = [
        _lowerable(graph, n, i > last_guard, gemm, var_slot_of, updates)
        for i, n in enumerate(nodes)
    ]
    for n, good in zip(nodes, ok):
        if not good and n.kind == "op":
            info.fallback.append(n.op.name)
        elif not good and n.kind == "callback":
            info.fallback.append(f"host callback {getattr(n.attrs['fn'], '__qualname__', '?')}")
    runs, run = [], []
    for i, good in enumerate(ok):
        if good:
            run.append(i)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    runs = [r for r in runs if any(nodes[i].kind not in _FREE for i in r)]
    if runs:
        _build(graph, name, runs, updates, var_slot_of, info)
    info.seconds = time.perf_counter() - started
    fallback = sorted(set(info.fallback))
    if fallback:
        _warn_once(
            (name, tuple(fallback)),
            f"tf.function(jit_compile=True) {name}: no native lowering for "
            f"{', '.join(fallback)}; those parts run the NumPy plan.",
        )
    return info


def _lowerable(graph, n, after_guards, gemm, var_slot_of, updates) -> bool:
    if n.kind == "read":
        return True
    if n.kind == "op":
        return rules.lowerable(graph, n, gemm)
    if n.kind == "write":
        if not after_guards or n.attrs["method"] not in _WRITE_METHODS:
            return False
        kind, what, *cls = graph.var_sources[n.attrs["var"]]
        var_type = cls[0] if kind == "arg" else type(what)
        if getattr(var_type, n.attrs["method"], None) is not getattr(Variable, n.attrs["method"]):
            return False  # an override of Variable's own method runs as Python
        value = graph.arrays[n.inputs[0]]
        if kind != "capture" or value.dtype not in rules.FLOATS:
            return False
        return what._value.dtype == value.dtype and what._value.shape == value.shape
    if n.kind == "callback":
        described = getattr(n.attrs["fn"], "native_update", None)
        if described is None or not after_guards:
            return False
        calls = described.describe([graph.arrays[v] for v in n.inputs])
        if calls is None:
            return False
        for variable, (_, refs, _) in zip(described.variables, calls):
            for ref in refs:
                if (not isinstance(ref, str) or ref != "grad") and id(
                    variable if ref.__class__ is str else ref
                ) not in var_slot_of:
                    return False
        updates[id(n)] = {"calls": calls, "variables": described.variables, "update": described}
        return True
    return False


class NativeCall:
    """A native segment as the plan calls it."""

    def __init__(self, fn, params, written, updates):
        self.fn = fn
        self.params = params
        self.written = written
        self.updates = updates  # id(callback node) -> NativeUpdate


def _build(graph, name, runs, updates, var_slot_of, info):
    from ...backend.native import source_cache
    from . import emit

    nodes = graph.nodes
    segments = []
    for k, run in enumerate(runs):
        members = [nodes[i] for i in run]
        used_after = set(graph.outputs)
        for n in nodes[run[-1] + 1 :]:
            used_after.update(n.inputs)
        seg = emit.Segment(graph, members, used_after, f"segment_{k}", updates, var_slot_of)
        try:
            source = seg.build()
        except Exception as e:  # pragma: no cover - a lowering gap: NumPy runs it
            info.fallback.append(f"segment {k} ({type(e).__name__}: {e})")
            continue
        segments.append((run, seg, source))
    if not segments:
        return
    header = (
        '"""Native code generated by tapeflow for one tf.function trace."""\n'
        f"# kernels called: {_kernels_fingerprint()}\n"
        "import numba\n"
        "from tapeflow.function.native.runtime import *  # noqa: F403\n\n"
        '_jit = numba.njit(cache=True, nogil=True, error_model="numpy")\n'
    )
    body = "".join(f"\n\n@_jit\n{source}" for _, _, source in segments)
    info.source = header + body
    module = source_cache.load(info.source)
    replace = {}
    for run, seg, _ in segments:
        fn = getattr(module, seg.name)
        try:
            _compile(fn, graph, seg)
        except Exception as e:  # a lowering gap: this segment runs as the NumPy plan
            info.fallback.append(f"{seg.name} ({type(e).__name__})")
            _warn_once(
                ("compile", name, seg.name),
                f"tf.function(jit_compile=True) {name}: native code for "
                f"{', '.join(sorted({_label(nodes[i]) for i in run}))} did not compile "
                f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
                "running the NumPy plan for it.",
            )
            continue
        info.cache_hits += fn.stats.cache_hits and 1 or 0
        members = [nodes[i] for i in run]
        inputs = [what for kind, what in seg.params if kind == "value"]
        seg_updates = {
            key: updates[key]["update"] for kind, key in seg.params if kind == "scalars"
        }
        node = Node(
            "fused",
            None,
            inputs,
            {"nodes": members, "native": NativeCall(fn, seg.params, seg.written, seg_updates)},
            seg.outputs,
        )
        replace[run[0]] = node
        info.segments.append(seg.name)
        for i in run[1:]:
            replace[i] = None
    graph.nodes = [replace.get(i, n) for i, n in enumerate(nodes) if replace.get(i, n) is not None]


def _kernels_fingerprint() -> str:
    """A hash of the Numba kernels generated code calls (the optimizer updates): Numba's disk
    cache of a function does not notice a change in a function it calls from another file,
    so a changed kernel must change the generated source, hence its file and cache."""
    if "kernels" not in _state:
        from ...backend.native import optim

        with open(optim.__file__, "rb") as f:
            _state["kernels"] = hashlib.sha256(f.read()).hexdigest()[:16]
    return _state["kernels"]


def _label(n) -> str:
    return n.op.name if n.kind == "op" else n.kind


def _compile(fn, graph, seg):
    """Compiles (or loads from the disk cache) `fn` for the trace's argument types; a
    call with other types (a non-contiguous input) compiles its own version then."""
    import numba

    types = []
    for kind, what in seg.params:
        if kind == "value":
            example = graph.arrays[what]
        elif kind == "var":
            source = graph.var_sources[what]
            if source[0] != "capture":  # a Variable argument: typed on the first call
                return
            example = source[1]._value
            if what in seg.written:
                example = np.array(example, order="C")  # what runtime.own hands over
        else:
            example = np.zeros(1, dtype=seg.updates[what]["variables"][0]._value.dtype)
        types.append(numba.typeof(example))
    fn.compile(tuple(types))

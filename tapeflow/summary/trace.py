"""`tf.summary.trace_on` / `trace_export` / `graph`: traced functions as TensorBoard graphs.

Between `trace_on(graph=True)` and `trace_export`, the `tf.function` traces made (the
`ConcreteFunction`s created in that window: TF records the functions run, which for a first
call is the same) are collected; `trace_export` writes each one's graph IR as a TensorBoard
`GraphDef` (one node per IR node: op nodes by registered op name, variable reads and writes,
host callbacks, inputs and constants), built with TensorBoard's protos. The profiler is not
available: `profiler=True` is accepted with a warning and records nothing.
"""

from __future__ import annotations

import gc
import warnings
import weakref

from . import writer as writer_lib

_tracing = {"on": False, "before": None}


def _concrete_functions() -> list:
    from ..function.concrete import ConcreteFunction

    return [obj for obj in gc.get_objects() if isinstance(obj, ConcreteFunction)]


def trace_on(graph=True, profiler=False, profiler_outdir=None):
    """Starts collecting the graphs of the functions traced from now on."""
    if profiler:
        warnings.warn(
            "tf.summary.trace_on: tapeflow has no profiler; only graphs are recorded",
            stacklevel=2,
        )
    if _tracing["on"]:
        warnings.warn("Cannot enable trace inside a tf.function.", stacklevel=2)
    _tracing["on"] = bool(graph)
    _tracing["before"] = weakref.WeakSet(_concrete_functions())


def trace_off():
    """Stops collecting and discards what was collected."""
    _tracing["on"] = False
    _tracing["before"] = None


def graph_def(functions):
    """A TensorBoard `GraphDef` of the graph IR of `functions` (ConcreteFunctions)."""
    from tensorboard.compat.proto import graph_pb2

    out = graph_pb2.GraphDef()
    for index, function in enumerate(functions):
        prefix = f"{getattr(function._function, '_name', 'function')}_{index}"
        _add_graph(out, function.graph, prefix)
    return out


def _add_graph(out, graph, prefix):
    producer = {}

    def node(name, op, inputs=()):
        n = out.node.add(name=f"{prefix}/{name}", op=op)
        n.input.extend(producer[v] for v in inputs if v in producer)
        return n.name

    for i, v in enumerate(graph.inputs):
        producer[v] = node(f"input_{i}", "Placeholder")
    for v in sorted(graph.consts):
        producer[v] = node(f"const_{v}", "Const")
    handles = {}
    for i, n in enumerate(graph.nodes):
        if n.kind in ("read", "write"):
            slot = n.attrs["var"]
            if slot not in handles:
                handles[slot] = node(f"variable_{slot}", "VarHandleOp")
        if n.kind == "op":
            name = node(f"{n.op.name}_{i}", n.op.name, n.inputs)
        elif n.kind == "read":
            name = node(f"read_{i}", "ReadVariableOp")
            out.node[-1].input.append(handles[n.attrs["var"]])
        elif n.kind == "write":
            name = node(f"assign_{i}", "AssignVariableOp", n.inputs)
            out.node[-1].input.append(handles[n.attrs["var"]])
        elif n.kind == "callback":
            name = node(f"host_call_{i}", "PyFunc", n.inputs)
        elif n.kind == "fused":
            name = node(f"fused_{i}", n.name, n.inputs)
        else:
            continue  # guards: checks on Python conversions, not computation
        for v in n.outputs:
            producer[v] = name


def graph(graph_data):
    """Writes a graph to the default writer (`tf.summary.graph`): a ConcreteFunction (or a
    list of them), or a TensorBoard GraphDef."""
    writer = writer_lib.default_writer()
    if writer is None or not writer_lib.recording():
        return False
    _, event_pb2, _ = writer_lib.import_tensorboard()
    if hasattr(graph_data, "SerializeToString"):
        data = graph_data
    else:
        functions = graph_data if isinstance(graph_data, (list, tuple)) else [graph_data]
        data = graph_def(functions)
    writer.add_event(event_pb2.Event(graph_def=data.SerializeToString()))
    return True


def trace_export(name, step=None, profiler_outdir=None):
    """Writes the graphs collected since `trace_on` to the default writer, then stops."""
    if not _tracing["on"]:
        warnings.warn("Can not export trace because trace_on was not called.", stacklevel=2)
        return
    before = _tracing["before"] or ()
    functions = [f for f in _concrete_functions() if f not in before]
    trace_off()
    if step is None:
        step = writer_lib.get_step()
        if step is None:
            raise ValueError(
                "No step set. Please specify one either through the `step` argument or "
                "through tf.summary.experimental.set_step()"
            )
    writer = writer_lib.default_writer()
    if writer is None or not writer_lib.recording():
        return
    if not functions:
        warnings.warn(
            f"tf.summary.trace_export({name!r}): no tf.function was traced since trace_on; "
            f"no graph is written",
            stacklevel=2,
        )
        return
    _, event_pb2, _ = writer_lib.import_tensorboard()
    writer.add_event(
        event_pb2.Event(step=int(step), graph_def=graph_def(functions).SerializeToString())
    )

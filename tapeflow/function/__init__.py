"""tf.function: trace a Python function, optimise the recorded graph, run it as a plan.

`trace.py` records an eager run (ops, variable reads and writes, guards on tensor-to-Python
conversions) as the graph of `ir.py`; `passes.py`, `fusion.py` and `kernels.py` optimise
it; `codegen.py` compiles it into one Python function over arrays (calling `runtime.py`);
`concrete.py` holds one compiled trace; `api.py` is `tf.function` itself (caching by input
signature, calls, concrete functions) and `tracing.py` how it traces (retracing, variables,
tapes around calls).

Design choices, in short:

- Tracing runs on concrete values (the first call's), so the trace is that call's eager
  run and Python control flow needs no AutoGraph. Every tensor-to-Python conversion is a
  guard; a call that converts differently runs another trace (a few are kept per input
  signature; beyond that the calls run eagerly, with a warning).
- `tf.cond` and `tf.while_loop` are TF's eager implementations: inside a trace their
  predicates are guards like any `if`/`while` (no sub-graphs): a trace holds the branch
  taken, a loop unrolled as many times as it ran.
- Shapes are concrete in a trace. With None dimensions in an `input_signature` (or in the
  specs given to `get_concrete_function`), a second "shadow" run at another size checks
  that nothing in the trace holds the traced size; then one trace serves every size
  (`polymorphic.py`). Otherwise (Python read such a size, as `x.shape[0]`) the trace is
  specialised and each shape gets its own, as without None dimensions.
- `graph_view.py`, `introspection.py` and `autograph.py` are what TF lets a program ask:
  `get_operations()`, `as_graph_def()`, signatures and specs, `tf.autograph.to_code`.
- Code that updates arrays outside the dispatcher (NumPy in place) must go through
  `host_call`, recorded as an opaque callback re-run in order at call time; writes the
  tracer could not see make a trace run eagerly instead, with a warning.
"""

from .api import ConcreteFunction, Function, function, functions_run_eagerly, run_functions_eagerly
from .control_flow import cond, while_loop
from .host import host_call
from .print_op import print  # noqa: A004 - tf.print
from .signature import TensorSpec
from .trace import init_scope

__all__ = [
    "ConcreteFunction",
    "Function",
    "TensorSpec",
    "cond",
    "function",
    "functions_run_eagerly",
    "host_call",
    "init_scope",
    "print",
    "run_functions_eagerly",
    "while_loop",
]

"""tf.function: trace a Python function, optimise the recorded graph, run it as a plan.

`trace.py` records an eager run (ops, variable reads and writes, guards on tensor-to-Python
conversions) as the graph of `ir.py`; `passes.py` and `fusion.py` optimise it;
`codegen.py` compiles it into one Python function over arrays; `api.py` is `tf.function`
itself (caching by input signature, retracing, variables, tapes around calls).
"""

from .api import ConcreteFunction, Function, function, functions_run_eagerly, run_functions_eagerly
from .control_flow import cond, while_loop
from .host import host_call
from .print_op import print  # noqa: A004 - tf.print
from .signature import TensorSpec

__all__ = [
    "ConcreteFunction",
    "Function",
    "TensorSpec",
    "cond",
    "function",
    "functions_run_eagerly",
    "host_call",
    "print",
    "run_functions_eagerly",
    "while_loop",
]

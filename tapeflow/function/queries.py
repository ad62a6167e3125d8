"""What a program may ask about where it runs: `tf.executing_eagerly`, `tf.inside_function`,
`tf.get_static_value`, `tf.get_current_name_scope`, `tf.get_logger`; and TF1's graph-only
`tf.gradients` / `tf.hessians`, which TF 2 refuses when executing eagerly.

A tf.function trace is an eager run with a tracer installed (`state.tracer`), so "inside a
function" means "a tracer is recording"; with `tf.config.run_functions_eagerly(True)` there
is none, and TF too then reports eager execution.
"""

from __future__ import annotations

from ..core.context import state
from ..core.tensor import Operand


def executing_eagerly() -> bool:
    """False while a tf.function is being traced, True otherwise (also in functions run
    eagerly)."""
    return state.tracer is None


def inside_function() -> bool:
    """True while a tf.function is being traced."""
    return state.tracer is not None


def get_current_name_scope() -> str:
    """The name of the current `tf.name_scope` ("a/b"; "" at the top level)."""
    return "".join(state.name_scopes).rstrip("/")


def get_static_value(tensor, partial=False):
    """The value of `tensor` as a NumPy array (a NumPy scalar for rank 0) when it is known
    without running a graph, else None; a non-tensor is returned as it is.

    Eagerly every tensor is known. While a tf.function traces, only tensors made outside
    the traced computation (constants, captured values) are: one computed from the inputs
    has no static value, as in TF (returning its traced value would bake it into the trace).
    """
    if not isinstance(tensor, Operand):
        return tensor
    tracer = state.tracer
    if tracer is not None and not getattr(tensor, "_is_variable", False):
        v = tracer.by_tensor.get(tensor._id)
        if v is not None and not tracer.is_const(v):
            return None
    if getattr(tensor, "_is_variable", False):
        return None  # TF: a variable's value can change; it is never static
    return tensor.numpy()


def get_logger():
    """The `logging.Logger` named "tensorflow" (TF's own logger name, so handlers and levels
    set on it by existing code apply)."""
    import logging  # a few milliseconds: not paid by `import tapeflow`

    return logging.getLogger("tensorflow")


_GRADIENTS_EAGER = (
    "tf.gradients is not supported when eager execution is enabled. Use tf.GradientTape instead."
)


def gradients(
    ys,
    xs,
    grad_ys=None,
    name="gradients",
    gate_gradients=False,
    aggregation_method=None,
    stop_gradients=None,
    unconnected_gradients="none",
):
    """TF 1's symbolic gradients: RuntimeError, as TF 2 raises when executing eagerly.

    Inside tf.function TF differentiates its graph; tapeflow's trace is an eager run that
    records no tape unless one is open, so there too the answer is tf.GradientTape.
    """
    raise RuntimeError(_gradients_message("tf.gradients"))


def hessians(ys, xs, gate_gradients=False, aggregation_method=None, name="hessians"):
    """TF 1's symbolic Hessians: RuntimeError, as `tf.gradients` (TF's own message)."""
    raise RuntimeError(_gradients_message("tf.hessians"))


def _gradients_message(public: str) -> str:
    if state.tracer is None:
        return _GRADIENTS_EAGER  # TF's message word for word (its hessians says tf.gradients)
    return (
        f"{public} is not supported inside a tapeflow tf.function: the trace is an eager run "
        "with no graph to differentiate. Use tf.GradientTape (`with tf.GradientTape() as "
        "tape: ...; tape.gradient(ys, xs)`; nest two tapes for Hessians) instead."
    )

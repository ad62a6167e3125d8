"""Whether a tf.function is compiled to native code (`jit_compile`), and
`tf.config.optimizer`. Kept apart from the compiler (function/native/), which is imported
only when a trace is lowered: `import tapeflow` loads neither it nor Numba."""

from __future__ import annotations

_state = {
    "jit": False,
    "options": {"disable_model_pruning": False, "disable_meta_optimizer": False},
}
OPTIMIZER_CONFIG = ("set_jit", "get_jit", "set_experimental_options", "get_experimental_options")


def set_jit(enabled) -> None:
    """`tf.config.optimizer.set_jit`: "autoclustering" (or True) compiles every tf.function
    not given `jit_compile` to native code, as TF's XLA auto-clustering would; any other
    value turns that off."""
    _state["jit"] = enabled in (True, "autoclustering")


def get_jit() -> str:
    """`tf.config.optimizer.get_jit`: "autoclustering" when on, else "" (TF's answers)."""
    return "autoclustering" if _state["jit"] else ""


def set_experimental_options(options: dict) -> None:
    """`tf.config.optimizer.set_experimental_options`: recorded (Grappler's switches; the
    graph passes here always run)."""
    _state["options"].update(options)


def get_experimental_options() -> dict:
    """`tf.config.optimizer.get_experimental_options`: what was set, and TF's two defaults."""
    return dict(_state["options"])


def wanted(jit_compile) -> bool:
    """Whether a tf.function with this `jit_compile` argument is lowered."""
    return bool(jit_compile) if jit_compile is not None else _state["jit"]

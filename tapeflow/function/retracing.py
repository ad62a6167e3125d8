"""Frequent retracing: which arguments changed between two traces, and TF's warning text."""

from __future__ import annotations

from . import signature as sig


def retracing_message(name: str, count: int, calls: int, changed: str) -> str:
    return (
        f"{count} out of the last {calls} calls to {name} triggered tf.function retracing. "
        f"Tracing is expensive and the excessive number of tracings could be due to (1) "
        f"creating @tf.function repeatedly in a loop, (2) passing tensors with different "
        f"shapes, (3) passing Python objects instead of tensors. This time: {changed}."
    )


def changed_arguments(previous, parts, reduce_retracing) -> str:
    before = dict(previous)
    changes = []
    for name, part in parts:
        old = before.get(name)
        if old == part:
            continue
        if reduce_retracing and _same_up_to_shape(old, part):
            continue
        if old is None:
            changes.append(f"argument {name!r} is new ({sig.describe_part(part)})")
        else:
            changes.append(
                f"argument {name!r} changed from {sig.describe_part(old)} to "
                f"{sig.describe_part(part)}"
            )
    return "; ".join(changes)


def _same_up_to_shape(old, new) -> bool:
    def strip(p):
        if isinstance(p, tuple) and len(p) == 2 and hasattr(p[0], "kind"):
            return (p[0], len(p[1]))
        if isinstance(p, tuple):
            return tuple(strip(q) for q in p)
        return p

    return strip(old) == strip(new)

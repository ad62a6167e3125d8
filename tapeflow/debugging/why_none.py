"""Why is my gradient None? The explainer behind the warning of `GradientTape.gradient`.

When `gradient` returns None for a source, the tape hands this module what it recorded:
its entries, the ids it tracked, and the notes it took where a path could have been cut
(`core/tape.py`: ops with no gradient or an integer result on a watched value, watched
values converted to NumPy, variables assigned a watched value, `stop_recording` blocks,
the id span of its `with` block). Tensor ids come from one counter, so "was this tensor
made inside the block?" is a comparison of ids. Everything here runs only for a None.

`explain_gradients(tape, target, sources)` returns the same analysis as a report.
"""

from __future__ import annotations

import warnings

from ..core import nest
from ..core import tape as tape_module
from ..core.sites import user_frame, user_stacklevel
from ..core.tensor import Operand
from .why_none_report import GradientReport, SourceReport  # noqa: F401 - public here too

# Explanations of the latest None gradients of variables, by variable id, for the
# optimizer's "Gradients do not exist for variables ..." messages.
_LATEST: dict = {}
_LATEST_LIMIT = 1000

# Warned already: (file, line of the gradient call, source id). A loop that gets the same
# None every step explains it once (the warning would repeat the same text anyway).
_WARNED: set = set()


class NoneGradientWarning(UserWarning):
    """`GradientTape.gradient` returned None for a source; the message says why."""


# ---- the public entry points -------------------------------------------------------------


def explain_gradients(tape, target, sources) -> GradientReport:
    """Says, for each source, whether `tape.gradient(target, sources)` reaches it, and why not.

    Call it where you would call `tape.gradient` (before it, for a non-persistent tape: the
    tape forgets what it recorded once it has answered). It computes no gradient and does
    not use the tape up.

    Returns:
        A `GradientReport`: `report.sources[i]` for the i-th flattened source, with
        `connected`, `cause`, `message`, `site` (the file and line of the cut) and `path`.
    """
    if tape._used:
        raise RuntimeError(
            "explain_gradients: this non-persistent GradientTape has already computed its "
            "gradients and forgotten what it recorded; call explain_gradients before "
            "tape.gradient, or use tf.GradientTape(persistent=True)."
        )
    targets = [_operand(t, "target") for t in nest.flatten(target)]
    flat_sources = [_operand(s, "source") for s in nest.flatten(sources)]
    frame, _ = user_frame()
    from .why_none_analysis import _Analysis  # loaded for the first None only

    analysis = _Analysis(tape, targets, frame)
    return GradientReport(analysis.explain(i, s) for i, s in enumerate(flat_sources))


def latest_explanation(variable) -> str | None:
    """The explanation of the latest None gradient of `variable`, if one was given."""
    return _LATEST.get(variable._id)


def explanations(variables) -> str:
    """'\nWhy: ...' lines for the variables whose latest None gradient was explained."""
    lines = []
    for v in variables:
        text = _LATEST.get(getattr(v, "_id", None))
        if text is not None:
            lines.append(f"\n- {getattr(v, 'path', v.name)}: {text}")
    return "\nWhy (tapeflow):" + "".join(lines) if lines else ""


def warn_none_gradients(tape, targets, sources, grads):
    """Called by `GradientTape.gradient` when a gradient is None: warns, saying why."""
    frame, _ = user_frame()
    where = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else ("?", 0)
    todo = [
        (i, s)
        for i, (s, g) in enumerate(zip(sources, grads))
        if g is None and (where + (s._id,)) not in _WARNED
    ]
    if not todo:
        return
    from .why_none_analysis import _Analysis

    analysis = _Analysis(tape, targets, frame, none_gradients=True)
    groups = {}  # message -> [(index, name)]: sources with the same explanation share a line
    for i, s in todo:
        _WARNED.add(where + (s._id,))
        report = analysis.explain(i, s)
        if s._is_variable:
            if len(_LATEST) >= _LATEST_LIMIT:
                _LATEST.clear()
            _LATEST[s._id] = report.message
        groups.setdefault(report.message, []).append((i, report.name))
    if len(_WARNED) > 10 * _LATEST_LIMIT:
        _WARNED.clear()
    lines = []
    for message, members in groups.items():
        names = [name for _, name in members]
        if len(names) > 1 and all(n.startswith("variable '") for n in names):
            names = "variables " + ", ".join(n[len("variable ") :] for n in names)
        else:
            names = ", ".join(names)
        numbers = ", ".join(str(i + 1) for i, _ in members)
        which = f"source{'s' if len(members) > 1 else ''} {numbers} of {len(sources)}"
        lines.append(f"- {names} ({which}): {message}")
    noun = "gradient is" if len(todo) == 1 else "gradients are"
    text = (
        f"GradientTape.gradient: {len(todo)} {noun} None.\n"
        + "\n".join(lines)
        + "\n(tapeflow.debugging.explain_gradients(tape, target, sources) gives this as a "
        "report; tapeflow.debugging.set_gradient_explanations(False) turns it off.)"
    )
    warnings.warn(text, NoneGradientWarning, stacklevel=user_stacklevel())


def set_gradient_explanations(enabled: bool) -> bool:
    """Turns the why-None warnings (and the notes tapes take for them) on or off.

    On by default. Off, `tape.gradient` returns None silently, as TensorFlow does.
    Returns the previous setting.
    """
    return tape_module.set_explaining(enabled)


def gradient_explanations_enabled() -> bool:
    """Whether tapes take notes for, and warn with, the why-None explanations."""
    return tape_module.explaining()


def _operand(x, role):
    if not isinstance(x, Operand):
        raise TypeError(
            f"explain_gradients: the {role} must be a tf.Tensor or tf.Variable, got "
            f"{type(x).__name__}"
        )
    return x


tape_module.set_none_explainer(warn_none_gradients)

"""The why-None explainer's answer for a source that recorded paths connect to the target
but whose gradient is None: a gradient function along each path gave None for the input
there (an op treated as constant in one input, a tf.custom_gradient returning None)."""

from __future__ import annotations

from .why_none_report import SourceReport


class DroppedGradients:
    """Methods of the analysis (why_none_analysis._Analysis) for such sources; they use its
    `entries`, `ancestors`, `targets` and `_dropped_cache`."""

    def _dropped(self, index, name, owner, reach, path) -> SourceReport:
        """The op on the path whose gradient function returned None for the input there."""
        found = self._dropping_entry(reach)
        layer = f" (a weight of layer '{owner}')" if owner else ""
        if found is None:
            message = (
                f"it{layer} is connected to the target (through {' -> '.join(path)}), but the "
                f"gradient functions along every path returned None for it"
            )
            return SourceReport(index, name, False, "no_input_gradient", message, path=path)
        op, k = found
        if op.name.startswith("CustomGradient["):
            what = op.name[len("CustomGradient[") : -1]
            message = (
                f"it{layer} reaches the target through the tf.custom_gradient function "
                f"{what}, and the gradient function of {what} returned None for its input "
                f"{k + 1} (return a zero tensor there if a zero gradient is meant)"
            )
        else:
            message = (
                f"it{layer} reaches the target through {op.name} (path: {' -> '.join(path)}), "
                f"whose gradient function gives None for its input {k + 1} (tapeflow treats "
                f"{op.name} as constant in that input)"
            )
        return SourceReport(index, name, False, "no_input_gradient", message, path=path)

    def _dropping_entry(self, reach):
        """(op, input position) of the first recorded entry on a source-to-target path
        whose gradient function gives None for the input on the path, or None. A
        tf.custom_gradient is not run again (it is user code): it is the suspect when no
        registered op answers None."""
        suspect = None
        for k, (op, inputs, _, outputs) in enumerate(self.entries):
            on_path = [j for j, x in enumerate(inputs) if x._id in reach]
            if not on_path or not any(o._id in self.ancestors for o in outputs):
                continue
            if op.name.startswith("CustomGradient["):
                suspect = suspect or (op, on_path[0])
                continue
            dropped = self._dropped_inputs(k)
            for j in on_path:
                if j in dropped:
                    return op, j
        return suspect

    def _dropped_inputs(self, k) -> frozenset:
        """Input positions of entry k whose gradient its vjp gives as None (asked once,
        with an upstream gradient of ones); empty when it cannot be asked: an op with no
        gradient (a cut, noted already), a tf.custom_gradient, a tf.function trace."""
        cached = self._dropped_cache.get(k)
        if cached is None:
            from ..core.context import state

            op, inputs, attrs, outputs = self.entries[k]
            cached = frozenset()
            if (
                op.vjp_fn is not None
                and not op.name.startswith("CustomGradient[")
                and state.tracer is None
            ):
                grads = _probe(op, inputs, attrs, outputs)
                if grads is not None:
                    cached = frozenset(j for j, g in enumerate(grads) if g is None)
            self._dropped_cache[k] = cached
        return cached

    def _live_reach(self, source_id) -> set:
        """As `_reach`, along the edges whose gradient functions give a gradient."""
        reach = {source_id}
        for k, (_, inputs, _, outputs) in enumerate(self.entries):
            on_path = [j for j, x in enumerate(inputs) if x._id in reach]
            if on_path and any(j not in self._dropped_inputs(k) for j in on_path):
                reach.update(o._id for o in outputs if o._value.dtype.kind == "f")
        return reach


def _probe(op, inputs, attrs, outputs):
    """The input gradients `op`'s vjp gives for an upstream gradient of ones (None if it
    raises), with every tape and accumulator of this thread paused, no notes taken."""
    from ..backend import xp
    from ..core.context import state
    from ..core.tensor import wrap

    def ones(o):
        return wrap(xp.ones_like(o._value) if o._value.dtype.kind == "f" else o._value * 0)

    recorders = [r for r in state.tapes + state.accumulators if r._recording]
    for r in recorders:
        r._recording = False
    try:
        if op.multiple_outputs:
            g, ans = tuple(ones(o) for o in outputs), outputs
        else:
            g, ans = ones(outputs[0]), outputs[0]
        if op.vjp_needs:
            needs = (True,) * len(inputs)
            return op.vjp_fn(g, ans, *inputs, needs=needs, **attrs)
        return op.vjp_fn(g, ans, *inputs, **attrs)
    except Exception:  # noqa: BLE001 - a probe that fails just does not answer
        return None
    finally:
        for r in recorders:
            r._recording = True

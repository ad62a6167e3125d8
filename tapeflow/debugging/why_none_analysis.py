"""The why-None explainer's analysis of what one tape recorded (see why_none.py): which
targets and sources the recorded entries connect, and the nearest cut on each path."""

from __future__ import annotations

from ..core.sites import Site
from .why_none_dropped import DroppedGradients
from .why_none_names import assignment, name_of
from .why_none_report import SourceReport


class _Analysis(DroppedGradients):
    """What one tape recorded, indexed for the questions the explainer asks."""

    def __init__(self, tape, targets, frame, none_gradients=False):
        self.tape = tape
        # True when the sources asked about are known to have None gradients (the warning);
        # explain_gradients computes no gradient, so a connected source is reported as such.
        self.none_gradients = none_gradients
        self._dropped_cache = {}  # entry index -> input positions its vjp gives None
        self.targets = targets
        self.frame = frame
        self.entries = list(tape._entries)
        self.produced = {}  # output id -> entry index
        for k, (_, _, _, outputs) in enumerate(self.entries):
            for o in outputs:
                self.produced[o._id] = k
        self.ancestors, self.leaves = self._ancestry()
        self._target_verdict = self._judge_targets()

    # ---- the target side ------------------------------------------------------------------

    def _ancestry(self):
        """Ids the targets depend on through recorded entries, and the unrecorded ones."""
        seen = set()
        leaves = set()
        stack = [t._id for t in self.targets]
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            k = self.produced.get(i)
            if k is None:
                leaves.add(i)
                continue
            stack.extend(x._id for x in self.entries[k][1])
        return seen, leaves

    def _judge_targets(self):
        """A SourceReport-like verdict shared by every source, or None."""
        tape = self.tape
        verdicts = []
        for t in self.targets:
            if t._value.dtype.kind != "f":
                verdicts.append(
                    (
                        "integer_target",
                        f"the target has dtype {t.dtype.name}; only floating tensors carry "
                        f"gradients (cast the loss to a float type with tf.cast before "
                        f"differentiating, or compute it in floating point)",
                        None,
                    )
                )
                continue
            if t._id in tape._tracked:
                return None  # recorded: the sources are judged one by one
            cut = self._cut_producing(t._id)
            if cut is not None:
                verdicts.append(self._cut_verdict(cut, "the target"))
                continue
            gap = self._gap_of(t._id)
            if gap is not None:
                verdicts.append(
                    (
                        _GAP_CAUSE[gap[3]],
                        f"the target was computed {_GAP_TEXT[gap[3]]} ({_at(gap[2])}), which "
                        f"the tape does not record",
                        gap[2],
                    )
                )
                continue
            outside = self._outside(t._id)
            if outside is not None:
                verdicts.append(outside)
                continue
        if verdicts and len(verdicts) == len(self.targets):
            return verdicts[0]
        return None

    def _outside(self, tensor_id):
        spans = self.tape._spans
        if not spans:
            return (
                "outside_tape",
                "the tape never recorded: the target was computed without entering "
                "`with tf.GradientTape() as tape:`; compute the loss inside that block",
                None,
            )
        block = _block_site(self.tape)
        where = f" (the block at {block})" if block else ""
        first, last = spans[0][0], spans[-1][1]
        if tensor_id < first:
            return (
                "outside_tape",
                f"the target was computed before the `with tf.GradientTape() as tape:` "
                f"block{where} started recording, so the tape did not record it; compute "
                f"the loss inside the block",
                block,
            )
        if last is not None and tensor_id > last and not self.tape._recording:
            return (
                "outside_tape",
                f"the target was computed after the `with tf.GradientTape() as tape:` "
                f"block{where} ended, so the tape did not record it; indent the line that "
                f"computes the loss into the block",
                block,
            )
        for a, b in zip(spans, spans[1:]):
            if a[1] is not None and a[1] < tensor_id < b[0]:
                return (
                    "outside_tape",
                    f"the target was computed between two `with tape:` blocks{where}, "
                    f"while the tape was not recording",
                    block,
                )
        return None

    # ---- the source side ------------------------------------------------------------------

    def explain(self, index, source) -> SourceReport:
        name, owner = name_of(source, self.frame)
        if source._value.dtype.kind != "f":
            return SourceReport(
                index,
                name,
                False,
                "integer_source",
                f"it has dtype {source.dtype.name}; only floating tensors and variables "
                f"carry gradients",
                owner=owner,
            )
        if self._target_verdict is not None:
            cause, message, site = self._target_verdict
            return SourceReport(index, name, False, cause, message, site, owner=owner)
        if source._id not in self.tape._tracked:
            return self._unwatched(index, source, name, owner)
        reach = self._reach(source._id)
        hit = [t for t in self.targets if t._id in reach]
        if not hit:
            return self._cut(index, source, name, owner, reach)
        path = self._path(source._id, hit[0]._id)
        if not self.none_gradients:
            live = self._live_reach(source._id)
            if any(t._id in live for t in self.targets):
                return SourceReport(index, name, True, "connected", "", path=path)
        # Recorded paths lead to the target, yet a gradient function on each gave None.
        return self._dropped(index, name, owner, reach, path)

    def _unwatched(self, index, source, name, owner) -> SourceReport:
        tape = self.tape
        layer = f" (a weight of layer '{owner}')" if owner else ""
        if source._is_variable:
            if not source.trainable:
                return SourceReport(
                    index,
                    name,
                    False,
                    "non_trainable",
                    f"it{layer} is not trainable (trainable=False), so the tape does not "
                    f"watch it when it is read; call tape.watch({_short(name)}) inside the "
                    f"block, or create it trainable",
                    owner=owner,
                )
            if not tape._watch_accessed:
                spans = tape._spans
                if spans and source._id > spans[0][0]:
                    built = f"layer '{owner}' was built" if owner else "it was created"
                    return SourceReport(
                        index,
                        name,
                        False,
                        "built_after_watch",
                        f"it did not exist when the tape started: {built} inside the "
                        f"`with tf.GradientTape(watch_accessed_variables=False)` block, at "
                        f"its first call, after tape.watch(...) ran, so there was nothing "
                        f"to watch. Build the model before the block (call it once, or "
                        f"model.build(input_shape)), then watch its trainable_variables",
                        owner=owner,
                    )
                return SourceReport(
                    index,
                    name,
                    False,
                    "not_watched",
                    "the tape was created with watch_accessed_variables=False and it "
                    "was never passed to tape.watch()",
                    owner=owner,
                )
            return SourceReport(
                index,
                name,
                False,
                "not_used",
                f"it{layer} was not read while the tape recorded: the target does not "
                f"use it{self._unused_hint(owner)}",
                owner=owner,
            )
        replaced = assignment(source, self.frame)
        if replaced is not None:
            site, self_update = replaced
            if self_update:
                return SourceReport(
                    index,
                    name,
                    False,
                    "replaced_by_tensor",
                    f"it is a tf.Tensor, not a tf.Variable: it was replaced by a Tensor "
                    f"at {_at(site)}, and the tape watches Variables automatically but "
                    f"Tensors only through tape.watch(). Update variables in place "
                    f"({_short(name)}.assign(...), .assign_add(...), .assign_sub(...)) "
                    f"instead of rebinding the name",
                    site,
                )
        return SourceReport(
            index,
            name,
            False,
            "not_watched",
            f"it is a tf.Tensor the tape never watched (the tape watches Variables "
            f"automatically, Tensors only through tape.watch()); call "
            f"tape.watch({_short(name)}) inside the block, before it is used",
        )

    def _unused_hint(self, owner) -> str:
        if owner:
            return (
                f"; is layer '{owner}' part of the computation of the loss (a layer built "
                f"but not called, or a second model)?"
            )
        return ""

    def _cut(self, index, source, name, owner, reach) -> SourceReport:
        cuts = self.tape._cuts
        ancestors = self.ancestors
        # A cut whose result the target uses: certain.
        for cut in reversed(cuts):
            kind, _, ins, outs, _, _, _ = cut
            if kind != "numpy" and any(i in reach for i in ins):
                if any(o in ancestors for o in outs):
                    return self._cut_report(index, name, owner, cut)
        # A watched value left for NumPy, and something made afterwards feeds the target.
        for cut in reversed(cuts):
            kind, _, ins, _, _, when, _ = cut
            if kind == "numpy" and any(i in reach for i in ins):
                if any(leaf > when for leaf in self.leaves):
                    return self._cut_report(index, name, owner, cut)
        # A value the target uses was made inside stop_recording.
        for leaf in sorted(self.leaves, reverse=True):
            gap = self._gap_of(leaf)
            if gap is not None:
                return self._gap_report(index, name, owner, gap)
        # Weaker evidence: the latest cut or stop_recording block after the source was used.
        first_use = min((o for o in reach if o != source._id), default=source._id)
        candidates = [(cut[5], "cut", cut) for cut in cuts if any(i in reach for i in cut[2])]
        candidates += [(gap[1], "gap", gap) for gap in self.tape._gaps if gap[1] > first_use]
        if candidates:
            _, what, item = max(candidates, key=lambda c: c[0])
            if what == "gap":
                return self._gap_report(index, name, owner, item)
            return self._cut_report(index, name, owner, item)
        users = sorted(
            {op.name for op, inputs, _, _ in self.entries if any(x._id in reach for x in inputs)}
        )
        used = (
            f"; it is used (by {', '.join(users)}) but nothing that uses it reaches the target"
            if users
            else ""
        )
        layer = f" (a weight of layer '{owner}')" if owner else ""
        return SourceReport(
            index,
            name,
            False,
            "not_used",
            f"the target does not depend on it{layer}{used}{self._unused_hint(owner)}",
            owner=owner,
        )

    def _gap_report(self, index, name, owner, gap) -> SourceReport:
        return SourceReport(
            index,
            name,
            False,
            _GAP_CAUSE[gap[3]],
            f"a value the target uses was computed {_GAP_TEXT[gap[3]]} ({_at(gap[2])}), "
            f"which the tape does not record, so its path to the target is cut there",
            gap[2],
            owner=owner,
        )

    def _cut_report(self, index, name, owner, cut) -> SourceReport:
        if cut[0] == "numpy":
            return self._numpy_report(index, name, owner, cut)
        cause, message, site = self._cut_verdict(cut, name)
        return SourceReport(index, name, False, cause, message, site, owner=owner)

    def _numpy_report(self, index, name, owner, cut) -> SourceReport:
        _, how, _, _, site, _, _ = cut
        what = {"bool": "a Python bool", "float": "a Python float", "int": "a Python int"}.get(
            how, "a NumPy array"
        )
        return SourceReport(
            index,
            name,
            False,
            "numpy",
            f"its value left the tape at {_at(site)}: it became {what} "
            f"(`.numpy()`, `np.asarray`, a NumPy function, `float()`), and what is computed "
            f"from that is a constant to the tape. Keep the computation in tapeflow ops "
            f"(tf.math, tf.linalg, ...; tapeflow.experimental.numpy_dispatch(True) makes "
            f"NumPy functions on tensors record)",
            site,
            owner=owner,
        )

    def _cut_verdict(self, cut, name):
        kind, what, _, _, site, _, extra = cut
        if kind == "assign":
            return (
                "assign",
                f"its path to the target was cut at {_at(site)}: Variable.{what} stored a "
                f"value computed from it in a variable, and reading the variable back gives the "
                f"variable, not what was assigned to it (assignments carry no gradient)",
                site,
            )
        if what == "StopGradient":
            return (
                "stop_gradient",
                f"its path to the target goes through tf.stop_gradient at {_at(site)}",
                site,
            )
        if kind == "integer":
            return (
                "integer_cast",
                f"its path to the target was cut at {_at(site)}: {what} made "
                f"{'an' if extra[:1] in 'aeiou' else 'a'} {extra} "
                f"tensor, and integer and bool tensors carry no gradient (keep the value "
                f"floating, or use a differentiable stand-in such as tf.nn.softmax for argmax)",
                site,
            )
        return (
            "no_gradient",
            f"its path to the target was cut at {_at(site)}: {what} has no gradient",
            site,
        )

    # ---- helpers ---------------------------------------------------------------------------

    def _cut_producing(self, tensor_id):
        for cut in self.tape._cuts:
            if tensor_id in cut[3] and cut[0] != "numpy":
                return cut
        return None

    def _gap_of(self, tensor_id):
        for gap in self.tape._gaps:
            if gap[0] < tensor_id < gap[1]:
                return gap
        return None

    def _reach(self, source_id) -> set:
        reach = {source_id}
        for _, inputs, _, outputs in self.entries:
            for x in inputs:
                if x._id in reach:
                    reach.update(o._id for o in outputs if o._value.dtype.kind == "f")
                    break
        return reach

    def _path(self, source_id, target_id) -> list:
        """Op names along one recorded path from the source to the target."""
        names = []
        current = target_id
        seen = set()
        reach = self._reach(source_id)
        while current != source_id and current not in seen:
            seen.add(current)
            k = self.produced.get(current)
            if k is None:
                break
            op, inputs, _, _ = self.entries[k]
            names.append(op.name)
            nxt = next((x._id for x in inputs if x._id in reach), None)
            if nxt is None:
                break
            current = nxt
        return names[::-1]


def _block_site(tape):
    site = tape._enter_site
    if site is None:
        return None
    return Site(site[0], site[1])


_GAP_CAUSE = {"stop_recording": "stop_recording", "paused": "paused"}
_GAP_TEXT = {
    "stop_recording": "inside `with tape.stop_recording():`",
    "paused": "while the tapes were paused (in a `tf.init_scope()` block, or by library code "
    "that pauses them on purpose)",
}


def _at(site) -> str:
    return str(site) if site is not None else "an unknown line"


def _short(name: str) -> str:
    if name.startswith("variable '"):
        inner = name.split("(`")
        if len(inner) > 1:
            return inner[1].rstrip("`)")
        return "v"
    return name.strip("`")

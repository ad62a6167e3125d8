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
from ..core.sites import Site, _internal, user_frame, user_stacklevel
from ..core.tensor import Operand

# Explanations of the latest None gradients of variables, by variable id, for the
# optimizer's "Gradients do not exist for variables ..." messages.
_LATEST: dict = {}
_LATEST_LIMIT = 1000

# Warned already: (file, line of the gradient call, source id). A loop that gets the same
# None every step explains it once (the warning would repeat the same text anyway).
_WARNED: set = set()


class NoneGradientWarning(UserWarning):
    """`GradientTape.gradient` returned None for a source; the message says why."""


class SourceReport:
    """Why one source's gradient is (or is not) None.

    Attributes:
        index: position of the source in the flattened `sources`.
        name: how the source is called (a variable's path, or the caller's local name).
        connected: True when a recorded path leads from the source to the target.
        cause: a short code: "connected", "outside_tape", "numpy", "replaced_by_tensor",
            "integer_cast", "no_gradient", "stop_gradient", "stop_recording", "paused", "assign",
            "not_used", "non_trainable", "built_after_watch", "not_watched",
            "integer_source", "integer_target".
        message: one paragraph saying what happened and what to do.
        site: where the path was cut (a `Site`: file, line, code), when known.
        path: for a connected source, the op names from the source to the target.
        owner: the Keras layer that owns the variable, when there is one.
    """

    def __init__(self, index, name, connected, cause, message, site=None, path=(), owner=None):
        self.index = index
        self.name = name
        self.connected = connected
        self.cause = cause
        self.message = message
        self.site = site
        self.path = list(path)
        self.owner = owner

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "name": self.name,
            "connected": self.connected,
            "cause": self.cause,
            "message": self.message,
            "where": None if self.site is None else self.site.short(),
            "code": None if self.site is None else self.site.code,
            "path": list(self.path),
            "owner": self.owner,
        }

    def __str__(self):
        head = f"{self.name}: " + ("connected" if self.connected else f"None ({self.cause})")
        if self.connected:
            return head + " via " + " -> ".join(self.path or ["(the target itself)"])
        return f"{head}\n    {self.message}"

    def __repr__(self):
        return f"<SourceReport {self.name}: {self.cause}>"


class GradientReport:
    """The answer of `explain_gradients`: one `SourceReport` per flattened source."""

    def __init__(self, sources):
        self.sources = list(sources)

    @property
    def none(self) -> list:
        """The reports of the sources whose gradient is None."""
        return [r for r in self.sources if not r.connected]

    def __getitem__(self, i):
        return self.sources[i]

    def __len__(self):
        return len(self.sources)

    def __iter__(self):
        return iter(self.sources)

    def as_dict(self) -> dict:
        return {"sources": [r.as_dict() for r in self.sources]}

    def __str__(self):
        return "\n".join(str(r) for r in self.sources)

    def __repr__(self):
        return f"<GradientReport: {len(self.none)} of {len(self.sources)} sources None>"


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
    analysis = _Analysis(tape, targets, frame)
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
    return tape_module.explaining()


# ---- the analysis --------------------------------------------------------------------------


class _Analysis:
    """What one tape recorded, indexed for the questions the explainer asks."""

    def __init__(self, tape, targets, frame):
        self.tape = tape
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
        name, owner = self._name(source)
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
        if hit:
            return SourceReport(
                index, name, True, "connected", "", path=self._path(source._id, hit[0]._id)
            )
        return self._cut(index, source, name, owner, reach)

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
        replaced = self._assignment(source)
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

    def _name(self, source):
        """(a name for the source, the Keras layer owning it or None)."""
        if source._is_variable:
            path = getattr(source, "path", None) or source.name
            parts = path.split("/")
            owner = parts[-2] if len(parts) >= 2 else None
            local = self._local_name(source)
            shown = f"variable '{path}'"
            if local and local != path:
                shown += f" (`{local}`)"
            return shown, owner
        local = self._local_name(source)
        return (f"`{local}`" if local else "the source tensor"), None

    def _local_name(self, obj):
        """The caller's name for `obj`: a plain local in the nearest user frame that has
        one (`W`), else an item or attribute of a local (`params[0]`, `self.W`)."""
        found = self._find_name(obj)
        return None if found is None else found[0]

    def _find_name(self, obj):
        """(name, frame): see `_local_name`."""
        frames = []
        frame = self.frame
        while frame is not None and len(frames) < 4:
            if not _internal_frame(frame):
                frames.append(frame)
            frame = frame.f_back
        for frame in frames:
            for key, value in frame.f_locals.items():
                if value is obj:
                    return key, frame
        for frame in frames[:1]:
            for key, value in frame.f_locals.items():
                if isinstance(value, (list, tuple)) and len(value) < 1000:
                    for k, item in enumerate(value):
                        if item is obj:
                            return f"{key}[{k}]", frame
                attrs = getattr(value, "__dict__", None)
                if isinstance(attrs, dict) and not isinstance(value, type):
                    for attr, item in attrs.items():
                        if item is obj:
                            return f"{key}.{attr}", frame
        return None

    def _assignment(self, source):
        """(Site, updates itself) of the assignment that last bound the source's name in
        the frame that holds it."""
        found = self._find_name(source)
        if found is None or "[" in found[0]:
            return None
        name, frame = found
        code = frame.f_code
        found = _assignments(code.co_filename, code.co_firstlineno, name)
        if not found:
            return None
        line = frame.f_lineno
        before = [a for a in found if a[0] <= line]
        lineno, self_update = (before or found)[-1]
        return Site(code.co_filename, lineno, code.co_name), self_update


def _assignments(filename, first_line, name):
    """[(line, whether the value uses `name` itself)] of `name = ...` in one function.

    `name` is `x` or `self.x`; the function is the one whose `def` is at `first_line` (the
    whole module for module-level code). Read from the source with `ast`, so only for a
    None gradient, never while running.
    """
    import ast  # here: its import time is not worth paying in programs with no None

    try:
        with open(filename, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return []
    scope = tree
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            if start == first_line or node.lineno == first_line:
                scope = node
                break
    found = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if not any(_names(t, name) for t in targets):
            continue
        if _makes_variable(value):
            continue
        uses_itself = isinstance(node, ast.AugAssign) or any(
            _names(n, name) for n in ast.walk(value)
        )
        found.append((node.lineno, uses_itself))
    return sorted(found)


def _names(node, name) -> bool:
    import ast

    if isinstance(node, ast.Name):
        return node.id == name
    if isinstance(node, ast.Attribute) and "." in name:
        base, attr = name.rsplit(".", 1)
        return node.attr == attr and isinstance(node.value, ast.Name) and node.value.id == base
    if isinstance(node, (ast.Tuple, ast.List)):
        return any(_names(e, name) for e in node.elts)
    return False


def _makes_variable(value) -> bool:
    import ast

    if not isinstance(value, ast.Call):
        return False
    f = value.func
    called = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    return called == "Variable"


def _internal_frame(frame) -> bool:
    return _internal(frame.f_code.co_filename)


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


def _operand(x, role):
    if not isinstance(x, Operand):
        raise TypeError(
            f"explain_gradients: the {role} must be a tf.Tensor or tf.Variable, got "
            f"{type(x).__name__}"
        )
    return x


tape_module.set_none_explainer(warn_none_gradients)

"""The answers of the why-None explainer: one `SourceReport` per source, gathered in a
`GradientReport` (what `tapeflow.debugging.explain_gradients` returns)."""

from __future__ import annotations


class SourceReport:
    """Why one source's gradient is (or is not) None.

    Attributes:
        index: position of the source in the flattened `sources`.
        name: how the source is called (a variable's path, or the caller's local name).
        connected: True when the gradient reaches the source: a recorded path leads from it
            to the target and the gradient functions along it pass a gradient on.
        cause: a short code: "connected", "outside_tape", "numpy", "replaced_by_tensor",
            "integer_cast", "no_gradient", "stop_gradient", "stop_recording", "paused", "assign",
            "not_used", "non_trainable", "built_after_watch", "not_watched",
            "integer_source", "integer_target", "no_input_gradient".
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

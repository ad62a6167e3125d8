"""How the why-None explainer names a source: the caller's local name for it (`W`,
`params[0]`, `self.W`), its variable path and owning Keras layer, and the line that last
rebound that name (`W = W + 1` makes a Variable a Tensor). Read from frames and source
code with `ast`, only when a gradient is None."""

from __future__ import annotations

from ..core.sites import Site, _internal


def name_of(source, frame):
    """(a name for the source, the Keras layer owning it or None)."""
    if source._is_variable:
        path = getattr(source, "path", None) or source.name
        parts = path.split("/")
        owner = parts[-2] if len(parts) >= 2 else None
        local = local_name(source, frame)
        shown = f"variable '{path}'"
        if local and local != path:
            shown += f" (`{local}`)"
        return shown, owner
    local = local_name(source, frame)
    return (f"`{local}`" if local else "the source tensor"), None


def local_name(obj, frame):
    """The caller's name for `obj`: a plain local in the nearest user frame that has
    one (`W`), else an item or attribute of a local (`params[0]`, `self.W`)."""
    found = find_name(obj, frame)
    return None if found is None else found[0]


def find_name(obj, frame):
    """(name, frame): see `_local_name`."""
    frames = []
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


def assignment(source, frame):
    """(Site, updates itself) of the assignment that last bound the source's name in
    the frame that holds it."""
    found = find_name(source, frame)
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

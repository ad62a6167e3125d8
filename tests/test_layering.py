"""The layering of DESIGN.md: nothing imports upward. Checked on the source, by AST."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tapeflow"

# layer -> the tapeflow subpackages it must never import
FORBIDDEN = {
    "backend": {"core", "ops", "function", "keras", "data", "train", "distribute", "io"},
    "core": {"ops", "function", "keras", "data", "train", "distribute", "io"},
    "ops": {"function", "keras", "data", "train", "distribute", "io"},
    "io": {"ops", "function", "keras", "data", "train", "distribute"},
    "data": {"ops", "function", "keras", "train", "distribute", "summary", "saved_model"},
    "train": {"keras", "distribute", "summary", "saved_model"},
    "summary": {"keras", "distribute", "saved_model"},
    "datasets": {"core", "ops", "function", "keras", "data", "train", "distribute", "io"},
    "distribute": {"keras", "horovod", "train", "saved_model", "summary"},
}


def _imported_subpackages(path: pathlib.Path):
    module_parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module_parts[: len(module_parts) - node.level]
                target = list(base) + (node.module.split(".") if node.module else [])
                names = [target] if node.module else [target + [a.name] for a in node.names]
            else:
                names = [(node.module or "").split(".")]
            for parts in names:
                if parts[:1] == ["tapeflow"] and len(parts) > 1:
                    yield parts[1], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "tapeflow" and len(parts) > 1:
                    yield parts[1], node.lineno


CASES = [(layer, path) for layer in FORBIDDEN for path in sorted((PACKAGE / layer).rglob("*.py"))]


@pytest.mark.parametrize("layer, path", CASES, ids=[str(p.relative_to(PACKAGE)) for _, p in CASES])
def test_no_upward_imports(layer, path):
    bad = [(sub, line) for sub, line in _imported_subpackages(path) if sub in FORBIDDEN[layer]]
    assert not bad, f"{path.relative_to(PACKAGE)} imports upward: {bad}"


def test_the_checker_sees_relative_imports():
    found = set(dict(_imported_subpackages(PACKAGE / "ops" / "math.py")))
    assert {"backend", "core"} <= found

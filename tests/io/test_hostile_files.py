"""Hostile files: every file type tapeflow reads refuses them with a clear error, runs and
imports nothing, and allocates little (the cases: `hostile_keras.py`, `hostile_tensors.py`,
`hostile_data.py`; the shared parts and the memory check: `hostile_common.py`)."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest

import tapeflow.cli
from tapeflow.keras.saving import safe_mode


def _load_common():
    # Tests are imported with --import-mode=importlib: sibling modules are loaded by path.
    path = pathlib.Path(__file__).with_name("hostile_common.py")
    spec = importlib.util.spec_from_file_location("hostile_common", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile_common"] = module
    spec.loader.exec_module(module)
    return module


hostile_common = _load_common()
CASES = hostile_common.all_cases()
MARKER, RSS_BOUND_BYTES = hostile_common.MARKER, hostile_common.RSS_BOUND_BYTES


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory):
    """Every case's files, made once: `<root>/<case index>/`."""
    root = tmp_path_factory.mktemp("hostile")
    for index, case in enumerate(CASES):
        directory = root / str(index)
        directory.mkdir()
        case.make(directory)
    return root


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case.name for case in CASES])
def test_hostile_file_is_refused(index, hostile_root, monkeypatch):
    case, directory = CASES[index], hostile_root / str(index)
    calls = []
    monkeypatch.setattr(tapeflow.cli, "main", lambda *a, **k: calls.append((a, k)))
    monkeypatch.chdir(directory)  # where a command the file names would leave its marker
    with pytest.raises(case.error, match=case.match):
        case.load(directory)
    assert calls == [], "a function named in the file was called"
    assert not (directory / MARKER).exists(), "a command named in the file ran"
    assert safe_mode.in_safe_mode() is not False, "the file turned safe mode off"


def test_hostile_files_are_refused_with_bounded_memory(hostile_root):
    """Peak RSS of a process loading every case grows by less than the bound: no case makes
    tapeflow allocate what its file declares."""
    result = subprocess.run(
        [sys.executable, hostile_common.__file__, str(hostile_root)],
        capture_output=True,
        text=True,
        cwd=hostile_root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    growth = json.loads(result.stdout.splitlines()[-1])
    first_over = next((name for name, grown in growth.items() if grown > RSS_BOUND_BYTES), None)
    assert first_over is None, (
        f"peak RSS grew {growth[first_over] / 2**20:.0f} MiB by case {first_over!r} "
        f"(bound {RSS_BOUND_BYTES / 2**20:.0f} MiB): {growth}"
    )
    assert not list(hostile_root.glob(f"*/{MARKER}")) and not (hostile_root / MARKER).exists()

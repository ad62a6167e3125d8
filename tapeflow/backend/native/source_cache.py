"""Generated native code as real files, so Numba caches its machine code across runs.

Numba's `cache=True` needs a function's source in a file it can stat. Each generated module
(a jit_compile trace's, `trace_<hash>.py`; a convolution geometry's, `conv_<hash>.py`) is
written to `<cache dir>/<prefix>_<hash>.py`, the hash being that of its source (same source,
same file); Numba keeps the compiled code in `__pycache__` beside it. The directory is
`$TAPEFLOW_JIT_CACHE`, else `$XDG_CACHE_HOME/tapeflow/jit`, else `~/.cache/tapeflow/jit`;
where none can be written, a temporary one (no reuse across runs).

The code that runs is always the source generated now (compiled under the file's name);
a file whose text differs is rewritten, and its contents are never run.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import types
from pathlib import Path

_state: dict = {}


def cache_dir() -> Path:
    if "dir" in _state:
        return _state["dir"]
    env = os.environ.get("TAPEFLOW_JIT_CACHE")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for candidate in ([env] if env else []) + [os.path.join(base, "tapeflow", "jit")]:
        try:
            path = Path(candidate)
            path.mkdir(parents=True, exist_ok=True)
            probe = path / f".probe-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
        except OSError:
            continue
        _state["dir"] = path
        return path
    _state["dir"] = Path(tempfile.mkdtemp(prefix="tapeflow-jit-"))
    return _state["dir"]


def load(source: str, prefix: str = "trace"):
    """The module of `source`, written to (or found in) the cache directory and imported."""
    key = hashlib.sha256(source.encode()).hexdigest()[:32]
    name = f"tapeflow_jit_{key}"
    module = sys.modules.get(name)
    if module is not None:
        return module
    path = cache_dir() / f"{prefix}_{key}.py"
    try:
        current = path.read_text() if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        current = None
    if current != source:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(source)
        os.replace(tmp, path)  # atomic: a reader sees the old file or the new one, whole
    # The code run is `source` itself, compiled under the file's name (which Numba's cache
    # keys on): never what the file holds, whoever wrote it.
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102 - generated
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module

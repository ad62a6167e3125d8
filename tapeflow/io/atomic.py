"""Atomic file replacement, and the cleanup of temporaries that a killed writer left behind.

`atomic_write(path)` writes to a temporary file next to `path`, fsyncs it and renames it over
`path`, so readers see the old file or the new one, never a mix. A writer killed before the
rename (SIGKILL, power loss) cannot remove its temporary; the temporary's name says which
process on which machine wrote it, and the next `atomic_write` to the same path removes those
whose writer is gone. Nothing is ever written to TMPDIR.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time

TMP_MARKER = ".tapeflow-tmp."
# A temporary whose writer cannot be checked (another machine, or Windows, where probing a
# process id is not harmless) is stale once it is this old.
STALE_AFTER_S = 24 * 3600.0
# Temporaries of tapeflow versions before the process id was recorded: ".<name>.<12 hex>.tmp".
_LEGACY = re.compile(r"^\.(?P<base>.+)\.[0-9a-f]{12}\.tmp$")
_LEGACY_STALE_AFTER_S = 3600.0
_NAME_LIMIT = 180  # of the target's name inside a temporary's name (file names end at 255)


def _host_tag() -> str:
    if hasattr(os, "uname"):
        host = os.uname().nodename
    else:  # Windows
        import socket

        host = socket.gethostname()
    return hashlib.sha256(host.encode("utf-8", "replace")).hexdigest()[:8]


def temporary_prefix(path: str) -> str:
    """The start of the name of every temporary `atomic_write(path)` creates."""
    return f".{os.path.basename(path)[:_NAME_LIMIT]}{TMP_MARKER}"


def _temporary_name(path: str) -> str:
    return f"{temporary_prefix(path)}{_host_tag()}.{os.getpid()}.{secrets.token_hex(4)}"


def _process_is_gone(pid: int) -> bool:
    if os.name == "nt" or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it exists, owned by another user
        return False
    return False


def _is_stale(name: str, prefix: str, age_s: float) -> bool:
    if name.startswith(prefix):
        host, _, rest = name[len(prefix) :].partition(".")
        pid = rest.partition(".")[0]
        if age_s > STALE_AFTER_S:
            return True
        return host == _host_tag() and pid.isdigit() and _process_is_gone(int(pid))
    legacy = _LEGACY.match(name)
    return legacy is not None and age_s > _LEGACY_STALE_AFTER_S


def remove_stale_temporaries(path) -> list[str]:
    """Removes the temporaries of `atomic_write(path)` whose writer died; returns their paths.

    A temporary is stale when the process that wrote it (same machine) no longer exists, or
    when it is more than `STALE_AFTER_S` old. Only regular files in `path`'s directory whose
    names follow the temporary pattern for this very `path` are considered.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    prefix = temporary_prefix(path)
    base = os.path.basename(path)
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix):
            legacy = _LEGACY.match(name)
            if legacy is None or legacy.group("base") != base:
                continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_file(follow_symlinks=False):
            continue
        if _is_stale(name, prefix, now - info.st_mtime):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(entry.path)
    return removed


@contextlib.contextmanager
def atomic_write(path):
    """Opens a temporary file next to `path` for binary writing; on success, fsyncs it and
    renames it over `path` (atomic on POSIX and Windows). On error the temporary file is
    removed and `path` is untouched. Stale temporaries of earlier writers that were killed
    are removed first."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(path)
    tmp = os.path.join(directory, _temporary_name(path))
    # O_EXCL: no clash with a concurrent writer; mode 0o666 lets the umask decide the final
    # permissions, as for a file opened normally.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with _open_for_writing(fd) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _open_for_writing(fd: int):
    """The file object `atomic_write` writes through (a seam for crash tests)."""
    return os.fdopen(fd, "wb")


def _fsync_directory(directory: str):
    """Makes the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Discarded(Exception):
    """Thrown into `atomic_write` to remove its temporary without renaming it."""


class AtomicWriter:
    """`atomic_write` for a writer object that outlives one `with` block (a record writer
    that the user closes later): `write` appends, `commit` renames the file into place,
    `discard` removes it."""

    def __init__(self, path):
        self._context = atomic_write(path)
        self._file = self._context.__enter__()

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self) -> None:
        self._context.__exit__(None, None, None)

    def discard(self) -> None:
        self._context.__exit__(_Discarded, _Discarded(), None)

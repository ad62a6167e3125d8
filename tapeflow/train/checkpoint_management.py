"""`tf.train.CheckpointManager`, `tf.train.latest_checkpoint` and the "checkpoint" state file.

The state file is TF's: a text-format `CheckpointState` named "checkpoint" in the checkpoint
directory, listing checkpoint prefixes relative to that directory::

    model_checkpoint_path: "ckpt-4"
    all_model_checkpoint_paths: "ckpt-3"
    all_model_checkpoint_paths: "ckpt-4"
    all_model_checkpoint_timestamps: 1716912345.25
    all_model_checkpoint_timestamps: 1716912399.5
    last_preserved_timestamp: 1716912300.0

It is rewritten atomically. A checkpoint prefix `dir/ckpt-4` names one file,
`dir/ckpt-4.tapeflow` (`CHECKPOINT_SUFFIX`), where TF writes `ckpt-4.index` and
`ckpt-4.data-00000-of-00001`; prefixes, returned paths and the state file are TF's.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import re
import stat
import time

import numpy as np

from ..core import distribution
from ..io.atomic import atomic_write

CHECKPOINT_SUFFIX = ".tapeflow"
_STATE_FILENAME = "checkpoint"
# A state file lists one line per kept checkpoint: 16 MiB is over 200,000 of them.
MAX_STATE_BYTES = 16 << 20
_log = logging.getLogger("tapeflow")


def checkpoint_file(prefix: str) -> str:
    """The file that holds the checkpoint with this prefix."""
    return prefix + CHECKPOINT_SUFFIX


class CheckpointState:
    """The contents of a "checkpoint" state file (TF's `CheckpointState` proto)."""

    def __init__(
        self,
        model_checkpoint_path="",
        all_model_checkpoint_paths=(),
        all_model_checkpoint_timestamps=(),
        last_preserved_timestamp=0.0,
    ):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = float(last_preserved_timestamp)

    def __repr__(self):
        return (
            f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r}, "
            f"all_model_checkpoint_paths={self.all_model_checkpoint_paths!r})"
        )


# ---- the text format ----------------------------------------------------------------------------

_LINE = re.compile(r'^\s*(\w+)\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([-+0-9.eEinfINFa]+))\s*$')
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)")
_SIMPLE = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b'"': b'"', b"'": b"'", b"\\": b"\\"}


def _quote(s: str) -> str:
    """A text-format string literal: printable ASCII as is, everything else octal-escaped."""
    out = []
    for byte in s.encode("utf-8"):
        c = chr(byte)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= byte < 127:
            out.append(c)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _unquote(body: str) -> str:
    def one(m):
        e = m.group(1)
        if e[:1].isdigit():
            return bytes([int(e, 8) & 0xFF])
        if e[:1] == b"x":
            return bytes([int(e[1:], 16)])
        return _SIMPLE.get(e, e)

    return _ESCAPE.sub(one, body.encode("utf-8")).decode("utf-8", errors="replace")


def _render_state(state: CheckpointState) -> str:
    lines = [f"model_checkpoint_path: {_quote(state.model_checkpoint_path)}"]
    lines += [f"all_model_checkpoint_paths: {_quote(p)}" for p in state.all_model_checkpoint_paths]
    lines += [
        f"all_model_checkpoint_timestamps: {t!r}" for t in state.all_model_checkpoint_timestamps
    ]
    if state.last_preserved_timestamp:
        lines.append(f"last_preserved_timestamp: {state.last_preserved_timestamp!r}")
    return "\n".join(lines) + "\n"


def _parse_state(text: str) -> CheckpointState:
    state = CheckpointState()
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if m is None:
            raise ValueError(f"cannot parse line {line!r}")
        key, string, number = m.groups()
        if key in ("model_checkpoint_path", "all_model_checkpoint_paths") and string is not None:
            if key == "model_checkpoint_path":
                state.model_checkpoint_path = _unquote(string)
            else:
                state.all_model_checkpoint_paths.append(_unquote(string))
        elif key == "all_model_checkpoint_timestamps" and number is not None:
            state.all_model_checkpoint_timestamps.append(float(number))
        elif key == "last_preserved_timestamp" and number is not None:
            state.last_preserved_timestamp = float(number)
        else:
            raise ValueError(f"unexpected field in line {line!r}")
    return state


# ---- reading and writing the state file ---------------------------------------------------------


def update_checkpoint_state(
    save_dir: str,
    model_checkpoint_path: str,
    all_model_checkpoint_paths=None,
    all_model_checkpoint_timestamps=None,
    last_preserved_timestamp=None,
):
    """Rewrites `save_dir/checkpoint` atomically, with paths relative to `save_dir`."""
    base = save_dir or "."

    def relative(p):
        return os.path.relpath(p, base)

    paths = [relative(p) for p in (all_model_checkpoint_paths or [])]
    latest = relative(model_checkpoint_path)
    if not paths or paths[-1] != latest:
        paths.append(latest)
    timestamps = list(all_model_checkpoint_timestamps or [])
    if timestamps and len(timestamps) != len(paths):
        raise ValueError(
            f"Checkpoint timestamps, if provided, must match checkpoint paths "
            f"(got paths {paths} and timestamps {timestamps})"
        )
    state = CheckpointState(latest, paths, timestamps, last_preserved_timestamp or 0.0)
    with atomic_write(os.path.join(save_dir, _STATE_FILENAME)) as f:
        f.write(_render_state(state).encode("utf-8"))


def get_checkpoint_state(checkpoint_dir, latest_filename=None) -> CheckpointState | None:
    """The `CheckpointState` of `checkpoint_dir/checkpoint`, with paths joined to the
    directory; None when the file is missing or unreadable (a warning is logged)."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    filename = os.path.join(checkpoint_dir, latest_filename or _STATE_FILENAME)
    if not os.path.isfile(filename):
        return None
    try:
        with open(filename, "rb") as f:
            text = f.read(MAX_STATE_BYTES + 1)
        if len(text) > MAX_STATE_BYTES:
            raise ValueError(f"the state file is over {MAX_STATE_BYTES} bytes")
        state = _parse_state(text.decode("utf-8"))
        if not state.model_checkpoint_path:
            raise ValueError(f"Invalid checkpoint state loaded from {checkpoint_dir}")
    except (OSError, ValueError, UnicodeDecodeError) as e:
        _log.warning("%s: %s: Checkpoint ignored", filename, e)
        return None

    def absolute(p):
        return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)

    state.model_checkpoint_path = absolute(state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [absolute(p) for p in state.all_model_checkpoint_paths]
    return state


def latest_checkpoint(checkpoint_dir, latest_filename=None) -> str | None:
    """The prefix of the newest checkpoint in `checkpoint_dir` (from its "checkpoint" file),
    or None if there is none or its file is gone."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None:
        return None
    if os.path.isfile(checkpoint_file(state.model_checkpoint_path)):
        return state.model_checkpoint_path
    _log.error("Couldn't match files for checkpoint %s", state.model_checkpoint_path)
    return None


# ---- CheckpointManager --------------------------------------------------------------------------


class CheckpointManager:
    """Numbers checkpoints `directory/checkpoint_name-N`, keeps the newest `max_to_keep` and
    deletes older ones, and records them in the "checkpoint" state file. A new manager in the
    same directory picks up the state of the previous one, as in TF."""

    def __init__(
        self,
        checkpoint,
        directory,
        max_to_keep=5,
        keep_checkpoint_every_n_hours=None,
        checkpoint_name: str = "ckpt",
        step_counter=None,
        checkpoint_interval=None,
        init_fn=None,
        last_checkpoint_step=None,
    ):
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(
                f"Expected a positive integer or `None` for `max_to_keep`, got {max_to_keep}."
            )
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError(
                "`step_counter` should be passed if `checkpoint_interval` is not None."
            )
        self._checkpoint = checkpoint
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._directory = os.fspath(directory)
        self._checkpoint_prefix = os.path.join(self._directory, checkpoint_name)
        self._init_fn = init_fn
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._last_checkpoint_step = last_checkpoint_step
        self._maybe_delete = collections.OrderedDict()
        recovered = get_checkpoint_state(self._directory)
        now = time.time()
        if recovered is None:
            self._latest_checkpoint = None
            # Slightly in the past, so a manager re-created at once still preserves by age.
            self._last_preserved_timestamp = now - 1.0
            return
        self._latest_checkpoint = recovered.model_checkpoint_path
        self._last_preserved_timestamp = min(recovered.last_preserved_timestamp, now)
        timestamps = recovered.all_model_checkpoint_timestamps or (
            [self._last_preserved_timestamp] * len(recovered.all_model_checkpoint_paths)
        )
        for path, stamp in zip(recovered.all_model_checkpoint_paths, timestamps, strict=False):
            if not self._is_inside(path):
                _log.warning(
                    "%s: the state file lists %s, outside the directory: it will not be "
                    "managed (or deleted) by this CheckpointManager",
                    self._directory,
                    path,
                )
                continue
            stamp = min(stamp, now)
            if stamp > self._last_preserved_timestamp:
                self._maybe_delete[path] = stamp

    def _is_inside(self, prefix: str) -> bool:
        """Whether `prefix`'s file lies in this manager's directory (or below it), once `..`
        and symbolic links in its directory part are resolved. Only such files are ever
        deleted, whatever the state file says."""
        directory = os.path.realpath(self._directory)
        parent = os.path.realpath(os.path.dirname(os.path.abspath(checkpoint_file(prefix))))
        return parent == directory or parent.startswith(directory.rstrip(os.sep) + os.sep)

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self):
        return self._checkpoint

    @property
    def checkpoint_interval(self):
        return self._checkpoint_interval

    @property
    def latest_checkpoint(self) -> str | None:
        """The prefix of the newest checkpoint, for `Checkpoint.restore`; None if none."""
        return self._latest_checkpoint

    @property
    def checkpoints(self) -> list:
        """The managed checkpoint prefixes, oldest first (not those kept by age)."""
        return list(self._maybe_delete)

    def save(self, checkpoint_number=None, check_interval: bool = True, options=None):
        """Writes a new checkpoint, records it and deletes the ones beyond `max_to_keep`.

        Args:
            checkpoint_number: the number in the file name (an int, or an integer Variable or
                Tensor); by default `checkpoint.save_counter`, which is incremented either way.
            check_interval: with `checkpoint_interval`, skip the save when too few steps
                passed since the last one.
            options: accepted for compatibility; ignored.

        Returns:
            The new checkpoint's prefix, or None when the interval check skipped it.
        """
        if self._checkpoint_interval is not None:
            step = int(np.asarray(self._step_counter))
            if self._last_checkpoint_step is not None:
                if step == self._last_checkpoint_step:
                    return None
                if check_interval and step < (
                    self._last_checkpoint_step + self._checkpoint_interval
                ):
                    return None
            self._last_checkpoint_step = step
        save_counter = self._checkpoint.save_counter
        save_counter.assign_add(1)
        if checkpoint_number is None:
            checkpoint_number = save_counter
        prefix = f"{self._checkpoint_prefix}-{int(np.asarray(checkpoint_number))}"
        save_path = self._checkpoint.write(prefix)
        # An overwritten checkpoint moves to the end of the queue.
        self._maybe_delete.pop(save_path, None)
        self._maybe_delete[save_path] = time.time()
        self._latest_checkpoint = save_path
        # Record before deleting, so a crash while deleting still finds the new checkpoint.
        self._record_state()
        self._sweep()
        self._record_state()
        return save_path

    def restore_or_initialize(self):
        """Restores the latest checkpoint if there is one (returns its prefix); otherwise calls
        `init_fn` (if given) and returns None."""
        if self._latest_checkpoint is not None:
            self._checkpoint.restore(self._latest_checkpoint)
            if self._checkpoint_interval is not None:
                self._last_checkpoint_step = int(np.asarray(self._step_counter))
            return self._latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None

    def sync(self):
        """Saves are synchronous in tapeflow: nothing to wait for."""

    def _sweep(self):
        if not self._max_to_keep or not distribution.is_chief_writer():
            return  # (a multi-worker job: the chief alone deletes, as it alone writes)
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = self._maybe_delete.popitem(last=False)
            hours = self._keep_checkpoint_every_n_hours
            if hours and stamp - hours * 3600.0 >= self._last_preserved_timestamp:
                self._last_preserved_timestamp = stamp
                continue
            self._delete(path)

    def _delete(self, prefix: str):
        """Removes the checkpoint file of `prefix`: a regular file or a symbolic link (the
        link itself, never its target) inside the directory; anything else is left alone."""
        if not self._is_inside(prefix):
            _log.warning("%s: not deleting %s, outside the directory", self._directory, prefix)
            return
        filename = checkpoint_file(prefix)
        try:
            mode = os.lstat(filename).st_mode
        except FileNotFoundError:
            return
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            _log.warning("%s: not deleting %s: not a regular file", self._directory, filename)
            return
        with contextlib.suppress(FileNotFoundError):
            os.remove(filename)

    def _record_state(self):
        if not distribution.is_chief_writer():
            return
        update_checkpoint_state(
            self._directory,
            self._latest_checkpoint,
            all_model_checkpoint_paths=list(self._maybe_delete),
            all_model_checkpoint_timestamps=list(self._maybe_delete.values()),
            last_preserved_timestamp=self._last_preserved_timestamp,
        )

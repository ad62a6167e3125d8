"""Faults in a multi-process job end the job, with a message naming the rank: never a hang.

Two things make an MPI job hang where a single process would stop:

- an unhandled exception on one rank: that rank's interpreter waits in `MPI_Finalize`
  while the others wait for it in their next collective. `install_excepthook` prints the
  traceback, names the rank, and calls `MPI_Abort`, which makes the launcher end every rank.
- a rank that stops answering (frozen, deadlocked, or gone without an error): every other rank
  blocks in its next collective. The `Watchdog` thread notices a collective that has run
  longer than its timeout and aborts the job the same way.

A rank killed outright needs nothing: the launcher notices and ends the job.
"""

from __future__ import annotations

import os
import sys
import threading
import time

_DEFAULT_TIMEOUT_S = 600.0


def default_timeout() -> float | None:
    """The collective timeout when the caller gives none: TAPEFLOW_COLLECTIVE_TIMEOUT
    (seconds; 0 turns the watchdog off), else 600 s."""
    text = os.environ.get("TAPEFLOW_COLLECTIVE_TIMEOUT")
    if text is None or not text.strip():
        return _DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        raise ValueError(
            f"TAPEFLOW_COLLECTIVE_TIMEOUT must be a number of seconds, got {text!r}"
        ) from None
    return value if value > 0 else None


def _say(message: str) -> None:
    # os.write: no Python-level lock, so it works whatever the main thread holds.
    try:
        os.write(2, (message.rstrip("\n") + "\n").encode(errors="replace"))
    except OSError:
        pass


class Watchdog:
    """Aborts the job when one collective runs longer than its timeout.

    The collective marks itself with `enter`/`leave` (two attribute writes: no cost on the
    fast path); a daemon thread looks every `poll` seconds whether the marked collective is
    past its deadline.
    """

    def __init__(self, abort, rank: int, size: int):
        self._abort = abort
        self._rank = rank
        self._size = size
        self._current = None  # (what, deadline, timeout) of the collective in progress
        self._thread = None
        self._wake = threading.Event()

    def enter(self, what: str, timeout: float | None) -> None:
        if timeout is None:
            return
        self._current = (what, time.monotonic() + timeout, timeout)
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._watch, name="tapeflow-collective-watchdog", daemon=True
            )
            self._thread.start()

    def leave(self) -> None:
        self._current = None

    def _watch(self) -> None:
        while True:
            current = self._current
            if current is None:
                self._wake.wait(0.25)
                continue
            what, deadline, timeout = current
            now = time.monotonic()
            if now >= deadline and self._current is current:
                _say(
                    f"tapeflow.distribute: rank {self._rank} of {self._size}: collective "
                    f"{what} did not complete within {timeout:g} s "
                    f"(CommunicationOptions.timeout_seconds / TAPEFLOW_COLLECTIVE_TIMEOUT): "
                    f"another rank is stuck, slower than the timeout, or gone. Aborting the "
                    f"job."
                )
                self._abort(1)
                return
            self._wake.wait(min(0.25, max(deadline - now, 0.01)))


_installed = {"hook": None}


def install_excepthook(abort, rank: int, size: int) -> None:
    """Makes an unhandled exception on this rank abort the whole job (once per process)."""
    if _installed["hook"] is not None:
        return
    previous = sys.excepthook

    def abort_on_exception(exc_type, exc, tb):
        try:
            previous(exc_type, exc, tb)
        finally:
            _say(
                f"tapeflow.distribute: rank {rank} of {size} raised an unhandled "
                f"{exc_type.__name__}; aborting the job so that the other ranks do not wait "
                f"for it in their next collective."
            )
            sys.stderr.flush()
            abort(1)

    sys.excepthook = abort_on_exception
    _installed["hook"] = abort_on_exception

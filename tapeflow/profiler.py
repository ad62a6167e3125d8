"""`tf.profiler`: accepted so that TensorBoard code runs; tapeflow has no profiler.

`tf.profiler.experimental.start/stop`, `Trace` and `Profile` record nothing: the first start
warns once. Graphs of traced functions go to TensorBoard through `tf.summary.trace_on` /
`trace_export`.
"""

from __future__ import annotations

import contextlib
import warnings
from types import SimpleNamespace

_warned = []


def _start(logdir, options=None):
    """Starts nothing: tapeflow has no profiler (warns once)."""
    if not _warned:
        _warned.append(True)
        warnings.warn(
            "tf.profiler: tapeflow has no profiler; nothing is recorded (graphs of traced "
            "functions reach TensorBoard through tf.summary.trace_on/trace_export)",
            stacklevel=2,
        )


def _stop(save=True):
    """Stops nothing."""


@contextlib.contextmanager
def _profile(logdir, options=None):
    _start(logdir, options)
    yield


class _Trace:
    """`tf.profiler.experimental.Trace(name, **kwargs)`: a context manager that records
    nothing."""

    def __init__(self, name, **kwargs):
        self.name = name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


experimental = SimpleNamespace(
    start=_start, stop=_stop, Profile=_profile, Trace=_Trace, ProfilerOptions=dict
)

"""`tf.summary`: TensorBoard event files through TensorBoard's own writer (the `tensorboard`
extra, imported when the first writer is made).

`writer` holds the writers, default writer and step, and `record_if`; `ops` the summary
functions (recorded as stateful nodes inside `tf.function`); `trace` the graph export.
"""

import contextlib as _contextlib
from types import SimpleNamespace as _Namespace

from .ops import histogram, image, scalar, text, write
from .trace import graph, trace_export, trace_off, trace_on
from .writer import (
    NoopSummaryWriter,
    SummaryWriter,
    create_file_writer,
    create_noop_writer,
    get_step,
    record_if,
    set_step,
    should_record_summaries,
)


def flush(writer=None, name=None):
    """Flushes `writer` (by default the default writer)."""
    from .writer import default_writer

    writer = writer if writer is not None else default_writer()
    if writer is not None:
        writer.flush()


@_contextlib.contextmanager
def _summary_scope(name, default_name=None, values=None):
    """`tf.summary.experimental.summary_scope`: yields (tag, scope name) for a summary."""
    from ..core.module import name_scope

    with name_scope(name or default_name) as scope:
        yield scope.rstrip("/"), scope


experimental = _Namespace(set_step=set_step, get_step=get_step, summary_scope=_summary_scope)

__all__ = [
    "NoopSummaryWriter",
    "SummaryWriter",
    "create_file_writer",
    "create_noop_writer",
    "experimental",
    "flush",
    "graph",
    "histogram",
    "image",
    "record_if",
    "scalar",
    "should_record_summaries",
    "text",
    "trace_export",
    "trace_off",
    "trace_on",
    "write",
]

"""Summary writers, the default writer and step, and `record_if` (`tf.summary`'s state).

A `SummaryWriter` appends TensorBoard event files through TensorBoard's own writer
(`tensorboard.summary.writer.event_file_writer`, the `tensorboard` extra), imported when the
first writer is made, so `import tapeflow` never loads it. The default writer, the default
step and the recording conditions are per thread, as in TF.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

from ..core.errors import NotFoundError


class _State(threading.local):
    def __init__(self):
        self.writers = []  # the stack of default writers (innermost last)
        self.step = None  # tf.summary.experimental.set_step
        self.conditions = []  # record_if conditions (all must hold)


state = _State()


def import_tensorboard():
    """TensorBoard's event writer and protos, or an ImportError naming the extra."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ImportError(
            "tf.summary writes TensorBoard event files through the tensorboard package: "
            "pip install 'tapeflow[tensorboard]' (or pip install tensorboard)."
        ) from None
    return EventFileWriter, event_pb2, summary_pb2


class SummaryWriter:
    """Writes summaries to event files in `logdir` (`tf.summary.create_file_writer`)."""

    def __init__(self, logdir, max_queue=None, flush_millis=None, filename_suffix=None):
        self._logdir = os.fspath(logdir)
        self._max_queue = 10 if max_queue is None else int(max_queue)
        self._flush_secs = 120.0 if flush_millis is None else flush_millis / 1000.0
        self._suffix = filename_suffix or ".v2"
        self._events = None
        self._closed = False
        self._lock = threading.Lock()

    def _writer(self):
        if self._events is None:
            EventFileWriter, _, _ = import_tensorboard()
            try:
                os.makedirs(self._logdir, exist_ok=True)
            except OSError as e:
                raise NotFoundError(f"Failed to create a directory: {self._logdir}; {e}") from e
            self._events = EventFileWriter(
                self._logdir, self._max_queue, self._flush_secs, self._suffix
            )
        return self._events

    def init(self):
        """Opens the event file now (TF opens it on creation)."""
        self._writer()

    def add_event(self, event):
        with self._lock:
            if self._closed:
                raise RuntimeError(
                    f"tf.summary: the writer for {self._logdir} is closed; create a new one"
                )
            event.wall_time = event.wall_time or time.time()
            self._writer().add_event(event)

    def add_summary(self, summary, step: int):
        """Appends a `Summary` proto at `step`."""
        _, event_pb2, _ = import_tensorboard()
        self.add_event(event_pb2.Event(step=int(step), summary=summary))

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Makes this the default writer (and `step` the default step) inside the block."""
        state.writers.append(self)
        previous_step = state.step
        if step is not None:
            state.step = step
        try:
            yield self
        finally:
            state.writers.pop()
            if step is not None:
                state.step = previous_step
            self.flush()

    def set_as_default(self, step=None):
        """Makes this the default writer from now on (until another is set)."""
        state.writers[:] = [self]
        if step is not None:
            state.step = step

    def flush(self):
        if self._events is not None and not self._closed:
            self._events.flush()

    def close(self):
        """Flushes and closes the event file; later writes are an error."""
        with self._lock:
            if self._events is not None and not self._closed:
                self._events.close()
            self._closed = True

    @property
    def logdir(self) -> str:
        return self._logdir

    def __repr__(self):
        return f"<tf.summary.SummaryWriter logdir={self._logdir!r}>"


class NoopSummaryWriter(SummaryWriter):
    """A writer that writes nothing (`tf.summary.create_noop_writer`)."""

    def __init__(self):
        super().__init__("")

    def _writer(self):
        return None

    def add_event(self, event):
        pass

    def init(self):
        pass

    def flush(self):
        pass

    def close(self):
        pass


def create_file_writer(
    logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None, **kwargs
) -> SummaryWriter:
    """A `SummaryWriter` writing event files into `logdir` (created if missing)."""
    writer = SummaryWriter(logdir, max_queue, flush_millis, filename_suffix)
    writer.init()
    return writer


def create_noop_writer() -> NoopSummaryWriter:
    return NoopSummaryWriter()


def default_writer():
    return state.writers[-1] if state.writers else None


def set_step(step):
    """`tf.summary.experimental.set_step`: the step summaries use when given none."""
    state.step = step


def get_step():
    """`tf.summary.experimental.get_step`: the default step (None when unset)."""
    return state.step


@contextlib.contextmanager
def record_if(condition):
    """Records summaries inside the block only while `condition` holds (a bool, a boolean
    tensor, or a callable returning one, evaluated at each summary)."""
    state.conditions.append(condition)
    try:
        yield
    finally:
        state.conditions.pop()


def _holds(condition) -> bool:
    if callable(condition):
        condition = condition()
    return bool(condition)


def recording() -> bool:
    """Whether summaries are being recorded now: a default writer and every condition."""
    return default_writer() is not None and all(_holds(c) for c in state.conditions)


def should_record_summaries():
    """`tf.summary.should_record_summaries`: a boolean tensor."""
    from ..core.tensor import constant

    return constant(recording())

"""The iterator `iter(dataset)` returns, and how it advances inside a tf.function.

Eagerly, `next(iterator)` takes the next flat tuple of arrays from the dataset and packs it
into Tensors. Inside a tf.function being traced, TF's `next(iterator)` is an op
(`IteratorGetNext`) that takes an element on every call of the function. Here, when the
iterator was made outside the function and its elements have fully defined shapes of dense
Tensors, the trace records the pull as a host callback (as `function.host` does): the plan calls
it on each call and gets that call's element, so the function traces once and every call
advances the iterator, as in TF. End of data is `tf.errors.OutOfRangeError`, as TF raises
it.

The other cases still run the function eagerly on every call (the tracer's
`python_state`): an iterator made inside the function (a Python `for` over a dataset,
whose number of elements the trace would fix), elements of varying shapes (a plan fixes
them), and composite components (sparse, ragged, nested datasets).

A trace that only looks (`get_concrete_function`) must not take elements: it reads ahead
into a look-ahead buffer that the next real pull serves first.
"""

from __future__ import annotations

import collections

from ..core.context import python_state_changes, state
from ..core.errors import InvalidArgumentError, OutOfRangeError
from ..core.spec import TensorSpec
from ..core.tensor import wrap
from . import structure

ADVANCES = "a tf.data iterator advances inside it, which a traced plan cannot redo"
_END = "End of sequence"


class OwnedIterator:
    """The iterator `iter(dataset)` returns; dropping it stops any background threads.

    It is trackable: `tf.train.Checkpoint(iterator=it)` saves its position and restores it
    (`iterator_state`)."""

    def __init__(self, dataset):
        from . import iterator_state

        self._dataset = dataset
        self._pack = structure.LazyPacker(dataset)
        self._start = iterator_state.shuffle_states(dataset)
        self._consumed = 0
        self._flat = dataset._iter_flat()
        self._ahead = collections.deque()  # elements read ahead by a dry trace, not taken
        self._peeks = (None, 0)  # (the dry tracer, how many elements it has looked at)
        self._made_in = state.tracer  # a trace this iterator is local to, if any
        self._undo_epoch = self._put_back_epoch  # given to that trace once (see __next__)

    @property
    def element_spec(self):
        return self._dataset.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        tracer = state.tracer
        if tracer is not None and not tracer.suspended:
            if self._made_in is not tracer:
                pulled = _traced_pull(self, tracer)
                if pulled is not None:
                    return pulled
                python_state_changes(ADVANCES)
            elif hasattr(tracer, "local_state"):
                # Made inside the function (a loop over a dataset): only its dataset's shuffle
                # epochs reach outside, which a dry trace puts back.
                undo, self._undo_epoch = self._undo_epoch, None
                tracer.local_state(ADVANCES, undo)
            else:
                python_state_changes(ADVANCES)
        element = self._take()
        if element is None:
            raise StopIteration
        return self._pack(element)

    def get_next(self, name=None):
        """The next element; `tf.errors.OutOfRangeError` at the end, as TF."""
        try:
            return self.__next__()
        except StopIteration:
            raise OutOfRangeError(_END) from None

    next = __next__

    def _put_back_epoch(self):
        from . import iterator_state

        iterator_state.apply_shuffles(self._dataset, self._start)

    def _take(self):
        """The next flat element (None at the end), counted as consumed."""
        if self._ahead:
            element = self._ahead.popleft()
        else:
            element = next(self._flat, None)
            if element is None:
                return None
        self._consumed += 1
        return element

    def _peek(self, tracer):
        """For a dry trace: the next element it has not looked at, leaving it in place."""
        seen = self._peeks[1] if self._peeks[0] is tracer else 0
        while len(self._ahead) <= seen:
            element = next(self._flat, None)
            if element is None:
                return None
            self._ahead.append(element)
        self._peeks = (tracer, seen + 1)
        return self._ahead[seen]

    # ---- checkpointing (tf.train.Checkpoint's saveable protocol) ----------------------------

    def _serialize_to_tensors(self) -> dict:
        from . import iterator_state

        state_ = iterator_state.encode(self._dataset, self._consumed, self._start)
        return {iterator_state.STATE_KEY: state_}

    def _restore_from_tensors(self, tensors: dict):
        """Moves this iterator to the saved position: the saved shuffle seeds, then a fresh
        pass replayed up to the saved count of elements."""
        from . import iterator_state
        from .dataset import close_iterator

        if set(tensors) != {iterator_state.STATE_KEY}:
            raise ValueError(
                f"tf.data iterator checkpoint: expected {iterator_state.STATE_KEY}, got "
                f"{sorted(tensors)}"
            )
        document = iterator_state.decode(tensors[iterator_state.STATE_KEY], self._dataset)
        iterator_state.apply_shuffles(self._dataset, document["shuffles"])
        close_iterator(self._flat)
        self._ahead.clear()
        self._start = document["shuffles"]
        self._consumed = 0
        self._flat = self._dataset._iter_flat()
        for _ in range(document["consumed"]):
            try:
                next(self._flat)
            except StopIteration:
                raise OutOfRangeError(
                    f"tf.data iterator checkpoint: the saved position is element "
                    f"{document['consumed']}, but the dataset ends after {self._consumed}"
                ) from None
            self._consumed += 1


# ---- inside a traced function ---------------------------------------------------------------


def _traced_pull(iterator, tracer):
    """`next(iterator)` as a host callback of the trace; None when the plan cannot serve it
    (then the caller falls back to running the function eagerly on every call)."""
    if tracer.dry:
        element = iterator._peek(tracer)
    else:
        element = iterator._take()
    if element is None:  # the end, while tracing: as any call at the end, an error
        if tracer.dry:
            return None  # the caller's python_state_changes stops the dry trace
        raise OutOfRangeError(_END)
    specs = _fixed_specs(iterator, element)
    if specs is None:
        if not tracer.dry:  # taken already: undo, the eager fallback takes it again
            iterator._ahead.appendleft(element)
            iterator._consumed -= 1
        return None
    tensors = [wrap(a) for a in element]
    # The tracer's host-callback hook (what `function.host.host_call` records): the plan
    # calls the pull on every call; `writes=None` because a plan cannot undo a pull, so a
    # guard after it makes the function run eagerly rather than redo the call.
    tracer.callback(_Pull(iterator, specs), [], tensors, None)
    return structure.pack(iterator.element_spec, tensors)


def _fixed_specs(iterator, element):
    """The (shape, dtype) of every component when all are dense with known shapes."""
    specs = structure.flatten(iterator.element_spec)
    if len(specs) != len(element):
        return None
    fixed = []
    for spec, array in zip(specs, element):
        if type(spec) is not TensorSpec or not spec.shape.is_fully_defined():
            return None
        if tuple(array.shape) != tuple(spec.shape.as_list()):
            return None
        fixed.append((tuple(array.shape), array.dtype))
    return fixed


class _Pull:
    """The plan's `IteratorGetNext`: takes this call's element from the iterator."""

    __name__ = "IteratorGetNext"

    def __init__(self, iterator, specs):
        self.iterator = iterator
        self.specs = specs

    def __call__(self):
        element = self.iterator._take()
        if element is None:
            raise OutOfRangeError(_END)
        for array, (shape, dtype) in zip(element, self.specs):
            if tuple(array.shape) != shape or array.dtype != dtype:
                raise InvalidArgumentError(
                    f"IteratorGetNext: the traced function expects elements of shape {shape} "
                    f"and dtype {dtype}, the dataset gave shape {tuple(array.shape)} and "
                    f"dtype {array.dtype}"
                )
        return tuple(element)

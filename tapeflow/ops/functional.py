"""`tf.scan`, `tf.foldl`, `tf.foldr`, `tf.case` and `tf.switch_case`, as TF runs them eagerly.

The loops are Python loops over existing ops, so the tape records every step (they are
differentiable) and a tf.function trace holds them unrolled, as `tf.while_loop` is. Branch
predicates and indices are read with `bool()`/`int()`: guards in a trace, like `tf.cond`.
"""

from __future__ import annotations

from ..core import nest
from ..core.errors import InvalidArgumentError, OutOfRangeError
from ..core.tensor import Operand, convert_to_tensor
from .array import zeros
from .array_join import stack


def _leading_size(flat_elems, name):
    sizes = []
    for e in flat_elems:
        if e.shape.rank == 0:
            raise IndexError(
                f"{name}: elems must be tensors of rank >= 1 (iterated along their first "
                f"dimension), got a scalar"
            )
        sizes.append(e.shape[0])
    if len(set(sizes)) > 1:
        raise ValueError(f"{name}: elems must share their first dimension, got sizes {sizes}")
    return sizes[0]


def _prepare(elems, initializer, name):
    flat = [convert_to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"{name}: elems must hold at least one tensor")
    n = _leading_size(flat, name)
    init = None
    if initializer is not None:
        init = nest.map_structure(convert_to_tensor, initializer)
    elif n == 0:
        raise OutOfRangeError(
            f"{name}: Tried to read from index 0 but array size is: 0 (elems is empty and "
            f"no initializer was given)"
        )
    return flat, n, init


def _element(elems, flat, i):
    return nest.pack_sequence_as(elems, [e[i] for e in flat])


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):  # fmt: skip
    """Applies `a = fn(a, x)` to the elements `x` of `elems` (unstacked along dimension 0,
    nested structures allowed) and stacks every `a`. Without `initializer` the first element
    starts the accumulator (and is the first output); `reverse` runs from the end, each
    output staying at its element's position."""
    flat, n, acc = _prepare(elems, initializer, "scan")
    order = list(range(n))[::-1] if reverse else list(range(n))
    outputs = []
    if acc is None:
        acc = _element(elems, flat, order[0])
        outputs.append(acc)
        order = order[1:]
    for i in order:
        acc = fn(acc, _element(elems, flat, i))
        outputs.append(acc)
    if reverse:
        outputs.reverse()
    if not outputs:  # empty elems with an initializer: each output has length 0
        return nest.map_structure(lambda a: zeros([0, *a.shape], dtype=a.dtype), acc)
    flat_outputs = [nest.flatten(o) for o in outputs]
    stacked = [stack([o[k] for o in flat_outputs]) for k in range(len(flat_outputs[0]))]
    return nest.pack_sequence_as(outputs[0], stacked)


def _fold(fn, elems, initializer, reverse, name):
    flat, n, acc = _prepare(elems, initializer, name)
    order = list(range(n))[::-1] if reverse else list(range(n))
    if acc is None:
        acc = _element(elems, flat, order[0])
        order = order[1:]
    for i in order:
        acc = fn(acc, _element(elems, flat, i))
    return acc


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):  # fmt: skip
    """`a = fn(a, x)` over the elements of `elems` from first to last; returns the final `a`
    (the first element starts it when `initializer` is None)."""
    return _fold(fn, elems, initializer, False, "foldl")


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):  # fmt: skip
    """`a = fn(a, x)` over the elements of `elems` from last to first; returns the final `a`
    (the last element starts it when `initializer` is None)."""
    return _fold(fn, elems, initializer, True, "foldr")


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """Runs the function of the first true predicate of `pred_fn_pairs` (a list of
    `(pred, fn)`), else `default()`. With `exclusive`, more than one true predicate is an
    InvalidArgumentError; with no default and none true too."""
    if isinstance(pred_fn_pairs, dict):
        pairs = list(pred_fn_pairs.items())
    else:
        pairs = list(pred_fn_pairs)
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in pred_fn_pairs must be a 2-tuple, got {pair!r}")
        pred, fn = pair
        if not isinstance(pred, Operand):
            raise TypeError(f"pred must be a Tensor, got: {pred}")
        if not callable(fn):
            raise TypeError(f"fn for pred {pred} must be callable.")
    if default is not None and not callable(default):
        raise TypeError("default must be callable.")
    truth = [bool(pred) for pred, _ in pairs] if exclusive else None
    if exclusive and sum(truth) > 1:
        raise InvalidArgumentError(
            "case: Input error: exclusive=True: more than 1 conditions "
            f"({', '.join(str(pred.numpy()) for pred, _ in pairs)}) evaluated as True"
        )
    for i, (pred, fn) in enumerate(pairs):
        if truth[i] if truth is not None else bool(pred):
            return fn()
    if default is None:
        raise InvalidArgumentError("case: Input error: None of conditions evaluated as True")
    return default()


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Runs `branch_fns[branch_index]()`; an index out of range runs `default()` (the last
    branch when there is no default). `branch_fns` is a list of callables, or of
    `(index, fn)` pairs / a dict whose keys are 0..n-1."""
    if not isinstance(branch_index, Operand):
        raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
    if not branch_index.dtype.is_integer:
        raise TypeError(f"'branch_index' must be an integer Tensor, got {branch_index.dtype!r}")
    if isinstance(branch_fns, dict):
        items = sorted(branch_fns.items())
    elif branch_fns and all(isinstance(b, tuple) for b in branch_fns):
        items = sorted(branch_fns)
    else:
        items = list(enumerate(branch_fns))
    if not items:
        raise ValueError("Must provide at least one item in branch_fns")
    keys = [k for k, _ in items]
    if keys != list(range(len(keys))):
        found = ",".join(str(k) for k in sorted(keys))
        raise ValueError(
            f"branch indices (keys) must form contiguous range of [0 to {len(keys)}) but "
            f"found {{{found}}}"
        )
    for _, fn in items:
        if not callable(fn):
            raise TypeError(f"branch_fns must hold callables, got {fn!r}")
    if default is not None and not callable(default):
        raise TypeError("default must be callable.")
    index = int(branch_index)
    if 0 <= index < len(items):
        return items[index][1]()
    return (default or items[-1][1])()


API = {"tf": ["scan", "foldl", "foldr", "case", "switch_case"]}

"""`tf.keras.optimizers.Optimizer`: everything an optimizer does except its update rule.

Subclasses write `build(var_list)` (their slot variables, one `add_variable_from_reference`
per variable and slot) and `update_step(gradient, variable, learning_rate)`. The built-in
update steps (marked `@elementwise`) work in place on backend arrays; one you write gets
Tensors, as in Keras, and updates with `self.assign*`. This class does the rest once, in
Keras 3's order: None
gradients, sparse rows, loss scaling, gradient accumulation, clipping, weight decay, the
learning rate (float, schedule or callable), EMA, constraints and `iterations`. Slots are made
lazily, the first time a variable gets a gradient, so a new variable is never an error.
"""

from __future__ import annotations

import collections
import inspect
import re
import warnings

import numpy as np

from ...backend import threads, xp
from ...core import context, distribution, dtypes
from ...core.indexed_slices import IndexedSlices
from ...core.module import name_scope
from ...core.tape import GradientTape
from ...core.tensor import wrap
from ...core.variable import Variable
from ...debugging import why_none
from ...function.host import host_call
from . import _flat
from . import _gradients as G
from ._native import NativeUpdate
from ._slots import SlotStore
from .schedules import LearningRateSchedule
from .schedules import serialize as _serialize_schedule

_name_uids = collections.defaultdict(int)


def _auto_name(class_name: str) -> str:
    """Keras' naming: snake case of the class name, uniquified ("adam", "adam_1", ...)."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    count = _name_uids[name]
    _name_uids[name] += 1
    return f"{name}_{count}" if count else name


def _takes_step(fn) -> bool:
    """Whether a learning-rate callable wants the step (Keras calls it with no argument)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    try:
        sig.bind()
        return False
    except TypeError:
        return True


def _as_tensors(g):
    if isinstance(g, IndexedSlices):
        return IndexedSlices(wrap(g.values), wrap(g.indices), g.dense_shape)
    return wrap(g)


class Optimizer(SlotStore):
    """Base class of the Keras optimizers (Keras 3 API).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable returning the rate
            (called with no argument as in Keras, or with the step if it needs one).
        weight_decay: if set, each step first does `var -= var * weight_decay * lr`.
        clipnorm / clipvalue / global_clipnorm: gradient clipping (at most one of them).
        use_ema, ema_momentum, ema_overwrite_frequency: exponential moving average of the
            weights, as in Keras.
        loss_scale_factor: gradients are divided by it before anything else.
        gradient_accumulation_steps: if N, gradients are summed and the update (with their
            mean) is applied every N-th call only.
        name: the optimizer's name (variables are named under it).
    """

    #: True when `update_step` handles an `IndexedSlices` gradient (unique row indices,
    #: backend arrays) itself; otherwise sparse gradients arrive densified.
    supports_sparse = False

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored.", stacklevel=2
            )
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        self.name = name if name is not None else _auto_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps="
                f"{gradient_accumulation_steps}"
            )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(
                    "`ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.built = False
        self._variables = []  # every optimizer variable, in creation order
        self._trainable_variables = []  # the model variables seen so far
        self._trainable_variables_indices = {}  # variable._id -> index in the list above
        self._slots = {}  # variable._id -> {slot name: Variable}
        self._deferred_slot_values = {}  # variable._id -> {slot name: array}, see _restore_slot
        self._current_iteration = 0  # `iterations` during the step being applied
        self._flat_group = None  # the fused update's buffers (see _flat.py)
        self._last_step_key = None
        with name_scope(self.name):
            self._iterations = Variable(0, name="iteration", dtype=dtypes.int64, trainable=False)
        self._variables.append(self._iterations)
        self._learning_rate = None
        self._set_learning_rate(learning_rate, initial=True)

    # ---- learning rate and iterations ---------------------------------------------------------

    def _set_learning_rate(self, learning_rate, initial=False):
        previous = self._learning_rate
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
            self._lr_takes_step = not isinstance(
                learning_rate, LearningRateSchedule
            ) and _takes_step(learning_rate)
            if isinstance(previous, Variable):
                self._variables.remove(previous)
            return
        if isinstance(previous, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument."
            )
        if isinstance(previous, Variable):
            previous.assign(learning_rate)
            return
        if initial and not isinstance(learning_rate, float):
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration "
                "value and returns the corresponding learning rate value). Received instead: "
                f"learning_rate={learning_rate}"
            )
        with name_scope(self.name):
            self._learning_rate = Variable(
                float(learning_rate), name="learning_rate", dtype=dtypes.float32, trainable=False
            )
        self._variables.insert(1, self._learning_rate)

    @property
    def learning_rate(self):
        """The current rate: the Variable, or the schedule's value at `iterations`."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        if isinstance(lr, LearningRateSchedule):
            return lr(self._iterations)
        return lr(self._iterations) if self._lr_takes_step else lr()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self._set_learning_rate(learning_rate)

    def _learning_rate_value(self) -> float:
        """The rate as a Python float holding exactly the value Keras would use."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return float(lr._value)
        value = self.learning_rate
        if type(value) in (int, float):
            return float(np.float32(value))  # Keras casts a Python rate via float32
        return float(value)

    @property
    def iterations(self):
        """The number of updates applied: an int64 Variable (a Tensor when accumulating)."""
        if self.gradient_accumulation_steps:
            steps = int(self._iterations._value) // self.gradient_accumulation_steps
            return wrap(xp.asarray(steps, dtype=np.int64))
        return self._iterations

    @property
    def variables(self) -> list:
        return self._variables[:]

    # ---- applying gradients -------------------------------------------------------------------

    def update_step(self, gradient, variable, learning_rate):
        """Updates `variable` (and its slots) from its gradient and the rate (a float).

        The gradient is a Tensor (IndexedSlices if `supports_sparse`); built-in steps marked
        `@elementwise` get backend arrays instead and write into them in place.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update_step")

    def apply_gradients(self, grads_and_vars):
        """Applies `(gradient, variable)` pairs; returns `iterations`."""
        pairs = list(grads_and_vars)
        if pairs:
            self.apply([p[0] for p in pairs], [p[1] for p in pairs])
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Updates the variables from their gradients (None gradients are skipped)."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already "
                    "be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first."
                )
            variables = self._trainable_variables[:]
        else:
            variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.apply: received {len(grads)} gradients "
                f"for {len(variables)} variables"
            )
        for v in variables:
            if not isinstance(v, Variable):
                raise TypeError(
                    f"{type(self).__name__}.apply: can only update tf.Variable "
                    f"objects, got {type(v).__name__}: {v!r}"
                )
        replica = distribution.replica_context()
        if replica is not None and replica.num_replicas_in_sync > 1:
            # Inside a strategy's `run`: sum the gradients over the replicas (Keras 3).
            grads = replica._reduce_gradients(grads)
        grads, variables = self._filter_empty_gradients(grads, variables)
        self._build_new(variables)
        if context.state.tracer is None:
            self._apply_now(grads, variables)
            return
        # Inside tf.function: the update writes arrays in place, outside the op dispatcher;
        # host_call records it as one callback that the plan re-runs on every call.
        flat, layout = _to_host(grads)
        update = lambda *arrays: self._apply_now(_from_host(arrays, layout), variables)  # noqa: E731
        if all(shape is None for shape in layout):  # jit_compile may run it as kernel calls
            update.native_update = NativeUpdate(self, variables)
        host_call(update, *flat, writes=self._variables + variables)

    def _apply_now(self, grads, variables):
        threads.follow_load()  # once a step: BLAS threads as the machine's load allows
        grads = [self._prepare_gradient(g, v) for g, v in zip(grads, variables, strict=True)]
        if self.loss_scale_factor is not None:
            grads = [G.map_values(g, lambda a: a / self.loss_scale_factor) for g in grads]
        self._backend_apply_gradients(grads, variables)
        for v in variables:
            if v.constraint is not None:
                v.assign(v.constraint(v))
        G.inplace(self._iterations)[...] += 1

    def minimize(self, loss, var_list, tape=None):
        """Computes the gradients of `loss` (a callable, or a Tensor and its `tape`) and
        applies them."""
        if not callable(loss) and tape is None:
            raise ValueError(
                "`tape` is required when a `Tensor` loss is passed. Received: "
                f"loss={loss}, tape={tape}."
            )
        tape = tape if tape is not None else GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
                if callable(var_list):
                    var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list, strict=True))

    def _filter_empty_gradients(self, grads, variables):
        for g in grads:
            if g is None:
                break
        else:  # the common case: every gradient given
            return grads, variables
        kept = [(g, v) for g, v in zip(grads, variables, strict=True) if g is not None]
        missing = [v.name for g, v in zip(grads, variables, strict=True) if g is None]
        # Why each gradient is None, when the tape that returned it explained it.
        why = why_none.explanations([v for g, v in zip(grads, variables) if g is None])
        if not kept:
            raise ValueError(f"No gradients provided for any variable: {missing}.{why}")
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the "
                "loss. If using `model.compile()`, did you forget to provide a "
                f"`loss` argument?{why}",
                stacklevel=3,
            )
        return [g for g, _ in kept], [v for _, v in kept]

    def _prepare_gradient(self, g, variable):
        """A gradient as the update wants it: a backend array of the variable's dtype and
        shape, or (for `supports_sparse`) IndexedSlices of unique rows."""
        dtype = variable._value.dtype
        if isinstance(g, IndexedSlices):
            values, indices = G.sparse_rows(g, variable, dtype)
            if self.supports_sparse and not self.gradient_accumulation_steps:
                return IndexedSlices(values, indices, tuple(variable._value.shape))
            return G.densify(values, indices, variable._value.shape)
        a = G.as_array(g)
        if a.dtype != dtype:
            a = a.astype(dtype)
        if a.shape != variable._value.shape:
            raise ValueError(
                f"{type(self).__name__}: the gradient of variable {variable.name} "
                f"has shape {tuple(a.shape)}, the variable has shape "
                f"{tuple(variable._value.shape)}"
            )
        return a

    def _backend_apply_gradients(self, grads, variables):
        """Accumulation, clipping, weight decay, the update steps and EMA (Keras' order)."""
        lr = self._learning_rate_value()
        steps = self.gradient_accumulation_steps
        self._current_iteration = int(self._iterations._value) // (steps or 1)
        if steps:
            accumulators = [self._slots[v._id]["gradient_accumulator"] for v in variables]
            if (int(self._iterations._value) + 1) % steps == 0:
                grads = [
                    (g + acc._value) / steps for g, acc in zip(grads, accumulators, strict=True)
                ]
                self._update(grads, variables, lr)
                for v in self._trainable_variables:
                    G.inplace(self._slots[v._id]["gradient_accumulator"])[...] = 0
            else:
                for g, acc in zip(grads, accumulators, strict=True):
                    G.inplace(acc)[...] += g
        else:
            self._update(grads, variables, lr)
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            freq = self.ema_overwrite_frequency
            if freq and (self._current_iteration + 1) % freq == 0:
                self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _update(self, grads, variables, lr):
        grads = self._clip_gradients(grads)
        self._apply_weight_decay(variables, lr)
        self._backend_update_step(grads, variables, lr)

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """Runs `update_step` per variable, or once over all of them (see _flat.py)."""
        group = self._fused_group(grads, trainable_variables)
        if group is not None:
            group.run(self, grads, learning_rate)
            return
        if not getattr(type(self).update_step, "elementwise", False):
            grads = [_as_tensors(g) for g in grads]  # a custom update step: Keras' Tensors
            for g, v in zip(grads, trainable_variables, strict=True):
                self.update_step(g, v, learning_rate)
            return
        for g, v in zip(grads, trainable_variables, strict=True):
            if v._value.ndim == 0:
                _flat.update_scalar(self, g, v, learning_rate)
            else:
                self.update_step(g, v, learning_rate)

    def _fused_group(self, grads, variables):
        """The flat buffers for these variables, when the fused update applies to them."""
        if len(variables) < 2 or not getattr(type(self).update_step, "elementwise", False):
            return None
        dtype = grads[0].dtype
        total = 0
        for g in grads:
            if isinstance(g, IndexedSlices) or g.dtype != dtype:
                return None
            total += g.size
        if total > _flat.MAX_MEAN_SIZE * len(grads):
            return None
        key = tuple(v._id for v in variables)
        if len(set(key)) != len(key):
            return None  # a variable listed twice: its slots cannot be one view each
        previous, self._last_step_key = self._last_step_key, key
        group = self._flat_group
        if group is not None and group.key == key:
            if group.intact():
                return group
        elif previous != key:
            return None  # flatten only variables that come back: the same list twice in a row
        if group is not None:
            group.release(self)
        self._flat_group = _flat.FlatGroup(self, variables)
        return self._flat_group

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [G.map_values(g, lambda a: G.clip_by_norm(a, self.clipnorm)) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return G.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            v = self.clipvalue
            return [G.map_values(g, lambda a: xp.clip(a, -v, v)) for g in grads]
        return grads

    # ---- weight decay and EMA -----------------------------------------------------------------

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (or names containing one of `var_names`) that weight decay skips."""
        self._exclude_from_weight_decay = {v._id for v in var_list or ()}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None
        )

    def _use_weight_decay(self, variable) -> bool:
        if variable._id in getattr(self, "_exclude_from_weight_decay", ()):
            return False
        pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
        return pattern is None or re.search(pattern, variable.name) is None

    def _apply_weight_decay(self, variables, lr):
        if self.weight_decay is None:
            return
        for v in variables:
            if self._use_weight_decay(v):
                a = G.inplace(v)
                dt = a.dtype.type
                a -= a * G.keras_cast(self.weight_decay, dt) * dt(lr)

    def _update_model_variables_moving_average(self, trainable_variables):
        for v in trainable_variables:
            average = G.inplace(self._slots[v._id]["average"])
            dt = average.dtype.type
            momentum = dt(self._current_iteration != 0) * dt(self.ema_momentum)
            average[...] = momentum * average + (1 - momentum) * v._value

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        for v in trainable_variables:
            v.assign(self._slots[v._id]["average"]._value)

    def finalize_variable_values(self, var_list):
        """With `use_ema`, sets the variables to their moving averages (end of training)."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    # ---- Keras-style helpers for custom update steps ------------------------------------------

    def assign(self, variable, value):
        if isinstance(value, IndexedSlices):
            G.inplace(variable)[G.as_array(value.indices)] = G.as_array(value.values)
        else:
            variable.assign(value)

    def assign_add(self, variable, value):
        if isinstance(value, IndexedSlices):
            G.scatter_add(G.inplace(variable), G.as_array(value.indices), G.as_array(value.values))
        else:
            variable.assign_add(value)

    def assign_sub(self, variable, value):
        if isinstance(value, IndexedSlices):
            G.scatter_add(
                G.inplace(variable), G.as_array(value.indices), -G.as_array(value.values)
            )
        else:
            variable.assign_sub(value)

    def scale_loss(self, loss):
        """`loss * loss_scale_factor` when a factor is set (mixed precision)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    # ---- config -------------------------------------------------------------------------------

    def get_config(self) -> dict:
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = _serialize_schedule(lr)
        elif isinstance(lr, Variable):
            lr = float(lr.numpy())
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from .schedules import deserialize

            config["learning_rate"] = deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _to_host(grads):
    """Gradients as a flat list of Tensors (IndexedSlices as values and indices) + layout."""
    flat, layout = [], []
    for g in grads:
        if isinstance(g, IndexedSlices):
            flat += [g.values, g.indices]
            layout.append(g.dense_shape)
        else:
            flat.append(g)
            layout.append(None)
    return flat, layout


def _from_host(arrays, layout):
    it = iter(arrays)
    return [
        wrap(next(it)) if shape is None else IndexedSlices(wrap(next(it)), wrap(next(it)), shape)
        for shape in layout
    ]

"""`keras.layers.InputSpec`: the rank, sizes and dtype a layer accepts, checked on every call
before the layer runs, with Keras 3's errors ("Input 0 ... of layer 'dense' is incompatible
with the layer: expected min_ndim=2, found ndim=1").
"""

from __future__ import annotations

from ...core import nest


class InputSpec:
    """What a layer's input must look like: `ndim`, `min_ndim`, `max_ndim`, `axes` (axis ->
    size), `shape` (None for any size), `dtype`; as Keras 3 declares it per layer."""

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim=None,
        max_ndim=None,
        min_ndim=None,
        axes=None,
        allow_last_axis_squeeze=False,
        name=None,
        optional=False,
    ):
        self.dtype = None if dtype is None else _dtype_name(dtype)
        if shape is not None:
            self.shape = tuple(None if d is None else int(d) for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape = None
            self.ndim = ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise TypeError(
                f"Argument `axes` must be a dict with integer keys. Received: axes={axes}"
            ) from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1
            if max(self.axes) > max_dim:
                raise ValueError(
                    f"Axis {max(self.axes)} is greater than the maximum allowed value: {max_dim}"
                )

    def __repr__(self):
        parts = [
            f"dtype={self.dtype}" if self.dtype else "",
            f"shape={self.shape}" if self.shape else "",
            f"ndim={self.ndim}" if self.ndim else "",
            f"max_ndim={self.max_ndim}" if self.max_ndim else "",
            f"min_ndim={self.min_ndim}" if self.min_ndim else "",
            f"axes={self.axes}" if self.axes else "",
        ]
        return f"InputSpec({', '.join(p for p in parts if p)})"

    def get_config(self) -> dict:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _dtype_name(dtype) -> str:
    from ...core import dtypes

    return dtypes.as_dtype(dtype).name


def _shape_of(x) -> tuple:
    """The shape of a Tensor, array or KerasTensor as a tuple (None for unknown sizes)."""
    value = getattr(x, "_value", None)
    if value is not None:
        return value.shape
    shape = x.shape
    return tuple(shape.as_list()) if hasattr(shape, "as_list") else tuple(shape)


def _incompatible(index, spec, layer_name) -> str:
    return (
        f"Input {index} with name '{spec.name}' of layer '{layer_name}' is incompatible with "
        f"the layer: "
    )


def assert_input_compatibility(input_spec, inputs, layer_name: str):
    """Raises Keras' ValueError when `inputs` do not fit `input_spec` (a spec or a list)."""
    if not input_spec:
        return
    specs = nest.flatten(input_spec)
    if isinstance(inputs, dict):
        names = [spec.name for spec in specs]
        if all(names):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f'Missing data for input "{missing[0]}". You passed a data dictionary '
                    f"with keys {list(inputs)}. Expected the following keys: {names}"
                )
            inputs = [inputs[n] for n in names]
    flat = nest.flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
            f"{len(flat)} input tensors. Inputs received: {flat}"
        )
    for index, (x, spec) in enumerate(zip(flat, specs, strict=True)):
        if spec is None or (x is None and spec.optional):
            continue
        if not hasattr(x, "shape"):
            raise ValueError(
                f"Inputs to a layer should be tensors. Got '{x}' (of type {type(x)}) as input "
                f"for layer '{layer_name}'."
            )
        shape = _shape_of(x)
        _check_one(index, spec, shape, getattr(x, "dtype", None), layer_name)


def check_tensor(spec: InputSpec, x, layer_name: str):
    """One spec against one Tensor: the check every layer call makes, kept short."""
    _check_one(0, spec, x._value.shape, x.dtype if spec.dtype is not None else None, layer_name)


def _check_one(index, spec, shape, dtype, layer_name):
    ndim = len(shape)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(
            _incompatible(index, spec, layer_name) + f"expected ndim={spec.ndim}, found "
            f"ndim={ndim}. Full shape received: {shape}"
        )
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(
            _incompatible(index, spec, layer_name) + f"expected max_ndim={spec.max_ndim}, "
            f"found ndim={ndim}"
        )
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(
            _incompatible(index, spec, layer_name) + f"expected min_ndim={spec.min_ndim}, "
            f"found ndim={ndim}. Full shape received: {shape}"
        )
    if spec.dtype is not None and dtype is not None:
        found = getattr(dtype, "name", str(dtype))
        if found != spec.dtype:
            raise ValueError(
                _incompatible(index, spec, layer_name) + f"expected dtype={spec.dtype}, found "
                f"dtype={found}"
            )
    for axis, value in spec.axes.items():
        if value is not None and -ndim <= axis < ndim and shape[axis] not in (value, None):
            raise ValueError(
                _incompatible(index, spec, layer_name) + f"expected axis {axis} of input "
                f"shape to have value {value}, but received input with shape {shape}"
            )
    if spec.shape is not None:
        spec_shape = spec.shape
        if spec.allow_last_axis_squeeze:
            if shape and shape[-1] == 1:
                shape = shape[:-1]
            if spec_shape and spec_shape[-1] == 1:
                spec_shape = spec_shape[:-1]
        for spec_dim, dim in zip(spec_shape, shape, strict=False):
            if spec_dim is not None and dim is not None and spec_dim != dim:
                raise ValueError(
                    _incompatible(index, spec, layer_name) + f"expected shape={spec.shape}, "
                    f"found shape={shape}"
                )

"""`tf.device`, device name strings and the placement switches of `tf.config`.

tapeflow computes every op on one device: the CPU with the NumPy backend, GPU 0 with the
CuPy backend. `tf.device(name)` parses `name` as TensorFlow does (a malformed name is TF's
ValueError) and checks it names a device of this process; with soft placement (the default,
as in TF) a device that does not exist, such as "/GPU:0" on a machine without one, runs on
the device there is. With soft placement off, naming a missing device is TF's
InvalidArgumentError. The scope never moves arrays: `tensor.device` reports where they are.
"""

from __future__ import annotations

import threading

from ..backend import devices as backend_devices
from ..backend import name as backend_name
from .errors import InvalidArgumentError

# The device types TF's parser knows by name ("/GPU:0", "cpu").
_DEVICE_TYPES = ("CPU", "GPU", "TPU")
_PREFIX = "/job:localhost/replica:0/task:0/device:"

_settings = {"soft_placement": True, "op_determinism": False}
_scopes = threading.local()


def current_device_name() -> str:
    """The full name of the device every op runs on (what `Tensor.device` reports)."""
    return _PREFIX + ("GPU:0" if backend_name == "cupy" else "CPU:0")


def parse_device(spec: str) -> dict:
    """TF's DeviceSpec parsing: {'job', 'replica', 'task', 'device_type', 'device_index'}."""
    parts = {"job": None, "replica": None, "task": None, "device_type": None,
             "device_index": None}  # fmt: skip

    def set_type(kind, index):
        if parts["device_type"] is not None:
            raise ValueError(
                f"Multiple device types are not allowed while parsing the device spec: {spec}."
            )
        parts["device_type"] = kind
        if index is not None and index != "*":
            parts["device_index"] = int(index)

    for piece in spec.split("/"):
        fields = piece.split(":")
        n = len(fields)
        if n == 2 and fields[0] in ("job", "replica", "task"):
            parts[fields[0]] = fields[1]
        elif n in (1, 2) and fields[0].upper() in _DEVICE_TYPES:
            set_type(fields[0].upper(), fields[1] if n == 2 else None)
        elif n == 3 and fields[0] == "device":
            set_type(fields[1].upper(), fields[2])
        elif fields[0]:
            raise ValueError(
                f"Unknown attribute '{fields[0]}' is encountered while parsing the device "
                f"spec: '{spec}'."
            )
    return parts


def _full_name(parts: dict) -> str:
    return (
        f"/job:{parts['job'] or 'localhost'}/replica:{parts['replica'] or 0}"
        f"/task:{parts['task'] or 0}/device:{parts['device_type'] or 'CPU'}"
        f":{parts['device_index'] or 0}"
    )


def _check_placement(spec: str, parts: dict):
    remote = (
        (parts["job"] or "localhost") != "localhost"
        or str(parts["replica"] or 0) != "0"
        or str(parts["task"] or 0) != "0"
    )
    if remote:
        raise InvalidArgumentError(f"{_full_name(parts)} unknown device.")
    if parts["device_type"] is None or _settings["soft_placement"]:
        return
    kind, index = parts["device_type"], parts["device_index"] or 0
    present = backend_devices.list_logical_devices(kind)
    if index >= len(present):
        names = ", ".join(_PREFIX + d.name.split("/device:")[1]
                          for d in backend_devices.list_logical_devices())  # fmt: skip
        kinds = sorted({d.device_type for d in backend_devices.list_logical_devices()})
        raise InvalidArgumentError(
            f"Could not satisfy device specification '{_full_name(parts)}'. "
            f"enable_soft_placement=0. Supported device types [{', '.join(kinds)}]. All "
            f"available devices [{names}]."
        )


class _DeviceScope:
    """The context `tf.device(name)` returns (usable inside tf.function too)."""

    __slots__ = ("name", "_parts")

    def __init__(self, name):
        self.name = name
        self._parts = parse_device(name) if name else None

    def __enter__(self):
        if self._parts is not None:
            _check_placement(self.name, self._parts)
        stack = getattr(_scopes, "stack", None)
        if stack is None:
            stack = _scopes.stack = []
        stack.append(self.name)
        return self

    def __exit__(self, *exc):
        _scopes.stack.pop()
        return False

    def __repr__(self):
        return f"<tf.device {self.name!r}>"


def device(device_name):
    """`tf.device`: a context naming the device for the ops inside it (see the module
    docstring: tapeflow validates the name and runs on its one device)."""
    if device_name is not None and not isinstance(device_name, str):
        if callable(device_name):
            raise RuntimeError(
                "tf.device does not support functions when eager execution is enabled."
            )
        device_name = device_name.to_string()  # a DeviceSpec-like object
    return _DeviceScope(device_name)


def set_soft_device_placement(enabled: bool):
    """`tf.config.set_soft_device_placement`: with it (the default) a device name that
    does not exist here runs on the device there is instead of failing."""
    _settings["soft_placement"] = bool(enabled)


def get_soft_device_placement() -> bool:
    return _settings["soft_placement"]


def enable_op_determinism():
    """`tf.config.experimental.enable_op_determinism`, accepted.

    tapeflow's NumPy kernels are already deterministic: the same program with the same
    seeds and the same number of BLAS threads gives bitwise the same results run after run
    (tf.data keeps element order under parallel `map`). What can still differ is across
    thread counts (BLAS splits sums differently) and, with CuPy, scatter-adds done with
    atomics on the GPU. The switch is recorded (`is_op_determinism_enabled`) and changes
    no kernel.
    """
    _settings["op_determinism"] = True


def disable_op_determinism():
    _settings["op_determinism"] = False


def is_op_determinism_enabled() -> bool:
    return _settings["op_determinism"]

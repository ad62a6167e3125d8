"""The devices tapeflow computes on, as `tf.config` lists them.

There is always one CPU. GPUs are listed when the CuPy backend is active
(`TAPEFLOW_BACKEND=cupy`) and CUDA reports them: that is the only case in which tapeflow
computes on a GPU, so `tf.config.list_physical_devices("GPU")` never promises a GPU that the
arrays would not use. The records are TF's namedtuples: `PhysicalDevice(name, device_type)`
and `LogicalDevice(name, device_type)`.
"""

from __future__ import annotations

import collections

from . import name as backend_name

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])

_VISIBLE_CHANGED = "Visible devices cannot be modified after being initialized"
_state = {"visible": None, "memory_growth": {}}


def gpu_count() -> int:
    """How many GPUs the active backend computes on (0 with NumPy)."""
    if backend_name != "cupy":
        return 0
    import cupy  # pragma: no cover - needs a GPU machine

    try:  # pragma: no cover
        return int(cupy.cuda.runtime.getDeviceCount())
    except cupy.cuda.runtime.CUDARuntimeError:  # pragma: no cover
        return 0


def physical_devices() -> list:
    cpus = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    gpus = [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(gpu_count())]
    return cpus + gpus


def list_physical_devices(device_type=None) -> list:
    """The physical devices, all or of one type ("CPU", "GPU"; case-sensitive, as TF)."""
    return [d for d in physical_devices() if device_type is None or d.device_type == device_type]


def get_visible_devices(device_type=None) -> list:
    """The physical devices tapeflow may use (all of them unless `set_visible_devices`)."""
    visible = _state["visible"]
    devices = physical_devices() if visible is None else visible
    return [d for d in devices if device_type is None or d.device_type == device_type]


def set_visible_devices(devices, device_type=None):
    """Restricts the visible devices of `device_type` (all types when None).

    The backend is chosen when tapeflow is imported, so only a choice that does not change
    where arrays live is possible: hiding GPUs the backend does not use, or restating the
    current devices. Anything else is TF's RuntimeError for devices already initialized.
    """
    if isinstance(devices, PhysicalDevice):
        devices = [devices]
    devices = list(devices)
    known = physical_devices()
    for d in devices:
        if d not in known:
            raise ValueError(f"Unrecognized device: {d!r}")
    kept = [d for d in get_visible_devices() if device_type is not None
            and d.device_type != device_type]  # fmt: skip
    wanted = kept + devices
    used = [d for d in get_visible_devices() if d.device_type == "CPU" or backend_name == "cupy"]
    if any(d not in wanted for d in used):
        raise RuntimeError(_VISIBLE_CHANGED)
    _state["visible"] = [d for d in known if d in wanted]


def list_logical_devices(device_type=None) -> list:
    """One logical device per visible physical device ("/device:CPU:0", ...)."""
    return [
        LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
        for d in get_visible_devices(device_type)
    ]


def _check_gpu(device, what: str):
    if device not in physical_devices():
        raise ValueError(f"Unrecognized device: {device!r}")
    if device.device_type != "GPU":
        raise ValueError(f"Cannot {what} on non-GPU and non-Pluggable devices")


def set_memory_growth(device, enable: bool):
    """Accepted for a GPU (CuPy's memory pool grows on demand in any case); TF's ValueError
    for a CPU."""
    _check_gpu(device, "set memory growth")
    _state["memory_growth"][device] = bool(enable)


def get_memory_growth(device) -> bool:
    """What `set_memory_growth` recorded for a GPU (False by default); KeyError for a CPU,
    as in TF."""
    if device.device_type != "GPU":
        raise KeyError(device)
    _check_gpu(device, "get memory growth")
    return _state["memory_growth"].get(device, False)


def get_device_details(device) -> dict:
    """{'device_name', 'compute_capability'} of a GPU; {} for a CPU, as in TF."""
    if device not in physical_devices():
        raise ValueError(f"Unrecognized device: {device!r}")
    if device.device_type != "GPU":
        return {}
    import cupy  # pragma: no cover - needs a GPU machine

    index = int(device.name.rsplit(":", 1)[1])  # pragma: no cover
    props = cupy.cuda.runtime.getDeviceProperties(index)  # pragma: no cover
    name = props["name"]  # pragma: no cover
    return {  # pragma: no cover
        "device_name": name.decode() if isinstance(name, bytes) else str(name),
        "compute_capability": (int(props["major"]), int(props["minor"])),
    }

"""The BLAS threads behind NumPy: how many there are, setting them, and a warning when they
compete with other work for the cores.

threadpoolctl answers and sets the thread counts when it is installed; without it the BLAS
library NumPy loaded (OpenBLAS, MKL or BLIS, found in /proc/self/maps) is asked through its own
C functions. `tf.config.threading` is built on this module.
"""

from __future__ import annotations

import os
import sys
import warnings

# The variables that fix the thread count of a BLAS or OpenMP runtime when it starts.
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
_GETTERS = {
    "openblas": tuple(
        # NumPy's wheels carry scipy-openblas, whose symbols have a prefix and a 64-bit suffix.
        f"{prefix}openblas_get_num_threads{suffix}"
        for prefix in ("", "scipy_")
        for suffix in ("", "64_")
    ),
    "mkl": ("MKL_Get_Max_Threads",),
    "blis": ("bli_thread_get_num_threads",),
}
_SETTERS = {
    "openblas": tuple(name.replace("_get_", "_set_") for name in _GETTERS["openblas"]),
    "mkl": ("MKL_Set_Num_Threads",),
    "blis": ("bli_thread_set_num_threads",),
}

# The functions `tf.config.threading` exports.
CONFIG_THREADING = (
    "set_intra_op_parallelism_threads",
    "get_intra_op_parallelism_threads",
    "set_inter_op_parallelism_threads",
    "get_inter_op_parallelism_threads",
)
# What `tf.config.threading` was told (0: not set, tapeflow leaves the libraries' defaults).
_settings = {"intra_op": 0, "inter_op": 0}
_busy_warning = {"done": False}


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_average() -> float | None:
    """The one-minute load average, or None where the system does not report one."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return None


def blas_threads() -> list[dict]:
    """The thread pools of the BLAS libraries loaded in this process, as dicts with `api`,
    `path` and `num_threads`: threadpoolctl's answer when it is installed, else the libraries'
    own functions."""
    try:
        import threadpoolctl
    except ImportError:
        pass
    else:
        return [
            {
                "api": p.get("internal_api"),
                "path": p.get("filepath"),
                "num_threads": p.get("num_threads"),
            }
            for p in threadpoolctl.threadpool_info()
            if p.get("user_api") == "blas"
        ]
    pools = []
    for api, path, library in _blas_libraries():
        function = _function(library, _GETTERS[api])
        if function is not None:
            pools.append({"api": api, "path": path, "num_threads": function()})
    return pools


def set_blas_threads(count: int) -> str:
    """Sets the thread count of every loaded BLAS library; returns how it was done.

    threadpoolctl when installed, else the libraries' own setters. Where neither reaches a
    library (no known BLAS found), the environment variables are set instead: they only act on
    a BLAS library loaded after this call (a new process started from here), and a warning
    says so."""
    try:
        import threadpoolctl
    except ImportError:
        pass
    else:
        threadpoolctl.threadpool_limits(count, user_api="blas")
        return "threadpoolctl"
    done = []
    for api, _path, library in _blas_libraries():
        function = _function(library, _SETTERS[api])
        if function is not None:
            function(count)
            done.append(api)
    if done:
        return "library call (" + ", ".join(sorted(set(done))) + ")"
    for var in THREAD_VARS:
        os.environ[var] = str(count)
    warnings.warn(
        "tf.config.threading: no BLAS library of NumPy could be reached (install "
        "threadpoolctl to reach more of them); set the thread variables "
        f"({', '.join(THREAD_VARS[:3])}) instead, which only act on a process started "
        "from now on. Set them before starting Python to limit this one.",
        RuntimeWarning,
        stacklevel=3,
    )
    return "environment variables"


def set_intra_op_parallelism_threads(num_threads: int) -> None:
    """`tf.config.threading.set_intra_op_parallelism_threads`: the threads one op may use.

    In tapeflow these are the BLAS threads (matrix products and convolutions). 0 keeps the
    current count (TensorFlow's 0 means "let the system choose")."""
    num_threads = _check_count("set_intra_op_parallelism_threads", num_threads)
    if num_threads:
        set_blas_threads(num_threads)
    _settings["intra_op"] = num_threads


def get_intra_op_parallelism_threads() -> int:
    """`tf.config.threading.get_intra_op_parallelism_threads`: the last count set, 0 if none."""
    return _settings["intra_op"]


def set_inter_op_parallelism_threads(num_threads: int) -> None:
    """`tf.config.threading.set_inter_op_parallelism_threads`: kept for TensorFlow programs.

    tapeflow runs one op at a time, so the value is recorded and returned by the getter but
    changes nothing."""
    _settings["inter_op"] = _check_count("set_inter_op_parallelism_threads", num_threads)


def get_inter_op_parallelism_threads() -> int:
    """`tf.config.threading.get_inter_op_parallelism_threads`: the last count set, 0 if none."""
    return _settings["inter_op"]


def warn_if_busy() -> None:
    """Warns once per process when the machine is busy (load average above the usable CPUs)
    while the BLAS runs several threads that nobody chose: those threads then wait for each
    other and training can get several times slower. Cheap after the first call."""
    if _busy_warning["done"]:
        return
    _busy_warning["done"] = True
    load, cpus = load_average(), usable_cpus()
    if load is None or load <= cpus or _threads_chosen():
        return
    counts = [p["num_threads"] for p in blas_threads() if p["num_threads"]]
    if not counts or max(counts) < 2:
        return
    warnings.warn(
        f"the machine is busy (load average {load:.1f} on {cpus} CPUs) and NumPy's BLAS runs "
        f"{max(counts)} threads, which then wait for each other: training can be several "
        "times slower. Use fewer threads: tf.config.threading."
        "set_intra_op_parallelism_threads(1) before training, or OMP_NUM_THREADS=1 before "
        "starting Python (`tapeflow info` shows the threads).",
        RuntimeWarning,
        stacklevel=_stacklevel_outside_tapeflow(),
    )


def _stacklevel_outside_tapeflow() -> int:
    """The `stacklevel` that makes a warning of `warn_if_busy` point at the first caller
    outside tapeflow (the user's `apply_gradients` or `fit` line)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(2), 2  # level 1 is warn_if_busy, 2 its caller
    # tf.function's generated plans are tapeflow's code too, under a name of their own.
    while frame is not None and frame.f_code.co_filename.startswith((package, "<tf.function")):
        frame, level = frame.f_back, level + 1
    return level


def _threads_chosen() -> bool:
    """Whether the user already set the threads (variables or tf.config.threading)."""
    return bool(_settings["intra_op"]) or any(var in os.environ for var in THREAD_VARS)


def _check_count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"tf.config.threading.{name}: expected an int >= 0, got {value!r}")
    return value


def _blas_libraries():
    """(api, path, ctypes library) for each OpenBLAS, MKL or BLIS library in this process."""
    import ctypes

    for path in _loaded_libraries():
        lower = os.path.basename(path).lower()
        if "openblas" in lower:
            api = "openblas"
        elif "mkl_rt" in lower:
            api = "mkl"
        elif "blis" in lower:
            api = "blis"
        else:
            continue
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        yield api, path, library


def _function(library, names):
    """The first of `names` that `library` exports, as a C function of ints."""
    import ctypes

    for name in names:
        function = getattr(library, name, None)
        if function is not None:
            function.restype = ctypes.c_int
            return function
    return None


def _loaded_libraries() -> list[str]:
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:  # not Linux: no way to list them without threadpoolctl
        return []
    paths = []
    for line in maps.splitlines():
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        if ".so" in path and path.startswith("/") and path not in paths:
            paths.append(path)
    return paths

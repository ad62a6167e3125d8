"""The threads behind NumPy's BLAS and the native kernels: how many there are, setting them,
and the default that follows the machine's load.

threadpoolctl (the `tapeflow[fast]` extra) answers and sets the BLAS thread counts when it is
installed; without it the BLAS library NumPy loaded (OpenBLAS, MKL or BLIS, found in
/proc/self/maps) is asked through its own C functions, so `tf.config.threading` also works
with NumPy alone, the core's only dependency. `tf.config.threading` is built on this module.
"""

from __future__ import annotations

import os
import sys
import time
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


def busy_cpu_seconds() -> float | None:
    """CPU seconds spent busy so far (by every process) on the CPUs this process may use,
    from /proc/stat; None where it cannot be read (not Linux).

    Busy is user, nice, system, irq, softirq and steal time (a VM's CPU taken by the host is
    not free either); idle and iowait are free."""
    try:
        with open("/proc/stat", "rb") as f:
            text = f.read().decode("ascii", "replace")
        try:
            mine = {f"cpu{k}" for k in os.sched_getaffinity(0)}
        except AttributeError:
            mine = None
        ticks = 0
        for line in text.splitlines()[1:]:
            if not line.startswith("cpu"):
                break
            name, *fields = line.split()
            if mine is None or name in mine:
                user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
                ticks += user + nice + system + irq + softirq + steal
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
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


def set_blas_threads(count: int, quiet: bool = False) -> str:
    """Sets the thread count of every loaded BLAS library; returns how it was done.

    threadpoolctl when installed, else the libraries' own setters. Where neither reaches a
    library (no known BLAS found), the environment variables are set instead: they only act on
    a BLAS library loaded after this call (a new process started from here), and a warning
    says so; `quiet` (the load-following default) then changes nothing."""
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
    if quiet:
        return "not reached"
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

    In tapeflow these are the BLAS threads (matrix products and convolutions) and Numba's
    threads for native kernels. 0 keeps the current count (TensorFlow's 0 means "let the
    system choose"); any other count is kept as set, also on a busy machine."""
    num_threads = _check_count("set_intra_op_parallelism_threads", num_threads)
    if num_threads:
        set_blas_threads(num_threads)
    _settings["intra_op"] = num_threads
    apply_native_threads()


def get_intra_op_parallelism_threads() -> int:
    """`tf.config.threading.get_intra_op_parallelism_threads`: the last count set, 0 if none."""
    return _settings["intra_op"]


def apply_native_threads() -> None:
    """Gives Numba the intra-op thread count, when one is set and Numba is loaded (the
    native kernels call this when they load, so the order of the two does not matter)."""
    count = _settings["intra_op"]
    numba = sys.modules.get("numba")
    if count and numba is not None:
        numba.set_num_threads(min(count, numba.config.NUMBA_NUM_THREADS))


def set_inter_op_parallelism_threads(num_threads: int) -> None:
    """`tf.config.threading.set_inter_op_parallelism_threads`: kept for TensorFlow programs.

    tapeflow runs one op at a time, so the value is recorded and returned by the getter but
    changes nothing."""
    _settings["inter_op"] = _check_count("set_inter_op_parallelism_threads", num_threads)


def get_inter_op_parallelism_threads() -> int:
    """`tf.config.threading.get_inter_op_parallelism_threads`: the last count set, 0 if none."""
    return _settings["inter_op"]


# ---- the default: follow the load -------------------------------------------------------------

# OpenBLAS threads wait for each other by spinning: on a machine where other processes want
# the CPUs too, two threads on two cores made steps 10-50x slower than one thread (W3: 0.46
# ms a step with one thread, 21 ms with two, load average 7 on 2 cores). So when nobody
# chose the threads, tapeflow uses as many as the other processes leave free, at least one.
CHECK_SECONDS = 2.0
_policy = {"off": False, "next_check": 0.0, "sample": None, "threads": None}


def follow_load() -> None:
    """Sets the BLAS threads to the CPUs that other processes leave free (at least 1), at
    most every `CHECK_SECONDS`; does nothing when the threads were chosen (a thread variable
    in the environment, or tf.config.threading). Called by every optimizer step: between
    checks it costs one clock read.

    The others' load is the CPU time they took on this process's CPUs since the previous
    check (/proc/stat's busy time less this process's own, its spinning BLAS threads
    included), so the threads come back within one check of the others leaving. The
    first check, and systems without /proc/stat, use the one-minute load average less this
    process's own use instead; it lags a minute behind the machine."""
    now = time.monotonic()
    if now < _policy["next_check"] or _policy["off"]:
        return
    _policy["next_check"] = now + CHECK_SECONDS
    if _threads_chosen():
        return
    times = os.times()
    sample = (now, times.user + times.system, busy_cpu_seconds())
    previous, _policy["sample"] = _policy["sample"], sample
    others = _others_load(previous, sample)
    if others is None:
        return
    cpus = usable_cpus()
    target = max(1, min(cpus, int(cpus - others + 0.5)))
    if target == _policy["threads"]:
        return
    pools = blas_threads()
    if not pools:
        return
    if _policy["threads"] is None and all(p["num_threads"] == target for p in pools):
        _policy["threads"] = target
        return
    set_blas_threads(target, quiet=True)
    _policy["threads"] = target


def _others_load(previous, sample) -> float | None:
    """CPUs' worth of work other processes did between two samples (now, own CPU seconds,
    busy CPU seconds); None when nothing tells."""
    elapsed = None if previous is None else sample[0] - previous[0]
    if elapsed is not None and elapsed > 0 and None not in (previous[2], sample[2]):
        busy = (sample[2] - previous[2]) / elapsed
        own = (sample[1] - previous[1]) / elapsed
        return max(0.0, busy - own)
    load = load_average()
    if load is None:
        return None
    # The first check: this process is running, on one CPU at least.
    own = 1.0 if not elapsed or elapsed <= 0 else (sample[1] - previous[1]) / elapsed
    return max(0.0, load - own)


def threads_in_use() -> int | None:
    """The BLAS thread count `follow_load` last chose, None before it chose any."""
    return _policy["threads"]


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

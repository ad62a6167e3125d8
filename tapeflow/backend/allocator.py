"""Keeping freed array memory in the process, so that a training step does not page-fault.

NumPy takes every array from C's malloc. glibc's malloc returns the free top of its heap to
the system once it exceeds a threshold that it adapts at run time (twice the largest chunk it
has freed from mmap), and a training step frees all of its temporaries at once: on the
MNIST CNN (W4) the next step then faulted its ~6 MB of temporaries back in, page by page,
about 1,500 minor page faults a step and 35-60% of its time in the kernel (tf.function
step 10.3 -> 6.1 ms, eager 13.2 -> 8.6 ms with the thresholds below; W3, W5 and W6 neither
faulted nor changed). TensorFlow, PyTorch's GPU side and XLA keep such memory in caching
allocators; tapeflow, whose arrays are NumPy's, tells glibc to keep it instead: arrays below
32 MiB come from the heap (not from fresh mmaps) and up to 128 MiB of free heap stays
mapped. The price is that memory: after a peak, up to 128 MiB more stays resident.

Applied once at import, on glibc only, unless the user chose malloc settings themselves
(any MALLOC_*_ variable or a glibc.malloc tunable) or set TAPEFLOW_MALLOC_TUNING=0.
"""

from __future__ import annotations

import os

MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's upper bound on 64-bit systems
TRIM_THRESHOLD = 128 * 1024 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
_USER_SETTINGS = (
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
)
# What tune() did: None (not tried), or a sentence for `tapeflow info`.
status = None


def tune(environ=None, libc=None) -> str:
    """Sets glibc's mmap and trim thresholds (see the module docstring) and returns what it
    did, in words. `environ` and `libc` are for tests."""
    global status
    environ = os.environ if environ is None else environ
    status = _tune(environ, libc)
    return status


def _tune(environ, libc) -> str:
    if environ.get("TAPEFLOW_MALLOC_TUNING", "1").strip() in ("0", "false", "off"):
        return "left as it is (TAPEFLOW_MALLOC_TUNING=0)"
    chosen = [name for name in _USER_SETTINGS if name in environ]
    if "glibc.malloc" in environ.get("GLIBC_TUNABLES", ""):
        chosen.append("GLIBC_TUNABLES")
    if chosen:
        return f"left as it is ({', '.join(chosen)} set)"
    if libc is None:
        if os.name != "posix":
            return "left as it is (not glibc)"
        import ctypes

        try:
            libc = ctypes.CDLL(None)
        except OSError:
            return "left as it is (no C library found)"
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return "left as it is (not glibc)"
    if not (libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and
            libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)):  # fmt: skip
        return "left as it is (glibc refused the thresholds)"
    return (
        f"glibc malloc keeps freed memory (mmap threshold {MMAP_THRESHOLD >> 20} MiB, "
        f"trim threshold {TRIM_THRESHOLD >> 20} MiB; TAPEFLOW_MALLOC_TUNING=0 turns it off)"
    )

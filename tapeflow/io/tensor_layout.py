"""The layout constants of tapeflow's tensor file (`safe_format` describes the layout) and
`TensorEntry`, one array as a header declares it; shared by the writer and the reader."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import numpy as np

MAGIC = b"TFLWTNSR"
FORMAT_NAME = "tapeflow.tensors"
FORMAT_VERSION = 1
# The header lists every tensor (about 100 bytes each): 16 MiB is over 100,000 tensors.
MAX_HEADER_BYTES = 16 << 20
MAX_RANK = 32
PREAMBLE = struct.Struct("<8sIIQ")  # magic, version, reserved, header length
TRAILER_TAG = b"SHA256\0\0"
TRAILER_SIZE = len(TRAILER_TAG) + 32
ALIGN = 64
CHUNK = 1 << 20
ALLOWED_KINDS = "biufc"
STRING = "string"
DTYPE_RE = re.compile(r"^[<|][biufc][0-9]{1,2}$")


def aligned(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


@dataclass(frozen=True)
class TensorEntry:
    """One array as a file's header declares it (checked against the file's size)."""

    name: str
    dtype: np.dtype | str  # a NumPy dtype, or "string" for length-prefixed bytes
    shape: tuple
    offset: int  # from the start of the payload
    nbytes: int

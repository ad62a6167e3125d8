"""Hostile files for every file type tapeflow reads: the shared parts, and the memory check.

A `Case` writes its file(s) into an empty directory (`make`), then reads them the way a user
would (`load`), which must raise `error` matching `match`. The cases live in
`hostile_keras.py` (.keras archives and their configs), `hostile_tensors.py` (weights files
and tf.train checkpoints) and `hostile_data.py` (tf.data caches, Keras datasets).
`test_hostile_files.py` checks each error in-process, then runs every load again in a child
process (`measure`, run as `python hostile_common.py ROOT`) whose peak resident memory may
grow by no more than `RSS_BOUND_BYTES`: a file must not make tapeflow allocate what it
declares, only what the model or the data really need.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import pathlib
import resource
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass

import tapeflow as tf

RSS_BOUND_BYTES = 64 << 20
MiB = 1 << 20
MARKER = "hostile-marker"  # a command a case would run, creating this file, if it could
CASE_MODULES = (
    "hostile_keras",
    "hostile_tensors",
    "hostile_h5",
    "hostile_saved_model",
    "hostile_data",
)


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable
    load: Callable
    error: type | tuple
    match: str


def small_model():
    """Input (3,) -> Dense(2): the model whose files the cases start from."""
    keras = tf.keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.build((None, 3))
    return model


def saved_keras(directory):
    small_model().save(directory / "m.keras")


def legacy_weights_bytes(model) -> bytes:
    """`model`'s weights in tapeflow's own tensor format, as tapeflow wrote `.weights.h5`
    files and `.keras` weights before it wrote HDF5 (still read: old files exist)."""
    import io

    from tapeflow.io.safe_format import EncodedTensors
    from tapeflow.keras.saving import weights as weights_lib

    buffer = io.BytesIO()
    EncodedTensors(*weights_lib.model_tensors(model, include_optimizer=True)).write(buffer)
    return buffer.getvalue()


def load_keras(directory):
    return tf.keras.models.load_model(directory / "m.keras")


# ---- building files ------------------------------------------------------------------------


def tensor_file_bytes(header: dict, payload: bytes) -> bytes:
    """A tensor file around an arbitrary header, with a valid checksum."""
    head = json.dumps(header).encode()
    body = struct.pack("<8sIIQ", b"TFLWTNSR", 1, 0, len(head)) + head
    body += bytes(-len(body) % 64) + payload
    return body + b"SHA256\0\0" + hashlib.sha256(body).digest()


def write_big_tensor_file(f, header_tensors: dict, metadata: dict, payload_nbytes: int):
    """Writes to `f` a well-formed tensor file whose payload is `payload_nbytes` zero bytes,
    written and hashed in chunks (the file is large, the writer is not)."""
    head = json.dumps(
        {
            "format": "tapeflow.tensors",
            "version": 1,
            "metadata": metadata,
            "payload_nbytes": payload_nbytes,
            "tensors": header_tensors,
        }
    ).encode()
    start = struct.pack("<8sIIQ", b"TFLWTNSR", 1, 0, len(head)) + head
    start += bytes(-len(start) % 64)
    digest = hashlib.sha256(start)
    chunk = bytes(4 * MiB)
    f.write(start)
    left = payload_nbytes
    while left:
        piece = chunk[: min(left, len(chunk))]
        f.write(piece)
        digest.update(piece)
        left -= len(piece)
    f.write(b"SHA256\0\0" + digest.digest())


def write_bytes(name, data: bytes):
    def make(directory):
        (directory / name).write_bytes(data)

    return make


def truncated(make_whole, name, keep=0.5):
    def make(directory):
        make_whole(directory)
        path = directory / name
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])

    return make


def patch_central_entry(path, member: str, **fields):
    """Rewrites fields of a member's central directory entry (and the matching local header
    fields): flag_bits, compress_type, compress_size, file_size."""
    data = bytearray(pathlib.Path(path).read_bytes())
    name = member.encode()
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"PK\x05\x06"))
    while central >= 0:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_len]) == name:
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    local = struct.unpack_from("<L", data, central + 42)[0]
    layout = {  # field: (central offset, local offset, format)
        "flag_bits": (8, 6, "<H"),
        "compress_type": (10, 8, "<H"),
        "compress_size": (20, 18, "<L"),
        "file_size": (24, 22, "<L"),
    }
    for field, value in fields.items():
        at_central, at_local, fmt = layout[field]
        struct.pack_into(fmt, data, central + at_central, value)
        struct.pack_into(fmt, data, local + at_local, value)
    pathlib.Path(path).write_bytes(bytes(data))


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)


# ---- all cases, and the memory check run in a child process ---------------------------------


def load_module(name: str):
    """A sibling module, by path (tests are imported with --import-mode=importlib)."""
    if name in sys.modules:
        return sys.modules[name]
    path = pathlib.Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before running it: dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def all_cases() -> list:
    sys.modules.setdefault("hostile_common", sys.modules[__name__])
    return [case for name in CASE_MODULES for case in load_module(name).CASES]


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # kilobytes on Linux


def measure(root: str) -> dict:
    """Loads every case's files from `root/<index>`; returns the growth of the peak RSS over
    the baseline after each case (cumulative: the peak never goes down)."""
    import logging
    import warnings

    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    cases = all_cases()
    # Warm up: the modules a load imports are imported before the baseline is taken.
    scratch = pathlib.Path(root) / "warmup"
    scratch.mkdir(exist_ok=True)
    saved_keras(scratch)
    load_keras(scratch)
    load_module("hostile_data").read_cache(scratch)
    baseline = _peak_rss_bytes()
    growth = {}
    for index, case in enumerate(cases):
        try:
            case.load(pathlib.Path(root) / str(index))
        except Exception:  # noqa: BLE001 - the in-process test checks which error
            pass
        growth[case.name] = _peak_rss_bytes() - baseline
    return growth


if __name__ == "__main__":
    sys.modules["hostile_common"] = sys.modules["__main__"]
    print(json.dumps(measure(sys.argv[1])))
    os._exit(0)

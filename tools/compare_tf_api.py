"""Compares TensorFlow's public names with tapeflow's and writes `docs/tf_api_status.tsv`.

    python tools/compare_tf_api.py --reference /path/to/python-with-tensorflow
    python tools/compare_tf_api.py            # re-check tapeflow against the names on file

With `--reference`, that Python (TensorFlow 2.21 with Keras 3) lists every public name of
`tf` by walking `dir(tf)` and its API submodules (`tf.keras` included; `tf.compat.v1`/`v2`
are listed, not walked: v1 is TF1's graph API, v2 is `tf` again). Without it, the TF names
already in the file are reused, so the status column can be refreshed with tapeflow alone.

Each name gets tapeflow's status: `supported` (it resolves in `import tapeflow as tf`),
`absent` (deliberately: the reason is the first rule of ABSENT that matches it) or `missing`
(not there, and no reason to leave it out: a gap). `tools/gen_api_docs.py` reads the file for
docs/api.md's "Not supported" and "Not yet in tapeflow" sections and fails when a status on
file no longer matches the code, so the list cannot drift from the library.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
STATUS_FILE = ROOT / "docs" / "tf_api_status.tsv"

# (name or name prefix, reason); the first match wins, a prefix matches itself and its children.
_ONE_REPLICA = (
    "one replica per process: MultiWorkerMirroredStrategy under mpiexec is the multi-worker path"
)
ABSENT = [
    (
        "tf.raw_ops",
        "TF's generated bindings to its C++ kernels; tapeflow's ops are the public functions",
    ),
    ("tf.compat.v1", "TF1 graph mode and sessions: tapeflow is eager with tf.function"),
    ("tf.compat.v2", "`tf` itself under another name"),
    ("tf.Graph", "graph-mode API: tf.function traces to tapeflow's own IR, not a tf.Graph"),
    ("tf.Operation", "graph-mode API: tf.function traces to tapeflow's own IR, not a tf.Graph"),
    ("tf.graph_util", "graph-mode API: tf.function traces to tapeflow's own IR, not a tf.Graph"),
    ("tf.distribute.TPUStrategy", "no TPU backend"),
    ("tf.distribute.experimental.TPUStrategy", "no TPU backend"),
    ("tf.distribute.cluster_resolver.TPUClusterResolver", "no TPU backend"),
    ("tf.tpu", "no TPU backend"),
    ("tf.keras.distribution", "Keras' JAX-only distribution API (DeviceMesh, layouts)"),
    ("tf.distribute.experimental.ParameterServerStrategy", _ONE_REPLICA),
    ("tf.distribute.experimental.coordinator", _ONE_REPLICA),
    ("tf.distribute.experimental.partitioners", "parameter-server sharding"),
    ("tf.distribute.experimental.rpc", "TF's gRPC service between processes"),
    ("tf.experimental.dtensor", "DTensor meshes and layouts (TF's multi-device runtime)"),
    ("tf.lite", "TF Lite is a separate converter and runtime"),
    (
        "tf.saved_model",
        "TF's protobuf SavedModel format; tapeflow writes its own (`saved_model.tapeflow`)",
    ),
    ("tf.estimator", "Estimators (removed from TF 2.16 on)"),
    ("tf.feature_column", "deprecated in TF; Keras preprocessing layers replace it"),
    ("tf.queue", "TF1 input queues (graph mode); tf.data replaces them"),
    ("tf.mlir", "TF's MLIR compiler internals"),
    ("tf.xla", "XLA compiler internals (jit_compile=True is accepted and runs tapeflow's plan)"),
    ("tf.experimental.tensorrt", "NVIDIA TensorRT conversion of TF graphs"),
    ("tf.sysconfig", "flags for building C++ extensions against TF's headers and libraries"),
    ("tf.load_library", "loads C++ op libraries built against TF"),
    ("tf.load_op_library", "loads C++ op libraries built against TF"),
    ("tf.experimental.register_filesystem_plugin", "loads C++ filesystem plugins built for TF"),
    ("tf.profiler", "TF's profiler service; `tapeflow.profiler` has its own trace"),
    ("tf.keras.export", "exports TF's protobuf SavedModel"),
    ("tf.keras.quantizers", "int8/float8 quantization kernels"),
    ("tf.quantization", "fake-quantization ops for TF Lite and TPU"),
    ("tf.experimental.float8", "dtypes NumPy does not have"),
    ("tf.experimental.float4", "dtypes NumPy does not have"),
    ("tf.experimental.int4", "dtypes NumPy does not have"),
    ("tf.experimental.int2", "dtypes NumPy does not have"),
    ("tf.experimental.uint4", "dtypes NumPy does not have"),
    ("tf.experimental.uint2", "dtypes NumPy does not have"),
    ("tf.dtypes.float8", "dtypes NumPy does not have"),
    ("tf.dtypes.experimental", "dtypes NumPy does not have"),
]

# Runs under the reference Python: one JSON object {name: kind} on stdout.
_LIST_TF = r"""
import json, sys, types
import tensorflow as tf
NO_WALK = {"tf.compat.v1", "tf.compat.v2"}
API = ("tensorflow._api.v2", "tensorflow.experimental", "keras._tf_keras.keras", "keras.")
out, seen = {}, set()
def kind(v):
    if isinstance(v, types.ModuleType): return "module"
    if isinstance(v, type): return "class"
    return "function" if callable(v) else "constant"
def walk(module, path):
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        try:
            value = getattr(module, name)
        except Exception:
            continue
        full, k = f"{path}.{name}", kind(value)
        if k == "module":
            mod = getattr(value, "__name__", "")
            # dir(tf) also shows implementation packages that imports left there (tf.tools)
            if not mod.startswith(API) or mod.startswith("keras.src"):
                continue
        out[full] = k
        if k == "module" and full not in NO_WALK and id(value) not in seen:
            seen.add(id(value))
            walk(value, full)
walk(tf, "tf")
json.dump({"version": tf.__version__, "names": out}, sys.stdout)
"""


def list_tf(reference: str) -> tuple[str, dict]:
    done = subprocess.run(
        [reference, "-c", _LIST_TF], capture_output=True, text=True, check=True, cwd="/"
    )
    listing = json.loads(done.stdout)
    return listing["version"], listing["names"]


def read_status(path=STATUS_FILE) -> tuple[str, list]:
    """(TF version, [(name, kind, status, reason)]) from the file."""
    lines = path.read_text().splitlines()
    version = lines[0].split("TensorFlow ", 1)[1].split()[0]
    rows = [tuple(line.split("\t")) for line in lines[2:] if line]
    return version, rows


def resolve(name: str):
    """tapeflow's object for the TF name `name` ("tf.keras.layers.Dense"), or raise."""
    import importlib

    obj = importlib.import_module("tapeflow")
    for part in name.split(".")[1:]:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise LookupError(name) from None
    return obj


def status_of(name: str) -> tuple[str, str]:
    try:
        resolve(name)
        return "supported", ""
    except Exception:  # a lazy name whose import fails counts as absent too
        pass
    for prefix, reason in ABSENT:
        if name == prefix or name.startswith(prefix):
            return "absent", reason
    return "missing", ""


def compare(names: dict) -> list:
    return [(name, kind, *status_of(name)) for name, kind in sorted(names.items())]


def write(version: str, rows: list, path=STATUS_FILE):
    head = [
        f"# TensorFlow {version} public names and tapeflow's status; written by "
        "tools/compare_tf_api.py, read by tools/gen_api_docs.py",
        "name\tkind\tstatus\treason",
    ]
    path.write_text("\n".join(head + ["\t".join(r) for r in rows]) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", help="a Python with TensorFlow, to list its names again")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.reference:
        version, names = list_tf(args.reference)
    else:
        version, rows = read_status()
        names = {r[0]: r[1] for r in rows}
    rows = compare(names)
    write(version, rows)
    counts = {s: sum(r[2] == s for r in rows) for s in ("supported", "absent", "missing")}
    print(f"wrote {STATUS_FILE.relative_to(ROOT)}: {len(rows)} TF {version} names, {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

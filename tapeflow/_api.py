"""Builds the public namespaces (`tf.*`, `tf.math`, `tf.nn`, ...) from the op modules.

Each family module under `tapeflow/ops/` declares `API = {"namespace": [names]}` ("tf"
is the top level). Collecting them here keeps the public surface in one generated place:
`docs/api.md` is written from the same tables, so it cannot go stale.
"""

from __future__ import annotations

import importlib
import sys
import types

FAMILIES = (
    "math", "math_unary", "math_inverse", "clip", "logic",
    "reduce", "scan", "sorting", "searching", "segment", "counting",
    "array", "array_join", "indexing", "indexing_nd",
    "linalg", "linalg_solve", "linalg_structure", "linalg_decomp",
    "linalg_lu", "linalg_functions",
    "nn", "nn_losses", "nn_layers",
    "conv", "pooling",
    "random", "random_distributions", "random_generator", "debug",
    "strings", "string_regex", "string_convert", "string_split", "ragged", "csv_ops", "file_io",
    "sparse", "tensor_array", "control",
    "image", "image_resample", "image_convert", "image_color", "image_geometry",
    "image_random", "image_patches", "image_metrics", "image_decode", "image_transform",
    "collective", "parsing", "bitwise", "math_integer", "math_complex", "array_reorder",
    "partition", "functional", "gradient_rules",
    "init_ops",
)  # fmt: skip


def _core_table() -> dict:
    """The namespaces filled from the engine rather than from op families."""
    from .backend import devices, threads
    from .core import device, dtypes, nest
    from .core.forward import ForwardAccumulator
    from .core.tape import GradientTape
    from .debugging import numerics
    from .func import recompute_grad, vectorized_map
    from .function import (
        autograph,
        functions_run_eagerly,
        jit_config,
        py_func,
        queries,
        run_functions_eagerly,
        scopes,
    )
    from .function import signature as function_signature
    from .testing.compute_gradient import compute_gradient

    # Every DType the engine defines, with TF's aliases (half, double) and helpers.
    dtype_table = {d.name: d for d in dtypes._ALL}
    dtype_table.update(half=dtypes.half, double=dtypes.double, DType=dtypes.DType,
                       as_dtype=dtypes.as_dtype, bfloat16=dtypes.bfloat16)  # fmt: skip
    nest_names = [
        "flatten",
        "pack_sequence_as",
        "map_structure",
        "is_nested",
        "assert_same_structure",
    ]
    from . import __version__

    return {
        "version": {"VERSION": TF_VERSION, "GIT_VERSION": f"v{TF_VERSION}-tapeflow-{__version__}",
                    "COMPILER_VERSION": "", "TAPEFLOW_VERSION": __version__},
        "dtypes": dtype_table,
        "nest": {n: getattr(nest, n) for n in nest_names},
        "autodiff": {"ForwardAccumulator": ForwardAccumulator, "GradientTape": GradientTape},
        "compat": {n: Lazy("tapeflow.core.compat", n) for n in COMPAT_NAMES},
        "io": {n: Lazy("tapeflow.data.tfrecord", n) for n in TFRECORD_NAMES},
        "test": {"compute_gradient": compute_gradient,
                 **{n: Lazy("tapeflow.testing.test_case", n) for n in TEST_NAMES}},
        "debugging": {
            "enable_check_numerics": numerics.enable_check_numerics,
            "disable_check_numerics": numerics.disable_check_numerics,
        },
        "config": {
            "run_functions_eagerly": run_functions_eagerly,
            "functions_run_eagerly": functions_run_eagerly,
            **{n: getattr(devices, n) for n in DEVICE_NAMES},
            **{n: getattr(device, n) for n in PLACEMENT_NAMES},
        },
        "config.experimental": {
            **{n: getattr(devices, n) for n in DEVICE_NAMES + EXPERIMENTAL_DEVICE_NAMES},
            "enable_op_determinism": device.enable_op_determinism,
        },
        "config.threading": {n: getattr(threads, n) for n in threads.CONFIG_THREADING},
        "config.optimizer": {n: getattr(jit_config, n) for n in jit_config.OPTIMIZER_CONFIG},
        "autograph": {n: getattr(autograph, n) for n in ("to_code", "to_graph", "set_verbosity")},
        "autograph.experimental": {"do_not_convert": autograph.do_not_convert},
        "types.experimental": {
            "TraceType": function_signature.TraceType,
            "SupportsTracingProtocol": function_signature.SupportsTracingProtocol,
        },
        "tf": {"device": device.device, "py_function": py_func.py_function,
               "recompute_grad": recompute_grad, "vectorized_map": vectorized_map,
               "numpy_function": py_func.numpy_function,
               "control_dependencies": scopes.control_dependencies,
               **{n: getattr(queries, n) for n in QUERY_NAMES}},
    }  # fmt: skip


# The TensorFlow release whose API and behaviour tapeflow follows (`tf.version.VERSION`);
# `tf.__version__` stays tapeflow's own version, as Python packages report theirs.
TF_VERSION = "2.21.0"

# tf.config / tf.config.experimental names served by backend/devices.py and core/device.py.
DEVICE_NAMES = ["list_physical_devices", "list_logical_devices", "get_visible_devices",
                "set_visible_devices", "PhysicalDevice", "LogicalDevice"]  # fmt: skip
EXPERIMENTAL_DEVICE_NAMES = ["set_memory_growth", "get_memory_growth", "get_device_details"]
PLACEMENT_NAMES = ["get_soft_device_placement", "set_soft_device_placement"]
# tf.io's TFRecord classes (data/tfrecord.py), loaded on first use.
TFRECORD_NAMES = ["TFRecordWriter", "TFRecordOptions"]
# tf.compat's helpers (core/compat.py), loaded on first use.
COMPAT_NAMES = ["as_bytes", "as_text", "as_str", "as_str_any", "path_to_str", "dimension_value",
                "dimension_at_index", "bytes_or_text_types", "complex_types", "integral_types",
                "real_types"]  # fmt: skip
QUERY_NAMES = ["executing_eagerly", "inside_function", "get_static_value",
               "get_current_name_scope", "get_logger", "gradients", "hessians"]  # fmt: skip
TEST_NAMES = ["TestCase", "main", "is_gpu_available", "gpu_device_name", "is_built_with_cuda",
              "is_built_with_gpu_support", "is_built_with_rocm", "is_built_with_xla"]  # fmt: skip


class Lazy:
    """A public name whose module is imported on first use (`tf.test.TestCase` needs
    unittest, which `import tapeflow` should not pay for)."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module = module
        self.name = name

    def resolve(self):
        return getattr(importlib.import_module(self.module), self.name)


def collect() -> dict:
    """namespace -> {public name: object}, from the engine and every op family's API table."""
    table = _core_table()
    for family in FAMILIES:
        module = importlib.import_module(f"tapeflow.ops.{family}")
        for namespace, names in getattr(module, "API", {}).items():
            bucket = table.setdefault(namespace, {})
            for name in names:
                if name in bucket and bucket[name] is not getattr(module, name):
                    raise ImportError(
                        f"tapeflow: {namespace}.{name} is exported twice "
                        f"(again by tapeflow.ops.{family})"
                    )
                bucket[name] = getattr(module, name)
    return table


def namespace(package: str, name: str) -> types.ModuleType:
    """The module object `package.name`, created and registered if it does not exist."""
    full = f"{package}.{name}"
    module = sys.modules.get(full)
    if module is None:
        module = types.ModuleType(full, f"tapeflow's `tf.{name}` namespace.")
        sys.modules[full] = module
    return module


# Engine functions re-exported by tapeflow/__init__.py that name themselves in errors too.
_CORE_PUBLIC = ("constant", "convert_to_tensor")


def install(package_globals: dict):
    """Puts every exported op into `tf.*` and its sub-namespaces.

    Functions are exported wrapped so that their errors name the op the user called
    (`tf.fill: ...`); registered Ops name themselves and learn their public name.
    """
    package = package_globals["__name__"]
    table = collect()
    exported = {}  # id(function) -> its wrapper, shared by every namespace exporting it
    paths = {}  # id(function) -> every public path of it, tf.* first
    for ns in sorted(table, key=lambda n: n != "tf"):
        for k, v in table[ns].items():
            paths.setdefault(id(v), []).append(f"tf.{k}" if ns == "tf" else f"tf.{ns}.{k}")
    for members in table.values():
        for k, v in members.items():
            members[k] = _public(v, _error_name(paths[id(v)]), exported)
    for ns, members in table.items():
        if ns == "tf":
            package_globals.update(members)
        else:
            module = _namespace_module(package_globals, package, ns)
            lazy = {k: v for k, v in members.items() if isinstance(v, Lazy)}
            for k, v in members.items():
                if k not in lazy:
                    setattr(module, k, v)
            if lazy:
                _install_lazy(module, lazy)
    for name in _CORE_PUBLIC:
        package_globals[name] = _public(package_globals[name], f"tf.{name}", exported)


def _error_name(paths: list) -> str:
    """The name errors give a function exported under `paths`: the longest leaf ("tf.add",
    not "tf.math.add"; "tf.sparse.sparse_dense_matmul" covers tf.sparse.matmul), plus the
    aliases it does not cover ("tf.nn.swish (tf.nn.silu)")."""
    primary = max(paths, key=lambda p: len(p.rsplit(".", 1)[-1]))
    covered = primary.rsplit(".", 1)[-1].replace("_", "")
    extra = [p for p in paths if p.rsplit(".", 1)[-1].replace("_", "") not in covered]
    return f"{primary} ({', '.join(dict.fromkeys(extra))})" if extra else primary


def _public(obj, public_name: str, exported: dict):
    from .core.error_context import public_class, public_function
    from .core.registry import Op

    if isinstance(obj, Op):
        if obj.public_name is None:
            obj.public_name = public_name
        return obj
    if isinstance(obj, type) and obj.__module__.startswith("tapeflow."):
        return public_class(obj, public_name)  # constructor errors name the class too
    if not isinstance(obj, types.FunctionType):
        return obj  # modules and lazy names
    if id(obj) not in exported:
        exported[id(obj)] = public_function(obj, public_name)
    return exported[id(obj)]


def _install_lazy(module: types.ModuleType, lazy: dict):
    """Module-level __getattr__ (PEP 562) resolving `lazy`'s names on first access; a
    package's own __getattr__ (tapeflow.io's) still answers the names it knows."""
    own = module.__dict__.get("__getattr__")

    def __getattr__(attr):
        item = lazy.get(attr)
        if item is None:
            if own is not None:
                return own(attr)
            raise AttributeError(f"module {module.__name__!r} has no attribute {attr!r}")
        value = item.resolve()
        setattr(module, attr, value)
        return value

    def __dir__():
        return sorted(set(module.__dict__) | set(lazy))

    module.__getattr__ = __getattr__
    module.__dir__ = __dir__


def _namespace_module(package_globals: dict, package: str, ns: str) -> types.ModuleType:
    """The module for namespace `ns` ("math", or dotted: "config.threading"), made if absent."""
    head, *rest = ns.split(".")
    module = package_globals.get(head)
    if not isinstance(module, types.ModuleType):
        module = namespace(package, head)
        package_globals[head] = module
    for part in rest:
        child = getattr(module, part, None)
        if not isinstance(child, types.ModuleType):
            child = namespace(module.__name__, part)
            setattr(module, part, child)
        module = child
    return module

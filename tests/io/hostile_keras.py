"""Hostile `.keras` archives: the zip container (names, flags, sizes, bombs) and the config
(import and call attempts, non-numeric arrays, nesting, shapes too large to build)."""

from __future__ import annotations

import json
import pathlib
import struct
import warnings
import zipfile
from collections.abc import Callable

from hostile_common import (
    MARKER,
    Case,
    MiB,
    legacy_weights_bytes,
    load_keras,
    patch_central_entry,
    saved_keras,
    small_model,
    truncated,
    write_big_tensor_file,
    write_bytes,
)

from tapeflow.core.errors import DataLossError


def load_keras_weights(directory):
    return small_model().load_weights(directory / "m.keras")


def _saved(directory: pathlib.Path):
    """(config dict, weights member bytes in tapeflow's own format) of `small_model()`: the
    archives tapeflow wrote before it wrote HDF5, which it still reads."""
    source = directory / "source.keras"
    model = small_model()
    model.save(source)
    with zipfile.ZipFile(source) as z:
        config = json.loads(z.read("config.json"))
    source.unlink()
    return config, legacy_weights_bytes(model)


def write_keras(path, config, weights: bytes, *, config_bytes=None, extra=(), compress=None):
    """A .keras zip: config, metadata and weights (stored), plus `extra` (name, bytes)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", "{}", zipfile.ZIP_DEFLATED)
        data = config_bytes if config_bytes is not None else json.dumps(config).encode()
        z.writestr("config.json", data, compress or zipfile.ZIP_DEFLATED)
        z.writestr("model.weights", weights, zipfile.ZIP_STORED)
        for name, payload in extra:
            z.writestr(name, payload)


def keras_with_config(mutate: Callable[[dict], None]):
    def make(directory):
        config, weights = _saved(directory)
        mutate(config)
        write_keras(directory / "m.keras", config, weights)

    return make


def _lambda_layer(function, arguments=None, name="evil"):
    return {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {"name": name, "function": function, "arguments": arguments or {}},
        "registered_name": None,
    }


def with_layer(layer: dict):
    return keras_with_config(lambda config: config["config"]["layers"].insert(1, layer))


def _function(module, name):
    return {"module": module, "class_name": "function", "config": name, "registered_name": None}


def keras_then_patch(member, **fields):
    def make(directory):
        config, weights = _saved(directory)
        write_keras(directory / "m.keras", config, weights)
        patch_central_entry(directory / "m.keras", member, **fields)

    return make


def keras_with_end_record(count: int, cd_size: int | None = None):
    def make(directory):
        config, weights = _saved(directory)
        path = directory / "m.keras"
        write_keras(path, config, weights)
        data = bytearray(path.read_bytes())
        end = data.rfind(b"PK\x05\x06")
        struct.pack_into("<HH", data, end + 8, count, count)
        if cd_size is not None:
            struct.pack_into("<L", data, end + 12, cd_size)
        path.write_bytes(bytes(data))

    return make


def keras_config_bomb(directory):
    """config.json: 64 MiB of spaces after the real config, deflated to about 64 KiB."""
    config, weights = _saved(directory)
    path = directory / "m.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", "{}")
        info = zipfile.ZipInfo("config.json")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as f:
            f.write(json.dumps(config).encode())
            spaces = b" " * MiB
            for _ in range(64):
                f.write(spaces)
        z.writestr("model.weights", weights, zipfile.ZIP_STORED)


def keras_weights_bomb(directory):
    """model.weights: a valid header announcing 96 MiB of zeros, deflated to 96 KiB."""
    config, _ = _saved(directory)
    nbytes = 96 * MiB
    tensors = {
        "layers/dense/vars/0": {
            "dtype": "<f4",
            "shape": [nbytes // 4],
            "offset": 0,
            "nbytes": nbytes,
        }
    }
    with zipfile.ZipFile(directory / "m.keras", "w", compresslevel=1) as z:
        z.writestr("metadata.json", "{}")
        z.writestr("config.json", json.dumps(config))
        info = zipfile.ZipInfo("model.weights")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            write_big_tensor_file(f, tensors, {"format": "tapeflow.keras.weights"}, nbytes)


def keras_weights_too_big_for_model(directory):
    """Stored (real) weights of 96 MiB under the model's own key: the shape differs, so the
    array is never read into memory."""
    config, _ = _saved(directory)
    nbytes = 96 * MiB
    tensors = {
        "layers/dense/vars/0": {
            "dtype": "<f4",
            "shape": [3, nbytes // 12],
            "offset": 0,
            "nbytes": nbytes,
        },
        "layers/dense/vars/1": {"dtype": "<f4", "shape": [2], "offset": nbytes, "nbytes": 8},
    }
    with zipfile.ZipFile(directory / "m.keras", "w") as z:
        z.writestr("metadata.json", "{}")
        z.writestr("config.json", json.dumps(config))
        info = zipfile.ZipInfo("model.weights")
        info.compress_type = zipfile.ZIP_STORED
        with z.open(info, "w", force_zip64=True) as f:
            write_big_tensor_file(f, tensors, {"format": "tapeflow.keras.weights"}, nbytes + 64)


def keras_nested_config(directory):
    _, weights = _saved(directory)
    deep = b'{"class_name": "Sequential", "config": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    write_keras(directory / "m.keras", None, weights, config_bytes=deep)


def _with_extra(directory, name):
    config, weights = _saved(directory)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        write_keras(directory / "m.keras", config, weights, extra=[(name, b"print('pwned')")])


def _lzma_config(directory):
    config, weights = _saved(directory)
    write_keras(directory / "m.keras", config, weights, compress=zipfile.ZIP_LZMA)


CASES = [
    Case(
        "keras path traversal",
        lambda d: _with_extra(d, "../evil.py"),
        load_keras,
        DataLossError,
        r"unsafe member name '\.\./evil\.py'",
    ),
    Case(
        "keras absolute member",
        lambda d: _with_extra(d, "/tmp/evil"),
        load_keras,
        DataLossError,
        "unsafe member name '/tmp/evil'",
    ),
    Case(
        "keras unexpected member",
        lambda d: _with_extra(d, "assets/x"),
        load_keras,
        DataLossError,
        "unexpected member 'assets/x'",
    ),
    Case(
        "keras duplicate member",
        lambda d: _with_extra(d, "config.json"),
        load_keras,
        DataLossError,
        "config.json' appears 2 times",
    ),
    Case(
        "keras encrypted member",
        keras_then_patch("config.json", flag_bits=1),
        load_keras,
        DataLossError,
        "config.json is encrypted",
    ),
    Case(
        "keras unknown compression",
        keras_then_patch("config.json", compress_type=99),
        load_keras,
        DataLossError,
        "compression method 99",
    ),
    Case(
        "keras lzma compression",
        lambda d: _lzma_config(d),
        load_keras,
        DataLossError,
        "compression method 14",
    ),
    Case(
        "keras config zip bomb",
        keras_config_bomb,
        load_keras,
        DataLossError,
        "config.json declares 67",
    ),
    Case(
        "keras weights zip bomb",
        keras_weights_bomb,
        load_keras,
        DataLossError,
        "model.weights is compressed",
    ),
    Case(
        "keras stored size lie",
        keras_then_patch("model.weights", file_size=1 << 31),
        load_keras,
        DataLossError,
        "stored uncompressed, yet declares",
    ),
    Case(
        "keras member past the end",
        keras_then_patch("model.weights", file_size=1 << 31, compress_size=1 << 31),
        load_keras,
        DataLossError,
        "model.weights lies past the end",
    ),
    Case(
        "keras end record count lie",
        keras_with_end_record(60000),
        load_keras,
        DataLossError,
        "declares 60000 members",
    ),
    Case(
        "keras central directory lie",
        keras_with_end_record(3, 1 << 30),
        load_keras,
        DataLossError,
        "central directory",
    ),
    Case(
        "keras truncated", truncated(saved_keras, "m.keras"), load_keras, DataLossError, "m.keras"
    ),
    Case(
        "keras truncated weights",
        truncated(saved_keras, "m.keras", keep=0.9),
        load_keras_weights,
        DataLossError,
        "m.keras",
    ),
    Case(
        "keras is a pickle",
        write_bytes("m.keras", b"\x80\x04\x95cos\nsystem\n"),
        load_keras,
        (DataLossError, ValueError),
        "m.keras",
    ),
    Case(
        "keras weights too big for the model",
        keras_weights_too_big_for_model,
        load_keras,
        ValueError,
        r"has shape \(3, 2\) in the model, but \(3, 8388608\)",
    ),
    Case(
        "config nested 200000 deep",
        keras_nested_config,
        load_keras,
        DataLossError,
        "nested more than 100 levels",
    ),
    Case(
        "config numpy string dtype",
        keras_with_config(
            lambda c: c.update(
                compile_config={
                    "optimizer": "sgd",
                    "loss": "mse",
                    "loss_weights": {
                        "class_name": "__numpy__",
                        "config": {"value": ["a"] * 8, "dtype": "U67108864"},
                    },
                }
            )
        ),
        load_keras,
        ValueError,
        "dtype 'U67108864' is not allowed",
    ),
    Case(
        "config tensor object dtype",
        keras_with_config(
            lambda c: c.update(
                compile_config={
                    "optimizer": "sgd",
                    "loss": "mse",
                    "loss_weights": {
                        "class_name": "__tensor__",
                        "config": {"value": [1], "dtype": "object"},
                    },
                }
            )
        ),
        load_keras,
        ValueError,
        "dtype 'object' is not allowed",
    ),
    Case(
        "config Lambda calls tapeflow.cli.main",
        with_layer(_lambda_layer(_function("tapeflow.cli", "main"), {"argv": ["info"]})),
        load_keras,
        TypeError,
        "Could not locate function 'main'",
    ),
    Case(
        "config Lambda calls os.system",
        with_layer(_lambda_layer(_function("os", "system"), {"command": f"touch {MARKER}"})),
        load_keras,
        TypeError,
        "Could not locate function 'system'",
    ),
    Case(
        "config Lambda calls builtins.eval",
        with_layer(_lambda_layer(_function("builtins", "eval"))),
        load_keras,
        TypeError,
        "Could not locate function 'eval'",
    ),
    Case(
        "config Lambda calls keras load_model",
        with_layer(_lambda_layer(_function("keras.models", "load_model"))),
        load_keras,
        ValueError,
        "not a modeling function",
    ),
    Case(
        "config Lambda enables unsafe mode",
        with_layer(_lambda_layer(_function("keras.config", "enable_unsafe_deserialization"))),
        load_keras,
        ValueError,
        "not a modeling function",
    ),
    Case(
        "config Lambda bytecode in safe mode",
        with_layer(
            _lambda_layer(
                {
                    "class_name": "__lambda__",
                    "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None},
                }
            )
        ),
        load_keras,
        ValueError,
        "Lambda 'evil': Requested the deserialization of a `Lambda` layer",
    ),
    Case(
        "config class subprocess.Popen",
        with_layer(
            {
                "module": "subprocess",
                "class_name": "Popen",
                "config": {"args": ["touch", MARKER]},
                "registered_name": "Popen",
            }
        ),
        load_keras,
        TypeError,
        "Could not locate class 'Popen'",
    ),
    Case(
        "config registered name os>system",
        with_layer(
            {"module": "os", "class_name": "system", "config": {}, "registered_name": "os>system"}
        ),
        load_keras,
        TypeError,
        "Could not locate class 'system'",
    ),
    Case(
        "config class from tapeflow.cli",
        with_layer(
            {"module": "tapeflow.cli", "class_name": "main", "config": {}, "registered_name": None}
        ),
        load_keras,
        TypeError,
        "Could not locate class 'main'",
    ),
    Case(
        "config dunder class",
        with_layer({"module": "keras.layers", "class_name": "__class__", "config": {}}),
        load_keras,
        TypeError,
        "Could not locate class '__class__'",
    ),
    Case(
        "config huge Dense",
        keras_with_config(lambda c: c["config"]["layers"][1]["config"].update(units=1 << 40)),
        load_keras,
        DataLossError,
        r"layer 'dense(_\d+)?' \(Dense\) would create a weight of shape \(3, 1099511627776\)",
    ),
    Case(
        "config huge input shape",
        keras_with_config(
            lambda c: (
                c["config"]["layers"][0]["config"].update(batch_shape=[None, 1 << 20, 1 << 20]),
                c["config"]["layers"].insert(
                    1,
                    {
                        "module": "keras.layers",
                        "class_name": "Flatten",
                        "config": {"name": "f"},
                        "registered_name": None,
                    },
                ),
            )
        ),
        load_keras,
        DataLossError,
        "would be run on an input of shape",
    ),
    Case(
        "config NaN shape",
        keras_with_config(
            lambda c: c["config"]["layers"][0]["config"].update(batch_shape=[None, float("nan")])
        ),
        load_keras,
        (ValueError, TypeError),
        "NaN",
    ),
]

"""Writes keras_signatures.json: the public names and call signatures of Keras 3.15's
`keras.ops` (and its numpy/nn/linalg/image namespaces), `keras.random`, `keras.config` and
`keras.backend` / `tf.keras.backend`.

Run with the reference environment: `/work/tfref/bin/python tests/golden/make_keras_signatures.py`.
tests/keras/test_ops_api.py checks tapeflow.keras has each name with the same parameters,
or lists it as deliberately absent.
"""

import inspect
import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_signatures.json")


def parameters(fn):
    try:
        return [
            [p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
            for p in inspect.signature(fn).parameters.values()
        ]
    except (TypeError, ValueError):
        return None


def main():
    namespaces = {
        "ops": keras.ops,
        "ops.numpy": keras.ops.numpy,
        "ops.nn": keras.ops.nn,
        "ops.linalg": keras.ops.linalg,
        "ops.image": keras.ops.image,
        "random": keras.random,
        "config": keras.config,
        "backend": keras.backend,
        "tf.keras.backend": tf.keras.backend,
    }
    out = {}
    for ns, module in namespaces.items():
        out[ns] = {
            name: parameters(getattr(module, name))
            for name in dir(module)
            if not name.startswith("_")
            and callable(getattr(module, name))
            and not inspect.ismodule(getattr(module, name))
        }
    out["versions"] = {"keras": keras.version(), "tensorflow": tf.version.VERSION}
    OUT.write_text(json.dumps(out, indent=0, sort_keys=True) + "\n")
    print(f"wrote {sum(len(v) for v in out.values())} names to {OUT}")


if __name__ == "__main__":
    main()

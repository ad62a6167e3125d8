"""Runs an example with real TensorFlow instead of tapeflow, for comparing the two.

    /path/to/tf-venv/bin/python examples/compare/run_with_tensorflow.py heart_failure --seed 42

It runs the files of tapeflow/examples/ (what `tapeflow run` runs), each loaded with its one
line `import tapeflow as tf` replaced by `import tensorflow as tf`; nothing else changes. Two
things come from tapeflow in both runs, so that both frameworks see the same arrays: the
heart-failure split (NumPy-only code) and, for the MNIST examples, the IDX loader behind
`tf.keras.datasets.mnist.load_data` (Keras' own loader only reads its npz cache, which would
download it).
"""

import os
import pathlib
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "tapeflow" / "examples"
IMPORT_LINE = "import tapeflow as tf"


def load_with_tensorflow(name: str) -> types.ModuleType:
    """The example module `name` (e.g. "heart_failure") with TensorFlow as `tf`."""
    path = EXAMPLES / f"{name.replace('-', '_')}.py"
    source = path.read_text()
    lines = source.splitlines()
    if lines.count(IMPORT_LINE) != 1:
        raise SystemExit(f"{path}: expected exactly one line {IMPORT_LINE!r}")
    source = "\n".join("import tensorflow as tf" if ln == IMPORT_LINE else ln for ln in lines)
    module = types.ModuleType(f"tf_{path.stem}")
    module.__file__ = str(path)
    code = compile(source, str(path), "exec")
    exec(code, module.__dict__)
    return module


def _use_tapeflow_mnist_loader(tf):
    from tapeflow.keras.datasets import mnist as tapeflow_mnist

    def load_data(path="mnist.npz"):
        return tapeflow_mnist.load_data(path)

    tf.keras.datasets.mnist.load_data = load_data


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        raise SystemExit(__doc__)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(ROOT))  # tapeflow's data helpers, from this checkout
    module = load_with_tensorflow(argv[0])
    _use_tapeflow_mnist_loader(module.tf)
    print(f"{argv[0]} with TensorFlow {module.tf.__version__}")
    return module.main(argv[1:])


if __name__ == "__main__":
    main()

"""jit_compile's switches without the compiler: `import tapeflow` loads neither Numba nor the
lowering modules (function/native/), which load when a trace is first lowered."""

import subprocess
import sys

import tapeflow as tf


def test_import_tapeflow_loads_no_compiler():
    code = (
        "import sys, tapeflow as tf\n"
        "tf.config.optimizer.get_jit()\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('numba', 'llvmlite')\n"
        "          or m.startswith('tapeflow.function.native')]\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_set_jit_answers_as_tensorflow():
    assert tf.config.optimizer.get_jit() == ""
    try:
        tf.config.optimizer.set_jit("autoclustering")
        assert tf.config.optimizer.get_jit() == "autoclustering"
    finally:
        tf.config.optimizer.set_jit(False)
    assert tf.config.optimizer.get_jit() == ""

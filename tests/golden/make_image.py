"""Writes image.json: TensorFlow's results for the tf.image cases of image_cases.py and
image_color_cases.py (resize by every method, geometry, patches, colour, conversions,
measures; gradients and error types).

Run with the reference environment, from the repository root:
    /work/tfref/bin/python tests/golden/make_image.py
Each case stores its encoded outputs (dtype, shape, values to 8 significant digits) or the
type of the error it raised; the inputs are formulas in the cases modules, so the tests need
no TensorFlow.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import image_cases as cases  # noqa: E402

OUT = pathlib.Path(__file__).with_name("image.json")


def main():
    golden = {"versions": {"tensorflow": tf.__version__}, "cases": {}}
    for name, (fn, _) in sorted(cases.CASES.items()):
        golden["cases"][name] = cases.run(tf, fn)
    OUT.write_text(json.dumps(golden, sort_keys=True, separators=(",", ":")) + "\n")
    errors = sum("error" in c for c in golden["cases"].values())
    print(f"wrote {OUT}: {len(golden['cases'])} cases, {errors} of them errors")


if __name__ == "__main__":
    main()

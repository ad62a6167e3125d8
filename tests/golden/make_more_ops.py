"""Writes more_ops.json: TensorFlow's results for the cases of more_ops_cases.py (segment
reductions, bincount, unique, searchsorted, histograms, in_top_k, cumulative_logsumexp,
tensor_scatter_nd_min/max, and tf.linalg's decompositions, lu, expm, lstsq, cross, ...).

Run with the reference environment, from the repository root:
    /work/tfref/bin/python tests/golden/make_more_ops.py
Each case stores its encoded outputs (dtype, shape, values) or the type of the error it raised;
the inputs are formulas in the cases module, so the tests need no TensorFlow.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import more_ops_cases as cases  # noqa: E402

OUT = pathlib.Path(__file__).with_name("more_ops.json")


def main():
    golden = {"versions": {"tensorflow": tf.__version__}, "cases": {}}
    for name, (fn, _) in cases.CASES.items():
        golden["cases"][name] = cases.run(tf, fn)
    OUT.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    errors = sum("error" in c for c in golden["cases"].values())
    print(f"wrote {OUT}: {len(golden['cases'])} cases, {errors} of them errors")


if __name__ == "__main__":
    main()

"""Writes common_names.json: TensorFlow 2.21's results for the cases of common_names_cases.py.

Run with the reference environment: `/work/tfref/bin/python tests/golden/make_common_names.py`.
Each case's result (or the type name of the error it raised) is stored as surface_cases.encode
writes it; tests/test_common_names_golden.py runs the same cases under tapeflow and compares.
"""

import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import common_names_cases  # noqa: E402
import surface_cases  # noqa: E402

OUT = pathlib.Path(__file__).with_name("common_names.json")


def main():
    surface_cases.write_golden(tf, common_names_cases.cases, OUT)


if __name__ == "__main__":
    main()

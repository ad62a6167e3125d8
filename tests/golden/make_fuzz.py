"""Writes fuzz.json: for each bad-input case of fuzz_cases.py, whether TensorFlow raises, the
error's type and the op TensorFlow names ("[Op:Sum]"), for tests/test_fuzz.py.

Run with the reference environment: `/work/tfref/bin/python tests/golden/make_fuzz.py`
(`--messages FILE` also writes each error message, for reading, not for the test).
"""

import argparse
import json
import os
import pathlib
import re
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import fuzz_cases  # noqa: E402

OUT = pathlib.Path(__file__).with_name("fuzz.json")
_OP_NAME = re.compile(r"\[Op:(\w+)\]")


def run(fn):
    """["ok"] or [error type, TF's op name or ""], and the message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(tf)
        except Exception as e:  # noqa: BLE001 - the error is the result
            message = str(e)
            found = _OP_NAME.search(message)
            return [type(e).__name__, found.group(1) if found else ""], message
    return ["ok"], ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", help="also write every error message to this file")
    args = parser.parse_args()
    tf.keras.utils.set_random_seed(0)
    results, messages = {}, {}
    for case_id, fn in fuzz_cases.all_cases().items():
        if case_id in fuzz_cases.TF_CRASHES:
            results[case_id], messages[case_id] = ["crash", ""], "aborts TensorFlow's process"
            continue
        results[case_id], messages[case_id] = run(fn)
    versions = {"tensorflow": tf.__version__, "keras": tf.keras.__version__}
    # One case a line: the file diffs line by line when cases are added.
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(results.items())]
    OUT.write_text(
        f'{{"versions": {json.dumps(versions)},\n "cases": {{\n' + ",\n".join(lines) + "\n}}\n"
    )
    if args.messages:
        pathlib.Path(args.messages).write_text(json.dumps(messages, indent=1, sort_keys=True))
    raised = sum(r[0] != "ok" for r in results.values())
    print(f"wrote {OUT}: {len(results)} cases, TensorFlow raised in {raised}")


if __name__ == "__main__":
    main()

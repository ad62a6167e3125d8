"""Runs TensorFlow's and Keras' guides cell by cell under tapeflow (and TensorFlow) and counts.

    python tools/run_guides.py GUIDE_DIR [--python PY] [--reference PY] [--only a,b] [--json F]

GUIDE_DIR holds guides as TensorFlow's notebooks (`*.ipynb`, tensorflow/docs
`site/en/guide/`) or keras-io's percent-free scripts (`*.py`, where triple-quoted strings
at the top level are the prose). Each guide's code cells run in order in one namespace in a
fresh process of `--python` (default: this interpreter), with the imports changed as a user
would change them: `import tensorflow as tf` becomes `import tapeflow as tf`, and `keras`
is served by `tapeflow.keras` (`tapeflow.keras.install_as_keras()`). Shell (`!pip ...`)
and IPython magic lines are dropped. With
`--reference` (a Python with TensorFlow installed) every guide also runs unchanged there, so
the table says how many of the cells that run under TensorFlow also run under tapeflow
(cells that need the network fail under both and are not counted against tapeflow), and
`--outputs` lists the cells that ran under both but printed something else (memory
addresses masked; random numbers and timings differ legitimately).

Nothing here is imported by tapeflow; the guides themselves are not part of this repository
(get them from a clone of tensorflow/docs and keras-io).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

# Runs inside the child process: reads the cells from a JSON file, runs each, prints one JSON
# line per cell. Kept as source text so the child needs nothing but the library under test.
_DRIVER = r"""
import json, signal, sys, traceback, io, contextlib, os
os.environ.setdefault("MPLBACKEND", "Agg")
cells = json.load(open(sys.argv[1]))
timeout = float(sys.argv[2])
serve_keras = sys.argv[3] == "tapeflow"
if serve_keras:
    import tapeflow.keras  # `import keras` gives tapeflow.keras, as install_as_keras documents
    tapeflow.keras.install_as_keras()

class _Timeout(Exception):
    pass

def _alarm(signum, frame):
    raise _Timeout(f"cell ran longer than {timeout:.0f} s")

signal.signal(signal.SIGALRM, _alarm)
namespace = {"__name__": "__main__"}
# Each cell runs from a file of its own, as a notebook's cells have source that `inspect`
# finds: TF's AutoGraph converts a tf.function from its source and fails without it.
cell_dir = os.path.abspath("_cells")
os.makedirs(cell_dir, exist_ok=True)
for index, source in enumerate(cells):
    out = io.StringIO()
    cell_file = os.path.join(cell_dir, f"cell_{index:03d}.py")
    with open(cell_file, "w") as f:
        f.write(source)
    signal.alarm(int(timeout))
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, cell_file, "exec"), namespace)
        status, error = "ok", ""
    except BaseException as e:  # a cell may raise anything, SystemExit included
        status = "error"
        frames = traceback.extract_tb(e.__traceback__)
        where = next((f"cell line {f.lineno}" for f in reversed(frames)
                      if f.filename.startswith(cell_dir)), "")
        error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]
        error += f" ({where})" if where else ""
    finally:
        signal.alarm(0)
    print(json.dumps({"cell": index, "status": status, "error": error,
                      "output": out.getvalue()[:4000]}), flush=True)
"""

_SHELL_OR_MAGIC = re.compile(r"^\s*[!%]")


def extract_cells(path: pathlib.Path) -> list[str]:
    """The code cells of a guide, in order, as source text."""
    if path.suffix == ".ipynb":
        notebook = json.loads(path.read_text())
        cells = ["".join(c["source"]) for c in notebook["cells"] if c.get("cell_type") == "code"]
    else:
        cells = _keras_io_cells(path.read_text())
    kept = []
    for source in cells:
        lines = [line for line in source.splitlines() if not _SHELL_OR_MAGIC.match(line)]
        code = "\n".join(lines).strip()
        # The licence header cell of TF's notebooks is only comments.
        if code and not all(line.lstrip().startswith("#") or not line.strip() for line in lines):
            kept.append(code)
    return kept


def _keras_io_cells(text: str) -> list[str]:
    """keras-io guides: top-level string statements are prose and separate the code cells."""
    tree = ast.parse(text)
    lines = text.splitlines()
    cells, current = [], []
    for node in tree.body:
        is_prose = (
            isinstance(node, ast.Expr)
            and isinstance(getattr(node, "value", None), ast.Constant)
            and isinstance(node.value.value, str)
        )
        if is_prose:
            if current:
                cells.append("\n".join(current))
                current = []
            continue
        start = node.lineno - 1
        if getattr(node, "decorator_list", None):
            start = min(d.lineno for d in node.decorator_list) - 1
        current.extend(lines[start : node.end_lineno])
    if current:
        cells.append("\n".join(current))
    return cells


def for_tapeflow(source: str) -> str:
    """The one change a user makes: TensorFlow's import becomes tapeflow's."""
    source = re.sub(r"^(\s*)import tensorflow as tf\b", r"\1import tapeflow as tf", source,
                    flags=re.M)  # fmt: skip
    source = re.sub(r"^(\s*)from tensorflow import keras\b", r"\1from tapeflow import keras",
                    source, flags=re.M)  # fmt: skip
    return source


def run_guide(path, python, library, timeout) -> list[dict]:
    cells = extract_cells(path)
    if library == "tapeflow":
        cells = [for_tapeflow(c) for c in cells]
    with tempfile.TemporaryDirectory(prefix="guide-") as work:
        cells_file = pathlib.Path(work, "cells.json")
        cells_file.write_text(json.dumps(cells))
        driver = pathlib.Path(work, "driver.py")
        driver.write_text(_DRIVER)
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
        done = subprocess.run(
            [python, str(driver), str(cells_file), str(timeout), library],
            cwd=work, env=env, capture_output=True, text=True,
            timeout=timeout * max(len(cells), 1) + 60,
        )  # fmt: skip
    results = []
    for line in done.stdout.splitlines():
        if line.startswith('{"cell"'):
            results.append(json.loads(line))
    # A crash (segfault, os._exit) ends the run early: the remaining cells did not run.
    for index in range(len(results), len(cells)):
        results.append({"cell": index, "status": "not run", "error": "process ended early"})
    return results


def _normalized(text: str) -> list[str]:
    """A cell's printed lines with what differs between any two runs (addresses) masked."""
    return [re.sub(r"0x[0-9a-f]+", "0x?", line.rstrip()) for line in text.splitlines()]


def _first_difference(want: list[str], got: list[str]) -> str:
    """TF's and tapeflow's first differing line, indented for the report."""
    for i in range(max(len(want), len(got))):
        a = want[i] if i < len(want) else "<nothing>"
        b = got[i] if i < len(got) else "<nothing>"
        if a != b:
            return f"      TF:       {a[:150]}\n      tapeflow: {b[:150]}"
    return ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("guide_dir", type=pathlib.Path)
    parser.add_argument("--python", default=sys.executable, help="Python with tapeflow")
    parser.add_argument("--reference", help="Python with TensorFlow, to run the guides as is")
    parser.add_argument("--only", help="comma-separated guide names (file stems)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per cell")
    parser.add_argument("--json", type=pathlib.Path, help="write every cell's result here")
    parser.add_argument("--errors", action="store_true", help="list each failing cell")
    parser.add_argument(
        "--outputs",
        action="store_true",
        help="with --reference: list the cells that ran under both but printed differently",
    )
    args = parser.parse_args(argv)

    paths = sorted(p for p in args.guide_dir.iterdir() if p.suffix in (".ipynb", ".py"))
    if args.only:
        wanted = set(args.only.split(","))
        paths = [p for p in paths if p.stem in wanted]
    report = {}
    header = "| guide | cells | tapeflow ok |" + (" TF ok | both ok |" if args.reference else "")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    total = {"cells": 0, "tapeflow": 0, "tf": 0, "both": 0}
    for path in paths:
        ours = run_guide(path, args.python, "tapeflow", args.timeout)
        theirs = (
            run_guide(path, args.reference, "tensorflow", args.timeout) if args.reference else None
        )
        ok = [r["status"] == "ok" for r in ours]
        row = f"| {path.stem} | {len(ours)} | {sum(ok)} |"
        total["cells"] += len(ours)
        total["tapeflow"] += sum(ok)
        if theirs is not None:
            ref_ok = [r["status"] == "ok" for r in theirs]
            both = sum(a and b for a, b in zip(ok, ref_ok))
            row += f" {sum(ref_ok)} | {both} |"
            total["tf"] += sum(ref_ok)
            total["both"] += both
        print(row, flush=True)
        if args.errors:
            for r, ref in zip(ours, theirs or [None] * len(ours)):
                if r["status"] != "ok":
                    tf_note = "" if ref is None else f" [TF: {ref['status']}]"
                    print(f"    cell {r['cell']}: {r['error']}{tf_note}")
        if args.outputs and theirs is not None:
            for r, ref in zip(ours, theirs):
                if r["status"] == ref["status"] == "ok":
                    mine, want = _normalized(r["output"]), _normalized(ref["output"])
                    if mine != want:
                        print(f"    cell {r['cell']} prints differently:")
                        print(_first_difference(want, mine))
        report[path.stem] = {"tapeflow": ours, "tensorflow": theirs}
    row = f"| all | {total['cells']} | {total['tapeflow']} |"
    if args.reference:
        row += f" {total['tf']} | {total['both']} |"
    print(row)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""tools/run_guides.py: the cells it extracts and how `--outputs` compares printed text."""

import importlib.util
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("run_guides", ROOT / "tools" / "run_guides.py")
run_guides = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_guides)


def test_outputs_compare_with_addresses_masked():
    tf_text = "<Model object at 0x7f5678848350>\nloss 0.5  \n"
    ours = "<Model object at 0x7f3da1234>\nloss 0.5\n"
    assert run_guides._normalized(tf_text) == run_guides._normalized(ours)
    want = run_guides._normalized("a\nb\n")
    got = run_guides._normalized("a\nc\nd\n")
    assert run_guides._first_difference(want, got) == "      TF:       b\n      tapeflow: c"
    assert "<nothing>" in run_guides._first_difference(want, run_guides._normalized("a\n"))


def test_cells_drop_shell_lines_and_licence_headers(tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "code", "source": ["# Licensed under the Apache License\n", "# x\n"]},
            {"cell_type": "markdown", "source": ["prose"]},
            {
                "cell_type": "code",
                "source": ["!pip install tensorflow\n", "import tensorflow as tf"],
            },
        ]
    }
    path = tmp_path / "guide.ipynb"
    path.write_text(json.dumps(notebook))
    cells = run_guides.extract_cells(path)
    assert cells == ["import tensorflow as tf"]
    assert run_guides.for_tapeflow(cells[0]) == "import tapeflow as tf"

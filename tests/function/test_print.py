"""tf.print: TensorFlow's text (golden.json from make_golden.py), and printing per call."""

import json
import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.function import function
from tapeflow.function import print as tf_print
from tapeflow.function.print_op import summarize_array

GOLDEN = json.loads(pathlib.Path(__file__).with_name("golden.json").read_text())["print"]


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_print_matches_tensorflow(case, tmp_path):
    path = tmp_path / "out.txt"
    ns = {"tf": tf, "np": np, "tf_print": tf_print}
    eval(f"tf_print({case}, output_stream='file://{path}')", ns)  # noqa: S307
    assert path.read_text() == GOLDEN[case]


def test_print_goes_to_stderr_by_default(capsys):
    tf_print(tf.constant([1, 2]))
    captured = capsys.readouterr()
    assert captured.err == "[1 2]\n" and captured.out == ""
    tf_print("x", tf.constant(2.5), output_stream=sys.stdout)
    assert capsys.readouterr().out == "x 2.5\n"


def test_print_rejects_unknown_streams():
    with pytest.raises(ValueError, match="Unsupported output stream"):
        tf_print(tf.constant(1), output_stream=object())


def test_print_runs_on_every_call_python_print_only_while_tracing(capsys):
    @function
    def f(x):
        print("python", file=sys.stderr)
        tf_print("tf", x)
        return x + 1

    for v in ([1, 2], [3, 4], [5, 6]):
        f(tf.constant(v))
    err = capsys.readouterr().err
    assert err == "python\ntf [1 2]\ntf [3 4]\ntf [5 6]\n"
    assert f.experimental_get_tracing_count() == 1


def test_print_keeps_its_place_among_effects(capsys):
    v = tf.Variable(0)

    @function
    def f():
        tf_print("before", v)
        v.assign_add(1)
        tf_print("after", v)

    f()
    f()
    assert capsys.readouterr().err == "before 0\nafter 1\nbefore 1\nafter 2\n"


def test_summary_of_large_float_tensor():
    a = np.arange(20, dtype=np.float32).reshape(4, 5) / 4
    assert summarize_array(a, 1) == "[[0 ... 1]\n ...\n [3.75 ... 4.75]]"

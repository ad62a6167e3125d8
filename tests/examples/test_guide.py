"""docs/guide.md's code blocks run, in order, as one program."""

import os
import pathlib
import re
import tempfile

import pytest

GUIDE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "guide.md"


def code_blocks():
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)


def test_the_guide_has_code():
    blocks = code_blocks()
    assert len(blocks) >= 8 and blocks[0].strip() == "import tapeflow as tf"


def test_guide_code_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the checkpoint section's mkdtemp
    namespace = {"__name__": "guide"}
    for number, block in enumerate(code_blocks()):
        try:
            exec(compile(block, f"{GUIDE.name} block {number}", "exec"), namespace)
        except Exception as e:  # pragma: no cover - the message says which block
            pytest.fail(f"docs/guide.md code block {number} failed: {type(e).__name__}: {e}")
    assert "epoch 10: loss " in capsys.readouterr().out
    assert os.listdir(namespace["checkpoint_dir"])

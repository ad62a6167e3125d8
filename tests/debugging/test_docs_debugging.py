"""docs/debugging.md's code blocks run, in order, as one file (`train.py`), and print what
the chapter shows."""

import pathlib
import re
import subprocess
import sys

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "debugging.md"


def test_the_chapter_runs_and_prints_what_it_shows(tmp_path):
    text = DOC.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 8
    script = tmp_path / "train.py"
    script.write_text("\n".join(blocks))
    out = subprocess.run(
        [sys.executable, "-W", "default", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    printed = _unwrapped(out.stdout + out.stderr)
    for block in re.findall(r"```text\n(.*?)```", text, flags=re.S):
        for chunk in re.split(r"^\s*\.\.\.\s*$", block, flags=re.M):  # "...": lines left out
            assert _unwrapped(chunk) in printed, chunk


def _unwrapped(text):
    return " ".join(text.split())

"""A plain (non-editable) install works from any directory: the wheel is built from this
checkout, installed into a fresh virtual environment that sees NumPy and nothing else, and
`tapeflow run` and `python -m tapeflow.examples...` run there from an empty directory.

Offline-safe: the wheel is built without build isolation when setuptools can (the `dev` extra
installs one that can), installed with `--no-index`, and NumPy is the one already installed.
"""

import os
import pathlib
import shutil
import subprocess
import sys
from importlib import metadata

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
TIMEOUT_S = 300


def _version(distribution: str) -> tuple:
    try:
        text = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ()
    return tuple(int(part) for part in text.split(".")[:2] if part.isdigit())


def _builds_without_isolation() -> bool:
    # setuptools 70.1 writes wheels itself; older ones need the `wheel` package.
    setuptools = _version("setuptools")
    return setuptools >= (70, 1) or (setuptools >= (64,) and bool(_version("wheel")))


def _run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, **kwargs)


def _clean_env() -> dict:
    """The environment minus what would make the venv find this checkout or its settings."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("TAPEFLOW_")
    }


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """bin/ of a new virtual environment holding the built wheel and a link to NumPy."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(
        REPO / "tapeflow", source / "tapeflow", ignore=shutil.ignore_patterns("__pycache__")
    )
    wheels = root / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels)]
    isolated = not _builds_without_isolation()
    done = _run(build + ([] if isolated else ["--no-build-isolation"]) + [str(source)])
    if done.returncode != 0 and isolated:
        pytest.skip(
            "building the wheel needs setuptools>=70.1 (or setuptools and wheel) here, or the "
            f"package index for an isolated build, which failed:\n{done.stderr[-2000:]}"
        )
    assert done.returncode == 0, done.stderr
    (wheel,) = wheels.glob("tapeflow-*.whl")

    env_dir = root / "venv"
    done = _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    assert done.returncode == 0, done.stderr
    python = env_dir / "bin" / "python"
    install = ["--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)]
    done = _run([sys.executable, "-m", "pip", *install])
    assert done.returncode == 0, done.stderr

    # NumPy as installed here, and nothing else of this environment: tapeflow's only
    # dependency, linked in through a .pth file rather than downloaded again.
    import numpy

    numpy_only = root / "numpy_only"
    numpy_only.mkdir()
    site_packages = pathlib.Path(numpy.__file__).resolve().parents[1]
    for entry in site_packages.iterdir():
        if entry.name == "numpy" or entry.name.startswith(("numpy.", "numpy-")):
            (numpy_only / entry.name).symlink_to(entry)
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    (pathlib.Path(purelib) / "numpy_only.pth").write_text(f"{numpy_only}\n")
    return env_dir / "bin"


@pytest.fixture
def elsewhere(tmp_path):
    """An empty working directory, outside the checkout."""
    directory = tmp_path / "elsewhere"
    directory.mkdir()
    return directory


def test_installed_package_is_the_wheel_and_sees_only_numpy(venv, elsewhere):
    code = (
        "import importlib.util, tapeflow, tapeflow.examples;"
        "print(tapeflow.__file__);"
        "print(importlib.util.find_spec('matplotlib') is None, importlib.util.find_spec('pytest')"
        " is None)"
    )
    done = _run([str(venv / "python"), "-c", code], cwd=elsewhere, env=_clean_env())
    assert done.returncode == 0, done.stderr
    path, isolated = done.stdout.splitlines()
    assert path.startswith(str(venv.parent)) and "site-packages" in path
    assert isolated == "True True"


def test_tapeflow_run_works_after_a_plain_install(venv, elsewhere):
    command = [str(venv / "tapeflow"), "run", "heart-failure", "--epochs", "2"]
    done = _run(command, cwd=elsewhere, env=_clean_env())
    assert done.returncode == 0, done.stderr
    assert "tapeflow 0.1.0: heart-failure (" in done.stdout
    assert "Summary of heart-failure:" in done.stdout and "  plot       none" in done.stdout
    assert not list(elsewhere.iterdir())  # nothing written where it ran


def test_every_example_of_tapeflow_run_is_installed(venv, elsewhere):
    code = (
        "from tapeflow.cli import EXAMPLES, load_example\n"
        "for name in EXAMPLES:\n"
        "    print(name, load_example(name).__file__)\n"
    )
    done = _run([str(venv / "python"), "-c", code], cwd=elsewhere, env=_clean_env())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 6 and all(str(venv.parent) in line for line in lines)
    help_text = _run([str(venv / "tapeflow"), "run", "--help"], env=_clean_env()).stdout
    assert "site-packages/tapeflow/examples" in help_text


def test_an_installed_example_runs_as_a_module(venv, elsewhere):
    command = [str(venv / "python"), "-m", "tapeflow.examples.linear_regression", "--epochs", "2"]
    done = _run(command, cwd=elsewhere, env=_clean_env())
    assert done.returncode == 0, done.stderr
    assert "Epoch  1:" in done.stdout and "Final: W = " in done.stdout
    assert not list(elsewhere.iterdir())

"""`python -m tapeflow.keras SCRIPT [ARGS...]`: runs a Keras 3 program with `import keras`
served by `tapeflow.keras` (the script's own file is not changed)."""

from __future__ import annotations

import runpy
import sys


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    from ._alias import install_as_keras

    install_as_keras()
    sys.argv = list(argv)
    runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

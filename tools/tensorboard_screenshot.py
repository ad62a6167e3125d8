"""Makes docs/images/tensorboard.png: TensorBoard showing a tapeflow training run.

    python tools/tensorboard_screenshot.py [--out docs/images/tensorboard.png]

Trains the heart-failure model with `compile`/`fit` and `keras.callbacks.TensorBoard`
(epoch scalars, weight histograms), starts TensorBoard on a free port of 127.0.0.1, and
screenshots its scalars page with headless Chromium (`/usr/bin/chromium`; Debian's
`chromium` package). Needs the `tensorboard` extra. Nothing here is imported by tapeflow.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"TensorBoard did not answer at {url} within {seconds:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs/images/tensorboard.png")
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()

    import tapeflow as tf
    from tapeflow.examples import heart_failure_fit

    logdir = pathlib.Path(tempfile.mkdtemp(prefix="tapeflow-tensorboard-"))
    callback = tf.keras.callbacks.TensorBoard(str(logdir / "heart_failure"), histogram_freq=5)
    heart_failure_fit.run(epochs=args.epochs, verbose=0, callbacks=[callback])

    port = _free_port()
    board = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for(url)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--hide-scrollbars", "--window-size=1400,1000", "--virtual-time-budget=20000",
             f"--screenshot={args.out}", url + "#timeseries"],
            check=True,
            timeout=120,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        board.terminate()
        board.wait(timeout=30)
        shutil.rmtree(logdir, ignore_errors=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

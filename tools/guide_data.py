"""Local stand-ins for the files TensorFlow's tf.data guide downloads (no network here).

    python tools/guide_data.py HOME     # then: HOME=HOME python tools/run_guides.py ...

Writes `HOME/.keras/datasets/` as `keras.utils.get_file` leaves it after a download, for
both tapeflow and TensorFlow: `train.csv` (Titanic's columns, 627 made-up passengers),
`cowper.txt`/`derby.txt`/`butler.txt` (numbered made-up lines) and `flower_photos_archive`
(a .tgz of `<class>/*.jpg`, 4 random 48x64 images per class: the classes at the top, where
the guide's `flowers_root/'*/*'` looks for them; the real archive nests them one level down
under `flower_photos/`, which Keras 3's `get_file` keeps, so the guide's image cells fail
under TensorFlow with the real file). The guide's
cells then run on these instead of the real files; their printed values differ from the
guide's, their shapes and dtypes do not. The TFRecord file (`fsns.tfrec`), Fashion-MNIST
and `creditcard.zip` are not made: tapeflow reads no TFRecords, and tapeflow's Fashion-MNIST
loader checks the real files' hashes.
"""

from __future__ import annotations

import io
import pathlib
import sys
import tarfile

import numpy as np

TITANIC_COLUMNS = "survived,sex,age,n_siblings_spouses,parch,fare,class,deck,embark_town,alone"


def titanic(rng) -> str:
    rows = [TITANIC_COLUMNS]
    for _ in range(627):
        alone = rng.random() < 0.6
        rows.append(",".join([
            str(int(rng.random() < 0.38)),
            rng.choice(["male", "female"]),
            f"{rng.integers(1, 80)}.0",
            str(0 if alone else int(rng.integers(0, 4))),
            str(0 if alone else int(rng.integers(0, 3))),
            f"{rng.uniform(5, 260):.4f}",
            rng.choice(["First", "Second", "Third"]),
            rng.choice(["unknown", "A", "B", "C", "D", "E", "F"]),
            rng.choice(["Southampton", "Cherbourg", "Queenstown"]),
            "y" if alone else "n",
        ]))  # fmt: skip
    return "\n".join(rows) + "\n"


def flowers_archive(rng) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in ("daisy", "dandelion", "roses", "sunflowers", "tulips"):
            for i in range(4):
                image = io.BytesIO()
                pixels = rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(image, format="JPEG")
                info = tarfile.TarInfo(f"{name}/{name}_{i}.jpg")
                info.size = image.tell()
                image.seek(0)
                archive.addfile(info, image)
        licence = b"Made-up images standing in for the flower_photos archive.\n"
        info = tarfile.TarInfo("LICENSE.txt")
        info.size = len(licence)
        archive.addfile(info, io.BytesIO(licence))
    return buffer.getvalue()


def main(home: str) -> int:
    rng = np.random.default_rng(0)
    datasets = pathlib.Path(home) / ".keras" / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    (datasets / "train.csv").write_text(titanic(rng))
    for book in ("cowper", "derby", "butler"):
        lines = [f"{book} line {i}: sing, goddess, the wrath of Achilles" for i in range(200)]
        (datasets / f"{book}.txt").write_text("\n".join(lines) + "\n")
    (datasets / "flower_photos_archive").write_bytes(flowers_archive(rng))
    print(f"wrote {datasets}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))

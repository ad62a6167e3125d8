"""Writes tests/golden/initializers.json: Keras 3's fan computations and initializer statistics.

Run with a Python that has TensorFlow 2.x / Keras 3: `python tests/golden/make_initializers.py`.
Random draws differ between frameworks, so what is stored is what must agree: the fans
Keras computes for each shape, and the scale (limit or stddev) each initializer implies.
"""

import json
import pathlib

import keras
import numpy as np
from keras.src.initializers.random_initializers import compute_fans

SHAPES = [(), (7,), (5, 3), (3, 3, 1, 32), (2, 3, 4), (3, 3, 16, 8), (4, 2, 2, 3, 5)]
NAMES = [
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
]

out = {"fans": [], "stats": []}
for shape in SHAPES:
    out["fans"].append({"shape": list(shape), "fans": [int(f) for f in compute_fans(shape)]})
for name in NAMES:
    for shape in [(400, 300), (3, 3, 32, 64)]:
        values = np.asarray(keras.initializers.get(name)(shape))
        out["stats"].append(
            {
                "name": name,
                "shape": list(shape),
                "std": float(values.std()),
                "max_abs": float(np.abs(values).max()),
                "mean": float(values.mean()),
            }
        )
path = pathlib.Path(__file__).with_name("initializers.json")
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}")

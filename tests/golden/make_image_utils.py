"""Writes tests/golden/image_utils.json: Keras 3.15's keras.utils.array_to_img, img_to_array,
save_img and load_img on seeded arrays (tests/keras/test_image_utils.py compares).

Run with the TensorFlow reference venv (Keras 3.15, Pillow):
    python tests/golden/make_image_utils.py
"""

import json
import pathlib
import tempfile

import numpy as np


def inputs():
    rng = np.random.default_rng(0)
    return {
        "rgb": rng.normal(size=(4, 5, 3)).astype("float32"),
        "gray_big": rng.uniform(0, 1000, size=(3, 4, 1)).astype("float32"),
        "rgba_chw": rng.uniform(0, 1, size=(4, 3, 5)).astype("float32"),
        "photo": rng.integers(0, 256, size=(6, 10, 3)).astype("uint8"),
    }


def main():
    import keras

    x = inputs()
    out = {}
    img = keras.utils.array_to_img(x["rgb"])
    out["rgb"] = {"mode": img.mode, "pixels": np.asarray(img).tolist()}
    img = keras.utils.array_to_img(x["gray_big"], scale=False)
    out["gray_big"] = {"mode": img.mode, "pixels": np.asarray(img).tolist()}
    img = keras.utils.array_to_img(x["rgba_chw"], data_format="channels_first")
    out["rgba_chw"] = {"mode": img.mode, "pixels": np.asarray(img).tolist()}
    arr = keras.utils.img_to_array(img, data_format="channels_first")
    out["img_to_array_chw"] = {"dtype": str(arr.dtype), "value": arr.tolist()}
    with tempfile.TemporaryDirectory() as d:
        path = str(pathlib.Path(d) / "photo.png")
        keras.utils.save_img(path, x["photo"], scale=False)
        for name, kwargs in {
            "load": {},
            "load_gray": {"color_mode": "grayscale"},
            "load_resize": {"target_size": (3, 4), "interpolation": "bilinear"},
            "load_aspect": {"target_size": (4, 4), "keep_aspect_ratio": True},
        }.items():
            img = keras.utils.load_img(path, **kwargs)
            out[name] = {"mode": img.mode, "pixels": np.asarray(img).tolist()}
    target = pathlib.Path(__file__).with_name("image_utils.json")
    target.write_text(json.dumps(out) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()

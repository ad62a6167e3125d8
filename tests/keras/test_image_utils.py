"""keras.utils.array_to_img / img_to_array / save_img / load_img against Keras 3.15's answers
(tests/golden/make_image_utils.py writes tests/golden/image_utils.json)."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import tapeflow as tf

pytest.importorskip("PIL")

GOLDEN_DIR = pathlib.Path(__file__).resolve().parents[1] / "golden"
GOLDEN = json.loads((GOLDEN_DIR / "image_utils.json").read_text())
_spec = importlib.util.spec_from_file_location("make", GOLDEN_DIR / "make_image_utils.py")
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)
X = make.inputs()
utils = tf.keras.utils


def check(img, name):
    assert img.mode == GOLDEN[name]["mode"]
    np.testing.assert_array_equal(np.asarray(img), np.array(GOLDEN[name]["pixels"]))


def test_array_to_img_scales_and_picks_modes():
    check(utils.array_to_img(X["rgb"]), "rgb")
    check(utils.array_to_img(X["gray_big"], scale=False), "gray_big")
    check(utils.array_to_img(X["rgba_chw"], data_format="channels_first"), "rgba_chw")


def test_array_to_img_takes_a_tensor():
    check(utils.array_to_img(tf.constant(X["rgb"])), "rgb")


def test_img_to_array_channels_first():
    img = utils.array_to_img(X["rgba_chw"], data_format="channels_first")
    arr = utils.img_to_array(img, data_format="channels_first")
    assert str(arr.dtype) == GOLDEN["img_to_array_chw"]["dtype"]
    np.testing.assert_array_equal(arr, np.array(GOLDEN["img_to_array_chw"]["value"]))


def test_save_then_load(tmp_path):
    path = str(tmp_path / "photo.png")
    utils.save_img(path, X["photo"], scale=False)
    check(utils.load_img(path), "load")
    check(utils.load_img(path, color_mode="grayscale"), "load_gray")
    check(utils.load_img(path, target_size=(3, 4), interpolation="bilinear"), "load_resize")
    check(utils.load_img(path, target_size=(4, 4), keep_aspect_ratio=True), "load_aspect")


def test_bad_inputs_raise_as_keras():
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        utils.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="Unsupported image shape"):
        utils.img_to_array(np.zeros((1, 2, 2, 3)))

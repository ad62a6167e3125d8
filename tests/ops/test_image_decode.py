"""tf.io.decode_* beyond the golden values: the missing-Pillow error, damaged and foreign
data, and the BMP reader that needs no Pillow."""

import builtins
import importlib.util
import struct

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.ops import image_decode

needs_pillow = pytest.mark.skipif(
    importlib.util.find_spec("PIL") is None,
    reason="Pillow is not installed (pip install 'tapeflow[images]')",
)


def _bmp(rgb, top_down=False):
    """An uncompressed 24-bit BMP written by hand (rows padded to 4 bytes)."""
    h, w, _ = rgb.shape
    stride = (24 * w + 31) // 32 * 4
    rows = rgb[:, :, ::-1] if top_down else rgb[::-1, :, ::-1]
    pixels = b"".join(r.tobytes().ljust(stride, b"\0") for r in rows)
    header = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, 24, 0, 0, 0, 0, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) + header + pixels


@pytest.mark.parametrize("top_down", [False, True])
def test_bmp_is_read_without_pillow(monkeypatch, top_down):
    rgb = np.random.default_rng(0).integers(0, 256, (3, 5, 3), dtype=np.uint8)
    monkeypatch.setattr(image_decode, "_pil_image", lambda: pytest.fail("Pillow was used"))
    out = tf.io.decode_bmp(_bmp(rgb, top_down))
    np.testing.assert_array_equal(out.numpy(), rgb)
    np.testing.assert_array_equal(tf.io.decode_image(_bmp(rgb), channels=4).numpy()[..., 3], 255)
    with pytest.raises(tf.errors.InvalidArgumentError, match="truncated"):
        tf.io.decode_bmp(_bmp(rgb)[:-10])


def test_missing_pillow_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    png = image_decode._png_bytes(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ImportError, match=r"pip install 'tapeflow\[images\]'"):
        tf.io.decode_png(png)
    with pytest.raises(ImportError, match="Pillow"):
        tf.keras.utils.image_dataset_from_directory("/nonexistent")


@needs_pillow
def test_decode_errors_name_the_op_and_the_problem():
    png = image_decode._png_bytes(np.arange(24, dtype=np.uint8).reshape(2, 4, 3))
    np.testing.assert_array_equal(
        tf.io.decode_png(png).numpy(), np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    )
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="DecodePng: Unknown image file format"
    ):
        tf.io.decode_png(b"not an image")
    with pytest.raises(tf.errors.InvalidArgumentError, match="BMP format using a wrong op"):
        tf.io.decode_png(_bmp(np.zeros((1, 1, 3), np.uint8)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="cannot decode the PNG data"):
        tf.io.decode_png(png[:40])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be 0, 1 or 3 for JPEG"):
        tf.io.decode_jpeg(png, channels=4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar string tensor"):
        tf.io.decode_png(tf.constant([png, png]))


@needs_pillow
def test_decoded_images_feed_resize_in_a_dataset(tmp_path):
    from PIL import Image

    for i in range(3):
        Image.fromarray(np.full((4 + i, 6, 3), 40 * i, np.uint8)).save(tmp_path / f"{i}.png")
    paths = tf.data.Dataset.list_files(str(tmp_path / "*.png"), shuffle=False)
    images = paths.map(lambda p: tf.image.resize(tf.io.decode_png(tf.io.read_file(p)), (2, 3)))
    values = [float(x.numpy().mean()) for x in images]
    assert values == [0.0, 40.0, 80.0]

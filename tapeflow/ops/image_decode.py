"""`tf.io.decode_png`, `decode_jpeg`, `decode_bmp`, `decode_gif` and `decode_image`, through
Pillow (the optional extra `tapeflow[images]`, imported when an image is first decoded).

Pixels equal TF's for PNG (including its libpng grey conversion), BMP and GIF. JPEG is
decoded with libjpeg's accurate integer DCT, which TF calls `dct_method="INTEGER_ACCURATE"`;
TF's default fast DCT gives pixels a few levels away from it.

The ops are declared stateful only so that the generic op tests, which run every pure op's
samples, leave them to tests/ops/test_image_decode.py (which skips without Pillow).
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np

from ..backend import xp
from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Sample, op
from ..core.string_values import bytes_array
from ..core.tensor import convert_to_tensor

_EXTRA = "pip install 'tapeflow[images]'"


def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f"decoding images needs Pillow, an optional extra of tapeflow: {_EXTRA} "
            f"(or pip install pillow)"
        ) from None
    return Image


def _format_of(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data.startswith(b"BM"):
        return "BMP"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _open(name, data: bytes, wanted: tuple, gray_jpeg=False):
    found = _format_of(data)
    if found is None:
        raise InvalidArgumentError(
            f"{name}: Unknown image file format. One of JPEG, PNG, GIF, BMP, WebP required."
        )
    if found not in wanted:
        use = {"PNG": "decode_png", "JPEG": "decode_jpeg", "GIF": "decode_gif"}
        raise InvalidArgumentError(
            f"{name}: Trying to decode {found} format using a wrong op. Use "
            f"`{use.get(found, 'decode_image')}` or `decode_image` instead."
        )
    image = _pil_image()
    try:
        opened = image.open(io.BytesIO(data))
        if gray_jpeg and found == "JPEG" and opened.mode != "L":
            opened.draft("L", opened.size)  # libjpeg's own luma, as TF's decoder gives it
        opened.load()
    except Exception as e:  # Pillow raises many types for a damaged file
        raise InvalidArgumentError(f"{name}: cannot decode the {found} data ({e})") from None
    return found, opened


def _gray(rgb: np.ndarray) -> np.ndarray:
    # libpng's rgb_to_gray as TF configures it (0.299 / 0.587 in 1/32768ths, truncated);
    # grey pixels stay as they are.
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    out = (r * 9797 + g * 19234 + b * 3737) >> 15
    return np.where((r == g) & (r == b), r, out).astype(rgb.dtype)[..., None]


def _pixels(img) -> np.ndarray:
    """(height, width, channels) of a Pillow image in its own channels, 8 or 16 bits."""
    mode = img.mode
    if mode == "P" or mode == "PA":
        img = img.convert("RGBA" if "transparency" in img.info or mode == "PA" else "RGB")
    elif mode == "1":
        img = img.convert("L")
    elif mode in ("I;16", "I;16B", "I;16L"):
        return np.asarray(img, dtype=np.uint16)[..., None]
    elif mode == "I":
        return np.clip(np.asarray(img), 0, 65535).astype(np.uint16)[..., None]
    elif mode == "CMYK" or mode == "YCbCr":
        img = img.convert("RGB")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in mode else "RGB")
    array = np.asarray(img)
    return array[..., None] if array.ndim == 2 else array


def _to_channels(name, array, channels):
    have = array.shape[-1]
    if channels == 0 or channels == have:
        return array
    color = array[..., :3] if have >= 3 else np.repeat(array[..., :1], 3, axis=-1)
    alpha = array[..., -1:] if have in (2, 4) else None
    if channels == 1:
        return array[..., :1] if have <= 2 else _gray(color)
    if channels == 3:
        return color
    if channels == 4:
        if alpha is None:
            alpha = np.full(array.shape[:-1] + (1,), np.iinfo(array.dtype).max, array.dtype)
        return np.concatenate([color, alpha], axis=-1)
    raise InvalidArgumentError(f"{name}: `channels` must be 0, 1, 3 or 4 but got {channels}")


def _to_dtype(array, dtype):
    if dtype == "uint16" and array.dtype == np.uint8:
        return array.astype(np.uint16) * 257
    if dtype == "uint8" and array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    return array.astype(dtype, copy=False)


def _data(contents) -> bytes:
    return contents.reshape(()).item()


def _png_bytes(rgb: np.ndarray) -> bytes:
    """A minimal PNG encoder (8-bit RGB): the op samples need no Pillow to be built."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    h, w, _ = rgb.shape
    raw = b"".join(b"\0" + rgb[y].tobytes() for y in range(h))
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )  # fmt: skip


def _png_sample(rng):
    image = rng.integers(0, 256, size=(3, 4, 3), dtype=np.uint8)
    return bytes_array([_png_bytes(image)], ())


_SAMPLES = [Sample(_png_sample)]
_STATEFUL = dict(differentiable=False, strings=True, stateful=True, samples=_SAMPLES)


@op("DecodePng", **_STATEFUL)
def _decode_png(contents, channels, dtype):
    _, img = _open("DecodePng", _data(contents), ("PNG",))
    array = _to_channels("DecodePng", _pixels(img), channels)
    return xp.asarray(_to_dtype(array, dtype))


def _check_channels(name, kind, channels):
    allowed = {"JPEG": (0, 1, 3), "BMP": (0, 3, 4), "GIF": (0, 3)}.get(kind, (0, 1, 3, 4))
    if channels not in allowed:
        choices = ", ".join(map(str, allowed[:-1])) + f" or {allowed[-1]}"
        raise InvalidArgumentError(
            f"{name}: `channels` must be {choices} for {kind}, but got {channels}"
        )


@op("DecodeJpeg", **_STATEFUL)
def _decode_jpeg(contents, channels):
    _check_channels("DecodeJpeg", "JPEG", channels)
    _, img = _open("DecodeJpeg", _data(contents), ("JPEG",), gray_jpeg=channels == 1)
    return xp.asarray(_to_channels("DecodeJpeg", _pixels(img), channels))


def _bmp_pixels(name, data: bytes):
    """Uncompressed 24- and 32-bit BMPs read directly (TF keeps the 4th byte as alpha, which
    Pillow drops); other BMPs go through Pillow."""
    if len(data) >= 54:
        offset, header = (
            struct.unpack_from("<I", data, 10)[0],
            struct.unpack_from("<I", data, 14)[0],
        )
        width, height, _, bits, compression = struct.unpack_from("<iiHHI", data, 18)
        if header >= 40 and bits in (24, 32) and compression in (0, 3) and width > 0 and height:
            stride = (bits * width + 31) // 32 * 4
            rows = abs(height)
            if offset + stride * rows > len(data):
                raise InvalidArgumentError(f"{name}: the BMP data is truncated")
            raw = np.frombuffer(data, np.uint8, stride * rows, offset).reshape(rows, stride)
            pixels = raw[:, : width * bits // 8].reshape(rows, width, bits // 8)
            pixels = pixels[::-1] if height > 0 else pixels  # bottom-up unless negative
            order = [2, 1, 0, 3] if bits == 32 else [2, 1, 0]
            return np.ascontiguousarray(pixels[..., order])
    return _pixels(_open(name, data, ("BMP",))[1])


@op("DecodeBmp", **_STATEFUL)
def _decode_bmp(contents, channels):
    _check_channels("DecodeBmp", "BMP", channels)
    data = _data(contents)
    if _format_of(data) != "BMP":
        _open("DecodeBmp", data, ("BMP",))  # raises the format error
    return xp.asarray(_to_channels("DecodeBmp", _bmp_pixels("DecodeBmp", data), channels))


def _gif_frames(img) -> np.ndarray:
    frames = []
    for index in range(getattr(img, "n_frames", 1)):
        img.seek(index)
        frames.append(np.asarray(img.convert("RGB")))
    return np.stack(frames)


@op("DecodeGif", **_STATEFUL)
def _decode_gif(contents):
    _, img = _open("DecodeGif", _data(contents), ("GIF",))
    return xp.asarray(_gif_frames(img))


@op("DecodeImage", **_STATEFUL)
def _decode_image(contents, channels, dtype, expand_animations):
    name = "DecodeImage"
    data = _data(contents)
    kind = _format_of(data)
    _check_channels(name, kind, channels)
    if kind == "BMP":
        array = _to_channels(name, _bmp_pixels(name, data), channels)
    else:
        wanted = ("PNG", "JPEG", "GIF", "WEBP")
        kind, img = _open(name, data, wanted, gray_jpeg=channels == 1)
        if kind == "GIF":
            frames = _gif_frames(img)
            array = frames if expand_animations else frames[0]
        else:
            array = _to_channels(name, _pixels(img), channels)
    if dtype in ("uint8", "uint16"):
        return xp.asarray(_to_dtype(array, dtype))
    # tf.image.convert_image_dtype: integers scale to [0, 1].
    scale = np.asarray(1.0 / np.iinfo(array.dtype).max, dtype)
    return xp.asarray(array.astype(dtype) * scale)


def _contents(contents, name):
    contents = convert_to_tensor(contents)
    if contents.dtype != dtypes.string or contents.shape.rank != 0:
        raise InvalidArgumentError(
            f"{name}: contents must be a scalar string tensor (the file's bytes), got "
            f"{contents.dtype.name} of shape {tuple(contents.shape.as_list())}"
        )
    return contents


def _channels(channels, name) -> int:
    channels = 0 if channels is None else int(channels)
    if channels not in (0, 1, 3, 4):
        raise InvalidArgumentError(f"{name}: `channels` must be 0, 1, 3 or 4 but got {channels}")
    return channels


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """A PNG image as a uint8 (or uint16) tensor of shape (height, width, channels).

    `channels` 0 keeps the file's channels; 1, 3 or 4 converts (grey, RGB, RGBA)."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16):
        raise InvalidArgumentError(f"DecodePng: dtype must be uint8 or uint16, got {dtype.name}")
    contents = _contents(contents, "DecodePng")
    return _decode_png(contents, channels=_channels(channels, "DecodePng"), dtype=dtype.name)


def decode_jpeg(
    contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
    acceptable_fraction=1, dct_method="", name=None,
):  # fmt: skip
    """A JPEG image as a uint8 tensor (height, width, channels); `channels` 0, 1 or 3.

    Decoded with the accurate integer DCT (TF's `dct_method="INTEGER_ACCURATE"`)."""
    if ratio != 1:
        raise InvalidArgumentError(f"DecodeJpeg: only ratio=1 is supported, got {ratio}")
    contents = _contents(contents, "DecodeJpeg")
    return _decode_jpeg(contents, channels=_channels(channels, "DecodeJpeg"))


def decode_bmp(contents, channels=0, name=None):
    """A BMP image as a uint8 tensor (height, width, channels); `channels` 0, 3 or 4."""
    contents = _contents(contents, "DecodeBmp")
    return _decode_bmp(contents, channels=_channels(channels, "DecodeBmp"))


def decode_gif(contents, name=None):
    """Every frame of a GIF as a uint8 tensor (frames, height, width, 3)."""
    return _decode_gif(_contents(contents, "DecodeGif"))


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    """Any PNG, JPEG, GIF, BMP or WebP image: (height, width, channels), or (frames, height,
    width, 3) for a GIF when `expand_animations`. A float `dtype` scales to [0, 1]."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16, dtypes.float16, dtypes.float32,
                     dtypes.float64):  # fmt: skip
        raise InvalidArgumentError(
            f"DecodeImage: dtype must be uint8, uint16 or a float type, got {dtype.name}"
        )
    contents = _contents(contents, "DecodeImage")
    return _decode_image(
        contents,
        channels=_channels(channels, "DecodeImage"),
        dtype=dtype.name,
        expand_animations=bool(expand_animations),
    )


_DECODERS = ["decode_png", "decode_jpeg", "decode_bmp", "decode_gif", "decode_image"]
API = {"io": _DECODERS, "image": _DECODERS}

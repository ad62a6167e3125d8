"""`keras.utils.image_dataset_from_directory`: a tf.data.Dataset of (image, label) batches
from a directory of PNG, JPEG, BMP and GIF files (decoded by Pillow: the `tapeflow[images]`
extra), one subdirectory per class."""

from __future__ import annotations

import numpy as np

from . import dataset_utils

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
_INTERPOLATIONS = ("bilinear", "nearest")


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode="rgb",
    batch_size=32,
    image_size=(256, 256),
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    follow_links=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    data_format=None,
    format="tf",  # noqa: A002 - Keras' name
    verbose=True,
):
    """Reads the images of `directory` into a dataset of (image, label) batches (float32;
    uint8 with "nearest", as Keras),
    each image resized to `image_size` ("bilinear" or "nearest"; `crop_to_aspect_ratio`
    takes the largest centred crop of the target's shape first, `pad_to_aspect_ratio` pads
    instead) with 1, 3 or 4 channels (`color_mode` "grayscale", "rgb", "rgba"). Labels,
    splits and `class_names` as in `text_dataset_from_directory`; the dataset also has
    `file_paths`."""
    from ...ops.image_decode import _pil_image

    dataset_utils.check_labels_arguments(labels, label_mode, class_names, "image")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if color_mode not in _CHANNELS:
        raise ValueError(
            f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: '
            f"color_mode={color_mode}"
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: "
            f"image_size={image_size}"
        )
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"image_dataset_from_directory: tapeflow resizes with 'bilinear' or 'nearest'. "
            f"Received: interpolation={interpolation}"
        )
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError(
            "Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`."
        )
    data_format = "channels_last" if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"`data_format` must be channels_last or channels_first: {data_format}")
    if format != "tf":
        raise ValueError(f'`format` should be "tf" in tapeflow. Received: format={format}')
    _pil_image()  # the missing extra is named now, not at the first batch
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names, shuffle, seed, follow_links, verbose
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    buffer_size = batch_size * 8 if batch_size is not None else 1024
    load = _image_loader(
        tuple(int(s) for s in image_size), _CHANNELS[color_mode], interpolation, data_format,
        crop_to_aspect_ratio, pad_to_aspect_ratio,
    )  # fmt: skip

    def build(part_paths, part_labels, may_shuffle):
        from ...data.dataset import AUTOTUNE, Dataset

        dataset = Dataset.from_tensor_slices(np.asarray(part_paths, dtype=object))
        if label_mode:
            label_ds = dataset_utils.labels_dataset(part_labels, label_mode, len(class_names))
            dataset = Dataset.zip((dataset, label_ds))
        if shuffle and may_shuffle:
            dataset = dataset.shuffle(buffer_size=buffer_size, seed=seed)
        if label_mode:
            return dataset.map(lambda x, y: (load(x), y), num_parallel_calls=AUTOTUNE)
        return dataset.map(load, num_parallel_calls=AUTOTUNE)

    made = dataset_utils.make_datasets(
        paths, labels, directory=directory, validation_split=validation_split, subset=subset,
        what=f"images (allowed formats: {ALLOWLIST_FORMATS})", build=build,
        batch_size=batch_size, verbose=verbose,
    )  # fmt: skip
    for dataset, part_paths in made:
        dataset.class_names = class_names
        dataset.file_paths = part_paths
    return [d for d, _ in made] if subset == "both" else made[0][0]


def _image_loader(size, channels, interpolation, data_format, crop, pad):
    """path tensor -> image of `size`, as Keras' `_load_image_tf`: float32, or the decoded
    dtype (uint8) when resized by "nearest"."""
    from ...ops import image as image_ops
    from ...ops.array import transpose
    from ...ops.file_io import read_file
    from ...ops.image_decode import decode_image
    from ..layers.preprocessing.image import resize_images

    def load(path):
        image = decode_image(read_file(path), channels=channels, expand_animations=False)
        if crop:
            image = resize_images(image, *size, interpolation, crop_to_aspect_ratio=True)
        elif pad:
            image = resize_with_pad(image, *size, interpolation)
        else:
            image = image_ops.resize(image, size, method=interpolation)
        if data_format == "channels_first":
            image = transpose(image, (2, 0, 1))
        return image

    return load


def resize_with_pad(image, target_height, target_width, method="bilinear"):
    """TF's `tf.image.resize_with_pad` for one image: resize keeping the aspect ratio, then
    pad with zeros to the target, centred (the arithmetic in float32, as TF)."""
    from ...ops import image as image_ops
    from ...ops.array_join import pad

    f32 = np.float32
    height, width = image.shape.as_list()[:2]
    ratio = max(f32(width) / f32(target_width), f32(height) / f32(target_height))
    new_h, new_w = f32(height) / ratio, f32(width) / ratio
    top = max(0, int(np.floor((f32(target_height) - new_h) / f32(2))))
    left = max(0, int(np.floor((f32(target_width) - new_w) / f32(2))))
    resized = image_ops.resize(image, (int(np.floor(new_h)), int(np.floor(new_w))), method=method)
    rh, rw = resized.shape.as_list()[:2]
    paddings = [[top, target_height - rh - top], [left, target_width - rw - left], [0, 0]]
    return pad(resized, paddings)

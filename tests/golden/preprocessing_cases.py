"""Keras 3 preprocessing layers, `tf.image.resize` and the image decoders: the cases of
preprocessing.json, written once for TensorFlow and for tapeflow.

Each case is a function of the `tf` module (TensorFlow with Keras 3, or tapeflow) returning
plain values (lists, numbers, strings). `make_preprocessing.py` runs them with TensorFlow and
stores the results; tests/keras/test_preprocessing_golden.py runs them with tapeflow and
compares. The random augmentation layers are given degenerate factor ranges (a single
value), so their transformation is fixed and only the geometry and sampling are compared.
"""

import io
import os
import tempfile

import numpy as np

TEXT = np.array(
    [
        "The cat sat on the mat.",
        "the DOG, sat! on a log",
        "A cat & a dog: friends?",
        "Élan vital; the end",
    ]
)
COLORS = np.array([["red", "blue", "red"], ["green", "red", "blue"], ["blue", "blue", "cyan"]])
RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, size=(2, 7, 9, 3)).astype(np.float32)
IMAGES_U8 = RNG.integers(0, 256, size=(2, 6, 5, 3)).astype(np.uint8)


def plain(x):
    """`x` as JSON values: tensors and arrays to lists, bytes and NumPy strings to str."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        if x.dtype == object or x.dtype.kind in "SU":
            return plain(x.tolist())
        return x.tolist()
    if isinstance(x, (bytes, np.bytes_)):
        return bytes(x).decode("utf-8")
    if isinstance(x, np.str_):
        return str(x)
    if isinstance(x, np.generic):
        return x.item()
    return x


def typed(x):
    """{"dtype", "value"} of a layer output."""
    return {"dtype": str(np.asarray(x.numpy()).dtype), "value": plain(x)}


def config_of(layer, drop=("name", "dtype", "trainable")):
    config = {k: v for k, v in layer.get_config().items() if k not in drop}
    return plain(config)


# ---- StringLookup / IntegerLookup ---------------------------------------------------------


def string_lookup_adapted(tf, mode):
    layer = tf.keras.layers.StringLookup(output_mode=mode)
    layer.adapt(COLORS)
    inputs = tf.constant([["red", "pink", "blue", "red"]] if mode != "one_hot" else ["red", "x"])
    return {
        "vocabulary": plain(layer.get_vocabulary()),
        "size": layer.vocabulary_size(),
        "out": typed(layer(inputs)),
    }


def string_lookup_special(tf):
    layer = tf.keras.layers.StringLookup(
        mask_token="", num_oov_indices=3, vocabulary=["x", "y", "zz"]
    )
    out = layer(tf.constant([["x", "", "q", "y"], ["w", "aa", "zz", "bbb"]]))
    return {
        "vocabulary": plain(layer.get_vocabulary()),
        "no_special": plain(layer.get_vocabulary(include_special_tokens=False)),
        "out": typed(out),
        "config": config_of(layer),
    }


def string_lookup_multi_hot_mask(tf):
    layer = tf.keras.layers.StringLookup(mask_token="", vocabulary=["x", "y"], output_mode="count")
    return typed(layer(tf.constant([["x", "", "q", "x"], ["", "", "y", "y"]])))


def string_lookup_invert(tf):
    layer = tf.keras.layers.StringLookup(vocabulary=["x", "y"], invert=True, mask_token="[M]")
    return {
        "out": typed(layer(tf.constant([[0, 1, 2], [3, 4, 9]]))),
        "vocab": plain(layer.get_vocabulary()),
    }


def string_lookup_max_tokens(tf):
    layer = tf.keras.layers.StringLookup(max_tokens=4, num_oov_indices=2)
    layer.adapt(tf.constant(["b", "a", "c", "a", "b", "d", "e", "e"]))
    return {
        "vocabulary": plain(layer.get_vocabulary()),
        "out": typed(layer(tf.constant(["d", "e"]))),
    }


def string_lookup_pad_to_max(tf):
    layer = tf.keras.layers.StringLookup(
        max_tokens=8, pad_to_max_tokens=True, output_mode="multi_hot"
    )
    layer.adapt(COLORS)
    return typed(layer(tf.constant([["red", "cyan"], ["none", "none"]])))


def string_lookup_tf_idf_given(tf):
    layer = tf.keras.layers.StringLookup(
        vocabulary=["a", "b", "c"], idf_weights=[0.5, 1.5, 2.0], output_mode="tf_idf"
    )
    return typed(layer(tf.constant([["a", "a", "c", "z"], ["b", "z", "z", "c"]])))


def string_lookup_dataset(tf):
    ds = tf.data.Dataset.from_tensor_slices(COLORS.reshape(-1, 1)).batch(4)
    layer = tf.keras.layers.StringLookup(output_mode="tf_idf")
    layer.adapt(ds)
    return {
        "vocabulary": plain(layer.get_vocabulary()),
        "out": typed(layer(tf.constant([["red", "blue"]]))),
    }


def string_lookup_hashed_oov(tf):
    layer = tf.keras.layers.StringLookup(num_oov_indices=5, vocabulary=["a"])
    salted = tf.keras.layers.StringLookup(num_oov_indices=5, vocabulary=["a"], salt=[7, 11])
    words = tf.constant(["a", "ATA", "NAP", "hello", "world", "tapeflow", ""])
    return {"farmhash": typed(layer(words)), "siphash": typed(salted(words))}


def string_lookup_file(tf):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "vocab.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("dog\ncat\nbird\n")
        layer = tf.keras.layers.StringLookup(vocabulary=path)
        return {
            "vocabulary": plain(layer.get_vocabulary()),
            "out": typed(layer(tf.constant(["cat", "cow"]))),
        }


def string_lookup_num_oov_zero(tf):
    layer = tf.keras.layers.StringLookup(num_oov_indices=0, vocabulary=["a", "b"])
    return typed(layer(tf.constant(["b", "a"])))


def integer_lookup_adapted(tf, mode):
    layer = tf.keras.layers.IntegerLookup(output_mode=mode)
    layer.adapt(np.array([[5, 5, 7], [9, 9, 9], [12, 7, 3]]))
    inputs = np.array([[5, 7, 9, 4]]) if mode != "one_hot" else np.array([5, 4])
    return {"vocabulary": plain(layer.get_vocabulary()), "out": typed(layer(inputs))}


def integer_lookup_oov(tf, method):
    layer = tf.keras.layers.IntegerLookup(
        num_oov_indices=3, vocabulary=[5, 7], mask_token=0, oov_method=method
    )
    return typed(layer(np.array([5, 7, 9, 4, 100, -3, 0, 11])))


def integer_lookup_invert(tf):
    layer = tf.keras.layers.IntegerLookup(vocabulary=[10, 20, 30], invert=True)
    return typed(layer(np.array([[0, 1, 2, 3, 4]])))


# ---- CategoryEncoding, Hashing ------------------------------------------------------------


def category_encoding(tf, mode, rank):
    layer = tf.keras.layers.CategoryEncoding(num_tokens=5, output_mode=mode)
    inputs = {
        0: np.array(3),
        1: np.array([1, 2, 2]),
        2: np.array([[0, 4], [3, 3], [1, 1]]),
        3: np.array([[[1, 2], [3, 3]], [[0, 0], [4, 1]]]),
    }[rank]
    return typed(layer(inputs))


def category_encoding_weights(tf):
    layer = tf.keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")
    return typed(
        layer(
            np.array([[1, 2, 2], [0, 3, 0]]),
            count_weights=np.array([[0.5, 1.0, 2.0], [1.0, 3.0, 0.25]]),
        )
    )


def hashing(tf, variant):
    layers = tf.keras.layers
    strings = tf.constant([["a"], ["b"], ["ATA"], [""], ["Hello World"]])
    cases = {
        "strings": (layers.Hashing(10), strings),
        "salt_pair": (layers.Hashing(10, salt=[133, 137]), strings),
        "salt_int": (layers.Hashing(10, salt=133), strings),
        "mask": (layers.Hashing(10, mask_value=""), strings),
        "ints": (layers.Hashing(7), np.array([[1], [2], [300], [-5], [0]])),
        "int_mask": (layers.Hashing(7, mask_value=0), np.array([[1], [0], [300]])),
        "floats": (layers.Hashing(7), np.array([[1.7], [2.2], [-3.5]], np.float32)),
        "multi_hot": (
            layers.Hashing(4, output_mode="multi_hot"),
            tf.constant([["a", "b"], ["c", "c"]]),
        ),
        "count": (layers.Hashing(4, output_mode="count"), tf.constant([["a", "b"], ["c", "c"]])),
        "one_hot": (layers.Hashing(4, output_mode="one_hot"), tf.constant([["a"], ["b"], ["c"]])),
        "int32": (layers.Hashing(5, dtype="int32"), strings),
    }
    layer, inputs = cases[variant]
    return typed(layer(inputs))


# ---- Discretization, Normalization, Rescaling ---------------------------------------------


def discretization(tf, variant):
    layers = tf.keras.layers
    values = np.array([[-1.5, 1.0, 0.5, 3.0], [2.0, 0.0, 9.0, -0.0]], np.float32)
    if variant == "bins":
        return typed(layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])(values))
    if variant in ("one_hot", "multi_hot", "count"):
        layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=variant)
        return typed(layer(values[:, :, None] if variant == "one_hot" else values))
    if variant == "ints":
        return typed(layers.Discretization(bin_boundaries=[0.0, 1.5])(np.array([[0, 1, 2]])))
    data = {
        "adapt_normal": np.random.default_rng(7).standard_normal(1000),
        "adapt_small": np.array([3.0, 1.0, 2.0, 8.0, 5.0]),
        "adapt_ties": np.array([1.0] * 20 + [2.0] * 5 + [7.0] * 40),
    }
    if variant == "adapt_dataset":
        layer = layers.Discretization(num_bins=5, epsilon=0.05)
        ds = tf.data.Dataset.from_tensor_slices(np.arange(200.0).reshape(-1, 1)).batch(32)
        layer.adapt(ds)
    else:
        layer = layers.Discretization(num_bins=4)
        layer.adapt(data[variant])
    return {"boundaries": plain(layer.bin_boundaries), "out": typed(layer(values))}


def normalization(tf, variant):
    layers = tf.keras.layers
    if variant == "adapt_int":
        layer = layers.Normalization()
        layer.adapt(np.array([[1, 2], [3, 6], [5, 10]]))
        return typed(layer(np.array([[1, 2], [4, 4]])))
    if variant == "axis_none":
        layer = layers.Normalization(axis=None)
        layer.adapt(np.array([[1.0], [2.0], [4.0]]))
        return typed(layer(np.array([[1.0], [2.0]])))
    if variant == "invert":
        return typed(
            layers.Normalization(mean=2.0, variance=4.0, invert=True)(np.array([[1.0, 2.0]]))
        )
    if variant == "given_axis":
        layer = layers.Normalization(axis=(1, 2), mean=[[1.0, 2.0]], variance=[[4.0, 9.0]])
        return typed(layer(np.arange(8.0).reshape(2, 1, 2, 2)))
    if variant == "dataset":
        ds = tf.data.Dataset.from_tensor_slices(np.arange(30.0).reshape(10, 3)).batch(4)
        layer = layers.Normalization()
        layer.adapt(ds)
        return {"weights": plain(layer.get_weights()), "out": typed(layer(np.ones((1, 3))))}
    raise KeyError(variant)


def rescaling(tf):
    layer = tf.keras.layers.Rescaling(1 / 127.5, offset=-1)
    return typed(layer(IMAGES_U8[:1, :2, :2]))


# ---- TextVectorization --------------------------------------------------------------------


def text_vectorization(tf, variant):
    TV = tf.keras.layers.TextVectorization
    queries = tf.constant(["the cat and the dog", "mat log", "A CAT, A Dog!", "unknown words"])
    options = {
        "default": {},
        "sequence_pad": {"output_sequence_length": 7},
        "sequence_cut": {"output_sequence_length": 2},
        "ngrams": {"ngrams": 2, "output_sequence_length": 6},
        "ngram_tuple": {"ngrams": (1, 3), "output_mode": "count"},
        "multi_hot": {"output_mode": "multi_hot"},
        "count": {"output_mode": "count", "max_tokens": 6},
        "tf_idf": {"output_mode": "tf_idf"},
        "character": {"split": "character", "output_mode": "multi_hot", "standardize": "lower"},
        "no_split": {"split": None, "standardize": None},
        "lower": {"standardize": "lower"},
        "strip": {"standardize": "strip_punctuation"},
        "max_tokens": {"max_tokens": 5},
        "pad_to_max": {"max_tokens": 12, "pad_to_max_tokens": True, "output_mode": "multi_hot"},
    }[variant]
    layer = TV(**options)
    layer.adapt(TEXT if variant != "no_split" else np.array(["a", "b", "a", "the cat"]))
    out = layer(queries if variant != "no_split" else tf.constant([["a"], ["the cat"], ["x"]]))
    return {
        "vocabulary": plain(layer.get_vocabulary()),
        "size": layer.vocabulary_size(),
        "out": typed(out),
    }


def text_vectorization_given(tf):
    layer = tf.keras.layers.TextVectorization(
        vocabulary=["cat", "dog", "the"], output_sequence_length=4
    )
    return {
        "vocabulary": plain(layer.get_vocabulary()),
        "out": typed(layer(tf.constant(["The dog saw the cat", "cat"]))),
        "config": config_of(layer),
    }


def text_vectorization_dataset(tf):
    ds = tf.data.Dataset.from_tensor_slices(TEXT).batch(2)
    layer = tf.keras.layers.TextVectorization(output_mode="tf_idf", ngrams=2)
    layer.adapt(ds)
    return {
        "vocabulary": plain(layer.get_vocabulary()),
        "out": typed(layer(tf.constant(["the cat sat", "a log"]))),
    }


# ---- images -------------------------------------------------------------------------------


def resize_op(tf, variant):
    x = IMAGES
    variants = {
        "bilinear_up": lambda: tf.image.resize(x, (11, 13)),
        "bilinear_down": lambda: tf.image.resize(x, (3, 4)),
        "nearest_up": lambda: tf.image.resize(x, (11, 13), method="nearest"),
        "nearest_down": lambda: tf.image.resize(x, (3, 4), method="nearest"),
        "aspect": lambda: tf.image.resize(x, (4, 4), preserve_aspect_ratio=True),
        "uint8_bilinear": lambda: tf.image.resize(IMAGES_U8, (4, 7)),
        "uint8_nearest": lambda: tf.image.resize(IMAGES_U8, (4, 7), method="nearest"),
        "float64": lambda: tf.image.resize(x[0].astype(np.float64), (5, 5)),
        "same": lambda: tf.image.resize(x, (7, 9)),
    }
    return typed(variants[variant]())


def resizing(tf, variant):
    R = tf.keras.layers.Resizing
    variants = {
        "bilinear": lambda: R(4, 5)(IMAGES),
        "nearest": lambda: R(10, 4, interpolation="nearest")(IMAGES),
        "crop": lambda: R(4, 4, crop_to_aspect_ratio=True)(IMAGES),
        "crop_tall": lambda: R(6, 2, crop_to_aspect_ratio=True)(IMAGES),
        "pad": lambda: R(4, 4, pad_to_aspect_ratio=True, fill_value=1.0)(IMAGES),
        "pad_tall": lambda: R(8, 2, pad_to_aspect_ratio=True)(IMAGES),
        "uint8": lambda: R(4, 5)(IMAGES_U8),
        "channels_first": lambda: R(3, 2, data_format="channels_first")(IMAGES),
        "unbatched": lambda: R(3, 4)(IMAGES[0]),
    }
    return typed(variants[variant]())


def center_crop(tf, variant):
    C = tf.keras.layers.CenterCrop
    variants = {
        "crop": lambda: C(5, 4)(IMAGES),
        "odd": lambda: C(2, 3)(IMAGES),
        "smaller": lambda: C(8, 8)(IMAGES),
        "uint8": lambda: C(3, 3)(IMAGES_U8),
        "unbatched": lambda: C(4, 4)(IMAGES[1]),
    }
    return typed(variants[variant]())


def affine_layer(tf, kind, interpolation, fill_mode):
    layers = tf.keras.layers
    common = {"interpolation": interpolation, "fill_mode": fill_mode}
    layer = {
        "rotation": lambda: layers.RandomRotation((0.1, 0.1), fill_value=3.0, **common),
        "zoom": lambda: layers.RandomZoom((0.3, 0.3), (-0.2, -0.2), **common),
        "zoom_out": lambda: layers.RandomZoom((-0.4, -0.4), **common),
        "translation": lambda: layers.RandomTranslation((0.2, 0.2), (-0.3, -0.3), **common),
    }[kind]()
    return typed(layer(IMAGES, training=True))


def augmentation_misc(tf, variant):
    layers = tf.keras.layers
    variants = {
        "contrast": lambda: layers.RandomContrast((-0.5, 0.5))(IMAGES, training=True),
        "contrast_range": lambda: layers.RandomContrast((-0.9, 0.9), value_range=(0, 100))(
            IMAGES, training=True
        ),
        "rotation_unbatched": lambda: layers.RandomRotation((-0.25, -0.25))(
            IMAGES[0], training=True
        ),
        "rotation_channels_first": lambda: layers.RandomRotation(
            (0.2, 0.2), data_format="channels_first"
        )(np.transpose(IMAGES, (0, 3, 1, 2)), training=True),
        "flip_inference": lambda: layers.RandomFlip()(IMAGES_U8, training=False),
        "rotation_inference": lambda: layers.RandomRotation(0.4)(IMAGES, training=False),
        "contrast_inference": lambda: layers.RandomContrast(0.4)(IMAGES, training=False),
    }
    return typed(variants[variant]())


def augmentation_config(tf, kind):
    layers = tf.keras.layers
    layer = {
        "flip": lambda: layers.RandomFlip("horizontal", seed=3),
        "rotation": lambda: layers.RandomRotation(0.2, fill_mode="wrap", seed=1),
        "zoom": lambda: layers.RandomZoom(0.1, (-0.2, 0.3)),
        "translation": lambda: layers.RandomTranslation(0.1, (0.1, 0.2), interpolation="nearest"),
        "contrast": lambda: layers.RandomContrast(0.3, seed=5),
        "resizing": lambda: layers.Resizing(3, 4, crop_to_aspect_ratio=True),
        "center_crop": lambda: layers.CenterCrop(3, 4),
    }[kind]()
    return config_of(layer)


# ---- image decoding -----------------------------------------------------------------------


def _encoded(fmt, array, mode=None, **save):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def _images():
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    return {
        "rgb.png": _encoded("PNG", rgb),
        "rgba.png": _encoded("PNG", rng.integers(0, 256, (5, 4, 4), dtype=np.uint8)),
        "la.png": _encoded("PNG", rng.integers(0, 256, (5, 4, 2), dtype=np.uint8), "LA"),
        "gray.png": _encoded("PNG", rgb[..., 0]),
        "gray16.png": _encoded("PNG", rng.integers(0, 65535, (4, 5)).astype(np.uint16)),
        "rgb.jpg": _encoded("JPEG", rgb),
        "rgb.bmp": _encoded("BMP", rgb),
        "rgba.bmp": _encoded("BMP", rng.integers(0, 256, (5, 4, 4), dtype=np.uint8)),
    }


def decode(tf, name, op, channels):
    data = _images()[name]
    if op == "png":
        return typed(tf.io.decode_png(data, channels=channels))
    if op == "png16":
        return typed(tf.io.decode_png(data, channels=channels, dtype=tf.uint16))
    if op == "jpeg":
        return typed(tf.io.decode_jpeg(data, channels=channels, dct_method="INTEGER_ACCURATE"))
    if op == "bmp":
        return typed(tf.io.decode_bmp(data, channels=channels))
    if op == "image":
        return typed(tf.io.decode_image(data, channels=channels, expand_animations=False))
    if op == "image_float":
        return typed(tf.io.decode_image(data, channels=channels, dtype=tf.float32))
    raise KeyError(op)


def decode_gif(tf):
    from PIL import Image

    rng = np.random.default_rng(4)
    frames = [Image.fromarray(rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)) for _ in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    data = buffer.getvalue()
    return {
        "gif": typed(tf.io.decode_gif(data)),
        "image": typed(tf.io.decode_image(data)),
        "first": typed(tf.io.decode_image(data, expand_animations=False)),
    }


# ---- datasets from directories ------------------------------------------------------------


def _make_tree(root):
    """Three classes of PNG images and .txt files (plus files the readers must skip)."""
    from PIL import Image

    rng = np.random.default_rng(5)
    for cls, count in (("cats", 5), ("dogs", 4), ("zebras", 3)):
        for kind in ("img", "txt"):
            os.makedirs(os.path.join(root, kind, cls, "nested"), exist_ok=True)
        for i in range(count):
            h, w = (int(v) for v in rng.integers(5, 16, 2))
            folder = os.path.join(root, "img", cls, "nested" if i == 2 else "")
            Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(
                os.path.join(folder, f"{i}.png")
            )
            with open(os.path.join(root, "txt", cls, f"{i}.txt"), "w") as f:
                f.write(f"{cls} text number {i}. " * (i + 1))
        for kind in ("img", "txt"):
            with open(os.path.join(root, kind, cls, "notes.md"), "w") as f:
                f.write("not data")


def _batches(dataset):
    out = []
    for element in dataset:
        parts = element if isinstance(element, tuple) else (element,)
        out.append([plain(p) for p in parts])
    return out


def directory_dataset(tf, variant):
    utils = tf.keras.utils
    with tempfile.TemporaryDirectory() as root:
        _make_tree(root)
        txt, img = os.path.join(root, "txt"), os.path.join(root, "img")
        if variant == "text":
            ds = utils.text_dataset_from_directory(txt, shuffle=False, batch_size=5, verbose=False)
        elif variant == "text_categorical":
            ds = utils.text_dataset_from_directory(
                txt, shuffle=False, batch_size=None, label_mode="categorical", max_length=12,
                verbose=False,
            )  # fmt: skip
        elif variant == "text_split":
            train, val = utils.text_dataset_from_directory(
                txt, seed=3, validation_split=0.34, subset="both", batch_size=None, verbose=False
            )
            return {
                "training": sorted(plain(x) for x, _ in train),
                "validation": sorted(plain(x) for x, _ in val),
                "classes": train.class_names,
            }
        elif variant == "text_labels":
            ds = utils.text_dataset_from_directory(
                os.path.join(txt, "dogs"), labels=[1, 0, 1, 1], label_mode="binary",
                shuffle=False, verbose=False,
            )  # fmt: skip
        elif variant == "image":
            ds = utils.image_dataset_from_directory(
                img, shuffle=False, batch_size=4, image_size=(6, 8), verbose=False
            )
        elif variant == "image_nearest_gray":
            ds = utils.image_dataset_from_directory(
                img, shuffle=False, batch_size=None, image_size=(5, 5), interpolation="nearest",
                color_mode="grayscale", label_mode="categorical", verbose=False,
            )  # fmt: skip
        elif variant == "image_crop":
            ds = utils.image_dataset_from_directory(
                img, shuffle=False, batch_size=3, image_size=(4, 8), crop_to_aspect_ratio=True,
                labels=None, verbose=False,
            )  # fmt: skip
        elif variant == "image_pad":
            ds = utils.image_dataset_from_directory(
                img, shuffle=False, batch_size=3, image_size=(6, 4), pad_to_aspect_ratio=True,
                color_mode="rgba", class_names=["zebras", "cats"], verbose=False,
            )  # fmt: skip
        elif variant == "image_split":
            ds = utils.image_dataset_from_directory(
                img, seed=5, validation_split=0.25, subset="validation", image_size=(4, 4),
                verbose=False,
            )  # fmt: skip
            return {
                "files": sorted(os.path.relpath(p, root) for p in ds.file_paths),
                "classes": ds.class_names,
            }
        else:
            raise KeyError(variant)
        return {
            "batches": _batches(ds),
            "classes": ds.class_names,
            "files": [os.path.relpath(p, root) for p in getattr(ds, "file_paths", [])],
        }


# ---- inside a model -----------------------------------------------------------------------


def functional_model(tf):
    layers = tf.keras.layers
    s_in = tf.keras.Input(shape=(1,), dtype="string", name="s")
    i_in = tf.keras.Input(shape=(1,), dtype="int64", name="i")
    n_in = tf.keras.Input(shape=(1,), name="n")
    t_in = tf.keras.Input(shape=(), dtype="string", name="t")
    lookup = layers.StringLookup()
    lookup.adapt(np.array([["a"], ["b"], ["b"], ["c"]]))
    int_lookup = layers.IntegerLookup()
    int_lookup.adapt(np.array([[0], [1], [1]]))
    norm = layers.Normalization(axis=None)
    norm.adapt(np.array([[1.0], [2.0], [4.0]]))
    text = layers.TextVectorization(output_mode="multi_hot")
    text.adapt(TEXT)
    hashed = layers.Hashing(3, output_mode="one_hot")(s_in)
    features = layers.concatenate(
        [
            layers.CategoryEncoding(num_tokens=lookup.vocabulary_size())(lookup(s_in)),
            layers.CategoryEncoding(num_tokens=int_lookup.vocabulary_size())(int_lookup(i_in)),
            norm(n_in),
            layers.Discretization(bin_boundaries=[1.0, 3.0], output_mode="one_hot")(n_in),
            hashed,
            layers.Rescaling(0.5)(text(t_in)),
        ]
    )
    out = layers.Dense(1, kernel_initializer="ones")(features)
    model = tf.keras.Model({"s": s_in, "i": i_in, "n": n_in, "t": t_in}, out)
    feed = {
        "s": tf.constant([["a"], ["z"], ["c"]]),
        "i": tf.constant([[1], [5], [0]], dtype=tf.int64),
        "n": tf.constant([[2.0], [4.0], [0.5]]),
        "t": tf.constant(["the cat", "a dog on a log", "zzz"]),
    }
    before = model.predict(feed, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.keras")
        model.save(path)
        loaded = tf.keras.models.load_model(path)
    return {
        "shape": list(np.shape(before)),
        "before": plain(before),
        "after": plain(loaded.predict(feed, verbose=0)),
        "vocabulary": plain(loaded.get_layer(lookup.name).get_vocabulary()),
    }


def dataset_map(tf):
    lookup = tf.keras.layers.StringLookup(vocabulary=["red", "green", "blue"])
    ds = tf.data.Dataset.from_tensor_slices(COLORS).map(lookup).batch(2)
    text = tf.keras.layers.TextVectorization(output_sequence_length=4, vocabulary=["the", "cat"])
    texts = tf.data.Dataset.from_tensor_slices(TEXT).batch(2).map(text)
    return {"lookup": [plain(b) for b in ds], "text": [plain(b) for b in texts]}


def all_cases() -> dict:
    """case id -> function of `tf`."""
    cases = {}
    for mode in ("int", "one_hot", "multi_hot", "count", "tf_idf"):
        cases[f"string_lookup_{mode}"] = lambda tf, m=mode: string_lookup_adapted(tf, m)
        cases[f"integer_lookup_{mode}"] = lambda tf, m=mode: integer_lookup_adapted(tf, m)
    for fn in (
        string_lookup_special, string_lookup_multi_hot_mask, string_lookup_invert,
        string_lookup_max_tokens, string_lookup_pad_to_max, string_lookup_tf_idf_given,
        string_lookup_dataset, string_lookup_hashed_oov, string_lookup_file,
        string_lookup_num_oov_zero, integer_lookup_invert, category_encoding_weights,
        rescaling, text_vectorization_given, text_vectorization_dataset, decode_gif,
        functional_model, dataset_map,
    ):  # fmt: skip
        cases[fn.__name__] = fn
    for method in ("floormod", "farmhash"):
        cases[f"integer_lookup_oov_{method}"] = lambda tf, m=method: integer_lookup_oov(tf, m)
    for mode in ("one_hot", "multi_hot", "count"):
        for rank in range(4):
            cases[f"category_encoding_{mode}_{rank}"] = lambda tf, m=mode, r=rank: (
                category_encoding(tf, m, r)
            )
    for v in ("strings", "salt_pair", "salt_int", "mask", "ints", "int_mask", "floats",
              "multi_hot", "count", "one_hot", "int32"):  # fmt: skip
        cases[f"hashing_{v}"] = lambda tf, v=v: hashing(tf, v)
    for v in ("bins", "one_hot", "multi_hot", "count", "ints", "adapt_normal", "adapt_small",
              "adapt_ties", "adapt_dataset"):  # fmt: skip
        cases[f"discretization_{v}"] = lambda tf, v=v: discretization(tf, v)
    for v in ("adapt_int", "axis_none", "invert", "given_axis", "dataset"):
        cases[f"normalization_{v}"] = lambda tf, v=v: normalization(tf, v)
    for v in ("default", "sequence_pad", "sequence_cut", "ngrams", "ngram_tuple", "multi_hot",
              "count", "tf_idf", "character", "no_split", "lower", "strip", "max_tokens",
              "pad_to_max"):  # fmt: skip
        cases[f"text_vectorization_{v}"] = lambda tf, v=v: text_vectorization(tf, v)
    for v in ("bilinear_up", "bilinear_down", "nearest_up", "nearest_down", "aspect",
              "uint8_bilinear", "uint8_nearest", "float64", "same"):  # fmt: skip
        cases[f"resize_{v}"] = lambda tf, v=v: resize_op(tf, v)
    for v in ("bilinear", "nearest", "crop", "crop_tall", "pad", "pad_tall", "uint8",
              "channels_first", "unbatched"):  # fmt: skip
        cases[f"resizing_{v}"] = lambda tf, v=v: resizing(tf, v)
    for v in ("crop", "odd", "smaller", "uint8", "unbatched"):
        cases[f"center_crop_{v}"] = lambda tf, v=v: center_crop(tf, v)
    for kind in ("rotation", "zoom", "zoom_out", "translation"):
        for interpolation in ("bilinear", "nearest"):
            for fill in ("reflect", "wrap", "constant", "nearest"):
                cases[f"{kind}_{interpolation}_{fill}"] = (
                    lambda tf, k=kind, i=interpolation, f=fill: affine_layer(tf, k, i, f)
                )
    for v in ("contrast", "contrast_range", "rotation_unbatched", "rotation_channels_first",
              "flip_inference", "rotation_inference", "contrast_inference"):  # fmt: skip
        cases[f"augmentation_{v}"] = lambda tf, v=v: augmentation_misc(tf, v)
    for kind in ("flip", "rotation", "zoom", "translation", "contrast", "resizing",
                 "center_crop"):  # fmt: skip
        cases[f"config_{kind}"] = lambda tf, k=kind: augmentation_config(tf, k)
    for v in ("text", "text_categorical", "text_split", "text_labels", "image",
              "image_nearest_gray", "image_crop", "image_pad", "image_split"):  # fmt: skip
        cases[f"directory_{v}"] = lambda tf, v=v: directory_dataset(tf, v)
    decodes = [
        ("rgb.png", "png", 0), ("rgb.png", "png", 1), ("rgb.png", "png", 4),
        ("rgba.png", "png", 0), ("rgba.png", "png", 1), ("rgba.png", "png", 3),
        ("la.png", "png", 0), ("la.png", "png", 3), ("la.png", "png", 4), ("gray.png", "png", 3),
        ("gray16.png", "png16", 0), ("gray16.png", "png", 0), ("rgb.png", "png16", 3),
        ("rgb.jpg", "jpeg", 0), ("rgb.jpg", "jpeg", 1), ("rgb.bmp", "bmp", 0),
        ("rgb.bmp", "bmp", 4), ("rgba.bmp", "bmp", 0), ("rgba.bmp", "bmp", 3),
        ("rgb.png", "image", 3), ("rgba.bmp", "image", 0), ("rgb.png", "image_float", 0),
        ("gray16.png", "image_float", 0),
    ]  # fmt: skip
    for name, op, channels in decodes:
        cases[f"decode_{op}_{name}_{channels}"] = lambda tf, n=name, o=op, c=channels: decode(
            tf, n, o, c
        )
    return cases

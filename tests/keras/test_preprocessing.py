"""Preprocessing layers beyond the Keras golden values (test_preprocessing_golden.py): errors,
saving and loading with the model, tf.data, the training flag and seeds of augmentation,
gradients through image ops."""

import json
import os
import zipfile

import numpy as np
import pytest

import tapeflow as tf

layers = tf.keras.layers


# ---- regressions ---------------------------------------------------------------------------


def test_normalization_takes_integer_features():
    # Integer inputs raised (int64 - float32); Keras converts them to the layer's dtype.
    layer = layers.Normalization(mean=2.0, variance=4.0)
    out = layer(np.array([[1, 2, 3]]))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), [[-0.5, 0.0, 0.5]])
    adapted = layers.Normalization()
    adapted.adapt(np.array([[1, 10], [3, 30]]))
    np.testing.assert_allclose(adapted(np.array([[2, 20]], np.int32)).numpy(), [[0.0, 0.0]])


def test_string_inputs_of_a_functional_model():
    # keras.Input(dtype="string") was refused ("data type 'string' not understood").
    text = tf.keras.Input(shape=(1,), dtype="string", name="text")
    assert text.dtype == tf.string
    lookup = layers.StringLookup(vocabulary=["a", "b"], output_mode="one_hot")
    model = tf.keras.Model(text, lookup(text))
    out = model(tf.constant([["b"], ["zz"]]))
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1], [1, 0, 0]])


# ---- clear errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.StringLookup(output_mode="multi_hot", sparse=True),
        lambda: layers.IntegerLookup(output_mode="count", sparse=True),
        lambda: layers.CategoryEncoding(3, sparse=True),
        lambda: layers.Hashing(3, output_mode="one_hot", sparse=True),
        lambda: layers.Discretization([0.0], output_mode="one_hot", sparse=True),
        lambda: layers.TextVectorization(output_mode="multi_hot", sparse=True),
    ],
)
def test_sparse_outputs_are_refused_with_a_clear_error(make):
    with pytest.raises(ValueError, match="sparse=True is not supported by tapeflow"):
        make()


def test_category_encoding_refuses_indices_out_of_range():
    # Keras 3 silently drops an index >= num_tokens from multi_hot and count (and makes a zero
    # row for one_hot): a wrong answer for a wrong vocabulary size. tapeflow says so.
    layer = layers.CategoryEncoding(num_tokens=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices in \[0, 3\), got \[5\]"):
        layer(np.array([[1, 5]]))
    with pytest.raises(TypeError, match="CategoryEncoding .*expected integer category indices"):
        layer(tf.constant([["a"]]))


def test_lookups_name_the_layer_and_the_input_they_refuse():
    with pytest.raises(TypeError, match="StringLookup .*expected string inputs.*IntegerLookup"):
        layers.StringLookup(vocabulary=["a"])(np.array([1, 2]))
    with pytest.raises(TypeError, match="IntegerLookup .*expected integer inputs.*StringLookup"):
        layers.IntegerLookup(vocabulary=[1])(tf.constant(["a"]))
    with pytest.raises(ValueError, match="repeated term"):
        layers.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary"):
        layers.StringLookup(output_mode="multi_hot")(tf.constant([["a"]]))
    with pytest.raises(ValueError, match="Cannot adapt layer"):
        layers.StringLookup(vocabulary=["a"]).adapt(["a"])


def test_vocabulary_size_of_an_encoding_lookup_cannot_change():
    layer = layers.StringLookup(output_mode="multi_hot")
    layer.adapt(["a", "b"])
    layer.adapt(["b", "a", "a"])  # same size: fine
    with pytest.raises(RuntimeError, match="vocabulary size cannot be changed"):
        layer.adapt(["a", "b", "c"])


def test_resize_errors_name_the_op():
    with pytest.raises(ValueError, match="'images' must have either 3 or 4 dimensions"):
        tf.image.resize(np.zeros((2, 3)), (4, 4))
    with pytest.raises(ValueError, match="Resize method is not implemented"):
        tf.image.resize(np.zeros((2, 3, 1)), (4, 4), method="cubic-ish")
    with pytest.raises(ValueError, match="'size' must be a 1-D Tensor of 2 integers"):
        tf.image.resize(np.zeros((2, 3, 1)), (4, 4, 1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="output dimensions must be positive"):
        tf.image.resize(np.zeros((2, 3, 1)), (0, 4))
    np.testing.assert_allclose(  # a constant image stays constant, with or without antialias
        tf.image.resize(np.ones((8, 8, 1)), (3, 5), antialias=True).numpy(), np.ones((3, 5, 1))
    )


# ---- saving and loading --------------------------------------------------------------------


def _adapted_model():
    text = tf.keras.Input(shape=(), dtype="string", name="text")
    code = tf.keras.Input(shape=(1,), dtype="int64", name="code")
    value = tf.keras.Input(shape=(1,), name="value")
    vectorize = layers.TextVectorization(output_mode="tf_idf", ngrams=2, max_tokens=9)
    vectorize.adapt(["the cat sat", "the dog ran", "a cat, a dog"])
    codes = layers.IntegerLookup(num_oov_indices=2, mask_token=0)
    codes.adapt(np.array([[3], [5], [5], [9]]))
    buckets = layers.Discretization(num_bins=3, output_mode="one_hot")
    buckets.adapt(np.arange(30.0))
    norm = layers.Normalization(axis=None)
    norm.adapt(np.array([[1.0], [5.0], [9.0]]))
    features = layers.concatenate(
        [
            vectorize(text),
            layers.CategoryEncoding(codes.vocabulary_size(), output_mode="one_hot")(codes(code)),
            buckets(value),
            norm(value),
            layers.Hashing(4, output_mode="count", salt=3)(code),
        ]
    )
    return tf.keras.Model(
        {"text": text, "code": code, "value": value},
        layers.Dense(2, kernel_initializer="ones")(features),
    )


FEED = {
    "text": tf.constant(["the cat ran", "dogs"]),
    "code": tf.constant([[5], [7]], dtype=tf.int64),
    "value": tf.constant([[4.0], [25.0]]),
}


def test_adapted_state_is_saved_with_the_model(tmp_path):
    model = _adapted_model()
    expected = model.predict(FEED, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(FEED, verbose=0), expected, rtol=1e-6)
    # The vocabularies and the learnt boundaries travel in the JSON config, not in a file
    # that loading would have to read.
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    by_class = {}
    for layer_config in config["config"]["layers"]:
        by_class.setdefault(layer_config["class_name"], layer_config["config"])
    assert by_class["TextVectorization"]["vocabulary"][:3] == ["[UNK]", "the", "dog"]
    assert len(by_class["TextVectorization"]["idf_weights"]) == 9
    assert by_class["IntegerLookup"]["vocabulary"] == [0, -1, -1, 5, 9, 3]
    assert len(by_class["Discretization"]["bin_boundaries"]) == 2


def test_a_loaded_lookup_can_be_adapted_again(tmp_path):
    lookup = layers.StringLookup()
    lookup.adapt(["a", "b", "b"])
    model = tf.keras.Sequential([tf.keras.Input(shape=(1,), dtype="string"), lookup])
    model.save(tmp_path / "m.keras")
    loaded = tf.keras.models.load_model(tmp_path / "m.keras").layers[0]
    assert loaded.get_vocabulary() == ["[UNK]", "b", "a"]
    loaded.adapt(["z", "z", "y"])
    assert loaded.get_vocabulary() == ["[UNK]", "z", "y"]


def test_a_vocabulary_file_named_by_a_config_is_not_read_in_safe_mode(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n")
    model = tf.keras.Sequential([tf.keras.Input(shape=(1,), dtype="string")])
    model.add(layers.StringLookup(vocabulary=["a"]))
    path = tmp_path / "m.keras"
    model.save(path)
    tampered = tmp_path / "tampered.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                config["config"]["layers"][-1]["config"]["vocabulary"] = str(secret)
                data = json.dumps(config).encode()
            dst.writestr(item, data)
    with pytest.raises(ValueError, match="vocabulary file outside of the model archive"):
        tf.keras.models.load_model(tampered)
    unsafe = tf.keras.models.load_model(tampered, safe_mode=False)
    assert unsafe.layers[-1].get_vocabulary() == ["[UNK]", "password"]


def test_vocabulary_from_a_file_and_its_errors(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3\n1\n2\n\n")
    layer = layers.IntegerLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == [-1, 3, 1, 2]
    with pytest.raises(ValueError, match="does not exist"):
        layers.StringLookup(vocabulary=str(tmp_path / "missing.txt"))


# ---- tf.data -------------------------------------------------------------------------------


@pytest.mark.parametrize("parallel", [None, 4])
def test_layers_inside_dataset_map(parallel):
    lookup = layers.StringLookup(vocabulary=["red", "green", "blue"])
    norm = layers.Normalization(axis=None, mean=1.0, variance=4.0)
    ds = tf.data.Dataset.from_tensor_slices(
        ({"color": np.array(["red", "blue", "x", "green"] * 5)}, np.arange(20.0))
    )
    ds = ds.map(lambda x, y: (lookup(x["color"]), norm(y)), num_parallel_calls=parallel)
    colors, values = zip(*[(int(c.numpy()), float(v.numpy())) for c, v in ds])
    assert list(colors) == [1, 3, 0, 2] * 5
    np.testing.assert_allclose(values, (np.arange(20.0) - 1) / 2)
    assert ds.element_spec[0].dtype == tf.int64


def test_adapt_takes_steps_and_unbatched_datasets():
    ds = tf.data.Dataset.from_tensor_slices(np.array(["a", "b", "b", "c", "c", "c"])).batch(2)
    layer = layers.StringLookup()
    layer.adapt(ds, steps=2)  # a, b, b, c
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    norm = layers.Normalization()
    norm.adapt(tf.data.Dataset.from_tensor_slices(np.array([[1.0], [3.0]])))
    np.testing.assert_allclose(norm.get_weights()[:2], [[2.0], [1.0]])


# ---- augmentation: training flag, seeds, gradients -----------------------------------------

IMAGES = np.random.default_rng(0).uniform(0, 1, (16, 6, 5, 2)).astype(np.float32)
AUGMENTATIONS = [
    lambda seed: layers.RandomFlip(seed=seed),
    lambda seed: layers.RandomRotation(0.3, seed=seed),
    lambda seed: layers.RandomZoom(0.3, seed=seed),
    lambda seed: layers.RandomTranslation(0.3, 0.3, seed=seed),
    lambda seed: layers.RandomContrast(0.5, value_range=(0, 1), seed=seed),
]


@pytest.mark.parametrize("make", AUGMENTATIONS)
def test_augmentation_applies_only_when_training(make):
    layer = make(1)
    np.testing.assert_array_equal(layer(IMAGES, training=False).numpy(), IMAGES)
    model = tf.keras.Sequential([tf.keras.Input(shape=(6, 5, 2)), make(1)])
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)
    changed = [not np.allclose(make(s)(IMAGES, training=True).numpy(), IMAGES) for s in range(4)]
    assert any(changed)
    # Without `training`, a direct call augments, as Keras' call(..., training=True) does.
    assert any(not np.allclose(make(s)(IMAGES).numpy(), IMAGES) for s in range(4))


@pytest.mark.parametrize("make", AUGMENTATIONS)
def test_a_seed_makes_the_transformations_reproducible(make):
    first, second, other = make(7), make(7), make(8)
    runs = [[layer(IMAGES, training=True).numpy() for _ in range(3)] for layer in (first, second)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0][0], runs[0][1])  # a new draw at every call
    assert not all(np.array_equal(a, other(IMAGES, training=True).numpy()) for a in runs[0][:2])


def test_the_global_seed_makes_unseeded_layers_reproducible():
    def draw():
        tf.random.set_seed(123)
        return layers.RandomRotation(0.5)(IMAGES, training=True).numpy()

    np.testing.assert_array_equal(draw(), draw())


def test_random_flip_flips_whole_images():
    out = layers.RandomFlip("horizontal", seed=3)(IMAGES, training=True).numpy()
    for image, result in zip(IMAGES, out):
        assert np.array_equal(result, image) or np.array_equal(result, image[:, ::-1])
    both = layers.RandomFlip(seed=4)(IMAGES, training=True).numpy()
    for image, result in zip(IMAGES, both):
        assert np.array_equal(result, image) or np.array_equal(result, image[::-1, ::-1])


def test_gradients_flow_through_image_layers():
    x = tf.Variable(IMAGES)
    for layer in (
        layers.Resizing(9, 4),
        layers.CenterCrop(8, 8),
        layers.RandomRotation(0.2, seed=1),
        layers.RandomFlip(seed=2),
        layers.RandomContrast(0.4, value_range=(0, 10), seed=3),
    ):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(layer(x, training=True) ** 2)
        grad = tape.gradient(y, x)
        assert grad is not None and grad.shape == x.shape
        assert np.isfinite(grad.numpy()).all() and np.abs(grad.numpy()).sum() > 0


def test_resize_gradient_is_the_adjoint():
    # <resize(x), u> == <x, resize^T(u)> for bilinear and nearest, up and down.
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((2, 5, 7, 3)).astype(np.float32))
    for size in [(8, 3), (2, 11)]:
        for method in ["bilinear", "nearest"]:
            u = tf.constant(rng.standard_normal((2, *size, 3)).astype(np.float32))
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.reduce_sum(tf.image.resize(x, size, method=method) * u)
            grad = tape.gradient(y, x)
            np.testing.assert_allclose(
                float(tf.reduce_sum(grad * x)), float(y), rtol=1e-4, err_msg=method
            )


# ---- TextVectorization with callables ------------------------------------------------------


def test_text_vectorization_with_callable_standardize_and_split():
    def standardize(text):
        return tf.strings.regex_replace(tf.strings.lower(text), "[0-9]", "#")

    def split(text):
        return tf.strings.split(text, sep="-")

    layer = layers.TextVectorization(standardize=standardize, split=split)
    layer.adapt(["A-b-1", "b-22-b"])
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "a", "##", "#"]
    np.testing.assert_array_equal(layer(["B-9-zz"]).numpy(), [[2, 5, 1]])


def test_image_layers_config_round_trip():
    for layer in [
        layers.Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True),
        layers.CenterCrop(2, 2),
        layers.RandomZoom((-0.1, 0.2), 0.3, fill_mode="constant", seed=4),
        layers.RandomContrast(0.2, value_range=(0, 1)),
        layers.StringLookup(vocabulary=["a"], num_oov_indices=2, mask_token="-"),
        layers.TextVectorization(ngrams=(1, 2), vocabulary=["a", "b"]),
    ]:
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == {**layer.get_config(), "name": clone.name}


def test_hashing_and_lookup_treat_ragged_tokens():
    words = tf.strings.split(tf.constant(["a b c", "b"]))
    lookup = layers.StringLookup(vocabulary=["a", "b"])
    assert lookup(words).to_list() == [[1, 2, 0], [2]]
    counts = layers.StringLookup(vocabulary=["a", "b"], output_mode="count")(words)
    np.testing.assert_array_equal(counts.numpy(), [[1, 1, 1], [0, 0, 1]])


def test_directory_datasets_say_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match="does not exist or is not a directory"):
        tf.keras.utils.text_dataset_from_directory(str(tmp_path / "missing"))
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="No text files"):
        tf.keras.utils.text_dataset_from_directory(str(tmp_path), verbose=False)
    with pytest.raises(ValueError, match="you must provide a `seed`"):
        tf.keras.utils.text_dataset_from_directory(
            str(tmp_path), validation_split=0.2, subset="training"
        )
    os.makedirs(tmp_path / "b")
    (tmp_path / "a" / "x.txt").write_text("x")
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        (tmp_path / "c").mkdir()
        tf.keras.utils.text_dataset_from_directory(
            str(tmp_path), label_mode="binary", verbose=False
        )


# ---- inside tf.function --------------------------------------------------------------------


def test_preprocessing_in_a_tf_function_reads_each_call_values():
    # The NumPy work read the values of the call being traced: a trace answered every later
    # call with the first call's lookups (["c", "z"] gave [1, 2], the indices of ["a", "b"]).
    lookup = layers.StringLookup(vocabulary=["a", "b", "c"])
    vectorize = layers.TextVectorization(vocabulary=["the", "cat"], output_sequence_length=3)
    hashing, buckets = layers.Hashing(5), layers.Discretization([0.0, 1.0])

    @tf.function
    def preprocess(words, text, values):
        return lookup(words), vectorize(text), hashing(words), buckets(values)

    for words, text, values in [
        (["a", "b"], ["the cat"], [-1.0, 0.5]),
        (["c", "z"], ["cat dog the"], [2.0, 0.0]),
    ]:
        args = tf.constant(words), tf.constant(text), tf.constant(values)
        traced = [t.numpy() for t in preprocess(*args)]
        eager = [lookup(args[0]), vectorize(args[1]), hashing(args[0]), buckets(args[2])]
        for t, e in zip(traced, eager):
            np.testing.assert_array_equal(t, e.numpy())


@pytest.mark.parametrize("make", AUGMENTATIONS)
def test_augmentation_in_a_tf_function_draws_at_every_call(make):
    layer = make(5)

    @tf.function
    def augment(x):
        return layer(x, training=True)

    outputs = {augment(IMAGES).numpy().tobytes() for _ in range(4)}
    assert len(outputs) == 4

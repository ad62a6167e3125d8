"""tf.image beyond the golden values: the random augmentations (seeds, per-image flips, inside
tf.function), the resize adjoints, the no-gradient ops of the autodiff guide, and the
arguments TF rejects."""

import numpy as np
import pytest

import tapeflow as tf


@pytest.fixture
def images(rng):
    return rng.random((6, 3, 4, 2)).astype(np.float32)


def _flipped(batch, out, axis):
    """Per image: True if `out` is the image flipped along `axis`, False if unchanged."""
    kinds = []
    for x, y in zip(batch, out):
        if np.array_equal(y, x):
            kinds.append(False)
        else:
            np.testing.assert_array_equal(y, np.flip(x, axis))
            kinds.append(True)
    return kinds


@pytest.mark.parametrize(
    "fn, axis",
    [(tf.image.random_flip_left_right, 1), (tf.image.random_flip_up_down, 0)],
)
def test_random_flips_flip_each_image_or_leave_it(images, fn, axis):
    tf.random.set_seed(7)
    first = [fn(images).numpy() for _ in range(4)]
    tf.random.set_seed(7)
    again = [fn(images).numpy() for _ in range(4)]
    kinds = []
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)  # the global seed makes the draws repeat
        kinds += _flipped(images, a, axis)
    assert any(kinds) and not all(kinds)  # 24 coin flips: both outcomes appear
    tf.random.set_seed(None)


def test_stateless_flips_depend_only_on_the_seed(images):
    outs = {}
    for seed in [(1, 2), (3, 4), (5, 6), (7, 8)]:
        a = tf.image.stateless_random_flip_left_right(images, seed=seed).numpy()
        b = tf.image.stateless_random_flip_left_right(images, seed=seed).numpy()
        np.testing.assert_array_equal(a, b)
        outs[seed] = tuple(_flipped(images, a, 1))
    assert len(set(outs.values())) > 1
    with pytest.raises(tf.errors.InvalidArgumentError, match="seed"):
        tf.image.stateless_random_flip_up_down(images, seed=(1,))


def test_random_flip_of_one_image_draws_anew_inside_tf_function(images):
    flip = tf.function(lambda x: tf.image.random_flip_left_right(x))
    kinds = [_flipped(images[:1], flip(images[0]).numpy()[None], 1)[0] for _ in range(30)]
    assert any(kinds) and not all(kinds)


def test_random_flip_gradient_follows_the_flip(images):
    x = tf.constant(images)
    w = tf.constant(np.arange(images.size, dtype=np.float32).reshape(images.shape))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.image.random_flip_up_down(x, seed=3)
        loss = tf.reduce_sum(y * w)
    grad = tape.gradient(loss, x).numpy()
    for g, flipped, wi in zip(grad, _flipped(images, y.numpy(), 0), w.numpy()):
        np.testing.assert_array_equal(g, np.flip(wi, 0) if flipped else wi)


def test_random_adjustments_stay_in_their_range(images):
    rgb = images[..., :1].repeat(3, -1) * np.array([1.0, 0.5, 0.25], np.float32)
    for _ in range(5):
        delta = tf.image.random_brightness(images, 0.2).numpy() - images
        np.testing.assert_allclose(delta, delta.flat[0], atol=1e-6)  # one delta per call
        assert abs(delta.flat[0]) <= 0.2 + 1e-6
        out = tf.image.random_contrast(images, 0.5, 0.6).numpy()
        mean = images.mean(axis=(1, 2), keepdims=True)
        factor = (out - mean) / (images - mean)
        assert 0.5 - 1e-3 <= factor.min() and factor.max() <= 0.6 + 1e-3
        assert tf.image.random_saturation(rgb, 0.5, 1.5).shape == rgb.shape
        hsv_in = tf.image.rgb_to_hsv(rgb).numpy()
        hsv_out = tf.image.rgb_to_hsv(tf.image.random_hue(rgb, 0.1)).numpy()
        np.testing.assert_allclose(hsv_out[..., 2], hsv_in[..., 2], atol=1e-6)
    seeded = [tf.image.stateless_random_hue(rgb, 0.3, seed=(4, 2)).numpy() for _ in range(2)]
    np.testing.assert_array_equal(*seeded)


def test_random_crops_are_windows_of_the_input(rng):
    x = rng.random((5, 7, 2)).astype(np.float32)
    seen = set()
    for _ in range(20):
        out = tf.image.random_crop(x, (3, 4, 2)).numpy()
        hits = [(i, j) for i in range(3) for j in range(4)
                if np.array_equal(out, x[i : i + 3, j : j + 4])]  # fmt: skip
        assert len(hits) == 1
        seen.add(hits[0])
    assert len(seen) > 3
    same = [tf.image.stateless_random_crop(x, (2, 2, 1), seed=(3, k)).numpy() for k in (1, 1)]
    np.testing.assert_array_equal(*same)
    crop = tf.function(lambda v: tf.image.random_crop(v, (2, 2, 2)))
    assert len({crop(x).numpy().tobytes() for _ in range(20)}) > 3  # a new draw every call
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need value.shape >= size"):
        tf.image.random_crop(x, (6, 2, 2))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: tf.image.random_brightness(x, -0.1), "max_delta must be non-negative"),
        (lambda x: tf.image.random_contrast(x, 0.5, 0.4), "upper must be > lower"),
        (lambda x: tf.image.random_contrast(x, -0.5, 0.4), "lower must be non-negative"),
        (lambda x: tf.image.random_saturation(x, 0.6, 0.6), "upper must be > lower"),
        (lambda x: tf.image.random_hue(x, 0.6), r"max_delta must be <= 0.5"),
        (lambda x: tf.image.stateless_random_hue(x, -0.1, (1, 2)), "non-negative"),
        (lambda x: tf.image.random_flip_left_right(x[0, 0]), "at least three-dimensional"),
    ],
)
def test_random_augmentations_reject_bad_arguments(images, call, message):
    with pytest.raises(ValueError, match=message):
        call(images)


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "lanczos3", "lanczos5", "gaussian",
                                    "mitchellcubic", "nearest"])  # fmt: skip
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_gradient_is_the_adjoint(rng, method, antialias):
    # <resize(x), u> == <x, resize^T(u)>, down and up, through the public function.
    x = tf.constant(rng.standard_normal((2, 7, 5, 2)).astype(np.float32))
    for size in [(3, 9), (10, 2)]:
        u = tf.constant(rng.standard_normal((2, *size, 2)).astype(np.float32))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.image.resize(x, size, method=method, antialias=antialias) * u)
        grad = tape.gradient(y, x)
        np.testing.assert_allclose(float(tf.reduce_sum(grad * x)), float(y), rtol=1e-4)


def test_antialias_widens_the_kernel_only_when_downsampling(rng):
    x = rng.random((1, 12, 12, 1)).astype(np.float32)
    down = [tf.image.resize(x, (4, 4), "lanczos3", antialias=a).numpy() for a in (False, True)]
    assert np.abs(down[0] - down[1]).max() > 1e-3
    up = [tf.image.resize(x, (20, 20), "lanczos3", antialias=a).numpy() for a in (False, True)]
    np.testing.assert_array_equal(up[0], up[1])


def test_area_resize_of_whole_blocks_is_the_block_mean(rng):
    x = rng.random((1, 6, 9, 2)).astype(np.float32)
    out = tf.image.resize(x, (2, 3), method="area").numpy()
    np.testing.assert_allclose(out, x.reshape(1, 2, 3, 3, 3, 2).mean(axis=(2, 4)), rtol=1e-6)


def test_no_gradient_ops_raise_lookup_error_as_in_the_autodiff_guide():
    # The cell of TF's autodiff guide, unchanged.
    image = tf.Variable([[[0.5, 0.0, 0.0]]])
    delta = tf.Variable(0.1)
    with tf.GradientTape() as tape:
        new_image = tf.image.adjust_contrast(image, delta)
    with pytest.raises(LookupError, match="AdjustContrastv2"):
        tape.gradient(new_image, [image, delta])
    for fn in (tf.image.adjust_hue, tf.image.adjust_saturation):
        with tf.GradientTape() as tape:
            out = fn(image, 0.1)
        with pytest.raises(LookupError, match="Adjust"):
            tape.gradient(out, image)
    with tf.GradientTape() as tape:
        out = tf.image.resize(tf.reshape(image, [1, 1, 3, 1]), (2, 2), method="area")
    with pytest.raises(LookupError, match="ResizeArea"):
        tape.gradient(out, image)


@pytest.mark.filterwarnings("ignore::tapeflow.debugging.NoneGradientWarning")  # None on purpose
def test_hsv_to_rgb_gradient_is_none_and_rgb_to_hsv_has_one():
    x = tf.Variable([[[0.2, 0.5, 0.9]]])
    with tf.GradientTape(persistent=True) as tape:
        rgb = tf.image.hsv_to_rgb(x)
        value = tf.image.rgb_to_hsv(x)[..., 2]
    assert tape.gradient(rgb, x) is None
    # d v / d (r, g, b) is 1 at the largest channel, 0 elsewhere.
    np.testing.assert_array_equal(tape.gradient(value, x).numpy(), [[[0, 0, 1]]])


def test_convert_image_dtype_round_trips_and_saturates():
    u8 = np.arange(256, dtype=np.uint8).reshape(16, 16, 1)
    f = tf.image.convert_image_dtype(u8, tf.float32)
    np.testing.assert_allclose(f.numpy(), u8 / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(tf.image.convert_image_dtype(f, tf.uint8).numpy(), u8)
    over = tf.image.convert_image_dtype(np.array([-0.5, 1.5], np.float32), tf.uint8, True)
    np.testing.assert_array_equal(over.numpy(), [0, 255])
    with pytest.raises(AttributeError, match="floating point or integer"):
        tf.image.convert_image_dtype(u8, tf.string)


def test_extract_patches_reads_the_windows(rng):
    x = rng.random((2, 5, 6, 3)).astype(np.float32)
    out = tf.image.extract_patches(x, [1, 2, 3, 1], [1, 2, 1, 1], [1, 2, 1, 1], "VALID").numpy()
    assert out.shape == (2, 2, 4, 18)
    for i in range(2):
        for j in range(4):
            window = x[:, 2 * i : 2 * i + 3 : 2, j : j + 3, :]  # rows dilated by 2
            np.testing.assert_array_equal(out[:, i, j], window.reshape(2, -1))

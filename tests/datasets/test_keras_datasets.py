"""tf.keras.datasets: MNIST from the shared IDX files, the cache directory, verified atomic
downloads (simulated: tests never touch the network), and clear errors for bad files."""

import gzip
import hashlib
import io
import os
import pathlib
import re
import struct
import tarfile
import urllib.error

import numpy as np
import pytest

from tapeflow.keras.datasets import (
    CorruptDatasetError,
    DatasetNotFoundError,
    _idx,
    _loader,
    cifar10,
    fashion_mnist,
    mnist,
)
from tapeflow.keras.datasets._loader import DataFile

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist"

# From shared/data/README.md.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def offline_and_isolated(monkeypatch, tmp_path):
    """No test reaches the network or the user's ~/.tapeflow: downloads fail like offline."""

    def refuse(url, timeout):
        raise urllib.error.URLError("offline (test)")

    monkeypatch.setattr(_loader, "_urlopen", refuse)
    monkeypatch.setenv(_loader.ENV_VAR, str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def mnist_arrays():
    """The real MNIST, decoded once for the module (about half a second)."""
    if not SHARED_MNIST.is_dir():
        pytest.skip(f"{SHARED_MNIST} is absent (a user's clone): the MNIST files are not here")
    return mnist.load_data(data_dir=SHARED_MNIST)


# ---- helpers that write small files ------------------------------------------------------------


def idx_bytes(array: np.ndarray) -> bytes:
    return _idx.idx_header(array.shape) + np.ascontiguousarray(array, np.uint8).tobytes()


def write_gz(path: pathlib.Path, data: bytes) -> pathlib.Path:
    # mtime=0: the same bytes every time, so file checksums are stable.
    path.write_bytes(gzip.compress(data, mtime=0))
    return path


def tiny_idx_set(rng, n_train=6, n_test=4):
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def specs_for(module, arrays, hashed):
    """The module's FILES with the shapes and checksums of `arrays` (tiny stand-ins)."""
    specs = {}
    for split, array in arrays.items():
        data = idx_bytes(array)
        if hashed == "file":
            data = gzip.compress(data, mtime=0)
        digest = hashlib.sha256(data).hexdigest()
        specs[split] = DataFile(module.FILES[split].name, digest, hashed, array.shape)
    return specs


def write_idx_set(directory: pathlib.Path, module, arrays):
    directory.mkdir(parents=True, exist_ok=True)
    for split, array in arrays.items():
        write_gz(directory / module.FILES[split].name, idx_bytes(array))


class FakeResponse(io.BytesIO):
    """A urlopen response that can fail after `fail_after` bytes."""

    def __init__(self, data: bytes, fail_after=None):
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset by peer (test)")
        if self.fail_after is not None:
            size = min(size if size >= 0 else self.fail_after, self.fail_after - self.tell())
        return super().read(size)


def serve(monkeypatch, files: dict, fail_after=None):
    """Serves `files` {url: bytes}; other URLs fail as offline. Returns the list of URLs asked."""
    asked = []

    def fake_urlopen(url, timeout):
        asked.append(url)
        if url not in files:
            raise urllib.error.URLError("offline (test)")
        return FakeResponse(files[url], fail_after)

    monkeypatch.setattr(_loader, "_urlopen", fake_urlopen)
    return asked


# ---- MNIST from the shared files ---------------------------------------------------------------


def test_mnist_has_keras_shapes_dtypes_and_the_published_label_counts(mnist_arrays):
    (x_train, y_train), (x_test, y_test) = mnist_arrays
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8 and array.flags.writeable
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert (x_train.min(), x_train.max(), x_test.min(), x_test.max()) == (0, 255, 0, 255)


def test_mnist_checksums_are_the_decompressed_ones_of_the_readme(mnist_arrays):
    (x_train, y_train), (x_test, y_test) = mnist_arrays
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    for split, array in arrays.items():
        assert hashlib.sha256(idx_bytes(array)).hexdigest() == mnist.FILES[split].sha256
    assert mnist.FILES["x_train"].sha256.startswith("ba891046e650")
    assert mnist.FILES["y_test"].sha256.startswith("ff7bcfd416de")


def test_mnist_reads_keras_npz_without_pickle(mnist_arrays, tmp_path):
    (x_train, y_train), (x_test, y_test) = mnist_arrays
    np.savez(
        tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test
    )
    (a, b), (c, d) = mnist.load_data(data_dir=tmp_path)  # path="mnist.npz" in data_dir
    for loaded, original in ((a, x_train), (b, y_train), (c, x_test), (d, y_test)):
        np.testing.assert_array_equal(loaded, original)


def test_an_npz_that_is_not_keras_file_is_checked_array_by_array(monkeypatch, tmp_path, rng):
    arrays = tiny_idx_set(rng)
    monkeypatch.setattr(mnist, "FILES", specs_for(mnist, arrays, "content"))
    np.savez(tmp_path / "good.npz", **arrays)
    (x_train, _), _ = mnist.load_data(path=tmp_path / "good.npz")  # absolute, as in Keras
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    arrays["y_test"][1] ^= 1
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(
        CorruptDatasetError, match=r"bad\.npz \(array 'y_test' in IDX form\).*sha256"
    ):
        mnist.load_data(path=tmp_path / "bad.npz")


def test_mnist_npz_with_pickled_or_missing_arrays_is_refused(tmp_path):
    objects = np.array([{"a": 1}], dtype=object)
    np.savez(tmp_path / "objects.npz", x_train=objects, y_train=[1], x_test=[1], y_test=[1])
    with pytest.raises(CorruptDatasetError, match=r"objects\.npz: not a readable npz.*pickle"):
        mnist.load_data(path=tmp_path / "objects.npz")
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((60000, 28, 28), np.uint8))
    with pytest.raises(CorruptDatasetError, match=r"partial\.npz: .*lacks the arrays"):
        mnist.load_data(path=tmp_path / "partial.npz")
    np.savez(tmp_path / "small.npz", x_train=np.zeros(3), y_train=[1], x_test=[1], y_test=[1])
    with pytest.raises(CorruptDatasetError, match=r"'x_train' is float64 of shape \(3,\)"):
        mnist.load_data(path=tmp_path / "small.npz")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorruptDatasetError, match=r"junk\.npz: not a readable npz"):
        mnist.load_data(path=tmp_path / "junk.npz")


def test_path_naming_a_directory_uses_it_as_the_data_directory(monkeypatch, tmp_path, rng):
    arrays = tiny_idx_set(rng)
    monkeypatch.setattr(mnist, "FILES", specs_for(mnist, arrays, "content"))
    write_idx_set(tmp_path / "digits", mnist, arrays)
    (x_train, _), (_, y_test) = mnist.load_data(path=tmp_path / "digits")
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


# ---- the cache directory and the offline error -------------------------------------------------


def test_dataset_dir_is_data_dir_else_the_env_var_else_the_home_default(monkeypatch, tmp_path):
    assert _loader.dataset_dir("mnist", tmp_path / "x") == tmp_path / "x"
    monkeypatch.setenv("TAPEFLOW_DATA", str(tmp_path / "root"))
    assert _loader.dataset_dir("mnist") == tmp_path / "root" / "mnist"
    monkeypatch.delenv("TAPEFLOW_DATA")
    home = pathlib.Path("~/.tapeflow/datasets/cifar10").expanduser()
    assert _loader.dataset_dir("cifar10") == home


@pytest.mark.parametrize(
    "module, names",
    [
        (mnist, [spec.name for spec in mnist.FILES.values()] + ["mnist.npz"]),
        (fashion_mnist, [spec.name for spec in fashion_mnist.FILES.values()]),
        (cifar10, ["cifar-10-binary.tar.gz"]),
    ],
    ids=["mnist", "fashion_mnist", "cifar10"],
)
def test_offline_error_says_which_files_to_put_where(tmp_path, module, names):
    directory = tmp_path / "cache" / module.DATASET
    with pytest.raises(DatasetNotFoundError) as info:
        module.load_data()
    message = str(info.value)
    assert f"Put these files in {directory}:" in message
    for name in names:
        assert name in message
    assert "TAPEFLOW_DATA" in message and "data_dir=" in message
    assert "offline (test)" in message  # the reason of each attempt
    assert isinstance(info.value, FileNotFoundError)
    assert not directory.exists()  # a failed attempt leaves nothing behind, not even a folder


def test_offline_error_lists_only_the_files_still_missing(monkeypatch, tmp_path, rng):
    arrays = tiny_idx_set(rng)
    monkeypatch.setattr(fashion_mnist, "FILES", specs_for(fashion_mnist, arrays, "file"))
    write_idx_set(tmp_path / "f", fashion_mnist, {"x_train": arrays["x_train"]})
    with pytest.raises(DatasetNotFoundError) as info:
        fashion_mnist.load_data(data_dir=tmp_path / "f")
    listed = str(info.value).split("They can be downloaded")[0]
    assert "train-labels-idx1-ubyte.gz" in listed and "t10k-images-idx3-ubyte.gz" in listed
    assert "train-images-idx3-ubyte.gz" not in listed


# ---- corrupt and truncated files ---------------------------------------------------------------


def _defects(rng):
    images = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    good = idx_bytes(images)
    gz = gzip.compress(good, mtime=0)
    return {
        "truncated gzip": (gz[: len(gz) // 2], "truncated or corrupt gzip data"),
        "not gzip": (good, "truncated or corrupt gzip data"),
        # A flipped data byte: all of it decodes, the CRC at the end does not match.
        "bad crc": (gz[:-20] + bytes([gz[-20] ^ 1]) + gz[-19:], "truncated or corrupt gzip data"),
        "labels magic": (
            gzip.compress(idx_bytes(np.zeros(6, np.uint8))),
            "wrong magic number 0x00000801, expected 0x00000803",
        ),
        "int32 magic": (
            gzip.compress(b"\0\0\x0c\x03" + good[4:]),
            "wrong magic number 0x00000C03",
        ),
        "short header": (gzip.compress(good[:10]), "truncated inside the IDX header"),
        "empty": (gzip.compress(b""), "truncated: 0 bytes, no IDX header"),
        "truncated data": (
            gzip.compress(good[:-100]),
            "truncated: the header announces 4704 bytes of data, the file holds 4604",
        ),
        "trailing bytes": (gzip.compress(good + b"\0"), "unexpected bytes after the IDX data"),
        "other shape": (
            gzip.compress(idx_bytes(images[:5])),
            r"the IDX header gives shape \(5, 28, 28\), expected \(6, 28, 28\)",
        ),
    }


@pytest.mark.parametrize(
    "defect",
    [
        "truncated gzip",
        "not gzip",
        "bad crc",
        "labels magic",
        "int32 magic",
        "short header",
        "empty",
        "truncated data",
        "trailing bytes",
        "other shape",
    ],
)
def test_a_bad_idx_file_is_named_with_what_is_wrong(monkeypatch, tmp_path, rng, defect):
    arrays = tiny_idx_set(rng)
    monkeypatch.setattr(mnist, "FILES", specs_for(mnist, arrays, "content"))
    write_idx_set(tmp_path, mnist, arrays)
    data, expected = _defects(rng)[defect]
    bad = tmp_path / "train-images-idx3-ubyte.gz"
    bad.write_bytes(data)
    with pytest.raises(CorruptDatasetError, match=f"mnist: {re.escape(str(bad))}: {expected}"):
        mnist.load_data(data_dir=tmp_path)


@pytest.mark.parametrize("module", [mnist, fashion_mnist], ids=["mnist", "fashion_mnist"])
def test_a_well_formed_file_with_other_content_fails_the_checksum(
    monkeypatch, module, tmp_path, rng
):
    # The real checksums with tiny shapes: valid IDX files that are not the dataset.
    arrays = tiny_idx_set(rng)
    specs = {
        s: DataFile(f.name, f.sha256, f.hashed, arrays[s].shape) for s, f in module.FILES.items()
    }
    monkeypatch.setattr(module, "FILES", specs)
    write_idx_set(tmp_path, module, arrays)
    images = re.escape(str(tmp_path / module.FILES["x_train"].name))
    what = "decompressed content" if module is mnist else "file"
    with pytest.raises(
        CorruptDatasetError, match=f"{images}: sha256 of the {what} is [0-9a-f]{{64}}"
    ):
        module.load_data(data_dir=tmp_path)


# ---- downloads: verified, atomic, mirror by mirror ---------------------------------------------


def test_download_fills_the_cache_once_and_verifies_each_file(monkeypatch, tmp_path, rng):
    arrays = tiny_idx_set(rng)
    monkeypatch.setattr(fashion_mnist, "FILES", specs_for(fashion_mnist, arrays, "file"))
    base = fashion_mnist.MIRRORS[0]
    files = {
        base + fashion_mnist.FILES[s].name: gzip.compress(idx_bytes(a), mtime=0)
        for s, a in arrays.items()
    }
    asked = serve(monkeypatch, files)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    cache = tmp_path / "cache" / "fashion_mnist"
    assert sorted(os.listdir(cache)) == sorted(spec.name for spec in fashion_mnist.FILES.values())
    assert len(asked) == 4
    fashion_mnist.load_data()  # from the cache: no new request
    assert len(asked) == 4


def test_a_mirror_with_a_bad_copy_is_skipped_for_the_next(monkeypatch, tmp_path, rng):
    arrays = tiny_idx_set(rng)
    monkeypatch.setattr(mnist, "FILES", specs_for(mnist, arrays, "content"))
    first, second = mnist.MIRRORS[:2]
    files = {}
    for split, array in arrays.items():
        name = mnist.FILES[split].name
        tampered = array.copy()
        tampered.flat[0] ^= 1
        files[first + name] = gzip.compress(idx_bytes(tampered))
        files[second + name] = gzip.compress(idx_bytes(array), mtime=12345)  # other header
    serve(monkeypatch, files)
    (x_train, _), _ = mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])


@pytest.mark.parametrize("failure", ["reset mid-transfer", "bad checksum", "truncated gzip"])
def test_a_failed_download_caches_nothing(monkeypatch, tmp_path, rng, failure):
    arrays = tiny_idx_set(rng)
    monkeypatch.setattr(mnist, "FILES", specs_for(mnist, arrays, "content"))
    payload = {s: gzip.compress(idx_bytes(a)) for s, a in arrays.items()}
    fail_after = None
    if failure == "reset mid-transfer":
        fail_after = 100  # the first 100 bytes reach the temporary file, then the link drops
    elif failure == "bad checksum":
        payload["x_train"] = gzip.compress(idx_bytes(arrays["x_train"][::-1]))
    else:
        payload["x_train"] = payload["x_train"][:-30]
    files = {m + mnist.FILES[s].name: d for m in mnist.MIRRORS for s, d in payload.items()}
    serve(monkeypatch, files, fail_after=fail_after)
    with pytest.raises(DatasetNotFoundError) as info:
        mnist.load_data()
    expected = {
        "reset mid-transfer": "ConnectionResetError",
        "bad checksum": "sha256 of the decompressed content",
        "truncated gzip": "the gzip stream ended early",
    }[failure]
    assert expected in str(info.value)
    assert os.listdir(tmp_path / "cache" / "mnist") == []  # no partial file, no temporary


# ---- CIFAR-10, binary version ------------------------------------------------------------------


def cifar_tarball(path, rng, records=2, label_override=None, drop=None):
    """A binary-version tarball with `records` records per batch; returns the arrays."""
    expected = {}
    with tarfile.open(path, "w:gz") as tar:
        for name in (*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH):
            if name == drop:
                continue
            labels = rng.integers(0, 10, records, dtype=np.uint8)
            if label_override is not None:
                labels[0] = label_override
            images = rng.integers(0, 256, (records, 3, 32, 32), dtype=np.uint8)
            data = np.concatenate([labels[:, None], images.reshape(records, -1)], axis=1)
            info = tarfile.TarInfo(name)
            info.size = data.nbytes
            tar.addfile(info, io.BytesIO(data.tobytes()))
            expected[name] = (images.transpose(0, 2, 3, 1), labels[:, None])
    return expected


def test_cifar10_binary_tarball_decodes_channels_last(monkeypatch, tmp_path, rng):
    directory = tmp_path / "c"
    directory.mkdir()
    archive = directory / "cifar-10-binary.tar.gz"
    expected = cifar_tarball(archive, rng)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    monkeypatch.setattr(cifar10, "ARCHIVE", DataFile(archive.name, digest))
    monkeypatch.setattr(cifar10, "RECORDS_PER_BATCH", 2)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(data_dir=directory)
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1)
    assert x_test.shape == (2, 32, 32, 3) and y_test.shape == (2, 1)
    assert x_train.dtype == y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train[2:4], expected[cifar10.TRAIN_BATCHES[1]][0])
    np.testing.assert_array_equal(y_test, expected[cifar10.TEST_BATCH][1])
    # pixel (row 0, column 1) of image 0 is byte 1 of red, 1025 of green, 2049 of blue
    images = expected[cifar10.TEST_BATCH][0]
    assert x_test[0, 0, 1].tolist() == images[0, 0, 1].tolist()


def test_cifar10_batches_must_hold_10000_records(monkeypatch, tmp_path, rng):
    archive = tmp_path / "cifar-10-binary.tar.gz"
    cifar_tarball(archive, rng)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    monkeypatch.setattr(cifar10, "ARCHIVE", DataFile(archive.name, digest))
    # The real loader expects 10000 records per batch.
    with pytest.raises(CorruptDatasetError, match=r"data_batch_1\.bin holds 6146 bytes"):
        cifar10.load_data(data_dir=tmp_path)
    assert cifar10.read_binary_archive(archive, records_per_batch=2)  # well formed otherwise


@pytest.mark.parametrize("defect", ["truncated", "missing batch", "label 10", "checksum"])
def test_cifar10_bad_archive_is_named_with_what_is_wrong(monkeypatch, tmp_path, rng, defect):
    monkeypatch.setattr(cifar10, "RECORDS_PER_BATCH", 2)
    archive = tmp_path / "cifar-10-binary.tar.gz"
    drop = cifar10.TRAIN_BATCHES[2] if defect == "missing batch" else None
    cifar_tarball(archive, rng, label_override=10 if defect == "label 10" else None, drop=drop)
    if defect == "truncated":
        archive.write_bytes(archive.read_bytes()[:-200])
    if defect != "checksum":  # the checksum is checked first: let these defects past it
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        monkeypatch.setattr(cifar10, "ARCHIVE", DataFile(archive.name, digest))
    expected = {
        "truncated": "truncated or corrupt archive",
        "missing batch": r"the archive lacks \['cifar-10-batches-bin/data_batch_3\.bin'\]",
        "label 10": r"cifar-10-batches-bin/data_batch_1\.bin has label 10, expected 0-9",
        "checksum": "sha256 of the file is",
    }[defect]
    with pytest.raises(
        CorruptDatasetError, match=f"cifar10: {re.escape(str(archive))}: {expected}"
    ):
        cifar10.load_data(data_dir=tmp_path)


def test_cifar10_python_version_is_refused_with_the_reason(tmp_path):
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"pickles inside")
    with pytest.raises(DatasetNotFoundError, match="python version, whose batches are pickles"):
        cifar10.load_data(data_dir=tmp_path)


def test_keras_signatures():
    import inspect

    def defaults(function):
        return {n: p.default for n, p in inspect.signature(function).parameters.items()}

    assert defaults(mnist.load_data) == {"path": "mnist.npz", "data_dir": None}
    assert defaults(fashion_mnist.load_data) == {"data_dir": None}
    assert defaults(cifar10.load_data) == {"data_dir": None}


def test_struct_of_the_idx_header():
    assert _idx.idx_header((60000, 28, 28)) == struct.pack(">IIII", 0x803, 60000, 28, 28)
    assert _idx.idx_header((10,)) == b"\0\0\x08\x01\0\0\0\x0a"

"""Pipeline machinery: vectorised batching, cache, prefetch threads, parallel map, layering."""

import ast
import gc
import pathlib
import threading
import time

import numpy as np
import pytest

import tapeflow
from tapeflow.core.errors import DataLossError
from tapeflow.data import batching, buffering, index_plan


@pytest.fixture
def gathers(monkeypatch):
    """Counts row gathers (their sizes)."""
    calls = []
    original = index_plan.SlicesSource.gather

    def counting(self, idx):
        calls.append(len(idx))
        return original(self, idx)

    monkeypatch.setattr(index_plan.SlicesSource, "gather", counting)
    return calls


@pytest.fixture
def no_stacking(monkeypatch):
    """Makes stacking single elements into a batch an error."""

    def fail(group):
        raise AssertionError("stacked single elements where a gather was expected")

    monkeypatch.setattr(batching, "_stack", fail)


def test_slices_shuffle_batch_gathers_one_slice_per_batch(tf, gathers, no_stacking, rng):
    x = rng.standard_normal((50, 3))
    y = rng.integers(0, 10, 50)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(50, seed=1).batch(8)
    batches = list(ds)
    assert gathers == [8] * 6 + [2]  # one gather per batch (each takes every component)
    xs = np.concatenate([b[0].numpy() for b in batches])
    ys = np.concatenate([b[1].numpy() for b in batches])
    rows = np.argsort(x[:, 0])[np.searchsorted(np.sort(x[:, 0]), xs[:, 0])]
    assert sorted(rows) == list(range(50))  # a permutation of the rows
    np.testing.assert_array_equal(xs, x[rows])
    np.testing.assert_array_equal(ys, y[rows])  # components stay paired


def test_fused_chains_with_take_skip_shard_repeat(tf, gathers, no_stacking):
    ds = (
        tf.data.Dataset.from_tensor_slices(np.arange(40))
        .shuffle(8, seed=4)
        .skip(3)
        .take(30)
        .shard(2, 1)
        .repeat(2)
        .batch(4, drop_remainder=True)
    )
    batches = [b.numpy() for b in ds]
    assert len(batches) == len(ds) == 7
    assert gathers == [4] * 7
    flat = np.concatenate(batches)
    assert len(set(flat[:15].tolist())) == 15  # one epoch: distinct rows


def test_enumerate_and_zip_of_row_sources_batch_by_gathers(tf, gathers, no_stacking):
    ds = tf.data.Dataset.from_tensor_slices(np.arange(10.0)).shuffle(10, seed=3).enumerate()
    batches = list(ds.batch(4))
    assert gathers == [4, 4, 2]
    assert np.concatenate([i.numpy() for i, _ in batches]).tolist() == list(range(10))
    assert sorted(np.concatenate([x.numpy() for _, x in batches])) == list(range(10))


def test_batch_then_map_runs_once_per_batch(tf):
    calls = []

    def normalise(x, y):
        calls.append(x.shape.as_list())
        return tapeflow.cast(x, tapeflow.float32) / 255.0, y

    images = np.arange(10 * 4, dtype=np.uint8).reshape(10, 2, 2)
    ds = tf.data.Dataset.from_tensor_slices((images, np.arange(10))).batch(4).map(normalise)
    out = list(ds)
    assert ds.element_spec[0] == tf.TensorSpec([None, 2, 2], tapeflow.float32)
    assert calls[-3:] == [[4, 2, 2], [4, 2, 2], [2, 2, 2]]
    np.testing.assert_allclose(out[0][0].numpy(), images[:4] / np.float32(255.0), rtol=1e-6)


def test_memory_cache_keeps_only_complete_iterations(tf):
    calls = []

    def record(x):
        calls.append(int(x))
        return x * 2

    ds = tf.data.Dataset.range(6).map(record).cache()
    assert [int(x) for x in ds.take(2)] == [0, 2]  # partial: nothing is cached
    calls.clear()
    assert [int(x) for x in ds] == [0, 2, 4, 6, 8, 10]
    assert calls == [0, 1, 2, 3, 4, 5]
    calls.clear()
    assert [int(x) for x in ds] == [0, 2, 4, 6, 8, 10]
    assert calls == []  # replayed from the cache


def test_cache_then_shuffle_batch_is_a_row_source_after_one_epoch(tf, gathers):
    ds = tf.data.Dataset.range(12).map(lambda x: x * 3).cache().shuffle(12, seed=0).batch(5)
    first = np.concatenate([b.numpy() for b in ds])  # recorded one by one
    gathers.clear()
    second = np.concatenate([b.numpy() for b in ds])
    assert gathers == [5, 5, 2]
    assert sorted(first) == sorted(second) == list(range(0, 36, 3))


def test_file_cache_is_written_atomically_and_reread(tf, tmp_path):
    path = str(tmp_path / "cache")
    ds = tf.data.Dataset.range(5).map(lambda x: (x, tapeflow.fill([x], 0.5))).cache(path)
    it = iter(ds)
    next(it), next(it)
    del it
    gc.collect()
    assert not (tmp_path / ("cache" + buffering.CACHE_SUFFIX)).exists()  # partial: no file
    first = [(int(a), b.numpy().tolist()) for a, b in ds]
    assert (tmp_path / ("cache" + buffering.CACHE_SUFFIX)).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache" + buffering.CACHE_SUFFIX]

    calls = []

    def counted(x):
        calls.append(int(x))
        return x, tapeflow.fill([x], 0.5)

    reread = tf.data.Dataset.range(5).map(counted).cache(path)  # a new dataset, same file
    assert [(int(a), b.numpy().tolist()) for a, b in reread] == first
    assert first[2] == (2, [0.5, 0.5])
    # read from the file: the function ran at most once, to learn the element_spec
    assert len(calls) <= 1


def test_file_cache_detects_corruption(tf, tmp_path):
    path = str(tmp_path / "c")
    ds = tf.data.Dataset.from_tensor_slices(np.arange(6.0)).cache(path)
    assert [float(x) for x in ds] == [0, 1, 2, 3, 4, 5]
    file = tmp_path / ("c" + buffering.CACHE_SUFFIX)
    data = bytearray(file.read_bytes())
    data[-50] ^= 0xFF
    file.write_bytes(bytes(data))
    fresh = tf.data.Dataset.from_tensor_slices(np.arange(6.0)).cache(path)
    with pytest.raises(DataLossError):
        list(fresh)


def _threads(prefix):
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def _wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_prefetch_stops_its_thread_when_the_iterator_is_dropped(tf):
    before = set(_threads("tapeflow-data-prefetch"))
    ds = tf.data.Dataset.range(10).repeat().map(lambda x: x + 1).prefetch(3)
    it = iter(ds)
    assert [int(next(it)) for _ in range(4)] == [1, 2, 3, 4]
    started = set(_threads("tapeflow-data-prefetch")) - before
    assert len(started) == 1
    del it
    gc.collect()
    assert _wait_until(lambda: not any(t.is_alive() for t in started))


def test_prefetch_keeps_order_and_ends(tf):
    ds = tf.data.Dataset.range(25).batch(4).prefetch(2)
    assert [b.numpy().tolist() for b in ds][-1] == [24]
    assert np.concatenate([b.numpy() for b in ds]).tolist() == list(range(25))


def test_parallel_map_keeps_order_unless_told_otherwise(tf, rng):
    delays = rng.random(24) * 0.004

    def slow(x):
        time.sleep(delays[int(x)])
        return x * 10

    ordered = tf.data.Dataset.range(24).map(slow, num_parallel_calls=tf.data.AUTOTUNE)
    assert [int(x) for x in ordered] == list(range(0, 240, 10))
    loose = tf.data.Dataset.range(24).map(slow, num_parallel_calls=4, deterministic=False)
    assert sorted(int(x) for x in loose) == list(range(0, 240, 10))


def test_parallel_map_pool_shuts_down_with_the_iterator(tf):
    before = set(_threads("tapeflow-data-map"))
    it = iter(tf.data.Dataset.range(1000).map(lambda x: x, num_parallel_calls=3))
    next(it)
    started = set(_threads("tapeflow-data-map")) - before
    assert 1 <= len(started) <= 3
    del it
    gc.collect()
    assert _wait_until(lambda: not any(t.is_alive() for t in started))


DATA = pathlib.Path(tapeflow.__file__).parent / "data"
ALLOWED = {"core", "backend", "io"}


@pytest.mark.parametrize("path", sorted(DATA.glob("*.py")), ids=lambda p: p.name)
def test_data_imports_only_core_backend_and_io(path):
    bad = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 2 and node.module:
                sub = node.module.split(".")[0]
            elif node.level == 0 and (node.module or "").startswith("tapeflow."):
                sub = node.module.split(".")[1]
            else:
                continue
            if sub not in ALLOWED:
                bad.append((sub, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "tapeflow" and len(parts) > 1 and parts[1] not in ALLOWED:
                    bad.append((parts[1], node.lineno))
    assert not bad, f"{path.name} imports upward: {bad}"

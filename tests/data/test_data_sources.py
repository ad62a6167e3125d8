"""Sources, element types, the iterator protocol and the small consumers of tf.data."""

import numpy as np
import pytest

import tapeflow
from tapeflow.core.errors import FailedPreconditionError, OutOfRangeError
from tapeflow.core.tensor import Tensor
from tapeflow.data import Dataset, TensorSpec, experimental


def test_dict_of_columns_like_a_dataframe(tf, rng):
    # `from_tensor_slices(dict(df))`: each column keeps its dtype, rows become dicts
    columns = {
        "age": rng.integers(18, 80, size=7),
        "fare": rng.random(7),
        "alone": rng.random(7) > 0.5,
    }
    ds = tf.data.Dataset.from_tensor_slices((columns, rng.integers(0, 2, size=7)))
    features, label = next(iter(ds))
    assert sorted(features) == ["age", "alone", "fare"]
    assert features["fare"].dtype == tapeflow.float64
    assert features["age"].dtype == tapeflow.int64
    assert features["alone"].dtype == tapeflow.bool
    batches = list(ds.batch(4))
    assert [b[0]["fare"].shape.as_list() for b in batches] == [[4], [3]]
    np.testing.assert_array_equal(
        np.concatenate([b[0]["fare"].numpy() for b in batches]), columns["fare"]
    )


class _Series:
    """Stands in for a pandas Series: converted through __array__, dtype kept."""

    def __init__(self, values):
        self._values = values

    def __array__(self, dtype=None, copy=None):
        return self._values if dtype is None else self._values.astype(dtype)


def test_array_like_columns_keep_their_dtype(tf):
    ds = tf.data.Dataset.from_tensor_slices({"x": _Series(np.array([1.5, 2.5]))})
    assert ds.element_spec["x"].dtype == tapeflow.float64
    assert [e["x"].numpy() for e in ds] == [1.5, 2.5]


def test_float64_stays_float64_and_python_floats_are_float32(tf):
    x = np.linspace(0, 1, 4)
    element = next(iter(tf.data.Dataset.from_tensor_slices(x)))
    assert isinstance(element, Tensor) and element.dtype == tapeflow.float64
    assert next(iter(tf.data.Dataset.from_tensor_slices([0.5]))).dtype == tapeflow.float32
    batch = next(iter(tf.data.Dataset.from_tensor_slices(x).shuffle(4).batch(4)))
    assert batch.dtype == tapeflow.float64


def test_slices_copy_the_source_array(tf):
    x = np.arange(4.0)
    ds = tf.data.Dataset.from_tensor_slices(x)
    x[:] = -1  # TF copies at construction: later writes do not show
    assert [float(e) for e in ds] == [0.0, 1.0, 2.0, 3.0]
    v = tapeflow.Variable([1.0, 2.0])
    from_variable = tf.data.Dataset.from_tensor_slices(v)
    v.assign([5.0, 6.0])  # assign writes in place: the dataset holds its own copy
    assert [float(e) for e in from_variable] == [1.0, 2.0]


def test_tensor_inputs(tf):
    ds = tf.data.Dataset.from_tensor_slices(tapeflow.constant([[1, 2], [3, 4]]))
    assert [e.numpy().tolist() for e in ds] == [[1, 2], [3, 4]]
    assert [int(e) for e in tf.data.Dataset.range(tapeflow.constant(3))] == [0, 1, 2]


def test_from_generator_signature_args_and_reiteration(tf):
    calls = []

    def gen(n, scale):
        calls.append((type(n), n, scale.dtype))
        for i in range(int(n)):
            yield i, np.full(2, i * scale)

    ds = tf.data.Dataset.from_generator(
        gen,
        output_signature=(TensorSpec((), tapeflow.int32), TensorSpec((2,), tapeflow.float32)),
        args=(3, np.float64(0.5)),
    )
    first = [(int(a), b.numpy().tolist(), b.dtype) for a, b in ds]
    assert first == [(0, [0, 0], tapeflow.float32), (1, [0.5, 0.5], tapeflow.float32)] + [
        (2, [1.0, 1.0], tapeflow.float32)
    ]
    assert len(list(ds)) == 3  # the generator is called again for every iteration
    # TF hands the generator NumPy values of the converted args
    assert calls[0][0] is np.int32 and calls[0][2] == np.float64
    assert ds.cardinality().numpy() == experimental.UNKNOWN_CARDINALITY


def test_from_generator_yields_copies(tf):
    buffer = np.zeros(2)

    def gen():
        for i in range(3):
            buffer[:] = i  # one buffer refilled in place, as readers often do
            yield buffer

    ds = tf.data.Dataset.from_generator(gen, output_types=tapeflow.float64)
    assert [e.numpy().tolist() for e in ds] == [[0, 0], [1, 1], [2, 2]]
    assert ds.element_spec == TensorSpec(None, tapeflow.float64)


def test_tensor_spec():
    spec = TensorSpec([None, 3], tapeflow.float32, name="x")
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tf.float32, name='x')"
    assert spec.is_compatible_with(tapeflow.zeros([5, 3]))
    assert not spec.is_compatible_with(tapeflow.zeros([5, 4]))
    assert not spec.is_compatible_with(TensorSpec([5, 3], tapeflow.float64))
    assert TensorSpec([2]) == TensorSpec((2,), "float32")
    assert TensorSpec.from_tensor(tapeflow.constant([1, 2])) == TensorSpec([2], tapeflow.int32)
    assert repr(TensorSpec(None)) == "TensorSpec(shape=<unknown>, dtype=tf.float32, name=None)"


def test_iterator_protocol(tf):
    it = iter(tf.data.Dataset.range(2))
    assert it.element_spec == TensorSpec((), tapeflow.int64)
    assert int(next(it)) == 0
    assert int(it.get_next()) == 1
    with pytest.raises(StopIteration):
        next(it)
    with pytest.raises(OutOfRangeError, match="End of sequence"):
        it.get_next()


def test_as_numpy_iterator(tf):
    out = list(tf.data.Dataset.range(2).map(lambda x: (x, {"y": tapeflow.fill([2], x)})))
    assert isinstance(out[0][0], Tensor)
    values = list(
        tf.data.Dataset.range(2)
        .map(lambda x: (x, {"y": tapeflow.fill([2], x)}))
        .as_numpy_iterator()
    )
    assert isinstance(values[1][0], np.int64) and values[1][0] == 1
    assert values[1][1]["y"].tolist() == [1, 1]


def test_len_bool_and_cardinality(tf):
    ds = tf.data.Dataset.range(10).batch(3)
    assert len(ds) == 4
    card = ds.cardinality()
    assert card.dtype == tapeflow.int64 and int(card) == 4
    assert int(experimental.cardinality(ds.repeat())) == experimental.INFINITE_CARDINALITY
    assert tf.data.INFINITE_CARDINALITY == -1 and tf.data.UNKNOWN_CARDINALITY == -2
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(ds.repeat())
    with pytest.raises(TypeError, match="The dataset length is unknown."):
        len(ds.filter(lambda x: True))
    assert bool(ds.repeat()) is True  # never falls back to __len__


def test_reduce(tf):
    total = tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x)
    assert total.dtype == tapeflow.int64 and int(total) == 10
    pair = (
        tf.data.Dataset.range(1, 4)
        .map(lambda x: (x, x * 2))
        .reduce((np.int64(0), np.int64(1)), lambda s, e: (s[0] + e[0], s[1] * e[1]))
    )
    assert (int(pair[0]), int(pair[1])) == (6, 48)
    with pytest.raises(TypeError, match="must match the initial state"):
        tf.data.Dataset.range(3).reduce(
            np.int64(0), lambda s, x: tapeflow.cast(s + x, tapeflow.float32)
        )


def test_get_single_element_and_apply(tf):
    assert int(tf.data.Dataset.range(1).get_single_element()) == 0
    doubled = tf.data.Dataset.range(3).apply(lambda d: d.map(lambda x: x * 2))
    assert [int(x) for x in doubled] == [0, 2, 4]
    with pytest.raises(TypeError, match="must return a `tf.data.Dataset`"):
        tf.data.Dataset.range(3).apply(lambda d: 3)


def test_window_elements_are_datasets(tf):
    windows = list(tf.data.Dataset.range(5).window(2, 2))
    assert all(isinstance(w, Dataset) for w in windows)
    assert [[int(x) for x in w] for w in windows] == [[0, 1], [2, 3], [4]]


def test_options_are_accepted(tf):
    options = tf.data.Options()
    options.deterministic = False
    options.experimental_distribute.auto_shard_policy = experimental.AutoShardPolicy.DATA
    ds = tf.data.Dataset.range(3).with_options(options)
    assert [int(x) for x in ds] == [0, 1, 2]
    assert ds.options().experimental_distribute.auto_shard_policy == 2
    assert tf.data.Options().threading.private_threadpool_size is None


def test_assert_cardinality(tf):
    ds = tf.data.Dataset.range(3).filter(lambda x: True)
    declared = ds.apply(experimental.assert_cardinality(3))
    assert len(declared) == 3 and [int(x) for x in declared] == [0, 1, 2]
    with pytest.raises(FailedPreconditionError, match="expected to contain 4 elements"):
        list(ds.apply(experimental.assert_cardinality(4)))


def test_map_spec_is_learned_from_the_first_element(tf):
    # TF traces symbolically and would say (None,); tapeflow runs the function on the
    # first element: a shape the function fixes stays fixed, a batch dimension stays None.
    ds = tf.data.Dataset.range(1, 4).map(lambda x: tapeflow.fill([x], x))
    assert ds.element_spec == TensorSpec([1], tapeflow.int64)
    assert [e.shape.as_list() for e in ds] == [[1], [2], [3]]
    batched = tf.data.Dataset.range(10).batch(4).map(lambda x: (x, tapeflow.zeros([2])))
    assert batched.element_spec == (
        TensorSpec([None], tapeflow.int64),
        TensorSpec([2], tapeflow.float32),
    )

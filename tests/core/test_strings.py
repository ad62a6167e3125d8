"""String tensors in the engine: dtype, conversion, the registry's gate, tapes, tf.function.

TensorFlow's own answers for the public functions are in tests/test_strings_golden.py.
"""

import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.registry import registered_ops
from tapeflow.testing.gradcheck import sample_inputs


def test_string_dtype_is_tfs():
    assert tf.string.name == "string" and repr(tf.string) == "tf.string"
    assert tf.string.as_numpy_dtype is object and tf.string.size == 0
    assert not (tf.string.is_numeric or tf.string.is_floating or tf.string.is_integer)
    for value in (
        "string",
        object,
        np.object_,
        np.str_,
        np.bytes_,
        np.dtype("U3"),
        np.dtype("S4"),
    ):
        assert tf.as_dtype(value) is tf.string
    for value in (str, bytes):
        with pytest.raises(TypeError):
            tf.as_dtype(value)
    with pytest.raises(TypeError, match="minimum"):
        _ = tf.string.min
    assert tf.dtypes.string is tf.string


@pytest.mark.parametrize(
    "value",
    [
        ["a", "é"],
        [b"a", b"\xc3\xa9"],
        np.array(["a", "é"]),
        np.array([b"a", "é".encode()]),
        np.array(["a", b"\xc3\xa9"], dtype=object),
        ("a", "é"),
    ],
)
def test_text_becomes_utf8_bytes(value):
    t = tf.constant(value)
    assert t.dtype == tf.string and t.shape == (2,)
    out = t.numpy()
    assert out.dtype == object and out.tolist() == [b"a", b"\xc3\xa9"]
    assert all(type(b) is bytes for b in out)  # never np.bytes_ or str


def test_scalar_numpy_is_bytes_and_repr_is_tfs():
    t = tf.constant("Gray wolf")
    assert t.numpy() == b"Gray wolf" and type(t.numpy()) is bytes
    assert str(t) == "tf.Tensor(b'Gray wolf', shape=(), dtype=string)"
    assert repr(t) == "<tf.Tensor: shape=(), dtype=string, numpy=b'Gray wolf'>"
    m = tf.constant([["a", "bb"], ["c", "d"]])
    assert str(m) == "tf.Tensor(\n[[b'a' b'bb']\n [b'c' b'd']], shape=(2, 2), dtype=string)"


def test_a_constant_does_not_alias_the_callers_array():
    a = np.array([b"x", b"y"], dtype=object)
    t = tf.constant(a)
    a[0] = b"changed"
    assert t.numpy().tolist() == [b"x", b"y"]


def test_missing_values_in_a_pandas_text_column_are_refused():
    pd = pytest.importorskip("pandas")
    column = pd.Series(["a", None, "c"])
    with pytest.raises(ValueError, match="Unsupported object type"):
        tf.constant(np.asarray(column, dtype=object))
    with pytest.raises(ValueError, match="Unsupported object type"):
        tf.data.Dataset.from_tensor_slices({"c": column})


STRING_CAPABLE = {name for name, op in registered_ops().items() if op.strings}
NUMERIC_ONLY = sorted(
    name
    for name, op in registered_ops().items()
    if not op.strings and not op.stateful and op.samples and op.string_variant is None
)


@pytest.mark.parametrize("name", NUMERIC_ONLY)
def test_every_numeric_op_refuses_a_string_input(name):
    # NumPy would "sum", compare or sort the bytes in an object array; TF refuses.
    op = registered_ops()[name]
    sample = op.samples[0]
    args = sample_inputs(op, sample, np.random.default_rng(0))
    args[0] = np.full(np.shape(args[0]), b"x", dtype=object)
    with pytest.raises(tf.errors.InvalidArgumentError, match="string"):
        op(*[tf.constant(a) for a in args], **sample.attrs)


def test_the_gate_also_sees_string_variables():
    v = tf.Variable(["a", "b"])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Sum does not support string"):
        tf.reduce_sum(v)
    assert (v == "a").numpy().tolist() == [True, False]


def test_plus_joins_strings_as_tf_does():
    assert tf.add(tf.constant(["a", "b"]), "c").numpy().tolist() == [b"ac", b"bc"]
    assert ("x" + tf.constant("a")).numpy() == b"xa"
    with pytest.raises(TypeError, match="dtype string"):
        tf.constant("a") + 1


def test_strings_never_carry_gradients():
    s = tf.constant(["a", "b"])
    x = tf.constant([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(s)
            tape.watch(x)
            y = tf.where(s == "a", x * 2.0, x * 3.0)
            picked = tf.gather(s, [1])
        gx, gs = tape.gradient(y, [x, s])
        assert gs is None and gx.numpy().tolist() == [2.0, 3.0]
        assert tape.gradient(picked, s) is None


def test_string_arguments_are_part_of_the_trace_signature():
    traces = []

    @tf.function
    def f(s):
        traces.append(s.shape)
        return tf.strings.length(s)

    assert f(tf.constant("ab")).numpy() == 2
    assert f(tf.constant("abc")).numpy() == 3  # same dtype and shape: no new trace
    assert f(tf.constant(["abcd"])).numpy().tolist() == [4]
    assert len(traces) == 2


def test_input_signature_with_a_string_spec():
    f = tf.function(lambda s: s + "!", input_signature=[tf.TensorSpec([], tf.string)])
    assert f("hi").numpy() == b"hi!"
    assert f(tf.constant("yo")).numpy() == b"yo!"
    with pytest.raises(TypeError, match="Binding inputs"):
        f(tf.constant(["a"]))
    assert f.get_concrete_function() is not None  # traces on b"" (TensorSpec._example)


def test_traced_string_pipeline_reads_new_values_every_call():
    f = tf.function(
        lambda s: tf.strings.to_hash_bucket_fast(tf.strings.split(s).to_tensor(), 1000)
    )
    first = f(tf.constant(["a b", "c"]))
    second = f(tf.constant(["x y z", "w"]))
    eager = tf.strings.to_hash_bucket_fast(tf.strings.split(["x y z", "w"]).to_tensor(), 1000)
    assert first.shape == (2, 2)
    assert second.numpy().tolist() == eager.numpy().tolist()


def test_tf_print_quotes_strings_as_tf_does(capsys):
    import sys

    tf.print(tf.constant("a"), tf.constant(["a", "b"]), "plain", output_stream=sys.stdout)
    assert capsys.readouterr().out == '"a" ["a" "b"] plain\n'


def test_cast_names_tfs_kernel_types():
    with pytest.raises(tf.errors.UnimplementedError, match="Cast string to float is not"):
        tf.cast(tf.constant("1"), tf.float32)
    assert tf.cast(tf.constant("1"), tf.string).numpy() == b"1"


def test_string_variables_assign_whole_and_sliced():
    v = tf.Variable(["a", "b"])
    v[0].assign("z")  # one element: stored as bytes, not as a 0-d array
    assert v.numpy().tolist() == [b"z", b"b"]
    assert all(type(b) is bytes for b in v.numpy())
    v.assign(["c", "d"])
    m = tf.Variable([["a", "b"], ["c", "d"]])
    m[:, 0].assign("x")
    assert m.numpy().tolist() == [[b"x", b"b"], [b"x", b"d"]]


def test_split_of_a_ragged_tensor_adds_a_ragged_dimension():
    words = tf.strings.split(tf.strings.split(["a-b c", "d"]), "-")
    assert words.to_list() == [[[b"a", b"b"], [b"c"]], [[b"d"]]]


def test_a_ragged_tf_data_element_batches_as_ragged():
    ds = tf.data.Dataset.from_tensor_slices(["a b", "c"]).batch(2)
    split = next(iter(ds.map(lambda s: tf.strings.split(s))))
    assert isinstance(split, tf.RaggedTensor)
    assert split.to_list() == [[b"a", b"b"], [b"c"]]
    padded = ds.map(lambda s: tf.strings.split(s).to_tensor())
    assert next(iter(padded)).numpy().tolist() == [[b"a", b"b"], [b"c", b""]]

"""tf.saved_model with RaggedTensor and SparseTensor arguments and results: a trace from a
RaggedTensorSpec or SparseTensorSpec with None dimensions serves every value of the spec (in
the process, and saved then loaded in a fresh one), as TF 2.21 does; the class of a saved
composite is a fixed name from an allow-list, never imported because a file names it."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import DataLossError
from tapeflow.io.safe_format import read_tensors, write_tensors


def _run_fresh(script: str) -> dict:
    """Runs `script` in a new Python process and returns the JSON it prints last."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


class CustomModule(tf.Module):
    """The ragged_tensor guide's module."""

    def __init__(self, variable_value):
        super().__init__()
        self.v = tf.Variable(variable_value)

    @tf.function
    def grow(self, x):
        return x * self.v


def test_a_ragged_spec_trace_serves_every_row_partition():
    module = CustomModule(100.0)
    cf = module.grow.get_concrete_function(tf.RaggedTensorSpec([None, None], tf.float32))
    assert cf.polymorphic, cf.polymorphic_reason
    out = module.grow(tf.ragged.constant([[1.0, 4.0, 3.0], [2.0], [5.0]]))
    assert out.to_list() == [[100.0, 400.0, 300.0], [200.0], [500.0]]
    out = cf(tf.ragged.constant([[1.0], [], [2.0, 3.0, 4.0, 5.0]]))
    assert out.to_list() == [[100.0], [], [200.0, 300.0, 400.0, 500.0]]
    assert module.grow.experimental_get_tracing_count() == 1  # as TF: no retrace
    spec = "RaggedTensorSpec(TensorShape([None, None]), tf.float32, 1, tf.int64)"
    assert cf.pretty_printed_signature(verbose=False) == f"(x: {spec}) -> {spec}"


def test_input_signature_with_a_ragged_spec_and_a_tensor_spec():
    # The None axes of the signature are per component tensor: a ragged argument before a
    # TensorSpec([None]) must not shift the TensorSpec's axes onto the row splits.
    @tf.function(
        input_signature=[
            tf.RaggedTensorSpec([None, None], tf.float32),
            tf.TensorSpec([None], tf.float32),
        ]
    )
    def f(x, y):
        return tf.reduce_sum(x, axis=1) + tf.reduce_sum(y)

    a = f(tf.ragged.constant([[1.0, 2.0], [3.0]]), tf.constant([1.0, 1.0]))
    b = f(tf.ragged.constant([[1.0], [2.0, 3.0, 4.0], []]), tf.constant([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(a.numpy(), [5.0, 5.0])
    np.testing.assert_allclose(b.numpy(), [7.0, 15.0, 6.0])


def test_tf_guide_custom_module_with_a_ragged_argument_in_a_fresh_process(tmp_path):
    module = CustomModule(100.0)
    module.grow.get_concrete_function(tf.RaggedTensorSpec(shape=[None, None], dtype=tf.float32))
    tf.saved_model.save(module, str(tmp_path / "m"))
    out = _run_fresh(
        f"""
        import json, tapeflow as tf
        loaded = tf.saved_model.load({str(tmp_path / "m")!r})
        a = loaded.grow(tf.ragged.constant([[1.0, 4.0, 3.0], [2.0]]))
        b = loaded.grow(tf.ragged.constant([[1.0], [], [2.0, 3.0, 4.0, 5.0], [6.0]]))
        cf = loaded.grow.get_concrete_function(tf.RaggedTensorSpec([None, None], tf.float32))
        spec = cf.structured_input_signature[0][0]
        print(json.dumps({{"a": a.to_list(), "b": b.to_list(), "type": type(a).__name__,
                          "spec": repr(spec)}}))
        """
    )
    assert out["type"] == "RaggedTensor"
    assert out["a"] == [[100.0, 400.0, 300.0], [200.0]]
    assert out["b"] == [[100.0], [], [200.0, 300.0, 400.0, 500.0], [600.0]]
    assert out["spec"] == repr(tf.RaggedTensorSpec([None, None], tf.float32, 1, tf.int64))


class Features(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([1.0, 2.0, 3.0])

    @tf.function
    def affine(self, x):  # ragged rank 2
        return x * self.w[1] + 1.0

    @tf.function
    def sparse_scores(self, x):  # sparse [None, 3]: its stored values, weighted
        return tf.reduce_sum(x.values * self.w[2]) + tf.cast(tf.shape(x.indices)[0], tf.float32)

    @tf.function
    def scaled(self, x):  # a sparse result
        return x * 2.0


class Doubler(tf.Module):
    @tf.function
    def scaled(self, x):
        return x * 2.0


def test_ragged_rank_2_sparse_and_sparse_results_in_a_fresh_process(tmp_path, rng):
    m = Features()
    m.affine.get_concrete_function(tf.RaggedTensorSpec([None, None, None], tf.float32, 2))
    m.sparse_scores.get_concrete_function(tf.SparseTensorSpec([None, 3], tf.float32))
    m.scaled.get_concrete_function(tf.SparseTensorSpec([None, None], tf.float32))
    tf.saved_model.save(m, str(tmp_path / "m"))
    nested = [[[1.0, 2.0], [3.0]], [[4.0, 5.0, 6.0]], [[], [7.0], [8.0, 9.0]]]
    values = rng.normal(size=4).astype(np.float32)
    indices = [[0, 0], [1, 2], [3, 1], [4, 0]]
    expected_rows = [[[3.0, 5.0], [7.0]], [[9.0, 11.0, 13.0]], [[], [15.0], [17.0, 19.0]]]
    dense = np.zeros((5, 3), np.float32)
    dense[tuple(np.array(indices).T)] = values
    out = _run_fresh(
        f"""
        import json, numpy as np, tapeflow as tf
        loaded = tf.saved_model.load({str(tmp_path / "m")!r})
        rows = loaded.affine(tf.ragged.constant({nested!r}, ragged_rank=2))
        sp = tf.sparse.SparseTensor({indices!r}, np.array({values.tolist()!r}, np.float32),
                                    [5, 3])
        scores = loaded.sparse_scores(sp)
        doubled = loaded.scaled(sp)
        try:
            loaded.sparse_scores(tf.sparse.SparseTensor([[0, 0]], [1.0], [2, 4]))
            wrong = None
        except ValueError as e:
            wrong = str(e)
        print(json.dumps({{
            "rows": rows.to_list(), "scores": scores.numpy().tolist(),
            "type": type(doubled).__name__,
            "doubled": tf.sparse.to_dense(doubled).numpy().tolist(),
            "indices": doubled.indices.numpy().tolist(), "wrong": wrong}}))
        """
    )
    assert out["rows"] == expected_rows
    np.testing.assert_allclose(out["scores"], values.sum() * 3.0 + 4.0, 1e-5)
    assert out["type"] == "SparseTensor"
    assert out["indices"] == indices
    np.testing.assert_allclose(out["doubled"], 2 * dense, 1e-6)
    assert (
        out["wrong"] is not None and "Could not find matching concrete function" in (out["wrong"])
    )


def test_signature_with_a_ragged_input_takes_its_components_as_tf(tmp_path):
    # TF 2.21 flattens a composite signature input into its component tensors, named
    # x, x_1, ... (flat values, then row splits).
    class Summer(tf.Module):
        @tf.function(input_signature=[tf.RaggedTensorSpec([None, None], tf.float32)])
        def total(self, x):
            return x.flat_values * 2.0

        @tf.function(input_signature=[tf.RaggedTensorSpec([None, None], tf.float32)])
        def scaled(self, x):
            return x * 3.0

    m = Summer()
    tf.saved_model.save(
        m, str(tmp_path / "m"), signatures={"serving_default": m.total, "scaled": m.scaled}
    )
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    serve = loaded.signatures["serving_default"]
    assert sorted(serve.structured_input_signature[1]) == ["x", "x_1"]
    out = serve(x=tf.constant([1.0, 4.0, 3.0, 2.0]), x_1=tf.constant([0, 3, 4], tf.int64))
    np.testing.assert_allclose(out["output_0"].numpy(), [2.0, 8.0, 6.0, 4.0])
    assert loaded.total(tf.ragged.constant([[1.0], [2.0, 3.0]])).numpy().tolist() == [2, 4, 6]
    # A ragged result stays ragged in the signature's dict, as in TF.
    scaled = loaded.signatures["scaled"]
    assert scaled.structured_outputs == {
        "output_0": tf.RaggedTensorSpec([None, None], tf.float32, 1, tf.int64)
    }
    out = scaled(x=tf.constant([1.0, 2.0, 3.0]), x_1=tf.constant([0, 1, 1, 3], tf.int64))
    assert out["output_0"].to_list() == [[3.0], [], [6.0, 9.0]]


def _saved_guide_module(directory):
    module = CustomModule(100.0)
    module.grow.get_concrete_function(tf.RaggedTensorSpec([None, None], tf.float32))
    tf.saved_model.save(module, str(directory))


@pytest.mark.parametrize(
    "name", ["collections.OrderedDict", "hostile_composite_marker.Evil", "IndexedSlices", 7]
)
def test_a_file_naming_another_composite_class_is_refused(tmp_path, name):
    _saved_guide_module(tmp_path / "m")
    path = tmp_path / "m" / "saved_model.tapeflow"
    tensors, metadata = read_tensors(path)
    structure = metadata["concrete_functions"][0]["structure"]
    assert structure[0][1]["composite"] == "RaggedTensor"
    structure[0][1]["composite"] = name
    write_tensors(path, tensors, metadata)
    with pytest.raises(DataLossError, match=r"composite tensor .* is not one tapeflow restores"):
        tf.saved_model.load(str(tmp_path / "m"))
    assert "hostile_composite_marker" not in sys.modules


def test_a_file_naming_another_composite_result_class_is_refused(tmp_path):
    m = Doubler()
    m.scaled.get_concrete_function(tf.SparseTensorSpec([None, None], tf.float32))
    tf.saved_model.save(m, str(tmp_path / "m"))
    path = tmp_path / "m" / "saved_model.tapeflow"
    tensors, metadata = read_tensors(path)
    metadata["concrete_functions"][0]["outputs"]["composite"] = "os.system"
    write_tensors(path, tensors, metadata)
    with pytest.raises(DataLossError, match="composite tensor 'os.system' is not one"):
        tf.saved_model.load(str(tmp_path / "m"))


def test_a_trace_tied_to_the_traced_row_partition_is_refused_at_save(tmp_path):
    # tapeflow reduces ragged rows with the row ids read on the host: that trace serves
    # only the traced partition, and a saved graph could not serve others.
    class Totals(tf.Module):
        @tf.function
        def total(self, x):
            return tf.reduce_sum(x, axis=1)

    m = Totals()
    m.total.get_concrete_function(tf.RaggedTensorSpec([None, None], tf.float32))
    with pytest.raises(ValueError, match="Totals.total: the trace for its RaggedTensorSpec"):
        tf.saved_model.save(m, str(tmp_path / "m"))
    assert not os.path.exists(tmp_path / "m" / "saved_model.tapeflow")


def test_a_signature_naming_another_composite_output_class_is_refused(tmp_path):
    class Scaler(tf.Module):
        @tf.function(input_signature=[tf.RaggedTensorSpec([None, None], tf.float32)])
        def scaled(self, x):
            return x * 3.0

    m = Scaler()
    tf.saved_model.save(m, str(tmp_path / "m"), signatures=m.scaled)
    path = tmp_path / "m" / "saved_model.tapeflow"
    tensors, metadata = read_tensors(path)
    outputs = metadata["signatures"]["serving_default"]["composite_outputs"]
    assert outputs["output_0"]["composite"] == "RaggedTensor"
    outputs["output_0"]["composite"] = "builtins.eval"
    write_tensors(path, tensors, metadata)
    with pytest.raises(DataLossError, match="composite tensor 'builtins.eval' is not one"):
        tf.saved_model.load(str(tmp_path / "m"))


def test_a_sparse_trace_that_depends_on_the_dense_shape_is_seen_to(tmp_path, rng):
    # The trace's shadow run grows the dense shape too, so a result whose shape follows it
    # (sparse_dense_matmul's rows) is known to need its own trace per dense shape.
    class Scores(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable([[1.0], [2.0], [3.0]])

        @tf.function
        def scores(self, x):
            return tf.sparse.sparse_dense_matmul(x, self.w)

    m = Scores()
    cf = m.scores.get_concrete_function(tf.SparseTensorSpec([None, 3], tf.float32))
    assert not cf.polymorphic and "SparseTensorDenseMatMul" in cf.polymorphic_reason
    for rows in (2, 5):
        values = rng.normal(size=3).astype(np.float32)
        indices = [[0, 0], [1, 2], [rows - 1, 1]]
        dense = np.zeros((rows, 3), np.float32)
        dense[tuple(np.array(indices).T)] = values
        out = m.scores(tf.sparse.SparseTensor(indices, values, [rows, 3]))
        np.testing.assert_allclose(out.numpy(), dense @ [[1.0], [2.0], [3.0]], 1e-6)
    with pytest.raises(ValueError, match="Scores.scores: .*SparseTensorDenseMatMul"):
        tf.saved_model.save(m, str(tmp_path / "m"))

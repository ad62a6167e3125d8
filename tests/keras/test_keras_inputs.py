"""Dict and nested inputs, targets, losses, metrics and sample weights of functional models:
matched by Input name, key and output name as in Keras 3, through every training API.

The cases live in tests/golden/keras_inputs_cases.py and run unchanged under TensorFlow
(make_keras_inputs.py wrote keras_inputs.json from Keras 3.15) and under tapeflow here.
"""

import importlib.util
import json
import pathlib
import warnings

import numpy as np
import pytest

import tapeflow as tf

GOLDEN_DIR = pathlib.Path(__file__).parent.parent / "golden"
GOLDEN = json.loads((GOLDEN_DIR / "keras_inputs.json").read_text())["cases"]
_spec = importlib.util.spec_from_file_location(
    "keras_inputs_cases", GOLDEN_DIR / "keras_inputs_cases.py"
)
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)
CASES = cases.all_cases()


def _run(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return {"result": fn(tf)}
        except Exception as e:  # noqa: BLE001 - the error is the result
            return {"error": type(e).__name__, "message": str(e)}


def _assert_close(got, expected, path="result"):
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(expected), path
        for k in expected:
            _assert_close(got[k], expected[k], f"{path}.{k}")
    elif isinstance(expected, list) and any(isinstance(e, (dict, list, str)) for e in expected):
        assert isinstance(got, (list, tuple)) and len(got) == len(expected), path
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            _assert_close(g, e, f"{path}[{i}]")
    elif isinstance(expected, str):
        assert got == expected, path
    else:
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-5, err_msg=path)


def test_the_golden_file_has_every_case():
    assert sorted(GOLDEN) == sorted(CASES)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_matches_keras(case_id):
    key, fn = CASES[case_id]
    got = _run(fn)
    if key in cases.TAPEFLOW_ERROR:
        assert got.get("error") == cases.TAPEFLOW_ERROR[key][0], got
        assert "error" in GOLDEN[case_id]
        return
    reference = cases.TAPEFLOW_ANSWER.get(key)
    expected = GOLDEN[cases.case_id(reference[0]) if reference else case_id]
    if "error" in expected:
        assert got.get("error") == expected["error"], got
        if expected["message"].startswith("Missing data for input"):
            assert expected["message"] in got["message"]
        return
    assert "result" in got, got
    result, wanted = got["result"], expected["result"]
    if reference is not None and reference[0][:2] != key[:2]:
        # Another declaration of the outputs: the predictions come in another structure,
        # the layers (so `get_weights`) in another order.
        result = {k: v for k, v in result.items() if k not in ("predict", "weights")}
        wanted = {k: v for k, v in wanted.items() if k not in ("predict", "weights")}
    _assert_close(result, wanted)


@pytest.mark.parametrize("key", sorted(cases.TAPEFLOW_ANSWER), ids=cases.case_id)
def test_where_tapeflow_differs_from_keras_keras_is_wrong_or_fails(key):
    """Keep the list of divergences honest: each one is still a Keras failure or a Keras
    answer that differs from the case given as the right answer."""
    ours = GOLDEN[cases.case_id(cases.TAPEFLOW_ANSWER[key][0])]
    theirs = GOLDEN[cases.case_id(key)]
    assert "result" in ours
    if "result" in theirs:
        assert json.dumps(theirs["result"], sort_keys=True) != json.dumps(
            ours["result"], sort_keys=True
        )


# ---- tapeflow's own checks: the example, messages, saving, nest ----------------------


def _z_a_model():
    z = tf.keras.Input(shape=(1,), name="z")
    a = tf.keras.Input(shape=(1,), name="a")
    merged = tf.keras.layers.Concatenate()([z, a])
    out = tf.keras.layers.Dense(
        1, use_bias=False, kernel_initializer=tf.keras.initializers.Constant([[1.0], [-9.0]])
    )(merged)
    return tf.keras.Model([z, a], out)


def test_dict_inputs_are_matched_by_input_name_not_by_sorted_key():
    """Issue 8: inputs [z, a] fed {"z": 10, "a": 1} computed with [[1, 10]] (loss 81)."""
    model = _z_a_model()
    x = {"z": np.array([[10.0]], np.float32), "a": np.array([[1.0]], np.float32)}
    np.testing.assert_array_equal(model(x).numpy(), [[1.0]])  # 10 - 9 * 1
    model.compile(optimizer="sgd", loss="mse")
    assert model.evaluate(x, np.array([[1.0]], np.float32), verbose=0) == 0.0
    extra = {**x, "id": np.array([[5.0]], np.float32), "name": np.array([b"row"])}
    np.testing.assert_array_equal(model.predict(extra, verbose=0), [[1.0]])


def test_missing_input_names_the_model_the_input_and_the_keys_given():
    model = _z_a_model()
    with pytest.raises(ValueError) as info:
        model({"z": np.ones((1, 1), np.float32), "b": np.ones((1, 1), np.float32)})
    message = str(info.value)
    assert model.name in message and 'input "a"' in message
    assert "['z', 'b']" in message and "['z', 'a']" in message


def test_a_list_for_dict_inputs_needs_sorted_keys():
    z = tf.keras.Input(shape=(1,), name="z")
    a = tf.keras.Input(shape=(1,), name="a")
    out = tf.keras.layers.Concatenate()([z, a])
    unsorted = tf.keras.Model({"z": z, "a": a}, out)
    with pytest.raises(ValueError, match="structure of `inputs` doesn't match"):
        unsorted([np.ones((1, 1)), np.zeros((1, 1))])
    in_order = tf.keras.Model({"a": a, "z": z}, out)
    with pytest.warns(UserWarning, match="structure of `inputs` doesn't match"):
        got = in_order([np.full((1, 1), 2.0), np.full((1, 1), 3.0)])  # a, then z
    np.testing.assert_array_equal(got.numpy(), [[3.0, 2.0]])


def test_saved_dict_model_matches_by_key_after_loading(tmp_path):
    z = tf.keras.Input(shape=(1,), name="z")
    a = tf.keras.Input(shape=(1,), name="a")
    zo = tf.keras.layers.Dense(1, kernel_initializer="ones", name="zo")(z)
    ao = tf.keras.layers.Dense(1, kernel_initializer="zeros", name="ao")(a)
    model = tf.keras.Model({"z": z, "a": a}, {"zo": zo, "ao": ao})
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    x = {"extra": np.full((2, 1), 7.0), "z": np.full((2, 1), 3.0), "a": np.ones((2, 1))}
    for m in (model, loaded):
        out = m(x)
        assert sorted(out) == ["ao", "zo"]
        np.testing.assert_array_equal(out["zo"].numpy(), [[3.0], [3.0]])
        np.testing.assert_array_equal(out["ao"].numpy(), [[0.0], [0.0]])


def test_nest_refuses_keys_that_do_not_sort():
    with pytest.raises(TypeError, match="sortable keys"):
        tf.nest.flatten({1: "x", "a": "y"})
    with pytest.raises(TypeError, match="sortable keys"):
        tf.nest.map_structure(lambda v: v, {1: "x", "a": "y"})


def test_class_weight_with_sample_weights_or_nested_targets_is_refused():
    x = np.ones((4, 1), np.float32)
    y = np.array([[0.0], [1.0], [1.0], [0.0]], np.float32)
    model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with_weights = tf.data.Dataset.from_tensor_slices((x, y, np.ones(4, np.float32))).batch(2)
    with pytest.raises(ValueError, match="`class_weight` and `sample_weight`"):
        model.fit(with_weights, class_weight={0: 1.0, 1: 2.0}, verbose=0)
    nested = tf.data.Dataset.from_tensor_slices((x, {"out": y})).batch(2)
    with pytest.raises(ValueError, match="single output"):
        model.fit(nested, class_weight={0: 1.0, 1: 2.0}, verbose=0)
    with pytest.raises(ValueError, match="single output"):
        model.train_on_batch(x, {"out": y}, class_weight={0: 1.0, 1: 2.0})


def test_unused_inputs_and_a_list_of_one_output_are_as_in_keras():
    z = tf.keras.Input(shape=(1,), name="z")
    unused = tf.keras.Input(shape=(3,), name="unused")
    out = tf.keras.layers.Dense(1, kernel_initializer="ones", name="out")(z)
    model = tf.keras.Model([z, unused], [out])
    assert [layer.name for layer in model.layers] == ["z", "unused", "out"]
    got = model([np.full((2, 1), 4.0), np.zeros((2, 3))])
    assert isinstance(got, tf.Tensor) and got.shape == (2, 1)
    assert model.output_names == ["out"] and model.input == [z, unused]


def test_keras_tensors_print_as_keras_3():
    # Keras 3.15: <KerasTensor shape=(None, 3), dtype=float32, sparse=False, ragged=False,
    # name=x> (its automatic names, keras_tensor_N, differ: tapeflow names them after layers)
    x = tf.keras.Input((3,), name="x")
    assert (
        repr(x)
        == "<KerasTensor shape=(None, 3), dtype=float32, sparse=False, ragged=False, name=x>"
    )

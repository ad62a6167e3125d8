"""What a program can ask a tf.function and its ConcreteFunctions, as TF 2.21 answers.

The expected strings are TF 2.21's output for the same code (tf.function guide, and
/tmp scripts run with tensorflow-cpu 2.21.0), ids of captured variables aside.
"""

import numpy as np
import pytest

import tapeflow as tf


def _f():
    @tf.function
    def f(x, y=2, *, z=3):
        return x * y + z

    return f


def test_pretty_printed_concrete_signatures_list_every_trace_as_tf():
    f = _f()
    f(tf.constant(1.0))
    f(tf.constant([1.0, 2.0]), 3)
    assert f.pretty_printed_concrete_signatures() == (
        "Input Parameters:\n"
        "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(), dtype=tf.float32, name=None)\n"
        "  y (POSITIONAL_OR_KEYWORD): Literal[2]\n"
        "  z (KEYWORD_ONLY): Literal[3]\n"
        "Output Type:\n"
        "  TensorSpec(shape=(), dtype=tf.float32, name=None)\n"
        "Captures:\n"
        "  None\n"
        "\n"
        "Input Parameters:\n"
        "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(2,), dtype=tf.float32, name=None)\n"
        "  y (POSITIONAL_OR_KEYWORD): Literal[3]\n"
        "  z (KEYWORD_ONLY): Literal[3]\n"
        "Output Type:\n"
        "  TensorSpec(shape=(2,), dtype=tf.float32, name=None)\n"
        "Captures:\n"
        "  None"
    )
    assert f.experimental_get_tracing_count() == 2


def test_a_concrete_function_describes_its_inputs_outputs_and_variables():
    scale = tf.Variable(2.0, name="scale")
    shift = tf.Variable(1.0, name="shift", trainable=False)

    @tf.function
    def f(x, n=3):
        scale.assign_add(1.0)
        return x * scale + shift, x

    cf = f.get_concrete_function(tf.TensorSpec([None], tf.float32, name="inp"))
    assert cf.structured_input_signature == (
        (tf.TensorSpec([None], tf.float32, name="inp"), 3),
        {},
    )
    outputs = cf.structured_outputs
    assert isinstance(outputs, tuple) and len(outputs) == 2
    assert [t.name for t in outputs] == ["Identity:0", "Identity_1:0"]
    assert [t.shape.as_list() for t in outputs] == [[None], [None]]
    assert cf.outputs == list(outputs)
    assert cf.inputs[0].name == "inp:0" and cf.inputs[0].shape.as_list() == [None]
    assert cf.variables == (scale, shift)
    assert cf.trainable_variables == (scale,)
    assert cf.output_dtypes == (tf.float32, tf.float32)
    text = cf.pretty_printed_signature(verbose=False)
    assert text == (
        "(x: TensorSpec(shape=(None,), dtype=tf.float32, name='inp'), n: Literal[3]) -> "
        "Tuple[TensorSpec(shape=(None,), dtype=tf.float32, name=None), "
        "TensorSpec(shape=(None,), dtype=tf.float32, name=None)]"
    )
    assert str(cf.function_type) == text
    assert str(cf).startswith("ConcreteFunction Input Parameters:\n  x (POSITIONAL_OR_KEYWORD)")
    assert f"  {id(scale)}: TensorSpec(shape=(), dtype=tf.resource, name=None)" in str(cf)
    np.testing.assert_array_equal(cf(tf.constant([1.0, 2.0]))[0].numpy(), [4.0, 7.0])


def test_the_graph_lists_operations_and_a_graph_def():
    v = tf.Variable(2.0, name="v")

    @tf.function
    def f(x):
        v.assign_add(1.0)
        return x * v

    graph = f.get_concrete_function(tf.constant([1.0, 2.0])).graph
    ops = graph.get_operations()
    types = [op.type for op in ops]
    assert types[0] == "Placeholder" and ops[0].name == "x"
    assert "AssignAddVariableOp" in types and "ReadVariableOp" in types
    assert types[-1] == "Identity"
    mul = next(op for op in ops if op.type == "Mul")
    assert [t.name for t in mul.inputs] == ["x:0", "ReadVariableOp:0"]
    assert mul.outputs[0].shape.as_list() == [2] and mul.outputs[0].dtype == tf.float32
    nodes = graph.as_graph_def().node
    assert [n.name for n in nodes] == [op.name for op in ops]
    assert next(n for n in nodes if n.name == mul.name).input == ["x", "ReadVariableOp"]
    text = str(graph.as_graph_def())
    assert text.startswith('node {\n  name: "x"\n  op: "Placeholder"')
    assert "type: DT_FLOAT" in text


def test_function_spec_and_type_describe_the_python_signature():
    f = _f()
    spec = f.function_spec
    assert spec.arg_names == ["x", "y"]
    assert spec.default_values == {"y": 2, "z": 3}
    assert spec.input_signature is None
    assert str(f.function_type) == "(x, y=<captured_default_value>, *, z=<captured_default_value>)"
    g = tf.function(lambda a: a, input_signature=[tf.TensorSpec([None])])
    assert g.function_spec.input_signature == (tf.TensorSpec([None]),)
    assert g.input_signature == (tf.TensorSpec([None]),)


def test_python_arguments_bound_at_get_concrete_function_are_left_out_of_calls():
    class Model(tf.Module):
        def __init__(self):
            self.weight, self.bias = 2.0, 5.0

    def evaluate(model, x):
        return model.weight * x + model.bias

    model, x = Model(), tf.constant(10.0)
    cf = tf.function(evaluate).get_concrete_function(model, x)
    assert float(cf(x)) == 25.0  # the Tensors alone, in order (TF's flat signature)
    assert float(cf(model, tf.constant(1.0))) == 7.0
    assert float(cf.inference_fn(tf.constant(2.0))) == 9.0
    with pytest.raises(TypeError):
        cf(x, x, x)


def test_autograph_to_code_shows_the_traced_plans():
    def simple_relu(x):
        if tf.greater(x, 0):
            return x
        return 0

    tf_relu = tf.function(simple_relu)
    assert "has no AutoGraph" in tf.autograph.to_code(simple_relu)
    assert "def simple_relu(x):" in tf.autograph.to_code(simple_relu)  # untraced: source
    tf_relu(tf.constant(1))
    tf_relu(tf.constant(-1))
    code = tf.autograph.to_code(simple_relu)
    assert code.count("# trace ") == 2 and "raise GuardFailure" in code
    assert code == tf.autograph.to_code(tf_relu)

    @tf.autograph.experimental.do_not_convert
    def passthrough(x):
        return x

    assert passthrough(3) == 3


def test_a_tracing_type_keys_traces_by_class():
    class FruitType(tf.types.experimental.TraceType):
        def __init__(self, fruit):
            self.cls = type(fruit)

        def __eq__(self, other):
            return type(other) is FruitType and other.cls is self.cls

        def __hash__(self):
            return hash(self.cls)

    class Apple:
        flavor = tf.constant([1, 2])

        def __tf_tracing_type__(self, context):
            return FruitType(self)

    @tf.function
    def flavor(fruit):
        return fruit.flavor * 2

    for _ in range(3):
        np.testing.assert_array_equal(flavor(Apple()).numpy(), [2, 4])
    assert flavor.experimental_get_tracing_count() == 1

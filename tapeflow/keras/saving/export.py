"""Keras models as SavedModels: `model.export(dir)` and the default signature of
`tf.saved_model.save(model, dir)`, as Keras 3 writes them (on the TF backend).

`model.export(dir)` saves an archive object with a `serve` endpoint (the model's inference
call on its input specs), `variables`, `trainable_variables`, `non_trainable_variables`, and
the `serving_default` signature (inputs named after the model's inputs, outputs
`output_0`, ...). `tf.saved_model.save(model, dir)` without signatures gives the model's
call as `serving_default` with its input named "inputs", as TF does for Keras 3 models.
"""

from __future__ import annotations

from ...core.spec import TensorSpec
from .build_compile import get_build_config


def input_specs(model, name=None) -> list:
    """TensorSpecs of the model's inputs (batch dimension None); `name` overrides the names.

    Raises:
        ValueError: the model was never built or called, so its input shape is unknown.
    """
    inputs = None
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        pass
    if inputs:
        return [
            TensorSpec((None,) + tuple(x.shape)[1:], x.dtype, name=name or x.name) for x in inputs
        ]
    config = get_build_config(model) or {}
    shape = config.get("input_shape")
    if shape is None:
        raise ValueError(
            "The model provided has never been called. It must be called at least once "
            "before export (or pass `input_signature`)."
        )
    shapes = (
        shape
        if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple))
        else [shape]
    )
    dtype = getattr(model, "compute_dtype", None) or "float32"
    return [TensorSpec((None,) + tuple(s)[1:], dtype, name=name or "inputs") for s in shapes]


def _serving_function(model, specs):
    from ...function.api import function

    spec = specs[0] if len(specs) == 1 else list(specs)

    def serve(inputs):
        return model(inputs, training=False)

    return function(serve, input_signature=[spec])


def default_serving_signature(model):
    """`serving_default` for `tf.saved_model.save(model)`, or None when the input shape is
    unknown (then only the functions the model defines are saved)."""
    try:
        return _serving_function(model, input_specs(model, name="inputs"))
    except ValueError:
        return None


class _ExportArchive:
    """What `model.export` saves: the endpoint and the model's variables."""

    def __init__(self, model, serve):
        self.serve = serve
        self._model = model

    def _trackable_children(self) -> dict:
        model = self._model
        return {
            "variables": list(model.variables),
            "trainable_variables": list(model.trainable_variables),
            "non_trainable_variables": list(model.non_trainable_variables),
        }


def export_model(model, filepath, format="tf_saved_model", verbose=True, input_signature=None):  # noqa: A002
    """`model.export(filepath)`: a SavedModel with a `serve` endpoint (see the module)."""
    from ... import saved_model

    if format != "tf_saved_model":
        raise ValueError(
            f"tapeflow exports only format='tf_saved_model' (its own SavedModel); got "
            f"format={format!r}"
        )
    if input_signature is not None:
        specs = list(input_signature)
    else:
        specs = input_specs(model)
    serve = _serving_function(model, specs)
    archive = _ExportArchive(model, serve)
    saved_model.save(archive, filepath, signatures={"serving_default": serve})
    if verbose:
        print(
            f"Saved artifact at '{filepath}'. The following endpoints are available:\n\n"
            f"* Endpoint 'serve'\n  args_0 (POSITIONAL_ONLY): "
            f"{specs[0] if len(specs) == 1 else specs!r}"
        )

"""`keras.Model`: subclassed models, and the base of functional and Sequential models.

`keras.Model(inputs, outputs)` returns a `Functional` model, as in Keras 3; a subclass
that defines `call` is an ordinary layer with training methods.
"""

from __future__ import annotations

import numpy as np

from ..layers.layer import Layer
from .training import Trainer


class Model(Trainer, Layer):
    """A layer with training (`compile`, `fit`, ...), saving and `summary`."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from .functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if _functional_arguments(args, kwargs):
            # A subclass built like a functional model (`CustomModel(inputs, outputs)`, to
            # override train_step): as Keras 3 does, the subclass becomes a Functional one.
            from .functional import Functional

            _inject_functional(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected arguments {args} {kwargs}; "
                f"a subclassed Model takes name, trainable and dtype"
            )
        Layer.__init__(self, name=name, trainable=trainable, dtype=dtype)
        Trainer.__init__(self)

    @property
    def layers(self) -> list:
        return self._direct_sublayers()

    def get_layer(self, name=None, index=None):
        """The sublayer with this name, or at this index of `layers`."""
        if index is not None:
            if name is not None:
                raise ValueError("get_layer: provide either a name or an index, not both")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"get_layer: index {index} is out of range for a model with "
                    f"{len(self.layers)} layers"
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: "
                f"{[layer.name for layer in self.layers]}."
            )
        raise ValueError("get_layer: provide either a name or an index")

    def build(self, input_shape=None):
        """Builds the model by calling it once on zeros of `input_shape`."""
        if input_shape is None:
            raise ValueError(f"Model {self.name}: build() needs an input_shape")
        from ..layers.symbolic import KerasTensor

        if self.built:
            return
        self.built = True
        from ..layers.symbolic import symbolic_call

        symbolic_call(self, (KerasTensor(tuple(input_shape)),), {})
        self._inbound_nodes.pop()
        self._build_shapes_dict = {"input_shape": input_shape}

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
        """Prints a table of layers, output shapes and parameter counts, as Keras 3 does."""
        from .summary import print_summary

        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def count_params(self) -> int:
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}

    def export(self, filepath, format="tf_saved_model", verbose=True, input_signature=None):  # noqa: A002
        """Exports the model for inference as a SavedModel with a `serve` endpoint and the
        `serving_default` signature (`tf.saved_model.load` reads it)."""
        from ..saving.export import export_model

        export_model(self, filepath, format, verbose, input_signature)

    def _default_serving_signature(self):
        """The `serving_default` signature `tf.saved_model.save(model)` gives a Keras model."""
        from ..saving.export import default_serving_signature

        return default_serving_signature(self)

    def to_json(self, **kwargs) -> str:
        """The model's Keras 3 config as a JSON string (`keras.models.model_from_json`)."""
        import json

        from ..saving.archive import _json_default
        from ..saving.serialization import serialize_keras_object

        return json.dumps(serialize_keras_object(self), default=_json_default, **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from its config; a functional model's config rebuilds its graph."""
        from .functional import Functional

        functional = all(k in config for k in ("layers", "input_layers", "output_layers"))
        if functional and (cls is Model or issubclass(cls, Functional)):
            from ..saving.functional_config import functional_from_config

            return functional_from_config(
                Functional if cls is Model else cls, config, custom_objects=custom_objects
            )
        return cls(**config)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model as a `.keras` archive, or a legacy HDF5 file for a `.h5` path (see
        `keras.saving.save_model`)."""
        from ..saving.saving_lib import save_model

        return save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights (not the optimizer state) to `filepath`, which must end in
        ".weights.h5": HDF5 in Keras 3's layout (tapeflow's own tensor format, with a
        warning, when h5py is missing)."""
        from ..saving import save_weights

        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a ".weights.h5" file written by `save_weights`, a legacy ".h5"
        file (by position, or by layer name with `by_name=True`), or from a
        ".keras" archive. Names and shapes are all checked before any weight changes; with
        `skip_mismatch`, layers that do not fit are skipped with a warning."""
        from ..saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)


def _functional_arguments(args, kwargs) -> bool:
    """Whether Model arguments are a functional model's (inputs and outputs), as Keras 3
    decides."""
    return (
        len(args) == 2
        or (len(args) == 1 and "outputs" in kwargs)
        or ("inputs" in kwargs and "outputs" in kwargs)
    )


def _inject_functional(cls):
    """Puts Functional in place of Model among the bases of `cls` and its ancestors (Keras
    3's `inject_functional_model_class`), so that a subclass of Model constructed with
    inputs and outputs is a functional model with the subclass's own methods."""
    from .functional import Functional

    if cls is Model:
        return Functional
    if cls is object or issubclass(cls, Functional) or not issubclass(cls, Model):
        return cls
    cls.__bases__ = tuple(_inject_functional(base) for base in cls.__bases__)
    return cls

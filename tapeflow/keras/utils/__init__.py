"""`keras.utils`: progress bar, one-hot encoding, seeding, history plots, data unpacking."""

from .data_adapter import (
    PyDataset,
    Sequence,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from .numerical import normalize, to_categorical
from .plotting import plot_history
from .progbar import Progbar
from .rng import set_random_seed

__all__ = [
    "Progbar",
    "PyDataset",
    "Sequence",
    "normalize",
    "pack_x_y_sample_weight",
    "plot_history",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]

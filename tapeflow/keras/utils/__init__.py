"""`keras.utils`: progress bar, one-hot encoding, seeding, history plots, data unpacking,
padding, dataset splits, the file cache, model plots, datasets from directories of text
and image files, and arrays to and from PIL images."""

from .data_adapter import (
    PyDataset,
    Sequence,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from .dataset_split import split_dataset
from .file_utils import get_file
from .image_dataset import image_dataset_from_directory
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .model_visualization import model_to_dot, plot_model
from .numerical import normalize, to_categorical
from .plotting import plot_history
from .progbar import Progbar
from .rng import set_random_seed
from .sequence_utils import pad_sequences
from .text_dataset import text_dataset_from_directory

__all__ = [
    "Progbar",
    "PyDataset",
    "Sequence",
    "array_to_img",
    "get_file",
    "img_to_array",
    "load_img",
    "model_to_dot",
    "image_dataset_from_directory",
    "normalize",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "plot_history",
    "plot_model",
    "save_img",
    "set_random_seed",
    "split_dataset",
    "text_dataset_from_directory",
    "to_categorical",
    "unpack_x_y_sample_weight",
]

"""Keras 3's preprocessing layers, one module per concept: lookups (StringLookup,
IntegerLookup), categorical (CategoryEncoding, Hashing), numeric (Normalization,
Discretization), text (TextVectorization), image (Rescaling, Resizing, CenterCrop) and
augmentation (RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast)."""

from .augmentation import (
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from .categorical import CategoryEncoding, Hashing
from .image import CenterCrop, Rescaling, Resizing
from .lookups import IntegerLookup, StringLookup
from .numeric import Discretization, Normalization
from .text import TextVectorization

__all__ = [
    "CategoryEncoding",
    "CenterCrop",
    "Discretization",
    "Hashing",
    "IntegerLookup",
    "Normalization",
    "RandomContrast",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "StringLookup",
    "TextVectorization",
]

"""The Heart Failure Prediction dataset (918 patients; ODbL v1.0, see heart.csv.LICENSE.md),
shipped inside the package so the heart-failure examples run offline.

`load_data()` gives the raw table; `load_tutorial_split()` gives the arrays the heart-failure
tutorial trains on: one-hot encoded, shuffled, split, standard-scaled.
"""

from __future__ import annotations

import csv
import importlib.resources
import math
import os
from typing import NamedTuple

import numpy as np

# The columns in file order and the NumPy dtype of each; str columns are categorical.
COLUMNS = {
    "Age": np.int64,
    "Sex": np.str_,
    "ChestPainType": np.str_,
    "RestingBP": np.int64,
    "Cholesterol": np.int64,
    "FastingBS": np.int64,
    "RestingECG": np.str_,
    "MaxHR": np.int64,
    "ExerciseAngina": np.str_,
    "Oldpeak": np.float64,
    "ST_Slope": np.str_,
    "HeartDisease": np.int64,
}
LABEL = "HeartDisease"
# The categories of each categorical column, sorted as pandas.get_dummies sorts them.
CATEGORIES = {
    "Sex": ("F", "M"),
    "ChestPainType": ("ASY", "ATA", "NAP", "TA"),
    "RestingECG": ("LVH", "Normal", "ST"),
    "ExerciseAngina": ("N", "Y"),
    "ST_Slope": ("Down", "Flat", "Up"),
}
# The continuous columns the tutorial standard-scales; FastingBS stays 0/1 like the one-hots.
SCALED = ("Age", "RestingBP", "Cholesterol", "MaxHR", "Oldpeak")


class TutorialSplit(NamedTuple):
    """The encoded, shuffled, split and scaled arrays of `load_tutorial_split`."""

    x_train: np.ndarray  # float32 (n_train, 20)
    y_train: np.ndarray  # float32 (n_train, 1)
    x_val: np.ndarray  # float32 (n_val, 20)
    y_val: np.ndarray  # float32 (n_val, 1)
    feature_names: tuple  # the 20 column names of x, e.g. "Age", "Sex_F", "ST_Slope_Up"
    mean: np.ndarray  # float32 (20,): x = (encoded - mean) / std; 0 for unscaled columns
    std: np.ndarray  # float32 (20,): population std of the training part; 1 for unscaled


def csv_path() -> str:
    """The path of the heart-failure CSV shipped with tapeflow (for readers such as
    `pandas.read_csv` and `tf.data.experimental.make_csv_dataset`)."""
    return str(importlib.resources.files(__package__).joinpath("heart.csv"))


def load_data(path: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """Loads the raw heart-failure table.

    Args:
        path: a CSV file with the same columns; default: the copy shipped with tapeflow.

    Returns:
        A dict of column name -> 1-D NumPy array, in file order: the categorical columns (Sex,
        ChestPainType, RestingECG, ExerciseAngina, ST_Slope) as str arrays, Oldpeak as
        float64, the others as int64; `HeartDisease` (the label) is 0 or 1. Extra columns are
        kept as str arrays.

    Raises:
        ValueError: naming the file (and the line and column where it applies) when a column is
            missing, a row has the wrong number of fields, a number does not parse, or a label
            is not 0 or 1.
    """
    name, header, rows, lines = _read_csv(path)
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}; the header is {header}")
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        raise ValueError(f"{name}: duplicated column(s) {duplicated}")
    for line, row in zip(lines, rows):
        if len(row) != len(header):
            raise ValueError(
                f"{name}: line {line} has {len(row)} fields, the header has {len(header)}"
            )
    if not rows:
        raise ValueError(f"{name}: no data rows after the header")
    table = {}
    for column, values in zip(header, zip(*rows)):
        table[column] = _convert(name, column, values, lines, COLUMNS.get(column, np.str_))
    labels = table[LABEL]
    bad = np.flatnonzero((labels != 0) & (labels != 1))
    if bad.size:
        raise ValueError(
            f"{name}: column {LABEL!r}, line {lines[bad[0]]}: label {labels[bad[0]]} is not "
            f"one of the classes 0 and 1 ({bad.size} such row(s))"
        )
    return table


def load_tutorial_split(
    validation_split: float = 0.2, seed: int = 42, path: str | os.PathLike | None = None
) -> TutorialSplit:
    """The tutorial's training and validation arrays.

    One-hot encodes Sex, ChestPainType, RestingECG, ExerciseAngina and ST_Slope (one column
    per category, sorted as `pandas.get_dummies` does; features: the numeric columns in file
    order, then the one-hot columns, 20 in all); shuffles the rows with `seed`; keeps the last
    `ceil(n * validation_split)` of them (184 of 918 by default) for validation; and
    standard-scales Age, RestingBP, Cholesterol, MaxHR and Oldpeak with the mean and population
    std of the training part only, so nothing about the validation rows leaks into training.

    Args:
        validation_split: the fraction of rows kept for validation, in (0, 1).
        seed: the seed of the shuffle (`np.random.default_rng(seed).permutation`).
        path: a CSV file with the same columns; default: the copy shipped with tapeflow.

    Returns:
        A `TutorialSplit`: float32 `x_train`, `y_train` (n_train, 1), `x_val`, `y_val`
        (n_val, 1), the `feature_names`, and the `mean` and `std` used for the scaling.
    """
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split!r}")
    table = load_data(path)
    name = _display_name(path)
    features, names = _encode(name, table)
    labels = table[LABEL].astype(np.float32).reshape(-1, 1)

    n = len(labels)
    n_val = math.ceil(n * validation_split)
    if not 0 < n_val < n:
        raise ValueError(
            f"validation_split={validation_split} leaves {n - n_val} training and {n_val} "
            f"validation rows of {n}; both need at least one"
        )
    order = np.random.default_rng(seed).permutation(n)
    train, val = order[: n - n_val], order[n - n_val :]

    mean = np.zeros(len(names))
    std = np.ones(len(names))
    scaled = [names.index(column) for column in SCALED]
    mean[scaled] = features[train][:, scaled].mean(axis=0)
    column_std = features[train][:, scaled].std(axis=0)
    std[scaled] = np.where(column_std > 0, column_std, 1.0)  # a constant column stays as is
    x = ((features - mean) / std).astype(np.float32)
    return TutorialSplit(
        x[train],
        labels[train],
        x[val],
        labels[val],
        tuple(names),
        mean.astype(np.float32),
        std.astype(np.float32),
    )


def _encode(name: str, table: dict) -> tuple[np.ndarray, list[str]]:
    """float64 features: the numeric columns in file order, then the one-hot columns."""
    numeric = [c for c, dtype in COLUMNS.items() if dtype is not np.str_ and c != LABEL]
    blocks = [np.stack([table[c].astype(np.float64) for c in numeric], axis=1)]
    names = list(numeric)
    for column, categories in CATEGORIES.items():
        values = table[column]
        unknown = sorted(set(values.tolist()) - set(categories))
        if unknown:
            raise ValueError(
                f"{name}: column {column!r} has unknown categories {unknown}; "
                f"expected {list(categories)}"
            )
        blocks.append((values[:, None] == np.array(categories)[None, :]).astype(np.float64))
        names += [f"{column}_{category}" for category in categories]
    return np.concatenate(blocks, axis=1), names


def _display_name(path) -> str:
    return "heart.csv (shipped with tapeflow)" if path is None else os.fspath(path)


def _read_csv(path):
    """(name for messages, header, data rows, their line numbers) of the CSV at `path` or of
    the packaged copy."""
    name = _display_name(path)
    if path is None:
        resource = importlib.resources.files(__package__).joinpath("heart.csv")
        f = resource.open("r", encoding="utf-8", newline="")
    else:
        f = open(path, encoding="utf-8", newline="")  # noqa: SIM115 (closed below)
    with f:
        reader = csv.reader(f)
        rows, lines = [], []
        for row in reader:
            if row:  # csv gives [] for a blank line
                rows.append(row)
                lines.append(reader.line_num)
    if not rows:
        raise ValueError(f"{name}: empty file, expected a header line")
    return name, rows[0], rows[1:], lines[1:]


def _convert(name: str, column: str, values, lines, dtype) -> np.ndarray:
    """A column of strings as a `dtype` array; a value that does not parse names its line."""
    strings = np.array(values, dtype=np.str_)
    if dtype is np.str_:
        return strings
    try:
        return strings.astype(dtype)
    except ValueError:
        for line, value in zip(lines, values):
            try:
                dtype(value)
            except ValueError:
                kind = "an integer" if dtype is np.int64 else "a number"
                raise ValueError(
                    f"{name}: column {column!r}, line {line}: {value!r} is not {kind}"
                ) from None
        raise

"""Datasets shipped inside tapeflow, for examples that must run offline.

`heart_failure`: the Heart Failure Prediction table (ODbL v1.0, see heart.csv.LICENSE.md).
"""

from . import heart_failure  # noqa: F401

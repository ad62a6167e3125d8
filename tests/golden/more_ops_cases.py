"""The cases of more_ops.json: segment reductions, counting, searching, scatter min/max and the
tf.linalg decompositions and functions, written once for TensorFlow and for tapeflow.

Each case is a function of the `tf` module (TensorFlow, or tapeflow) returning tensors (in
dicts, lists or tuples); `make_more_ops.py` runs them with TensorFlow 2.21 and stores the
encoded results, or the error type a case raised; tests/ops/test_more_ops_golden.py runs them
again under tapeflow, eagerly and inside tf.function, and compares. Inputs come from
formulas (no random streams), so both sides see the same numbers.
"""

import more_ops_linalg_cases  # noqa: F401  (registers its cases)
import more_ops_math_cases  # noqa: F401  (registers its cases)
from more_ops_helpers import CASES, encode, run  # noqa: F401  (the interface of this module)

"""Debugging tools for tapeflow programs.

The `tf.debugging` namespace (check_numerics, the assert_* family) is exported from
`tapeflow.ops.debug`'s API table and installed onto this package; the tools here are the
ones that are not ops:

- `explain_gradients`, and the warning `GradientTape.gradient` gives for a None gradient
  (`why_none.py`);
- `enable_check_numerics` / `disable_check_numerics` (TF's) and anomaly mode,
  `detect_anomaly` / `set_detect_anomaly`, which also checks the backward pass
  (`numerics.py`).
"""

from .numerics import (  # noqa: F401
    detect_anomaly,
    disable_check_numerics,
    enable_check_numerics,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from .why_none import (  # noqa: F401
    GradientReport,
    NoneGradientWarning,
    SourceReport,
    explain_gradients,
    gradient_explanations_enabled,
    set_gradient_explanations,
)

# tapeflow's own tools (not TensorFlow names), listed in docs/api.md.
EXTENSIONS = [
    "GradientReport",
    "NoneGradientWarning",
    "SourceReport",
    "detect_anomaly",
    "explain_gradients",
    "gradient_explanations_enabled",
    "is_anomaly_enabled",
    "set_detect_anomaly",
    "set_gradient_explanations",
]

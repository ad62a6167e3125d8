"""Debugging tools for tapeflow programs.

The `tf.debugging` namespace (check_numerics, the assert_* family) is exported from
`tapeflow.ops.debug`'s API table and installed onto this package; the tools here are the
ones that are not ops:

- `explain_gradients`, and the warning `GradientTape.gradient` gives for a None gradient
  (`why_none.py`);
"""

from .why_none import (  # noqa: F401
    GradientReport,
    NoneGradientWarning,
    SourceReport,
    explain_gradients,
    gradient_explanations_enabled,
    set_gradient_explanations,
)

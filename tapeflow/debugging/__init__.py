"""Debugging tools for tapeflow programs.

The `tf.debugging` namespace (check_numerics, the assert_* family) is exported from
`tapeflow.ops.debug`'s API table, so every public name lives in one place; this package
holds the tools that are not ops.
"""

"""The engine: Tensor, Variable, dtypes, nested structures, the op registry and the tape."""

"""Keras optimizers: `build` and `update_step` per algorithm; the rest in the base class."""

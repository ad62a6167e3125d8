"""`keras.activations`."""

__all__ = []

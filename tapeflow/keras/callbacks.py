"""`keras.callbacks`."""

__all__ = []

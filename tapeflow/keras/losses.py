"""`keras.losses`."""

__all__ = []

"""Core layers."""

__all__ = []

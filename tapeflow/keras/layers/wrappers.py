"""Wrappers layers."""

__all__ = []

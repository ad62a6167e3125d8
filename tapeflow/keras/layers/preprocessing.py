"""Preprocessing layers."""

__all__ = []

"""Reshaping layers."""

__all__ = []

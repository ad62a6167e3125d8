"""Benchmarks: speed is measured here, never in unit tests."""

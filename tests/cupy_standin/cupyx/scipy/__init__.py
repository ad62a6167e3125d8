"""The stand-in's `cupyx.scipy` (test only)."""

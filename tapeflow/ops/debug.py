"""Debugging ops (tf.debugging): numeric checks that pass values through unchanged."""

API = {}

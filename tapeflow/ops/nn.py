"""Neural-network ops (tf.nn): activations, cross entropies, dropout, normalisation."""

API = {}

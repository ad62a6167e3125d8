"""Random tensors (tf.random) with TensorFlow's seeding model."""

API = {}

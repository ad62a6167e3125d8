"""Testing helpers: the generic op gradient check, `tf.test.compute_gradient`."""

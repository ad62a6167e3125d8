"""`keras.metrics`: stateful metrics with update_state / result / reset_state."""

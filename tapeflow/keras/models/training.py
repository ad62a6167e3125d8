"""Training methods of `keras.Model`: compile, fit, evaluate, predict (filled in later)."""


class Trainer:
    """Mixin holding the compile/fit state of a Model."""

    def __init__(self):
        self.optimizer = None
        self.compiled = False

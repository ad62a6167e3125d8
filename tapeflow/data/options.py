"""`tf.data.Options`: accepted and stored for compatibility; tapeflow's pipelines ignore them."""

from __future__ import annotations

import enum


class _OptionGroup:
    """A bag of options: any attribute may be set; unset ones read as None."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return None

    def __repr__(self):
        return f"{type(self).__name__}({vars(self)!r})"


class Options(_OptionGroup):
    """`tf.data.Options()`: `deterministic`, `threading`, `experimental_distribute`, ..."""

    def __init__(self):
        self.autotune = _OptionGroup()
        self.experimental_distribute = _OptionGroup()
        self.experimental_optimization = _OptionGroup()
        self.threading = _OptionGroup()

    def merge(self, options):
        """Options set here, overridden by those set in `options`."""
        merged = Options()
        for source in (self, options):
            for key, value in vars(source).items():
                if isinstance(value, _OptionGroup):
                    vars(getattr(merged, key)).update(vars(value))
                else:
                    setattr(merged, key, value)
        return merged


class AutoShardPolicy(enum.IntEnum):
    """`tf.data.experimental.AutoShardPolicy` (tapeflow shards only when asked, with
    `Dataset.shard`)."""

    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3

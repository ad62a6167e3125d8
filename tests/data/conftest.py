import types

import pytest

import tapeflow
import tapeflow.data


class _TfWithData(types.ModuleType):
    """`tapeflow` as `tf`, with `tf.data` and `tf.TensorSpec` even before the top-level
    namespace wires them in."""

    def __getattr__(self, name):
        if name == "data":
            return tapeflow.data
        if name == "TensorSpec":
            return getattr(tapeflow, "TensorSpec", tapeflow.data.TensorSpec)
        return getattr(tapeflow, name)


@pytest.fixture
def tf():
    return _TfWithData("tf")

"""`tf.summary.scalar`, `histogram`, `image`, `text`, `write`: one summary each, as TF writes it.

Each builds its `Summary` proto with TensorBoard's own plugin code (`scalar_pb`,
`histogram_pb`, `text_pb`, the image plugin's metadata; PNG through Pillow), never by hand,
and appends it to the default writer at the step given or the default step. The write goes
through `host_call`: eagerly it happens at once; inside `tf.function` it is a stateful node of
the trace, run again on every call with that call's values (data and step), while the writer
and the `record_if` conditions are those in force when the function was traced, as in TF.
Every function returns a boolean tensor: True when the summary was written.
"""

from __future__ import annotations

import io

import numpy as np

from ..backend import to_numpy
from ..core.context import state as core_state
from ..core.tensor import Operand, constant, convert_to_tensor
from ..core.variable import Variable
from ..function.host import host_call
from . import writer as writer_lib

NO_STEP = (
    "No step set. Please specify one either through the `step` argument or through "
    "tf.summary.experimental.set_step()"
)


def _tag(name: str) -> str:
    return "".join(core_state.name_scopes) + str(name)


def _as_step_input(step):
    if step is None:
        step = writer_lib.get_step()
    if step is None:
        raise ValueError(NO_STEP)
    if isinstance(step, (Operand, Variable)):
        return step
    return convert_to_tensor(np.int64(int(np.asarray(step))))


def _record(make_summary, data, step):
    """Writes `make_summary(data array)` at `step` through a host call; see the docstring."""
    writer = writer_lib.default_writer()
    if writer is None or isinstance(writer, writer_lib.NoopSummaryWriter):
        return constant(False)
    conditions = list(writer_lib.state.conditions)
    step_input = _as_step_input(step)

    def write(data_array, step_array):  # backend arrays in, a host bool out (host_call moves it)
        if not all(writer_lib._holds(c) for c in conditions):
            return np.array(False)
        writer.add_summary(make_summary(to_numpy(data_array)), int(step_array))
        return np.array(True)

    return host_call(write, data, step_input, writes=[])


def scalar(name, data, step=None, description=None):
    """Writes a scalar summary (TensorBoard's scalars dashboard)."""
    from tensorboard.plugins.scalar.summary_v2 import scalar_pb

    tag = _tag(name)
    data = data if isinstance(data, Operand) else convert_to_tensor(np.asarray(data, np.float32))
    if data.shape.rank not in (0, None):
        raise ValueError(f"tf.summary.scalar: data must be a scalar, got shape {data.shape}")

    def make(array):
        return scalar_pb(tag, np.asarray(array, np.float32), description=description)

    return _record(make, data, step)


def histogram(name, data, step=None, buckets=None, description=None):
    """Writes a histogram of `data` (TensorBoard's histograms and distributions)."""
    from tensorboard.plugins.histogram.summary_v2 import histogram_pb

    tag = _tag(name)
    data = data if isinstance(data, Operand) else convert_to_tensor(np.asarray(data))

    def make(array):
        return histogram_pb(tag, np.asarray(array, np.float64), buckets, description)

    return _record(make, data, step)


def text(name, data, step=None, description=None):
    """Writes a text summary (a string tensor; Markdown in TensorBoard)."""
    from tensorboard.plugins.text.summary_v2 import text_pb

    tag = _tag(name)
    data = data if isinstance(data, Operand) else convert_to_tensor(data)

    def make(array):
        array = np.asarray(array)
        if array.dtype == object:
            array = array.astype(bytes)
        return text_pb(tag, array, description)

    return _record(make, data, step)


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    mode = {1: "L", 3: "RGB", 4: "RGBA"}[image.shape[-1]]
    pixels = image[..., 0] if mode == "L" else image
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


def _as_uint8(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind == "f":
        # tf.image.convert_image_dtype(..., tf.uint8, saturate=True): floor(x * 255.5).
        return np.clip(np.floor(array.astype(np.float64) * 255.5), 0, 255).astype(np.uint8)
    return np.clip(array, 0, 255).astype(np.uint8)


def image(name, data, step=None, max_outputs=3, description=None):
    """Writes up to `max_outputs` images of `data` ([k, h, w, c], c in 1, 3, 4; floats in
    [0, 1] or uint8) as PNG (TensorBoard's images dashboard)."""
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.image import metadata
    from tensorboard.util import tensor_util

    tag = _tag(name)
    data = data if isinstance(data, Operand) else convert_to_tensor(np.asarray(data))
    shape = data.shape.as_list()
    if len(shape) != 4 or shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"tf.summary.image: data must have shape [k, h, w, c] with c in 1, 3, 4; "
            f"got {data.shape}"
        )

    def make(array):
        images = _as_uint8(np.asarray(array))[: int(max_outputs)]
        height, width = images.shape[1:3]
        encoded = [str(width).encode(), str(height).encode()] + [_png(i) for i in images]
        tensor = tensor_util.make_tensor_proto(np.array(encoded, dtype=object))
        summary = summary_pb2.Summary()
        summary.value.add(
            tag=tag,
            metadata=metadata.create_summary_metadata(
                display_name=None, description=description or ""
            ),
            tensor=tensor,
        )
        return summary

    return _record(make, data, step)


def write(tag, tensor, step=None, metadata=None, name=None):
    """Writes `tensor` under `tag` with `metadata` (a `SummaryMetadata` proto, its bytes or
    None): the generic summary op, `tf.summary.write`."""
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.util import tensor_util

    if isinstance(metadata, bytes):
        metadata = summary_pb2.SummaryMetadata.FromString(metadata)
    tensor = tensor if isinstance(tensor, Operand) else convert_to_tensor(tensor)

    def make(array):
        array = np.asarray(array)
        summary = summary_pb2.Summary()
        value = summary.value.add(tag=str(tag), tensor=tensor_util.make_tensor_proto(array))
        if metadata is not None:
            value.metadata.CopyFrom(metadata)
        return summary

    return _record(make, tensor, step)

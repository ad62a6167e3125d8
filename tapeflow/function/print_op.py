"""`tf.print`: a stateful op, so a traced function records it and prints on every call.

The text matches TensorFlow's: the arguments' structure is laid out with `pprint` (strings
as they are, tensors in place), and each tensor is summarised like TF's C++ kernel does
(`tapeflow.ops.summary`: `summarize` elements at each end of every axis, floats in the
shortest of 6 or 9 significant digits that reads back exactly, strings in quotes).
"""

from __future__ import annotations

import sys

from ..core import nest
from ..core.context import state
from ..core.registry import Sample, op
from ..core.tensor import Operand
from ..ops.summary import summarize_array

_LEVELS = {"log(info)": 20, "log(warning)": 30, "log(error)": 40}  # logging.INFO, ...


@op(
    "PrintV2",
    differentiable=False,
    stateful=True,
    strings=True,
    multiple_outputs=True,
    same_dtype=(),
    samples=[
        Sample(
            (2, 3),
            template="x: {}",
            placeholder="{}",
            summarize=3,
            output_stream="stdout",
            end="\n",
        )
    ],
)
def _print_v2(*inputs, template, placeholder, summarize, output_stream, end):
    if state.tracer is not None:
        state.tracer.require_arrays(inputs)  # never print a failed op's stand-in values
        if state.tracer.dry:
            return ()  # get_concrete_function traces without printing
    deferred_print(
        *inputs,
        template=template,
        placeholder=placeholder,
        summarize=summarize,
        output_stream=output_stream,
        end=end,
    )()
    return ()


def deferred_print(*inputs, template, placeholder, summarize, output_stream, end):
    """Formats now; returns a function that writes the text (a plan may hold it back)."""
    parts = template.split(placeholder)
    if len(parts) != len(inputs) + 1:
        raise ValueError(
            f"PrintV2: the template has {len(parts) - 1} placeholders for {len(inputs)} tensors"
        )
    pieces = [parts[0]]
    for x, rest in zip(inputs, parts[1:]):
        pieces.append(summarize_array(x, summarize))
        pieces.append(rest)
    text = "".join(pieces) + end

    def write():
        _write(output_stream, text)

    return write


def _write(output_stream: str, text: str):
    if output_stream == "stdout":
        sys.stdout.write(text)
    elif output_stream == "stderr":
        sys.stderr.write(text)
    elif output_stream in _LEVELS:
        import logging  # only when printing to a log (keeps `import tapeflow` fast)

        logging.getLogger("tapeflow").log(_LEVELS[output_stream], text.rstrip("\n"))
    else:
        with open(output_stream[len("file://") :], "a") as f:
            f.write(text)


# ---- the public function ------------------------------------------------------------------


def _placeholder(text: str) -> str:
    """A placeholder that does not occur in `text` (TF's choice, seeded the same way)."""
    import random

    placeholder = "{}"
    rng = random.Random(5)
    while placeholder in text:
        placeholder += str(rng.randint(0, 9))
    return placeholder


def _stream_name(output_stream) -> str:
    if output_stream is None or output_stream is sys.stderr or output_stream is sys.__stderr__:
        return "stderr"
    if output_stream is sys.stdout or output_stream is sys.__stdout__:
        return "stdout"
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        return output_stream
    import logging

    for level, name in (
        (logging.INFO, "log(info)"),
        (logging.WARNING, "log(warning)"),
        (logging.ERROR, "log(error)"),
    ):
        if output_stream == level or output_stream in (
            getattr(logging, name[4:-1], None),
            getattr(logging, name[4:-1].upper(), None),
        ):
            return name
    raise ValueError(
        f"Unsupported output stream, logging level, or file.{output_stream}. Supported "
        "streams are sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, "
        "tf.logging.error. File needs to be in the form of 'file://<filepath>'."
    )


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):  # noqa: A001
    """Prints `inputs` like TF's `tf.print`; inside tf.function it prints on every call.

    Tensors are summarised (`summarize` elements at each end of each axis, -1 for all);
    other values print as `pprint` shows them (strings as they are). `output_stream` is
    sys.stderr (the default), sys.stdout, a logging level or "file://<path>".
    """
    import pprint

    stream = _stream_name(output_stream)
    tensors, templates = [], []
    free = [nest.map_structure(lambda x: "" if isinstance(x, Operand) else x, i) for i in inputs]
    placeholder = _placeholder(" ".join(pprint.pformat(x) for x in free))
    for item in inputs:
        if isinstance(item, str):
            templates.append(item)
            continue
        leaves = []
        for x in nest.flatten(item):
            if isinstance(x, Operand):
                tensors.append(x)
                leaves.append(placeholder)
            else:
                leaves.append(x)
        if isinstance(item, Operand):
            templates.append(placeholder)
        else:
            templates.append(pprint.pformat(nest.pack_sequence_as(item, leaves)))
    template = sep.join(templates).replace(f"'{placeholder}'", placeholder)
    _print_v2(
        *tensors,
        template=template,
        placeholder=placeholder,
        summarize=int(summarize),
        output_stream=stream,
        end=end,
    )


API = {"tf": ["print"]}

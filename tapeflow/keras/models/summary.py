"""`Model.summary()`: a table of layers, output shapes and parameter counts."""

from __future__ import annotations

import numpy as np


def _params(layer) -> int:
    return int(sum(np.prod(w.shape.as_list()) for w in layer.weights))


def _output_shape(layer):
    nodes = [n for n in layer._inbound_nodes]
    if nodes:
        out = nodes[-1].outputs
        return tuple(out.shape.as_list()) if hasattr(out, "shape") else "?"
    return getattr(layer, "_summary_output_shape", "?")


def print_summary(model, print_fn=None):
    print_fn = print_fn or print
    rows = [
        (
            f"{layer.name} ({type(layer).__name__})",
            str(_output_shape(layer)),
            f"{_params(layer):,}",
        )
        for layer in model.layers
    ]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
        for i, h in enumerate(("Layer (type)", "Output Shape", "Param #"))
    ]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    total = model.count_params()
    trainable = int(sum(np.prod(w.shape.as_list()) for w in model.trainable_weights))
    out = [
        f'Model: "{model.name}"',
        "_" * (sum(widths) + 4),
        line.format("Layer (type)", "Output Shape", "Param #"),
        "=" * (sum(widths) + 4),
    ]
    out += [line.format(*r) for r in rows]
    out += [
        "=" * (sum(widths) + 4),
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
        "_" * (sum(widths) + 4),
    ]
    for s in out:
        print_fn(s)

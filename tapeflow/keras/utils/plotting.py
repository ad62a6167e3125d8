"""`keras.utils.plot_history`: loss and metric curves of a `History`, drawn with matplotlib."""

from __future__ import annotations


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            "Plotting a training history needs matplotlib: `pip install tapeflow[plot]` "
            "(or `pip install matplotlib`)"
        ) from e
    return Figure


def plot_history(history, path=None, metrics=None):
    """Draws each metric of a training run (train and `val_` curves together) by epoch.

    Args:
        history: a `keras.callbacks.History` (what `fit` returns) or its `.history` dict.
        path: where to save the figure (PNG unless the extension says otherwise).
        metrics: the metric names to draw (without `val_`); default: all of them.

    Returns:
        The matplotlib `Figure`.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"plot_history: expected a History or a non-empty dict, got {history!r}")
    epochs = getattr(history, "epoch", None)
    names = [k for k in logs if not k.startswith("val_")]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]
    if metrics is not None:
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in metrics if m not in names]
        if unknown:
            raise ValueError(f"plot_history: no metric named {unknown}; the history has {names}")
        names = metrics
    # A bare Figure needs no GUI backend and leaves pyplot's global state alone.
    fig = _figure_class()(figsize=(4.5 * len(names), 3.5))
    axes = fig.subplots(1, len(names), squeeze=False)
    for ax, name in zip(axes[0], names):
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            values = logs.get(key)
            if values:
                xs = [e + 1 for e in epochs] if epochs and len(epochs) == len(values) else None
                xs = xs or list(range(1, len(values) + 1))
                ax.plot(xs, values, marker="o" if len(values) < 30 else None, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig

"""`keras.utils.Progbar`: the progress bar `fit`, `evaluate` and `predict` print.

The output is Keras 3's, character for character. What differs is the cost: between two
redraws (at most one every `interval` seconds) an update only reads the clock, and metric
values are turned into floats only when a line is drawn.
"""

from __future__ import annotations

import logging
import math
import sys
import time

import numpy as np


class Progbar:
    """Displays a progress bar.

    Args:
        target: Total number of steps expected, None if unknown.
        width: Progress bar width on screen.
        verbose: 0 (silent), 1 (a live bar), 2 (one line when finalized).
        interval: Minimum time between two redraws, in seconds.
        stateful_metrics: names of metrics shown as given (all others are averaged
            over the steps). Give this or `stateless_metrics`, not both.
        stateless_metrics: names of metrics averaged over the steps (all others are
            shown as given).
        unit_name: Display name for step counts (usually "step" or "sample").
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name="step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` is used to make metrics stateless by default (with an "
                "exclusion list), while `stateless_metrics` is used to make metrics "
                "stateful by default (with an exclusion list)."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateful_metrics is not None:
            self.stateful_metrics = set(stateful_metrics)
            self.stateless_metrics = None
        elif stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set()
            self.stateless_metrics = None
        # Keras redraws in place whenever "posix" is loaded, i.e. on every Unix.
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in sys.modules
        )
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Moves the bar to step `current`.

        Args:
            current: Index of the current step.
            values: List of `(name, value_for_last_step)` pairs.
            finalize: Whether this is the last update; defaults to `current >= target`.
        """
        self._update(current, values, None, finalize)

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    def _all_stateful(self) -> bool:
        return self.stateless_metrics is not None and not self.stateless_metrics

    def _update(self, current, values, values_fn, finalize):
        """`update`, where `values_fn()` (if given) is called only when its values are used."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = time.time()
        if self.verbose == 1:
            draw = finalize or now - self._last_update >= self.interval
        else:
            draw = self.verbose == 2 and finalize
        if values_fn is not None and (draw or not self._all_stateful()):
            values = values_fn()
        if values:
            self._record(current, values, finalize)
        self._seen_so_far = current
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1 and not draw:
            return
        if self.verbose == 1:
            self._draw_bar(current, now, time_per_unit, finalize)
        elif draw:
            self._draw_line(current, now, time_per_unit)
        self._last_update = now

    def _record(self, current, values, finalize):
        for k, v in values:
            if k not in self._values:
                self._values_order.append(k)
            if self.stateful_metrics is not None:
                stateless = k not in self.stateful_metrics
            else:
                stateless = k in self.stateless_metrics
            if stateless:
                # Without a target, both the last batch and the epoch end report the same
                # step: count at least 1 so the average never divides by zero.
                if finalize:
                    self._values[k] = [v, 1]
                else:
                    base = max(current - self._seen_so_far, 1)
                    if k not in self._values:
                        self._values[k] = [v * base, base]
                    else:
                        self._values[k][0] += v * base
                        self._values[k][1] += base
            else:
                self._values[k] = [v, 1]

    def _averages(self):
        for k in self._values_order:
            total, count = self._values[k]
            if not isinstance(total, float):
                total = np.mean(total)
            yield k, total / max(1, count)

    def _draw_bar(self, current, now, time_per_unit, finalize):
        special_char_len = 0
        message = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
        if self.target is not None and self.target > 0:
            numdigits = int(math.log10(self.target)) + 1
            bar = f"\x1b[1m{current:{numdigits}d}/{self.target}\x1b[0m "
            special_char_len += 8
            prog_width = int(self.width * float(current) / self.target)
            if prog_width > 0:
                bar += f"\33[32m{'━' * prog_width}\x1b[0m"
                special_char_len += 9
            bar += f"\33[37m{'━' * (self.width - prog_width)}\x1b[0m"
            special_char_len += 9
        else:
            bar = f"{int(current):7d}/Unknown"
        message += bar
        if self.target is not None and self.target > 0 and not finalize:
            eta = time_per_unit * (self.target - current)
            if eta > 3600:
                eta_format = f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                eta_format = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                eta_format = f"{int(eta)}s"
            info = f" \x1b[1m{eta_format}\x1b[0m"
        else:
            info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
        special_char_len += 8
        info += self._format_time(time_per_unit, self.unit_name)
        for k, avg in self._averages():
            info += f" - {k}: {avg:.4f}" if abs(avg) > 1e-3 else f" - {k}: {avg:.4e}"
        message += info
        total_width = len(bar) + len(info) - special_char_len
        if self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)
        if finalize:
            message += "\n"
        _write(message)
        self._prev_total_width = total_width

    def _draw_line(self, current, now, time_per_unit):
        if self.target is None or self.target <= 0:
            return
        numdigits = int(math.log10(self.target)) + 1
        info = f"{current:{numdigits}d}/{self.target} - {now - self._start:.0f}s"
        info += f" -{self._format_time(time_per_unit, self.unit_name)}"
        for k, avg in self._averages():
            # Keras compares the signed value here (abs() in the live bar).
            info += f" - {k}: {avg:.4f}" if avg > 1e-3 else f" - {k}: {avg:.4e}"
        _write(info + "\n")

    @staticmethod
    def _format_time(time_per_unit, unit_name):
        if time_per_unit >= 1 or time_per_unit == 0:
            return f" {time_per_unit:.0f}s/{unit_name}"
        if time_per_unit >= 1e-3:
            return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
        return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"

    def _estimate_step_duration(self, current, now):
        """Seconds per step, leaving out the first step (often slow) once there are more."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit


def _write(message: str):
    from ..config import is_interactive_logging_enabled

    if not is_interactive_logging_enabled():  # keras.config.disable_interactive_logging()
        if message.strip():
            logging.getLogger("keras").info(message.strip("\r\n"))
        return
    sys.stdout.write(message)
    sys.stdout.flush()

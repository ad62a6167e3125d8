"""Where in the user's code something happened: the first stack frame outside tapeflow.

Used by the why-None explainer and the numeric checks to name "train.py:12" in their
messages. Finding the frame walks the stack, so it is called only off the hot path: at a
cut in a gradient path, when a check fails, or in the debugging modes that ask for it.
"""

from __future__ import annotations

import linecache
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class Site:
    """A file and line of user code (the code text is read only when shown)."""

    __slots__ = ("filename", "lineno", "function")

    def __init__(self, filename: str, lineno: int, function: str = ""):
        self.filename = filename
        self.lineno = lineno
        self.function = function

    @property
    def code(self) -> str:
        """The source line, stripped ('' when the file cannot be read)."""
        return linecache.getline(self.filename, self.lineno).strip()

    def short(self) -> str:
        """'train.py:12' (a path relative to the working directory when it is below it)."""
        path = self.filename
        try:
            rel = os.path.relpath(path)
            if not rel.startswith(".."):
                path = rel
        except ValueError:  # another drive (Windows)
            pass
        return f"{path}:{self.lineno}"

    def __str__(self):
        code = self.code
        return f"{self.short()} (`{code}`)" if code else self.short()

    def __repr__(self):
        return f"Site({self.short()!r})"


def _internal(filename: str) -> bool:
    return filename.startswith(_PACKAGE_DIR) or filename.startswith("<frozen ")


def user_frame(skip: int = 1):
    """The innermost frame outside the tapeflow package (and contextlib), and its depth.

    `skip` frames are skipped first (1: the caller of this function). Returns
    (frame, depth) with depth counted from the caller, or (None, depth) when every frame
    is tapeflow's own.
    """
    frame = sys._getframe(skip)
    depth = 0
    while frame is not None:
        filename = frame.f_code.co_filename
        if not _internal(filename) and not filename.endswith(os.sep + "contextlib.py"):
            return frame, depth
        frame = frame.f_back
        depth += 1
    return None, depth


def user_site(skip: int = 1) -> Site | None:
    """The `Site` of the innermost user frame (see `user_frame`), or None."""
    frame, _ = user_frame(skip + 1)
    if frame is None:
        return None
    return Site(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


def user_stacklevel(skip: int = 1) -> int:
    """The `stacklevel` that makes the caller's `warnings.warn` point at user code."""
    _, depth = user_frame(skip + 1)
    return depth + 1

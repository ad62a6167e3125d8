"""`tf.io.gfile`: TensorFlow's file API on the local file system.

The names and errors are TF's (`tf.errors.NotFoundError` for a missing path,
`AlreadyExistsError` where TF refuses to overwrite); only local paths are supported (no
`gs://` or `hdfs://` schemes).
"""

from __future__ import annotations

import glob as _glob
import os
import shutil

from ..core.errors import AlreadyExistsError, NotFoundError, UnimplementedError

__all__ = [
    "GFile",
    "copy",
    "exists",
    "glob",
    "isdir",
    "join",
    "listdir",
    "makedirs",
    "mkdir",
    "remove",
    "rename",
    "rmtree",
    "stat",
    "walk",
]


def _local(path) -> str:
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = path.decode("utf-8")
    if "://" in path and not path.startswith("file://"):
        raise UnimplementedError(
            f"File system scheme '{path.split('://')[0]}' not implemented (file: '{path}'); "
            f"tapeflow's tf.io.gfile reads local files only"
        )
    return path[len("file://") :] if path.startswith("file://") else path


class GFile:
    """A file object like Python's `open` (TF's `tf.io.gfile.GFile`): text in "r"/"w"
    modes, bytes with "b"; `read`, `readline`, `readlines`, iteration, `write`, `seek`,
    `tell`, `size`, `flush`, `close`, and use as a context manager."""

    def __init__(self, name, mode="r"):
        self.name = _local(name)
        self.mode = mode
        if "r" in mode and not os.path.exists(self.name):
            raise NotFoundError(f"{self.name}; No such file or directory")
        self._file = None

    def _f(self):
        if self._file is None:
            text = "b" not in self.mode
            mode = self.mode.replace("b", "") + "b"
            raw = open(self.name, mode)  # noqa: SIM115 - closed by close()/__exit__
            self._file = raw if not text else _TextFile(raw)
        return self._file

    def read(self, n=-1):
        return self._f().read(n)

    def readline(self):
        return self._f().readline()

    def readlines(self):
        return self._f().readlines()

    def __iter__(self):
        return iter(self._f().readline, self._empty())

    def _empty(self):
        return b"" if "b" in self.mode else ""

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, data):
        self._f().write(data)

    def seek(self, offset=None, whence=0, position=None):
        self._f().seek(offset if position is None else position, whence)

    def tell(self):
        return self._f().tell()

    def size(self):
        return os.path.getsize(self.name)

    def flush(self):
        if self._file is not None:
            self._file.flush()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def seekable(self):
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _TextFile:
    """Text on top of a binary file, UTF-8, newlines kept as they are (as TF's GFile)."""

    def __init__(self, raw):
        self._raw = raw

    def read(self, n=-1):
        return self._raw.read(n).decode("utf-8")

    def readline(self):
        return self._raw.readline().decode("utf-8")

    def readlines(self):
        return [line.decode("utf-8") for line in self._raw.readlines()]

    def write(self, data):
        self._raw.write(data.encode("utf-8") if isinstance(data, str) else data)

    def __getattr__(self, name):
        return getattr(self._raw, name)


def exists(path) -> bool:
    """True if `path` (a file or directory) exists."""
    return os.path.exists(_local(path))


def isdir(path) -> bool:
    return os.path.isdir(_local(path))


def glob(pattern) -> list:
    """The paths matching `pattern` (a string or a list of them), sorted."""
    patterns = [pattern] if isinstance(pattern, (str, bytes, os.PathLike)) else list(pattern)
    out = []
    for p in patterns:
        out.extend(_glob.glob(_local(p)))
    return sorted(set(out))


def listdir(path) -> list:
    """The names in directory `path` (NotFoundError if it does not exist)."""
    path = _local(path)
    if not os.path.isdir(path):
        raise NotFoundError(f"Could not find directory {path}")
    return sorted(os.listdir(path))


def makedirs(path):
    """Creates `path` and any missing parents (no error if it exists)."""
    os.makedirs(_local(path), exist_ok=True)


def mkdir(path):
    """Creates the directory `path` (AlreadyExistsError if it exists)."""
    path = _local(path)
    try:
        os.mkdir(path)
    except FileExistsError:
        raise AlreadyExistsError(f"{path}; File exists") from None
    except FileNotFoundError:
        raise NotFoundError(f"{path}; No such file or directory") from None


def remove(path):
    """Deletes the file `path` (NotFoundError if it does not exist)."""
    path = _local(path)
    try:
        os.remove(path)
    except FileNotFoundError:
        raise NotFoundError(f"{path}; No such file or directory") from None


def rmtree(path):
    """Deletes the directory `path` and everything below it."""
    path = _local(path)
    if not os.path.exists(path):
        raise NotFoundError(f"{path}; No such file or directory")
    shutil.rmtree(path)


def rename(src, dst, overwrite=False):
    """Renames `src` to `dst`; AlreadyExistsError if `dst` exists, unless `overwrite`."""
    src, dst = _local(src), _local(dst)
    if not os.path.exists(src):
        raise NotFoundError(f"{src}; No such file or directory")
    if os.path.exists(dst) and not overwrite:
        raise AlreadyExistsError(f"file already exists: {dst}")
    os.replace(src, dst)


def copy(src, dst, overwrite=False):
    """Copies the file `src` to `dst`; AlreadyExistsError if `dst` exists, unless
    `overwrite`."""
    src, dst = _local(src), _local(dst)
    if not os.path.exists(src):
        raise NotFoundError(f"{src}; No such file or directory")
    if os.path.exists(dst) and not overwrite:
        raise AlreadyExistsError(f"file already exists: {dst}")
    shutil.copyfile(src, dst)


def walk(top, topdown=True, onerror=None):
    """Yields `(dirname, subdirectories, filenames)` for each directory under `top`."""
    for dirpath, dirnames, filenames in os.walk(_local(top), topdown=topdown, onerror=onerror):
        yield dirpath, sorted(dirnames), sorted(filenames)


def join(path, *paths) -> str:
    return os.path.join(path, *paths)


class _Stat:
    def __init__(self, st, is_directory):
        self.length = st.st_size
        self.mtime_nsec = st.st_mtime_ns
        self.is_directory = is_directory


def stat(path):
    """`length`, `mtime_nsec` and `is_directory` of `path`."""
    path = _local(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise NotFoundError(f"{path}; No such file or directory") from None
    return _Stat(st, os.path.isdir(path))

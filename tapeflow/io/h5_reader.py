"""HDF5 files (Keras 3's `.weights.h5`) read as untrusted input, through h5py.

The HDF5 C library parses the file's structure; everything it reports is checked before any
array is read. `H5Reader` walks the groups (at most `MAX_OBJECTS` objects, `MAX_DEPTH` levels,
names of at most `MAX_NAME` bytes) and refuses soft and external links, user-defined link
types, external storage, virtual datasets, and every dtype that is not little- or big-endian
bool, integer or float (no compound, string, variable-length, reference, enum or opaque
data). Filters are limited to HDF5's built-in ones and LZF, so no plugin library is loaded
because a file names it. Attributes are read only when a caller asks for one by name
(`string_attribute`: the legacy `.h5` model file's config and name lists), and only a string
or a 1-D array of at most `MAX_OBJECTS` strings (an empty numeric array reads as no names),
of at most `MAX_ATTRIBUTE_BYTES` in all, valid UTF-8. A variable-length string lives in
HDF5's heap, whose size is only known once read: a hostile file can make one read allocate
up to (elements x the file's size) before the total is checked, which the element bound
limits. `entries` (key -> `TensorEntry`, with
the key `group/subgroup/dataset`) is known before any data is read; `read(select)` then
reads only the datasets `select` names, each into an array of exactly its checked size.
Every failure is a `tf.errors.DataLossError` naming the file.

HDF5 has no checksum over the data (Keras does not write one): a flipped bit in a weight is
not detected here. A `.keras` archive's CRC covers its HDF5 member (`tapeflow.keras.saving`).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import DataLossError
from .tensor_layout import MAX_RANK, TensorEntry

MAX_OBJECTS = 100_000
MAX_DEPTH = 64
MAX_NAME = 1024
MAX_ATTRIBUTE_BYTES = 64 << 20
# HDF5's built-in filters (deflate, shuffle, fletcher32, szip, nbit, scale-offset) and LZF,
# which h5py registers itself. Any other id would make HDF5 search its plugin path.
_BUILTIN_FILTERS = frozenset({1, 2, 3, 4, 5, 6, 32000})
_KINDS = "biuf"


def import_h5py():
    """h5py, or an ImportError that names the extra to install."""
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "Reading and writing HDF5 files (Keras 3's .weights.h5 and .keras weights) needs "
            "h5py: pip install 'tapeflow[h5]' (or pip install h5py)."
        ) from None
    return h5py


def h5py_available() -> bool:
    try:
        import h5py  # noqa: F401
    except ImportError:
        return False
    return True


class H5Reader:
    """An HDF5 file opened and checked: `entries` (key -> TensorEntry), then `read(select)`.

    Args:
        source: a path, or a seekable binary file object holding the file.
        where: names the file in errors.
        close_source: close `source` (a file object) when the reader is closed.
    """

    def __init__(self, source, where: str, close_source: bool = False):
        h5py = import_h5py()
        self.where = where
        self._source = source if close_source else None
        self.metadata: dict = {}
        self._h5py = h5py
        try:
            self._file = h5py.File(source, "r")
        except (OSError, ValueError, RuntimeError, KeyError) as e:
            self._close_source()
            raise self.lost(f"not a readable HDF5 file ({_short(e)})") from None
        try:
            self._datasets = {}
            self._groups = {"": self._file}
            self.entries = {}
            self._walk()
        except BaseException:
            self.close()
            raise

    def lost(self, what: str) -> DataLossError:
        return DataLossError(f"{self.where}: {what}")

    def _walk(self):
        h5py = self._h5py
        visited = 0
        stack = [("", self._file, 0)]
        while stack:
            path, group, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise self.lost(f"groups nested more than {MAX_DEPTH} levels deep")
            try:
                names = list(group.keys())
            except (OSError, RuntimeError, ValueError, KeyError) as e:
                raise self.lost(f"cannot list group '/{path}' ({_short(e)})") from None
            for name in names:
                visited += 1
                if visited > MAX_OBJECTS:
                    raise self.lost(f"more than {MAX_OBJECTS} objects")
                if len(name.encode("utf-8", "replace")) > MAX_NAME:
                    raise self.lost(f"an object name of over {MAX_NAME} bytes in '/{path}'")
                key = f"{path}/{name}" if path else name
                try:
                    link = group.get(name, getlink=True)
                except (OSError, RuntimeError, ValueError, KeyError) as e:
                    raise self.lost(f"cannot read the link '/{key}' ({_short(e)})") from None
                if not isinstance(link, h5py.HardLink):
                    kind = type(link).__name__ if link is not None else "user-defined link"
                    raise self.lost(f"'/{key}' is a {kind}; only hard links are read")
                try:
                    obj = group[name]
                except (OSError, RuntimeError, ValueError, KeyError) as e:
                    raise self.lost(f"cannot open '/{key}' ({_short(e)})") from None
                if isinstance(obj, h5py.Group):
                    stack.append((key, obj, depth + 1))
                    self._groups[key] = obj
                elif isinstance(obj, h5py.Dataset):
                    self.entries[key] = self._checked_dataset(key, obj)
                    self._datasets[key] = obj
                else:
                    raise self.lost(f"'/{key}' is a {type(obj).__name__}, not a group or dataset")

    def _checked_dataset(self, key: str, ds) -> TensorEntry:
        try:
            shape, dtype = ds.shape, ds.dtype
            external, virtual = ds.external, ds.is_virtual
            plist = ds.id.get_create_plist()
            filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
        except (OSError, RuntimeError, ValueError, TypeError) as e:
            raise self.lost(f"dataset '/{key}' is malformed ({_short(e)})") from None
        if external:
            raise self.lost(f"dataset '/{key}' keeps its data in external files")
        if virtual:
            raise self.lost(f"dataset '/{key}' is a virtual dataset (data from other files)")
        bad = [f for f in filters if f not in _BUILTIN_FILTERS]
        if bad:
            raise self.lost(f"dataset '/{key}' uses filter {bad[0]}, not one built into HDF5")
        if shape is None:
            raise self.lost(f"dataset '/{key}' has no dataspace (an empty HDF5 dataset)")
        if (
            dtype.fields is not None
            or dtype.subdtype is not None
            or dtype.kind not in _KINDS
            or self._h5py.check_dtype(vlen=dtype) is not None
            or self._h5py.check_dtype(enum=dtype) is not None
            or self._h5py.check_dtype(ref=dtype) is not None
        ):
            raise self.lost(
                f"dataset '/{key}' has dtype {dtype!s:.60}; only bool, integer and float "
                f"arrays are read"
            )
        if len(shape) > MAX_RANK or any(d < 0 or d >= 1 << 62 for d in shape):
            raise self.lost(f"dataset '/{key}' has a malformed shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize
        return TensorEntry(key, dtype.newbyteorder("="), tuple(shape), 0, nbytes)

    def read(self, select=None) -> dict:
        """The arrays named by `select(entries)` (all by default), in native byte order."""
        keep = set(self.entries if select is None else select(dict(self.entries)))
        out = {}
        for key in sorted(keep):
            entry = self.entries.get(key)
            if entry is None:
                continue
            array = np.empty(entry.shape, dtype=entry.dtype)
            if array.size:
                try:
                    self._datasets[key].read_direct(array)
                except (OSError, RuntimeError, ValueError, TypeError) as e:
                    raise self.lost(
                        f"dataset '/{key}' cannot be read (truncated or corrupted: {_short(e)})"
                    ) from None
            out[key] = array
        return out

    def has_group(self, path: str) -> bool:
        return path in self._groups

    def string_attribute(self, path: str, name: str):
        """The attribute `name` of the group at `path` ("" is the root): a str for a string,
        a list of str for a 1-D array of strings (Keras' name lists), None when absent.

        Raises:
            tf.errors.DataLossError: another kind of attribute, too large, or not UTF-8.
        """
        group = self._groups.get(path)
        if group is None:
            return None
        where = f"attribute '{name}' of '/{path}'"
        h5py = self._h5py
        try:
            if name not in group.attrs:
                return None
            attr = h5py.h5a.open(group.id, name.encode("utf-8"))
            shape, dtype = attr.shape, attr.dtype
        except (OSError, RuntimeError, ValueError, KeyError, TypeError) as e:
            raise self.lost(f"{where} is malformed ({_short(e)})") from None
        if len(shape) > 1 or (shape and shape[0] > MAX_OBJECTS):
            raise self.lost(f"{where} has shape {shape}; a string or a list of names is read")
        count = shape[0] if shape else 1
        if shape and count == 0 and dtype.kind in _KINDS:
            return []  # Keras writes an empty name list as an empty float array
        info = h5py.check_string_dtype(dtype)
        if info is None:
            raise self.lost(f"{where} has dtype {dtype!s:.60}; a string is read")
        if info.length is not None and info.length * count > MAX_ATTRIBUTE_BYTES:
            raise self.lost(f"{where} holds over {MAX_ATTRIBUTE_BYTES} bytes")
        try:
            value = group.attrs[name]
        except (OSError, RuntimeError, ValueError, KeyError, TypeError) as e:
            raise self.lost(f"{where} cannot be read ({_short(e)})") from None
        items = [value] if not shape else list(np.asarray(value, dtype=object).reshape(-1))
        if sum(len(v) for v in items) > MAX_ATTRIBUTE_BYTES:
            raise self.lost(f"{where} holds over {MAX_ATTRIBUTE_BYTES} bytes")
        try:
            texts = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in items]
        except UnicodeDecodeError:
            raise self.lost(f"{where} is not valid UTF-8") from None
        return texts if shape else texts[0]

    def close(self):
        self._datasets = {}
        self._groups = {}
        self._file.close()
        self._close_source()

    def _close_source(self):
        if self._source is not None:
            self._source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _short(error) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def is_hdf5(head: bytes) -> bool:
    """Whether a file's first bytes are HDF5's signature (at offset 0)."""
    return head[:8] == b"\x89HDF\r\n\x1a\n"

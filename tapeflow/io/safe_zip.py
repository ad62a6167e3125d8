"""Zip archives read as untrusted input: every declared size is checked before it is used.

`SafeZip(path, limits)` checks, before `zipfile` parses anything, that the file starts with a
zip local header and that its end record declares few members and a small central directory;
then that every member has an expected, harmless name (no `..`, no absolute or drive path, no
duplicate), is neither encrypted nor compressed with anything but deflate (or stored, where
required), and declares no more bytes than its limit. Reading a member yields at most the
declared size (`zipfile` stops there and checks the CRC), so a zip bomb or a size lie costs no
more memory than the limit. Every defect is a `tf.errors.DataLossError` naming the file.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.errors import DataLossError

_LOCAL_MAGIC = b"PK\x03\x04"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # local file header, before name and extra field
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END_MAGIC = b"PK\x05\x06"
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64_LOCATOR_MAGIC = b"PK\x06\x07"
_END64 = struct.Struct("<4sQ2H2L4Q")
_END64_MAGIC = b"PK\x06\x06"
_MAX_COMMENT = 0xFFFF
_ALLOWED_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError)


@dataclass(frozen=True)
class MemberLimit:
    """What a member may be: at most `max_bytes` once decompressed; `stored_only` for
    members written uncompressed, whose bytes therefore really exist in the file."""

    max_bytes: int
    stored_only: bool = False


def _unsafe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or "\\" in name
        or "\0" in name
        or ":" in name
        or any(p in ("", ".", "..") for p in parts)
    )


class SafeZip:
    """A zip archive whose members were checked against `limits` (name -> MemberLimit).

    Raises:
        tf.errors.DataLossError: not a zip file, truncated, or any member or size that breaks
            the rules above; the message names `path`.
    """

    def __init__(self, path: str, limits: Mapping[str, MemberLimit], what: str = "archive"):
        self.path = path
        self._limits = dict(limits)
        self._what = what
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            self._check_layout(f, size)
        try:
            self._zip = zipfile.ZipFile(path, "r")
        except _ZIP_ERRORS as e:
            raise self.lost(f"not a valid {what} (truncated or corrupted: {e})") from None
        try:
            self._check_members(size)
        except BaseException:
            self._zip.close()
            raise

    def lost(self, what: str) -> DataLossError:
        return DataLossError(f"{self.path}: {what}")

    # ---- checks made before zipfile reads the central directory ----

    def _check_layout(self, f, size: int):
        if f.read(4) != _LOCAL_MAGIC:
            f.seek(0)
            raise self.lost(
                f"not a valid {self._what}: it does not start with a zip header "
                f"(it starts with {f.read(8)!r})"
            )
        tail_size = min(size, _END.size + _MAX_COMMENT)
        f.seek(size - tail_size)
        tail = f.read(tail_size)
        at = tail.rfind(_END_MAGIC)
        if at < 0 or at + _END.size > len(tail):
            raise self.lost(f"not a valid {self._what}: truncated (no end of archive record)")
        (_, disk, cd_disk, count_here, count, cd_size, cd_offset, _) = _END.unpack_from(tail, at)
        end_position = size - tail_size + at
        if 0xFFFF in (count_here, count) or 0xFFFFFFFF in (cd_size, cd_offset):
            count, cd_size, cd_offset = self._zip64_end(f, end_position)
        elif disk or cd_disk or count_here != count:
            raise self.lost(f"not a valid {self._what}: multi-volume archives are not supported")
        most = len(self._limits)
        if count > most:
            raise self.lost(f"the archive declares {count} members; at most {most} are expected")
        # A central directory entry is 46 bytes plus its name, extra field and comment.
        if cd_size > most * (46 + 1024) or cd_offset + cd_size > end_position:
            raise self.lost(
                f"not a valid {self._what}: its central directory ({cd_size} bytes at "
                f"{cd_offset}) is too large or lies outside the file"
            )

    def _zip64_end(self, f, end_position: int) -> tuple:
        locator_position = end_position - _END64_LOCATOR.size
        if locator_position < 0:
            raise self.lost(f"not a valid {self._what}: truncated zip64 end record")
        f.seek(locator_position)
        magic, _, end64_position, _ = _END64_LOCATOR.unpack(f.read(_END64_LOCATOR.size))
        if magic != _END64_LOCATOR_MAGIC or end64_position + _END64.size > locator_position:
            raise self.lost(f"not a valid {self._what}: bad zip64 end record")
        f.seek(end64_position)
        fields = _END64.unpack(f.read(_END64.size))
        if fields[0] != _END64_MAGIC or fields[6] != fields[7]:
            raise self.lost(f"not a valid {self._what}: bad zip64 end record")
        return fields[7], fields[8], fields[9]

    def _check_members(self, size: int):
        infos = self._zip.infolist()
        names = [info.filename for info in infos]
        for info in infos:
            name = info.filename
            if _unsafe_name(name):
                raise self.lost(f"unsafe member name {name!r} (absolute or '..' path)")
            if names.count(name) > 1:
                raise self.lost(f"the member {name!r} appears {names.count(name)} times")
            limit = self._limits.get(name)
            if limit is None:
                raise self.lost(
                    f"unexpected member {name!r} (a {self._what} holds {sorted(self._limits)})"
                )
            if info.flag_bits & 0x1:
                raise self.lost(f"{name} is encrypted")
            if info.compress_type not in _ALLOWED_COMPRESSION:
                raise self.lost(
                    f"{name} uses compression method {info.compress_type}; only stored and "
                    f"deflate are read"
                )
            if limit.stored_only and info.compress_type != zipfile.ZIP_STORED:
                raise self.lost(f"{name} is compressed; it is always written stored")
            if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                raise self.lost(
                    f"{name} is stored uncompressed, yet declares {info.compress_size} bytes "
                    f"in the file and {info.file_size} once read"
                )
            if info.header_offset + info.compress_size > size:
                raise self.lost(f"{name} lies past the end of the file (truncated)")
            if info.file_size > limit.max_bytes:
                raise self.lost(
                    f"{name} declares {info.file_size} bytes, over its limit of "
                    f"{limit.max_bytes} bytes"
                )

    # ---- reading ----

    def names(self) -> set:
        return set(self._zip.namelist())

    def size(self, name: str) -> int:
        """The member's declared (checked) size once decompressed."""
        return self._zip.getinfo(name).file_size

    def read(self, name: str) -> bytes:
        """The whole member (at most its checked limit)."""
        try:
            with self._zip.open(name) as member:
                data = member.read(self.size(name) + 1)
        except _ZIP_ERRORS as e:
            raise self.lost(f"corrupted archive member {name} ({e})") from None
        if len(data) != self.size(name):
            raise self.lost(f"{name} holds {len(data)} bytes, it declares {self.size(name)}")
        return data

    def open(self, name: str):
        """A binary stream over the member (read errors surface as zipfile's exceptions;
        `errors` lists them)."""
        return self._zip.open(name)

    def stored_window(self, name: str):
        """A seekable read-only file over a stored (uncompressed) member's bytes, read in
        place from the archive once its CRC matched (checked in chunks); None for a
        compressed member."""
        info = self._zip.getinfo(name)
        if info.compress_type != zipfile.ZIP_STORED:
            return None
        f = open(self.path, "rb")  # noqa: SIM115 - closed by the window
        try:
            f.seek(info.header_offset)
            local = f.read(_LOCAL_HEADER.size)
            if len(local) != _LOCAL_HEADER.size or local[:4] != _LOCAL_MAGIC:
                raise self.lost(f"{name}: bad local header (corrupted archive)")
            name_len, extra_len = _LOCAL_HEADER.unpack(local)[-2:]
            start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
            if start + info.file_size > os.fstat(f.fileno()).st_size:
                raise self.lost(f"{name} lies past the end of the file (truncated)")
            window = _Window(f, start, info.file_size)
            crc = 0
            while True:
                chunk = window.read(1 << 20)
                if not chunk:
                    break
                crc = zlib.crc32(chunk, crc)
            if crc != info.CRC:
                raise self.lost(f"{name}: CRC mismatch (the archive is corrupted)")
            window.seek(0)
            return window
        except BaseException:
            f.close()
            raise

    errors = _ZIP_ERRORS

    def close(self):
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Window(io.RawIOBase):
    """Bytes [start, start + size) of an open file, as a seekable read-only file."""

    def __init__(self, f, start: int, size: int):
        self._f = f
        self._start = start
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer) -> int:
        n = max(0, min(len(buffer), self._size - self._pos))
        if n == 0:
            return 0
        self._f.seek(self._start + self._pos)
        got = self._f.readinto(memoryview(buffer)[:n])
        self._pos += got
        return got

    def close(self):
        self._f.close()
        super().close()

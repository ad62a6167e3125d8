"""What the Keras dataset loaders share: the cache directory, verified downloads that are
written atomically, and the errors that say which files to put where.

A dataset's files live in one directory: `data_dir=` when given, else `$TAPEFLOW_DATA/<dataset>`,
else `~/.tapeflow/datasets/<dataset>`. A file that is absent is downloaded from its mirrors into
a temporary file next to its final name, checked against a SHA-256 written in the code, and only
then renamed into place (`os.replace`), so the cache never holds a half-written file.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import sys
import zlib
from dataclasses import dataclass

from ...io.safe_format import atomic_write

ENV_VAR = "TAPEFLOW_DATA"
DEFAULT_ROOT = "~/.tapeflow/datasets"
DOWNLOAD_TIMEOUT_S = 30  # per blocking socket operation, not for the whole file
_CHUNK = 1 << 20


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's files are not on disk and could not be downloaded.

    Besides its message it keeps the parts, so a command-line tool can say the same in its own
    terms: `dataset`, `directory` (where they were looked for), `absent` (file names),
    `sources` (download URLs) and `attempts` (what each download try answered)."""

    dataset = directory = None
    absent = sources = attempts = ()


class CorruptDatasetError(ValueError):
    """A dataset file is truncated, malformed, or does not have the expected checksum."""


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset and the SHA-256 that identifies it.

    `hashed` says what the checksum covers: "file" (the bytes as stored) or "content" (the
    gunzipped bytes, for files whose gzip headers differ between mirrors).
    """

    name: str
    sha256: str
    hashed: str = "file"
    shape: tuple = ()


def dataset_dir(dataset: str, data_dir=None) -> pathlib.Path:
    """The directory holding `dataset`'s files: `data_dir`, else the cache subfolder."""
    if data_dir is not None:
        return pathlib.Path(os.fspath(data_dir)).expanduser()
    root = os.environ.get(ENV_VAR) or DEFAULT_ROOT
    return pathlib.Path(root).expanduser() / dataset


def file_sha256(path: pathlib.Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    hasher = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def check_sha256(dataset: str, where, spec: DataFile, actual: str, *, downloaded=False):
    """Raises `CorruptDatasetError` naming the file (or URL, when `downloaded`) when `actual`
    is not `spec.sha256`."""
    if actual != spec.sha256:
        what = "decompressed content" if spec.hashed == "content" else "file"
        advice = (
            "the download was discarded"
            if downloaded
            else "delete it so that it is downloaded again, or replace it with a good copy"
        )
        raise CorruptDatasetError(
            f"{dataset}: {where}: sha256 of the {what} is {actual}, expected {spec.sha256}: "
            f"this is not {spec.name} of {dataset} or it is corrupt; {advice}"
        )


def ensure_files(
    dataset: str, directory: pathlib.Path, specs, mirrors, *, alternatives: str = ""
) -> list[pathlib.Path]:
    """The paths of `specs` in `directory`, downloading the absent ones from `mirrors` (base
    URLs tried in order). Raises `DatasetNotFoundError` saying which files to put where when a
    file is absent and no mirror delivers a verified copy."""
    paths = [directory / spec.name for spec in specs]
    missing = [spec for spec, path in zip(specs, paths) if not path.is_file()]
    failures: list[str] = []
    for spec in missing:
        if not _download(dataset, directory, spec, mirrors, failures):
            # Probably offline: stop at the first file no mirror could deliver.
            absent = [s.name for s, p in zip(specs, paths) if not p.is_file()]
            raise not_found_error(dataset, directory, absent, failures, alternatives, mirrors)
    return paths


def not_found_error(
    dataset: str, directory: pathlib.Path, absent, failures, alternatives: str, mirrors
) -> DatasetNotFoundError:
    """The error that tells the user exactly which files to put in which directory."""
    listing = "\n".join(f"    {name}" for name in absent)
    tried = "\n".join(f"    {line}" for line in failures) or "    (nothing was tried)"
    sources = "\n".join(f"    {url}" for url in mirrors)
    error = DatasetNotFoundError(
        f"{dataset}: dataset files not found and the download failed.\n"
        f"Put these files in {directory.absolute()}:\n{listing}\n"
        f"{alternatives}"
        f"They can be downloaded from:\n{sources}\n"
        f"Or pass `data_dir=` naming a directory that holds them, or set "
        f"{ENV_VAR} to a directory with a `{dataset}/` subfolder that holds them (the default "
        f"is {DEFAULT_ROOT}/{dataset}).\nDownload attempts:\n{tried}"
    )
    error.dataset, error.directory = dataset, directory.absolute()
    error.absent, error.sources, error.attempts = list(absent), list(mirrors), list(failures)
    return error


def _urlopen(url: str, timeout: float):
    """Opens `url` for reading (a seam for tests, which run offline)."""
    import urllib.request  # here: it costs ~30 ms at import and is needed only to download

    return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (fixed https/http URLs)


def _download(dataset, directory, spec: DataFile, mirrors, failures: list[str]) -> bool:
    """Fetches `spec` into `directory` from the first mirror that delivers a verified copy.
    Appends one line per failed attempt to `failures`; returns whether a copy was stored."""
    target = directory / spec.name
    for base in mirrors:
        url = base + spec.name
        try:
            with _urlopen(url, DOWNLOAD_TIMEOUT_S) as response:
                # Only now create the directory: an offline attempt leaves no trace.
                directory.mkdir(parents=True, exist_ok=True)
                print(f"Downloading {url} -> {target}", file=sys.stderr)
                # atomic_write removes its temporary file when the block raises: a failed or
                # unverified download leaves nothing behind.
                with atomic_write(target) as out:
                    digest = _copy_and_hash(response, out, gunzip=spec.hashed == "content")
                    check_sha256(dataset, url, spec, digest, downloaded=True)
            return True
        except Exception as e:  # any failure (network, HTTP, checksum) moves to the next mirror
            failures.append(f"{url}: {type(e).__name__}: {e}")
    return False


def _copy_and_hash(response, out, *, gunzip: bool) -> str:
    """Copies a response to `out`, returning the SHA-256 of the bytes, or of the gunzipped
    bytes when `gunzip`: decompressed on the fly, so the file is read once."""
    hasher = hashlib.sha256()
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS) if gunzip else None
    while chunk := response.read(_CHUNK):
        out.write(chunk)
        if decompressor is None:
            hasher.update(chunk)
            continue
        while chunk:  # a gzip file may hold several members back to back
            if decompressor.eof:
                decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            hasher.update(decompressor.decompress(chunk))
            chunk = decompressor.unused_data if decompressor.eof else b""
    if decompressor is not None and not decompressor.eof:
        raise CorruptDatasetError("the gzip stream ended early (truncated download)")
    return hasher.hexdigest()

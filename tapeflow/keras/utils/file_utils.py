"""`keras.utils.get_file`: a file from Keras' cache, checked against its hash, extracted safely.

Keras' cache layout and rules are kept (`$KERAS_HOME` or `~/.keras`, then `cache_subdir`;
sha256 or md5 hashes; `extract=True` gives `<name>_extracted`). tapeflow never downloads:
when the file is not in the cache, or the cached copy does not match `file_hash`, the error
says which URL to fetch and where to put it. Archives are extracted into a temporary
directory and moved into place only when complete; members that would land outside the
extraction directory (absolute paths, "..", links pointing out) are skipped with a warning,
as Keras does, and tar archives use Python's "data" filter where it exists.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import warnings
import zipfile


def keras_home() -> str:
    """Keras' home directory: `$KERAS_HOME`, else `~/.keras`."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def get_file(
    fname=None,
    origin=None,
    untar=False,
    md5_hash=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    archive_format="auto",
    cache_dir=None,
    force_download=False,
):
    """The path of a cached file (or of its extracted archive); never downloads.

    Args:
        fname: the file's name in the cache (default: the last part of `origin`'s path).
        origin: the URL the file comes from (named in the error when it is missing).
        untar: deprecated spelling of `extract=True, archive_format="tar"`.
        md5_hash: deprecated spelling of `file_hash` with md5.
        file_hash: the expected sha256 (64 hex digits) or md5 of the file.
        cache_subdir: the directory under `cache_dir` (an absolute path is used as is).
        hash_algorithm: "auto", "sha256" or "md5".
        extract: extract the archive (tar, tar.gz, tar.bz2, zip) next to it and return the
            extraction directory.
        archive_format: "auto" (tar then zip), "tar", "zip" or None.
        cache_dir: the cache root (default `$KERAS_HOME` or `~/.keras`).
        force_download: a download is required: always an error in tapeflow.

    Returns:
        The path of the file, or of the extraction directory with `extract`.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if cache_dir is None:
        cache_dir = keras_home()
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir_base = os.path.expanduser(os.fspath(cache_dir))
    if not os.access(datadir_base, os.W_OK):
        datadir_base = os.path.join(
            "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras"
        )
    datadir = os.path.join(datadir_base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided_fname = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"Can't parse the file name from the origin provided: '{origin}'.Please "
                f"specify the `fname` argument."
            )
    elif os.sep in fname:
        raise ValueError(
            f"Paths are no longer accepted as the `fname` argument. To specify the file's "
            f"parent directory, use the `cache_dir` argument. Received: fname={fname}"
        )
    if extract or untar:
        if provided_fname and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[: fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)

    if force_download or not os.path.exists(target):
        reason = "a download was forced" if force_download else "it is not in the cache"
        raise FileNotFoundError(
            f"get_file: {reason} and tapeflow does not download files. Fetch {origin} and "
            f"save it as {target} (or pass `cache_dir`/`cache_subdir` naming where it is)."
        )
    if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        raise ValueError(
            f"get_file: the cached file {target} does not match the expected "
            f"{_algorithm_name(hash_algorithm, file_hash)} hash {file_hash}: it is incomplete, "
            f"outdated or not the file from {origin}. Replace it with the right file."
        )
    if extract or untar:
        if untar:
            archive_format = "tar"
        if not extract_archive(target, extraction_dir, archive_format):
            warnings.warn("Could not extract archive.", stacklevel=2)
        return extraction_dir
    return target


def _algorithm_name(algorithm, file_hash) -> str:
    if algorithm == "sha256" or (algorithm == "auto" and len(str(file_hash)) == 64):
        return "sha256"
    return "md5"


def hash_file(fpath, algorithm="sha256", chunk_size=65535) -> str:
    """The hex digest of a file (sha256 or md5)."""
    hasher = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535) -> bool:
    """Whether the file's hash is `file_hash` ("auto": sha256 for 64 digits, else md5)."""
    name = _algorithm_name(algorithm, file_hash)
    return hash_file(fpath, name, chunk_size) == str(file_hash)


# ---- safe extraction ----------------------------------------------------------------------


def _inside(base_dir: str, relative: str):
    """The resolved path of `relative` under `base_dir`, or None when it escapes it."""
    path = os.path.realpath(os.path.join(base_dir, relative))
    try:
        return path if os.path.commonpath([path, base_dir]) == base_dir else None
    except ValueError:
        return None


def _safe_tar_members(archive, base_dir):
    base_dir = os.path.realpath(base_dir)
    for info in archive:
        ok = _inside(base_dir, info.name) is not None
        if ok and info.islnk():  # hard links resolve from the archive root
            ok = _inside(base_dir, info.linkname) is not None
        elif ok and info.issym():  # symbolic links resolve from their own directory
            where = os.path.dirname(_inside(base_dir, info.name))
            ok = _inside(base_dir, os.path.join(where, info.linkname)) is not None
        if ok and (info.ischr() or info.isblk() or info.isfifo()):
            ok = False
        if ok:
            yield info
        else:
            warnings.warn(
                f"Skipping invalid path during archive extraction: '{info.name}'.", stacklevel=3
            )


def _safe_zip_members(archive, base_dir):
    base_dir = os.path.realpath(base_dir)
    for info in archive.infolist():
        if _inside(base_dir, info.filename) is not None:
            yield info
        else:
            warnings.warn(
                f"Skipping invalid path during archive extraction: '{info.filename}'.",
                stacklevel=3,
            )


def extract_archive(file_path, path=".", archive_format="auto") -> bool:
    """Extracts a tar or zip archive into `path` (see the module docstring for the safety
    rules); False when the file is not an archive of the formats asked for."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    formats = [formats] if isinstance(formats, str) else list(formats)
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in formats:
        if kind == "tar":
            opener, matches = tarfile.open, tarfile.is_tarfile
        elif kind == "zip":
            opener, matches = zipfile.ZipFile, zipfile.is_zipfile
        else:
            raise NotImplementedError(kind)
        if not matches(file_path):
            continue
        parent = os.path.dirname(os.path.abspath(path)) or "."
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".extracting-", dir=parent)
        try:
            with opener(file_path) as archive:
                if kind == "zip":
                    archive.extractall(staging, members=_safe_zip_members(archive, staging))
                else:
                    options = {}
                    if "filter" in inspect.signature(archive.extractall).parameters:
                        options["filter"] = "data"
                    archive.extractall(
                        staging, members=_safe_tar_members(archive, staging), **options
                    )
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path):
                os.remove(path)
            os.replace(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return True
    return False

"""In-memory extraction of package archives (npm ``.tgz``, wheels, sdists) with limits.

Nothing is written to disk. Every archive is checked before and while it is read:

- a path that is absolute (``/x``, ``C:x``), contains a ``..`` segment or a backslash, or
  names a file twice;
- a symbolic link, a hard link, a device or a FIFO (a package is regular files);
- more entries than ``max_files``;
- a file larger than ``max_file_bytes``, or all files together larger than
  ``max_total_bytes`` (counted while decompressing: declared sizes are not trusted);
- a compression ratio above ``max_ratio`` once more than ``ratio_floor`` bytes came out
  (tar and zip bombs);
- truncated or corrupt data.

Each is :class:`~driftguard.errors.ArchiveError` (``E_ARCHIVE``) naming the entry.
"""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass

from ..errors import ArchiveError

__all__ = ["Limits", "extract_tar_gz", "extract_zip"]


@dataclass(frozen=True)
class Limits:
    """Extraction limits (the defaults fit every real package seen so far)."""

    #: All files' bytes together, uncompressed.
    max_total_bytes: int = 256 * 1024 * 1024
    #: One file's bytes.
    max_file_bytes: int = 64 * 1024 * 1024
    #: Entries in the archive (files, directories and everything else).
    max_files: int = 20_000
    #: Uncompressed : compressed bytes.
    max_ratio: int = 200
    #: The ratio is judged once this many bytes came out (tiny archives compress well).
    ratio_floor: int = 1024 * 1024


_CHUNK = 256 * 1024


def _gunzip(data: bytes, limits: Limits, what: str) -> bytes:
    """Decompresses every gzip member of ``data`` within the limits."""
    out = bytearray()
    rest = data
    while True:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pending = rest
        try:
            while True:
                before = len(pending)
                piece = d.decompress(pending, _CHUNK)
                pending = d.unconsumed_tail
                out += piece
                _check_growth(len(out), len(data), limits, what)
                if d.eof or (not piece and (not pending or len(pending) == before)):
                    break  # done, or no progress (then not at eof: truncated)
        except zlib.error as e:
            raise ArchiveError(f"{what}: corrupt gzip data ({e})") from None
        if not d.eof:
            raise ArchiveError(f"{what}: truncated gzip data")
        rest = d.unused_data
        if not rest.startswith(b"\x1f\x8b"):
            # Trailing zero padding (or nothing): not a member, never extracted.
            return bytes(out)


def _check_growth(total: int, compressed: int, limits: Limits, what: str) -> None:
    if total > limits.max_total_bytes:
        raise ArchiveError(
            f"{what}: expands to more than {limits.max_total_bytes} bytes (a decompression bomb?)"
        )
    if total > limits.ratio_floor and total > limits.max_ratio * max(compressed, 1):
        raise ArchiveError(
            f"{what}: compression ratio above {limits.max_ratio}:1"
            f" ({compressed} bytes expand past {total}; a decompression bomb)"
        )


def _clean_path(name: str, what: str, strip: bool) -> str | None:
    """The entry's path relative to the package root, or None for the root itself."""
    shown = name.encode("unicode_escape").decode("ascii")
    if "\\" in name:
        raise ArchiveError(f"{what}: entry {shown!r} has a backslash in its path")
    if "\x00" in name:
        raise ArchiveError(f"{what}: entry {shown!r} has a NUL in its path")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
        raise ArchiveError(f"{what}: entry {shown!r} has an absolute path")
    segments = [s for s in name.split("/") if s not in ("", ".")]
    if ".." in segments:
        raise ArchiveError(f"{what}: entry {shown!r} leaves the package root (path traversal)")
    if strip:
        segments = segments[1:]
    return "/".join(segments) if segments else None


def extract_tar_gz(
    data: bytes, *, strip_first: bool, limits: Limits | None = None, what: str = "archive"
) -> dict[str, bytes]:
    """The regular files of a ``.tar.gz`` as ``{path: bytes}``. ``strip_first`` drops the
    first path segment (npm's ``package/``, an sdist's ``NAME-VERSION/``)."""
    lim = limits or Limits()
    raw = _gunzip(data, lim, what)
    files: dict[str, bytes] = {}
    entries = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            for member in tar:
                entries += 1
                if entries > lim.max_files:
                    raise ArchiveError(f"{what}: more than {lim.max_files} entries")
                shown = member.name.encode("unicode_escape").decode("ascii")
                if member.issym():
                    raise ArchiveError(
                        f"{what}: entry {shown!r} is a symbolic link (to {member.linkname!r})"
                    )
                if member.islnk():
                    raise ArchiveError(
                        f"{what}: entry {shown!r} is a hard link (to {member.linkname!r})"
                    )
                if member.ischr() or member.isblk() or member.isfifo():
                    raise ArchiveError(f"{what}: entry {shown!r} is a device or FIFO")
                path = _clean_path(member.name, what, strip_first)
                if member.isdir():
                    continue
                if not member.isreg():
                    raise ArchiveError(
                        f"{what}: entry {shown!r} is not a regular file (type {member.type!r})"
                    )
                if path is None:
                    raise ArchiveError(f"{what}: entry {shown!r} is outside the package directory")
                if member.size > lim.max_file_bytes:
                    raise ArchiveError(
                        f"{what}: {path} is {member.size} bytes, over the limit of"
                        f" {lim.max_file_bytes}"
                    )
                if path in files:
                    raise ArchiveError(f"{what}: {path} is in the archive twice")
                f = tar.extractfile(member)
                body = f.read() if f is not None else b""
                if len(body) != member.size:
                    raise ArchiveError(f"{what}: {path} is truncated")
                files[path] = body
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as e:
        raise ArchiveError(
            f"{what}: not a readable tar archive ({e or type(e).__name__})"
        ) from None
    if entries == 0:
        raise ArchiveError(f"{what}: an empty or unreadable tar archive")
    return files


def extract_zip(
    data: bytes, *, strip_first: bool, limits: Limits | None = None, what: str = "archive"
) -> dict[str, bytes]:
    """The regular files of a zip (a wheel, a ``.zip`` sdist) as ``{path: bytes}``."""
    lim = limits or Limits()
    files: dict[str, bytes] = {}
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > lim.max_files:
                raise ArchiveError(f"{what}: more than {lim.max_files} entries ({len(infos)})")
            for info in infos:
                shown = info.filename.encode("unicode_escape").decode("ascii")
                mode = (info.external_attr >> 16) & 0xFFFF
                kind = stat.S_IFMT(mode)
                if info.create_system == 3 and kind == stat.S_IFLNK:
                    raise ArchiveError(f"{what}: entry {shown!r} is a symbolic link")
                if info.create_system == 3 and kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO):
                    raise ArchiveError(f"{what}: entry {shown!r} is a device or FIFO")
                path = _clean_path(info.filename, what, strip_first)
                if info.is_dir():
                    continue
                if path is None:
                    raise ArchiveError(f"{what}: entry {shown!r} is outside the package directory")
                if path in files:
                    raise ArchiveError(f"{what}: {path} is in the archive twice")
                if info.file_size > lim.max_file_bytes:
                    raise ArchiveError(
                        f"{what}: {path} is {info.file_size} bytes, over the limit of"
                        f" {lim.max_file_bytes}"
                    )
                body = bytearray()
                with z.open(info) as f:
                    while True:
                        piece = f.read(_CHUNK)
                        if not piece:
                            break
                        body += piece
                        total += len(piece)
                        if len(body) > lim.max_file_bytes:
                            raise ArchiveError(
                                f"{what}: {path} expands past the limit of"
                                f" {lim.max_file_bytes} bytes"
                            )
                        _check_growth(len(body), info.compress_size, lim, f"{what}: {path}")
                        _check_growth(total, len(data), lim, what)
                files[path] = bytes(body)
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as e:
        raise ArchiveError(f"{what}: not a readable zip archive ({e})") from None
    except (RuntimeError, NotImplementedError) as e:  # encrypted, unknown compression
        raise ArchiveError(f"{what}: cannot read a zip entry ({e})") from None
    if not infos:
        raise ArchiveError(f"{what}: an empty zip archive")
    return files

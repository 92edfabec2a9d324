"""iter_upload: one uploaded file, or each file inside an uploaded zip, checked before anything is read."""

import io
import lzma
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from . import sniff
from .errors import IngestRejected
from .limits import MIB, Limits

_JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_SUPPORTED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
_ENCRYPTED_FLAG = 0x1
# Below this a high compression ratio cannot hurt (and a uniform small file compresses very well).
_RATIO_FLOOR_BYTES = 1 * MIB
_DRIVE = re.compile(r"^[A-Za-z]:")
# What a damaged member can raise while it is read; lzma's error is not an OSError (bz2's is).
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def iter_upload(fileobj: BinaryIO, filename: str, limits: Limits | None = None) -> Iterator[tuple[str, bytes]]:
    """Yield ``(display name, bytes)`` for a plain file, or for each regular file in a zip.

    A zip is recognised by its magic bytes. Every structural check of a zip (member count, declared sizes
    and ratios, paths, links, encryption, nesting) runs before the first member is yielded; only a member
    whose data turn out corrupt (bad CRC) can still raise part-way, so callers should treat a zip as one unit.
    """
    limits = limits or Limits()
    fileobj = _seekable(fileobj, filename, limits)
    head = fileobj.read(4)
    fileobj.seek(0)
    if sniff.is_zip(head):
        yield from _iter_zip(fileobj, filename, limits, depth=0)
    else:
        yield filename, _read_plain(fileobj, filename, limits)


def _seekable(fileobj: BinaryIO, filename: str, limits: Limits) -> BinaryIO:
    if getattr(fileobj, "seekable", lambda: False)():
        return fileobj
    spool = tempfile.SpooledTemporaryFile(max_size=limits.max_file_bytes)  # noqa: SIM115 - returned open
    copied = 0
    while chunk := fileobj.read(MIB):
        copied += len(chunk)
        if copied > limits.zip_max_total_bytes:
            raise IngestRejected(filename, "is larger than any accepted upload", "too_large")
        spool.write(chunk)
    spool.seek(0)
    return spool


def _read_plain(fileobj: BinaryIO, filename: str, limits: Limits) -> bytes:
    data = fileobj.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        reason = f"is larger than the {limits.max_file_bytes} bytes accepted for one file"
        raise IngestRejected(filename, reason, "too_large")
    return data


def _iter_zip(fileobj: BinaryIO, name: str, limits: Limits, depth: int) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise IngestRejected(name, "is a damaged zip archive", "zip_corrupt") from exc
    with archive:
        members = _checked_members(archive, name, limits, depth)
        total = 0
        for info in members:
            data = _read_member(archive, info, name, limits)
            total += len(data)
            if total > limits.zip_max_total_bytes:
                raise IngestRejected(name, "holds more data than declared", "zip_too_large")
            display = f"{name}/{info.filename}"
            if sniff.is_zip(data[:4]):
                yield from _iter_zip(io.BytesIO(data), display, limits, depth + 1)
            else:
                yield display, data


def _checked_members(archive: zipfile.ZipFile, name: str, limits: Limits, depth: int) -> list[zipfile.ZipInfo]:
    entries = archive.infolist()
    if len(entries) > limits.zip_max_members:
        reason = f"has {len(entries)} entries, more than the {limits.zip_max_members} accepted"
        raise IngestRejected(name, reason, "zip_too_many_members")
    for info in entries:
        _check_entry(info, name)
    members = [info for info in entries if not _is_skipped(info)]
    if not members:
        raise IngestRejected(name, "contains no files", "zip_empty")
    _check_sizes(members, name, limits)
    if depth >= limits.max_depth:
        _check_not_nested(archive, members, name)
    return members


def _check_entry(info: zipfile.ZipInfo, name: str) -> None:
    member = info.filename
    path = member.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        raise IngestRejected(name, f"has a member with an absolute path: {member!r}", "zip_path_traversal")
    if ".." in path.split("/"):
        raise IngestRejected(name, f"has a member whose path escapes the archive: {member!r}", "zip_path_traversal")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        what = "a symbolic link" if kind == stat.S_IFLNK else "a special file"
        raise IngestRejected(name, f"has a member that is {what}: {member!r}", "zip_symlink")
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise IngestRejected(name, f"has an encrypted member: {member!r}", "encrypted_zip")
    if info.compress_type not in _SUPPORTED_METHODS:
        reason = f"has a member compressed with method {info.compress_type}, which is not supported: {member!r}"
        raise IngestRejected(name, reason, "zip_corrupt")


def _is_skipped(info: zipfile.ZipInfo) -> bool:
    parts = [part for part in info.filename.replace("\\", "/").split("/") if part]
    return info.is_dir() or not parts or "__MACOSX" in parts or parts[-1] in _JUNK_NAMES


def _check_sizes(members: list[zipfile.ZipInfo], name: str, limits: Limits) -> None:
    declared = sum(info.file_size for info in members)
    if declared > limits.zip_max_total_bytes:
        reason = f"would unpack to {declared} bytes, more than the {limits.zip_max_total_bytes} accepted"
        raise IngestRejected(name, reason, "zip_too_large")
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= _RATIO_FLOOR_BYTES and ratio > limits.zip_max_ratio:
            reason = f"has a member compressed {ratio:.0f} to 1 (a zip bomb?): {info.filename!r}"
            raise IngestRejected(name, reason, "zip_too_large")
        if info.file_size > limits.max_file_bytes:
            reason = f"has a member of {info.file_size} bytes, more than the {limits.max_file_bytes} accepted"
            raise IngestRejected(name, reason + f": {info.filename!r}", "too_large")


def _check_not_nested(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], name: str) -> None:
    for info in members:
        try:
            with archive.open(info) as stream:
                head = stream.read(4)
        except _READ_ERRORS as exc:
            raise IngestRejected(name, f"has a damaged member {info.filename!r}", "zip_corrupt") from exc
        if sniff.is_zip(head):
            reason = f"contains another zip archive ({info.filename!r}); nested archives are not accepted"
            raise IngestRejected(name, reason, "zip_nested")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits) -> bytes:
    cap = min(info.file_size, limits.max_file_bytes)  # declared sizes can lie: never read past them
    try:
        with archive.open(info) as stream:
            data = stream.read(cap + 1)
    except _READ_ERRORS as exc:
        raise IngestRejected(name, f"has a damaged member {info.filename!r}", "zip_corrupt") from exc
    if len(data) > cap:
        raise IngestRejected(name, f"has a member larger than declared: {info.filename!r}", "zip_corrupt")
    return data

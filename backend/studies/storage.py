"""Every media file (DICOM, HU arrays, thumbnails, reformats, model weights, exports) goes through here.

Names are relative ("images/ab12cd/1.2.3-9f.hu.npy"), resolved by Django's default storage: files under
MEDIA_ROOT (written atomically: temp file + rename) unless S3_BUCKET selects django-storages' S3 backend, so
web and workers on different machines share them. Nothing else opens media by path.
"""

import io
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class AtomicFileSystemStorage(FileSystemStorage):
    """Files under MEDIA_ROOT as before: a name is overwritten in place, and a reader never sees half a file."""

    def __init__(self, **options):
        super().__init__(allow_overwrite=True, **options)

    def _save(self, name: str, content) -> str:
        target = Path(self.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            with partial.open("wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return name


def media() -> Storage:
    return storages["default"]


def new_image_stem(sop_uid: str) -> str:
    """A unique relative stem: a random suffix so a racing duplicate never overwrites a stored file."""
    return f"images/{sop_uid[-6:]}/{sop_uid}-{secrets.token_hex(4)}"


def write_atomic(relative: str, content: bytes) -> None:
    """Store `content` under `relative`, replacing what was there."""
    media().save(relative, ContentFile(content))


def write_file(relative: str, source: Path) -> None:
    """Store a local file's content under `relative`, streamed, replacing what was there."""
    with source.open("rb") as stream:
        media().save(relative, File(stream, name=source.name))


def read_bytes(relative: str) -> bytes:
    backend = media()
    if isinstance(backend, S3Storage):
        return _s3_get(backend, relative)
    with backend.open(relative, "rb") as stream:
        return stream.read()


def _s3_get(backend: S3Storage, relative: str) -> bytes:
    """One GET: S3Storage.open() asks for the object's head first, then downloads through a transfer manager
    (several times slower for the half-megabyte HU arrays that are most of what is read)."""
    key = backend._normalize_name(clean_name(relative))
    try:
        return backend.connection.meta.client.get_object(Bucket=backend.bucket_name, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            raise FileNotFoundError(f"No such file in storage: {relative}") from None
        raise


def open_read(relative: str):
    """A binary file object (for FileResponse and pydicom); the caller closes it."""
    return media().open(relative, "rb")


def exists(relative: str) -> bool:
    return bool(relative) and media().exists(relative)


def names_under(folder: str) -> list[str]:
    """Every stored name below `folder`, recursively, sorted."""
    try:
        folders, files = media().listdir(folder)
    except FileNotFoundError:  # the filesystem's missing folder (S3 lists nothing)
        return []
    found = [f"{folder}/{name}" for name in files]
    for sub in folders:
        found += names_under(f"{folder}/{sub}")
    return sorted(found)


def hu_to_bytes(hu: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(hu, dtype="<i2"), allow_pickle=False)
    return buffer.getvalue()


def hu_load(relative: str) -> np.ndarray:
    return np.load(io.BytesIO(read_bytes(relative)), allow_pickle=False)


def npz_load(relative: str) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(read_bytes(relative)), allow_pickle=False) as saved:
        return {key: saved[key] for key in saved.files}


def remove_quietly(*relatives: str) -> None:
    for relative in relatives:
        if relative:
            media().delete(relative)


def local_path(relative: str) -> Path | None:
    """The file's path on this machine when the backend keeps files on a local disk, else None."""
    try:
        return Path(media().path(relative))
    except NotImplementedError:
        return None


def local_copy(relative: str) -> Path:
    """A local path to read a write-once file (model weights) from: the file itself on the filesystem backend,
    else a copy cached under VAR_DIR/cache/media, fetched on first use (the name is content-addressed)."""
    on_disk = local_path(relative)
    if on_disk is not None:
        return on_disk
    cached = Path(settings.VAR_DIR) / "cache" / "media" / relative
    if not cached.exists():
        fetch(relative, cached)
    return cached


def fetch(relative: str, target: Path) -> None:
    """Copy a stored file to a local path, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with media().open(relative, "rb") as stream, partial.open("wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def staging_file(suffix: str = "") -> Iterator[Path]:
    """A local scratch path (under VAR_DIR/tmp) for a file that is written whole before it is stored;
    removed when the block ends, whatever happens."""
    folder = Path(settings.VAR_DIR) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        yield Path(scratch) / f"staged{suffix}"

"""Files under MEDIA_ROOT, written atomically (temp file + rename) and removable as a unit."""

import io
import os
import secrets
from pathlib import Path

import numpy as np
from django.conf import settings


def media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def new_image_stem(sop_uid: str) -> str:
    """A unique relative stem: a random suffix so a racing duplicate never overwrites a stored file."""
    return f"images/{sop_uid[-6:]}/{sop_uid}-{secrets.token_hex(4)}"


def write_atomic(relative: str, content: bytes) -> None:
    target = media_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def hu_to_bytes(hu: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(hu, dtype="<i2"), allow_pickle=False)
    return buffer.getvalue()


def hu_load(relative: str) -> np.ndarray:
    return np.load(media_path(relative), allow_pickle=False, mmap_mode="r")


def remove_quietly(*relatives: str) -> None:
    for relative in relatives:
        if relative:
            media_path(relative).unlink(missing_ok=True)

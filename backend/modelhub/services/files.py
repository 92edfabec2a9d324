"""Model weight files under MEDIA_ROOT/models/: content-addressed, written once, never changed."""

import hashlib
import shutil
from pathlib import Path

from studies import storage


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weights_store(*, source: Path, name: str) -> tuple[str, str]:
    """Copy a checkpoint into the model store; returns (relative path, sha256)."""
    checksum = sha256_file(source)
    relative = f"models/{name}-{checksum[:12]}.pt"
    target = storage.media_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)
    return relative, checksum


def training_checkpoint_path(version_id: int) -> Path:
    """Where a training run keeps its resumable checkpoint (survives a worker restart)."""
    path = storage.media_path(f"models/training/version-{version_id}.pt")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path

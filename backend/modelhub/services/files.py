"""Model weight files in media storage under models/: content-addressed, written once, never changed."""

import hashlib
from pathlib import Path

from django.conf import settings

from studies import storage


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weights_store(*, source: Path, name: str) -> tuple[str, str]:
    """Store a checkpoint in the model store; returns (relative name, sha256)."""
    checksum = sha256_file(source)
    relative = f"models/{name}-{checksum[:12]}.pt"
    storage.write_file(relative, source)
    return relative, checksum


def training_checkpoint_name(version_id: int) -> str:
    return f"models/training/version-{version_id}.pt"


def training_checkpoint_path(version_id: int) -> Path:
    """Where a training run keeps its resumable checkpoint: in MEDIA_ROOT on the filesystem backend; else on
    this worker's disk, restored from storage (see training_checkpoint_share) when another worker began it."""
    relative = training_checkpoint_name(version_id)
    path = storage.local_path(relative) or Path(settings.VAR_DIR) / "training" / Path(relative).name
    if not path.exists() and storage.exists(relative):
        storage.fetch(relative, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def training_checkpoint_share(*, version_id: int, path: Path) -> None:
    """After an epoch: put a worker-local checkpoint where a worker on another machine can resume it."""
    relative = training_checkpoint_name(version_id)
    if storage.local_path(relative) != path:
        storage.write_file(relative, path)


def training_checkpoint_remove(*, version_id: int, path: Path) -> None:
    path.unlink(missing_ok=True)
    storage.remove_quietly(training_checkpoint_name(version_id))

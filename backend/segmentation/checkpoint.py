"""One checkpoint file: architecture, network options, label names, preprocessing, code version,
training history and weights; enough on its own to predict. Written atomically."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import DEFAULT_ARCH, __version__
from .networks import ARCHITECTURES, build, resolved_options
from .preprocess import PreprocessConfig

FORMAT = "muscleseed.segmentation.checkpoint"
FORMAT_VERSION = 1
REQUIRED = ("format", "format_version", "arch", "net_kwargs", "label_names", "preprocess", "state_dict")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used, with the reason."""


class ArchitectureMismatch(CheckpointError):
    pass


class LabelSetMismatch(CheckpointError):
    pass


@dataclass(frozen=True)
class ModelSpec:
    arch: str = DEFAULT_ARCH
    net_kwargs: dict[str, Any] = field(default_factory=dict)
    label_names: tuple[str, ...] = ("background", "muscle", "liver")
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)

    def build(self) -> nn.Module:
        return build(self.arch, len(self.label_names), img_size=self.preprocess.size, **self.net_kwargs)


@dataclass(frozen=True)
class Checkpoint:
    spec: ModelSpec
    state_dict: dict[str, torch.Tensor]
    history: list[dict[str, float]]
    code_version: str
    train_state: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def model(self) -> nn.Module:
        model = self.spec.build()
        model.load_state_dict(self.state_dict)
        return model


def save_checkpoint(path: str | Path, checkpoint: Checkpoint) -> None:
    """Write to a temporary file in the same folder, then os.replace: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = checkpoint.spec
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "code_version": checkpoint.code_version,
        "arch": spec.arch,
        "net_kwargs": resolved_options(spec.arch, spec.net_kwargs),
        "label_names": list(spec.label_names),
        "preprocess": {**asdict(spec.preprocess), "window": list(spec.preprocess.window)},
        "history": checkpoint.history,
        "metadata": checkpoint.metadata,
        "state_dict": checkpoint.state_dict,
        "train_state": checkpoint.train_state,
    }
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            torch.save(payload, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for truncated or foreign files
        raise CheckpointError(f"{path}: not a readable checkpoint (truncated or not a torch file: {error})") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a MuscleSeed segmentation checkpoint")
    missing = [key for key in REQUIRED if key not in payload]
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks {missing}")
    if payload["format_version"] > FORMAT_VERSION:
        raise CheckpointError(f"{path}: format version {payload['format_version']} is newer than this code")
    return payload


# Network options tried and rejected by the benchmarks, at the value that leaves the network unchanged:
# checkpoints written while they existed carry them and still load.
RETIRED_OPTIONS = {"unet": {"top_width": 0}}


def _current_options(path: Path, payload: dict) -> dict:
    options = dict(payload["net_kwargs"])
    for name, neutral in RETIRED_OPTIONS.get(payload["arch"], {}).items():
        if name in options and options.pop(name) != neutral:
            raise ArchitectureMismatch(f"{path}: built with the retired option {name}; train it again")
    return options


def load_checkpoint(
    path: str | Path, *, arch: str | None = None, label_names: tuple[str, ...] | list[str] | None = None
) -> Checkpoint:
    """Read a checkpoint; `arch` and `label_names`, when given, must match what it was trained with."""
    path = Path(path)
    payload = _read(path)
    if payload["arch"] not in ARCHITECTURES:
        raise ArchitectureMismatch(f"{path}: unknown architecture {payload['arch']!r}")
    if arch is not None and payload["arch"] != arch:
        raise ArchitectureMismatch(f"{path}: checkpoint architecture is {payload['arch']!r}, expected {arch!r}")
    if label_names is not None and tuple(payload["label_names"]) != tuple(label_names):
        raise LabelSetMismatch(f"{path}: checkpoint labels are {payload['label_names']}, expected {list(label_names)}")
    preprocess = PreprocessConfig(**{**payload["preprocess"], "window": tuple(payload["preprocess"]["window"])})
    spec = ModelSpec(payload["arch"], _current_options(path, payload), tuple(payload["label_names"]), preprocess)
    return Checkpoint(
        spec=spec,
        state_dict=payload["state_dict"],
        history=list(payload.get("history") or []),
        code_version=str(payload.get("code_version", "unknown")),
        train_state=payload.get("train_state"),
        metadata=dict(payload.get("metadata") or {}),
    )


def load_model(checkpoint: Checkpoint, path: str | Path = "checkpoint") -> nn.Module:
    """The network with the checkpoint's weights; a weight set that does not fit is a CheckpointError."""
    try:
        return checkpoint.model()
    except (RuntimeError, TypeError, ValueError) as error:
        raise ArchitectureMismatch(f"{path}: weights do not fit {checkpoint.spec.arch}: {error}") from error


def code_version() -> str:
    return __version__

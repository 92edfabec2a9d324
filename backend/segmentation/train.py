"""Train a network from scratch or fine-tune it from a parent checkpoint.

Every epoch ends with an atomic checkpoint that holds the full training state (weights, optimiser,
random generators, early-stopping counters), so a run that dies resumes to the same result as one
that never stopped. The finished file holds the best weights by validation Dice.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from monai.losses import DiceCELoss
from torch import nn

from . import DEFAULT_ARCH, LABEL_NAMES
from .augment import AugmentConfig, augment
from .checkpoint import (
    ArchitectureMismatch,
    Checkpoint,
    CheckpointError,
    LabelSetMismatch,
    ModelSpec,
    code_version,
    load_checkpoint,
    load_model,
    save_checkpoint,
)
from .cohort import Sample
from .networks import DEFAULT_OPTIONS, FIXED_INPUT_SIZE, encoder_parameters
from .preprocess import (
    PreprocessConfig,
    image_to_model,
    in_body_box,
    label_fractions_to_model,
    labels_to_model,
)

SCHEDULES = ("constant", "cosine")
# 192 px windows of the 448 px canvas: a step costs what a whole 2.25 mm canvas did, at 1 mm pixels
DEFAULT_CROP = 192


def learning_rate_at(step: int, config: TrainConfig) -> float:
    """The learning rate for 0-based optimiser step `step`; a pure function, so resuming needs no state."""
    if config.schedule == "constant":
        return config.learning_rate
    total = max(1, config.epochs * config.steps_per_epoch)
    warmup = max(1, total // 20)
    if step < warmup:
        return config.learning_rate * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    floor = 0.02 * config.learning_rate
    return floor + (config.learning_rate - floor) * 0.5 * (1 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class TrainConfig:
    arch: str = DEFAULT_ARCH
    net_kwargs: dict[str, Any] | None = None  # None: networks.DEFAULT_OPTIONS for the architecture
    label_names: tuple[str, ...] = LABEL_NAMES
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    epochs: int = 30
    steps_per_epoch: int = 20
    batch_size: int = 4
    learning_rate: float = 1e-3
    weight_decay: float = 1e-5
    # "constant", or "cosine": a linear warm-up over the first 5% of steps, then cosine decay to 2% of
    # learning_rate at epochs x steps_per_epoch (early stopping may end sooner)
    schedule: str = "constant"
    patience: int = 6  # epochs without a better validation Dice before stopping
    min_delta: float = 1e-4
    freeze_encoder: bool = False
    # share of each batch drawn from the replay images, when given (benchmarks/results/README.md: the
    # forgetting runs that chose it)
    replay_fraction: float = 0.5
    augment: bool = True
    # train on label fractions per model pixel (True) or on nearest-neighbour labels (False)
    soft_targets: bool = True
    # train on random crop x crop windows of the model canvas (None: the whole canvas); networks are
    # convolutional, so a model trained on crops predicts the box around the body (preprocess.body_box);
    # a multiple of 32; ignored for architectures of fixed input size (networks.FIXED_INPUT_SIZE)
    crop: int | None = DEFAULT_CROP
    augmentation: AugmentConfig = field(default_factory=AugmentConfig)
    seed: int = 0
    device: str = "auto"  # "auto", "cpu", "cuda", "cuda:1", ...
    threads: int | None = None  # torch CPU threads; None leaves torch's setting alone
    # torch.compile the training steps: faster steps after a one-off compilation (cached on disk by
    # inductor; engine-headline-forgetting-compile.json has the figures); validation and checkpoints use the
    # plain module
    compile: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.replay_fraction <= 1:
            raise ValueError(f"replay_fraction {self.replay_fraction} must be between 0 and 1")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {SCHEDULES}")
        if self.crop is not None and (self.crop < 32 or self.crop % 32):
            raise ValueError(f"crop {self.crop} must be a multiple of 32 (at least 32)")

    def spec(self) -> ModelSpec:
        options = DEFAULT_OPTIONS.get(self.arch, {}) if self.net_kwargs is None else self.net_kwargs
        return ModelSpec(self.arch, dict(options), tuple(self.label_names), self.preprocess)


@dataclass(frozen=True)
class Progress:
    epoch: int  # 1-based, finished epochs
    epochs: int
    loss: float
    val_dice: float
    best_dice: float
    seconds: float  # since train() began (this run: a resumed job starts again from 0)
    epoch_seconds: float = 0.0  # this epoch's training and validation alone: what an ETA is made of


@dataclass(frozen=True)
class TrainResult:
    checkpoint_path: Path
    best_val_dice: float
    epochs_run: int
    stopped_early: bool
    seconds: float
    history: list[dict[str, float]]


ProgressCallback = Callable[[Progress], None]


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available")
    return torch.device(name)


@dataclass(frozen=True)
class _Tensors:
    images: torch.Tensor  # (N, 1, S, S) normalised
    labels: torch.Tensor  # (N, S, S) int64, or (N, C, S, S) float label fractions
    annotated: torch.Tensor  # (N, C) bool: the labels each image's mask was drawn for (background always)

    @cached_property  # validation compares against it every epoch
    def label_map(self) -> torch.Tensor:
        return self.labels.argmax(1) if self.labels.is_floating_point() else self.labels


def annotated_labels(sample: Sample, label_names: Sequence[str]) -> list[bool]:
    """Which of `label_names` the sample's mask covers; background is always covered."""
    if sample.annotated is None:
        return [True] * len(label_names)
    unknown = sorted(set(sample.annotated) - set(label_names))
    if unknown:
        raise ValueError(f"image {sample.subject_id!r}: annotated labels {unknown} are not in {tuple(label_names)}")
    return [index == 0 or name in sample.annotated for index, name in enumerate(label_names)]


def _tensors(
    samples: Sequence[Sample], config: PreprocessConfig, label_names: Sequence[str], soft: bool = False
) -> _Tensors:
    images, labels, annotated = [], [], []
    n_classes = len(label_names)
    for sample in samples:
        annotated.append(annotated_labels(sample, label_names))
        if sample.hu.shape != sample.labels.shape:
            raise ValueError(
                f"image {sample.subject_id!r}: HU {sample.hu.shape} and labels {sample.labels.shape} differ"
            )
        if sample.labels.max(initial=0) >= n_classes:
            raise ValueError(f"image {sample.subject_id!r}: label {sample.labels.max()} outside {n_classes} classes")
        images.append(image_to_model(sample.hu, sample.spacing_mm, config)[0])
        if soft:
            labels.append(label_fractions_to_model(sample.labels, sample.spacing_mm, config, n_classes))
        else:
            labels.append(labels_to_model(sample.labels, sample.spacing_mm, config))
    return _Tensors(torch.stack(images), torch.stack(labels), torch.tensor(annotated, dtype=torch.bool))


def _batch(
    pool: _Tensors, replay: _Tensors | None, config: TrainConfig, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Images, labels and the annotated-label flags of one training batch."""
    picks = torch.randint(len(pool.images), (config.batch_size,), generator=generator)
    images, labels, annotated = pool.images[picks], pool.labels[picks], pool.annotated[picks]
    if replay is not None:
        from_replay = torch.rand(config.batch_size, generator=generator) < config.replay_fraction
        replay_picks = torch.randint(len(replay.images), (config.batch_size,), generator=generator)
        images = torch.where(from_replay.view(-1, 1, 1, 1), replay.images[replay_picks], images)
        which = from_replay.view(-1, *([1] * (labels.dim() - 1)))
        labels = torch.where(which, replay.labels[replay_picks], labels)
        annotated = torch.where(from_replay.view(-1, 1), replay.annotated[replay_picks], annotated)
    if config.augment:
        images, labels = augment(images, labels, config.augmentation, generator)
    # a network of fixed input size (UNETR) cannot take crops: it trains on whole canvases
    if config.crop is not None and config.crop < images.shape[-1] and config.arch not in FIXED_INPUT_SIZE:
        images, labels = _crop(images, labels, config.crop, generator)
    return images, labels, annotated


class PartialDiceCELoss(nn.Module):
    """Dice + cross-entropy (as MONAI's DiceCELoss with softmax and batch Dice) that ignores labels an
    image's mask does not cover: there the unmarked label's probability counts as background (marginal
    likelihood), and the label's Dice is taken over the images that do cover it. With every label
    covered it is DiceCELoss; a site that marks muscle only thus keeps the model's liver."""

    def __init__(self, smooth: float = 1e-5) -> None:
        super().__init__()
        self.smooth = smooth
        self.full = DiceCELoss(to_onehot_y=False, softmax=True, batch=True)

    def forward(self, logits: torch.Tensor, targets: torch.Tensor, annotated: torch.Tensor) -> torch.Tensor:
        if targets.dim() == logits.dim() - 1 or targets.shape[1] == 1:  # label maps: one-hot
            targets = F.one_hot(targets.reshape(targets.shape[0], *targets.shape[-2:]), logits.shape[1])
            targets = targets.permute(0, 3, 1, 2).to(logits.dtype)
        if bool(annotated.all()):
            return self.full(logits, targets)
        missing = ~annotated.to(logits.device)[:, :, None, None]  # (N, C, 1, 1)
        log_p = logits.log_softmax(1)
        joins_background = missing.clone()
        joins_background[:, 0] = True
        background = torch.logsumexp(log_p.masked_fill(~joins_background, float("-inf")), 1, keepdim=True)
        merged = torch.cat([background, log_p[:, 1:].masked_fill(missing[:, 1:], float("-inf"))], 1)
        # an uncovered label's target pixels (none, from a mask that does not draw it) count as background too
        folded = (targets * missing).sum(1, keepdim=True)
        targets = torch.cat([targets[:, :1] + folded, targets[:, 1:].masked_fill(missing[:, 1:], 0)], 1)
        cross_entropy = -torch.where(targets > 0, targets * merged, torch.zeros_like(merged)).sum(1).mean()
        weight = (~missing).to(logits.dtype)
        probabilities = merged.exp() * weight
        intersection = (probabilities * targets * weight).sum((0, 2, 3))
        denominator = (probabilities + targets * weight).sum((0, 2, 3))
        dice = 1 - (2 * intersection + self.smooth) / (denominator + self.smooth)
        return cross_entropy + dice.mean()


def _crop(
    images: torch.Tensor, labels: torch.Tensor, size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """One random size x size window per image, anywhere in the canvas (the same window for its labels)."""
    canvas = images.shape[-1]
    starts = torch.randint(canvas - size + 1, (images.shape[0], 2), generator=generator).tolist()
    crops = [(slice(r, r + size), slice(c, c + size)) for r, c in starts]
    return _take(images, labels, crops)


def _take(images: torch.Tensor, labels: torch.Tensor, crops: list) -> tuple[torch.Tensor, torch.Tensor]:
    cropped_images = torch.stack([image[..., rows, cols] for image, (rows, cols) in zip(images, crops, strict=True)])
    cropped_labels = torch.stack([label[..., rows, cols] for label, (rows, cols) in zip(labels, crops, strict=True)])
    return cropped_images, cropped_labels


def dice_per_label(predicted: torch.Tensor, target: torch.Tensor, n_classes: int) -> dict[int, float | None]:
    """Per foreground label, mean Dice over the images whose target holds it (None: no image holds it).

    Images without the label in their target do not count: one stray pixel of liver predicted on a slice
    below the liver would otherwise score 0 and swing the mean (the base's validation fell from 0.93 to
    0.82 that way while its muscle kept improving)."""
    scores: dict[int, float | None] = {}
    for label in range(1, n_classes):
        p, t = predicted == label, target == label
        present = t.sum(dim=(1, 2)) > 0
        total = (p.sum(dim=(1, 2)) + t.sum(dim=(1, 2)))[present]
        dices = 2 * (p & t).sum(dim=(1, 2))[present] / total
        scores[label] = float(dices.double().mean()) if dices.numel() else None
    return scores


# model selection is muscle first: muscle is what the product measures; the other labels (liver) break ties
SELECTION_WEIGHTS = {"muscle": 0.8, "others": 0.2}


def selection_score(scores: dict[int, float | None], label_names: Sequence[str]) -> float:
    """The validation score that picks the best epoch: muscle Dice weighted 0.8, the others' mean 0.2."""
    muscle = [v for k, v in scores.items() if label_names[k] == "muscle" and v is not None]
    others = [v for k, v in scores.items() if label_names[k] != "muscle" and v is not None]
    if not muscle:
        return float(np.mean(others)) if others else 1.0
    if not others:
        return muscle[0]
    return SELECTION_WEIGHTS["muscle"] * muscle[0] + SELECTION_WEIGHTS["others"] * float(np.mean(others))


@torch.inference_mode()
def validate(
    model: nn.Module,
    data: _Tensors,
    device: torch.device,
    n_classes: int,
    batch: int = 8,
    body: PreprocessConfig | None = None,
) -> dict[int, float | None]:
    """Dice per foreground label on the model grid (dice_per_label). With `body` (the model's
    preprocessing), each image is predicted in its body box, as Predictor does (preprocess.body_box);
    without, on the whole canvas."""
    model.eval()
    if body is None:
        predictions = [
            model(data.images[i : i + batch].to(device)).argmax(1).cpu() for i in range(0, len(data.images), batch)
        ]
        return dice_per_label(torch.cat(predictions), data.label_map, n_classes)

    def network(x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(model(x.to(device)), 1).cpu()

    predicted = torch.stack([in_body_box(network, image, body).argmax(0) for image in data.images])
    return dice_per_label(predicted, data.label_map, n_classes)


@dataclass
class _State:
    """Mutable training state, saved whole in every epoch checkpoint."""

    epoch: int = 0
    best_dice: float = -1.0
    bad_epochs: int = 0
    best_weights: dict[str, torch.Tensor] | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    finished: bool = False


def _start_model(config: TrainConfig, parent: str | Path | None) -> tuple[nn.Module, ModelSpec, dict]:
    spec = config.spec()
    if parent is None:
        torch.manual_seed(config.seed)
        return spec.build(), spec, {}
    checkpoint = load_checkpoint(parent)
    if checkpoint.spec.arch != config.arch:
        raise ArchitectureMismatch(f"parent {parent} is {checkpoint.spec.arch!r}, config asks for {config.arch!r}")
    if checkpoint.spec.label_names != spec.label_names:
        raise LabelSetMismatch(f"parent {parent} labels {checkpoint.spec.label_names} != {spec.label_names}")
    return load_model(checkpoint, parent), checkpoint.spec, {"parent": str(parent)}


def _optimiser(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    if config.freeze_encoder:
        for parameter in encoder_parameters(model, config.arch):
            parameter.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)


def _save(
    path: Path, spec: ModelSpec, model: nn.Module, optimiser, state: _State, generator, metadata: dict, config
) -> None:
    weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    train_state = None
    if not state.finished:
        train_state = {
            "epoch": state.epoch,
            "best_dice": state.best_dice,
            "bad_epochs": state.bad_epochs,
            "model": weights,
            "optimiser": optimiser.state_dict(),
            "generator": generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "config": repr(config),
        }
    best = state.best_weights if state.best_weights is not None else weights
    checkpoint = Checkpoint(spec, best, state.history, code_version(), train_state, metadata)
    save_checkpoint(path, checkpoint)


def _resume(path: Path, config: TrainConfig, model: nn.Module, optimiser, generator) -> _State | None:
    try:
        checkpoint = load_checkpoint(path, arch=config.arch, label_names=config.label_names)
    except CheckpointError:
        return None  # nothing usable to resume from: start again
    saved = checkpoint.train_state
    if saved is None or saved.get("config") != repr(config):
        return None
    model.load_state_dict(saved["model"])
    optimiser.load_state_dict(saved["optimiser"])
    generator.set_state(saved["generator"])
    torch.set_rng_state(saved["torch_rng"])
    return _State(saved["epoch"], saved["best_dice"], saved["bad_epochs"], checkpoint.state_dict, checkpoint.history)


def _run_epoch(model, optimiser, loss_fn, pool, replay, config, generator, device, epoch: int) -> float:
    model.train()
    losses = []
    for step in range(config.steps_per_epoch):
        rate = learning_rate_at(epoch * config.steps_per_epoch + step, config)
        for group in optimiser.param_groups:
            group["lr"] = rate
        images, labels, annotated = _batch(pool, replay, config, generator)
        optimiser.zero_grad(set_to_none=True)
        targets = labels if labels.is_floating_point() else labels[:, None]
        loss = loss_fn(model(images.to(device)), targets.to(device), annotated)
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    return float(np.mean(losses))


def train(
    train_samples: Sequence[Sample],
    out_path: str | Path,
    config: TrainConfig = TrainConfig(),
    *,
    val_samples: Sequence[Sample] = (),
    parent: str | Path | None = None,
    replay: Sequence[Sample] = (),
    progress: ProgressCallback | None = None,
    resume: bool = True,
) -> TrainResult:
    """Train and write `out_path`; with resume=True an unfinished checkpoint there is continued.

    The validation score (selection_score: muscle Dice first; for early stopping and for picking the best
    epoch) uses `val_samples`, or the
    training images when there are none.
    """
    if not train_samples:
        raise ValueError("no training images")
    if config.threads:
        torch.set_num_threads(config.threads)
    out_path, device, started = Path(out_path), resolve_device(config.device), time.perf_counter()
    model, spec, metadata = _start_model(config, parent)
    n_classes = len(spec.label_names)
    soft = config.soft_targets
    names = spec.label_names
    pool = _tensors(train_samples, spec.preprocess, names, soft)
    replay_data = _tensors(replay, spec.preprocess, names, soft) if replay else None
    val = _tensors(val_samples, spec.preprocess, names, soft) if val_samples else pool
    body = spec.preprocess if spec.arch not in FIXED_INPUT_SIZE else None  # validate as Predictor predicts
    model.to(device)
    step_model = torch.compile(model) if config.compile else model  # shares the parameters of `model`
    optimiser = _optimiser(model, config)
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    state = (_resume(out_path, config, model, optimiser, generator) if resume else None) or _State()
    metadata = {**metadata, "train_images": len(train_samples), "replay_images": len(replay), "config": _plain(config)}
    # batch Dice: stable for the rare liver; with label fractions, Dice and cross-entropy take soft targets
    loss_fn = PartialDiceCELoss()
    while state.epoch < config.epochs and state.bad_epochs < config.patience:
        epoch_started = time.perf_counter()
        loss = _run_epoch(step_model, optimiser, loss_fn, pool, replay_data, config, generator, device, state.epoch)
        per_label = validate(model, val, device, n_classes, body=body)
        val_dice = selection_score(per_label, spec.label_names)
        state.epoch += 1
        if val_dice > state.best_dice + config.min_delta:
            state.best_dice, state.bad_epochs = val_dice, 0
            state.best_weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        else:
            state.bad_epochs += 1
        state.history.append({
            "epoch": state.epoch, "loss": loss, "val_dice": val_dice,
            **{f"val_{spec.label_names[k]}_dice": v for k, v in per_label.items() if v is not None},
        })  # fmt: skip
        _save(out_path, spec, model, optimiser, state, generator, metadata, config)
        if progress:
            now = time.perf_counter()
            took = now - epoch_started
            progress(Progress(state.epoch, config.epochs, loss, val_dice, state.best_dice, now - started, took))
    state.finished = True
    _save(out_path, spec, model, optimiser, state, generator, metadata, config)
    return TrainResult(
        out_path,
        state.best_dice,
        state.epoch,
        state.bad_epochs >= config.patience,
        time.perf_counter() - started,
        state.history,
    )


def _plain(config: TrainConfig) -> dict[str, Any]:
    values = asdict(config)
    return {
        k: (list(v) if isinstance(v, tuple) else v)
        for k, v in values.items()
        if k not in ("preprocess", "augmentation")
    }

"""The shipped base model: trained from synthetic CT only, by one command, with its recipe recorded.

    python -m segmentation base --out backend/segmentation/weights   # base-v1.pt + base-v1.json

Training data: randomised trunk slices from T10 to L5 (torso.py: organs, levels, contrast phases, scanners)
and, as a fixed share of every batch, the phantom cohort's tidy L3 and liver-level slices of device profile
A only (phantom.py), so that the base starts a transfer to the phantom's other devices as well as the
phantom-only base did, while devices B, C and D stay unseen (the transfer benchmark's premise). Selection:
the epoch with the best muscle-first validation score (train.selection_score) on held-out torso slices and
held-out phantom A slices. The JSON beside the weights
records the recipe, the seed, the training history, the time taken and the weights' sha256; a test checks them.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from .cohort import Sample, phantom_samples
from .torso import make_torso
from .train import Progress, TrainConfig, train

NAME = "base-v1"
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


@dataclass(frozen=True)
class BaseRecipe:
    torso_images: int = 600
    torso_val_images: int = 48
    phantom_device: str = "A"  # the transfer benchmark's base device; B, C, D stay unseen
    phantom_subjects: int = (
        40  # L3 slices of subjects 0.. (the engine benchmark's base images), half as many liver-level
    )
    phantom_share: float = 0.15  # of every batch (train's replay mix); 0.35 scored no better on real CT
    phantom_val_subjects: int = 8  # subjects 500.. (the engine benchmark's validation seeds)
    seed: int = 0
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(
            learning_rate=3e-3, schedule="cosine", epochs=28, steps_per_epoch=250, patience=28, compile=True
        )
    )


def torso_samples(seeds: range) -> list[Sample]:
    samples = []
    for seed in seeds:
        image = make_torso(seed)
        samples.append(Sample(image.hu, image.labels, image.spacing_mm, "torso", f"torso-{seed}"))
    return samples


def base_data(recipe: BaseRecipe) -> tuple[list[Sample], list[Sample], list[Sample]]:
    """Torso training images, phantom training images (mixed into every batch) and validation images:
    disjoint torso seeds; phantom subjects 0.. (training) and 500.. (validation) of one device."""
    offset = 100_000 * recipe.seed
    torso = torso_samples(range(offset, offset + recipe.torso_images))
    phantom = phantom_samples(recipe.phantom_device, range(recipe.phantom_subjects), level="L3")
    phantom += phantom_samples(recipe.phantom_device, range(recipe.phantom_subjects // 2), level="liver")
    val_start = offset + 50_000
    val = torso_samples(range(val_start, val_start + recipe.torso_val_images))
    val += phantom_samples(recipe.phantom_device, range(500, 500 + recipe.phantom_val_subjects), level="L3")
    return torso, phantom, val


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_base(
    out_dir: str | Path, recipe: BaseRecipe = BaseRecipe(), progress: Callable[[Progress], None] | None = None
) -> dict:
    """Train the base and write <out_dir>/base-v1.pt and base-v1.json; returns the JSON record."""
    out_dir = Path(out_dir)
    started = time.perf_counter()
    torso, phantom, val_images = base_data(recipe)
    data_seconds = time.perf_counter() - started
    config = replace(recipe.train, seed=recipe.seed, replay_fraction=recipe.phantom_share)
    weights = out_dir / f"{NAME}.pt"
    result = train(torso, weights, config, val_samples=val_images, replay=phantom, progress=progress)
    best = max(result.history, key=lambda row: row["val_dice"])
    record = {
        "name": NAME,
        "weights": weights.name,
        "sha256": sha256(weights),
        "bytes": weights.stat().st_size,
        "recipe": {**asdict(recipe), "train": _jsonable(asdict(config))},
        "seed": recipe.seed,
        "train_images": {"torso": len(torso), "phantom": len(phantom)},
        "val_images": len(val_images),
        "selection": "best epoch by train.selection_score (0.8 muscle Dice + 0.2 liver Dice) on held-out torso and "
        "phantom slices",
        "best_epoch": best,
        "history": result.history,
        "seconds": {"data": round(data_seconds, 1), "train": round(result.seconds, 1)},
        "machine": {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "platform": platform.platform(),
            "device": config.device,
        },  # fmt: skip
    }
    (out_dir / f"{NAME}.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value

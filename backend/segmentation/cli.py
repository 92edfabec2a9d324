"""`python -m segmentation phantom|train|predict|evaluate|bench`; JSON on stdout, errors on stderr."""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from . import DEFAULT_ARCH
from .checkpoint import CheckpointError
from .cohort import read_cohort, write_cohort
from .composition import measure
from .dicom_io import DicomInputError, read_hu
from .networks import ARCHITECTURES
from .preprocess import PreprocessConfig
from .train import DEFAULT_CROP, SCHEDULES, TrainConfig, train


def _phantom(args: argparse.Namespace) -> dict:
    manifest = write_cohort(
        args.out,
        args.subjects,
        args.devices.split(","),
        level=args.level,
        matrix=args.matrix,
        first_seed=args.first_seed,
    )
    return {"folder": str(args.out), "images": len(manifest["images"]), "label_names": manifest["label_names"]}


def _train_config(args: argparse.Namespace) -> TrainConfig:
    net_kwargs = json.loads(args.net_kwargs) if args.net_kwargs else None
    return TrainConfig(
        arch=args.arch, net_kwargs=net_kwargs, preprocess=PreprocessConfig(args.spacing, args.size),
        epochs=args.epochs, steps_per_epoch=args.steps, batch_size=args.batch_size,
        learning_rate=args.lr, schedule=args.schedule, crop=args.crop or None,
        freeze_encoder=args.freeze_encoder, seed=args.seed,
        device=args.torch_device, threads=args.threads,
    )  # fmt: skip


def _train(args: argparse.Namespace) -> dict:
    samples = read_cohort(args.data, device=args.device, split="train")
    if args.limit:
        samples = samples[: args.limit]
    val = read_cohort(args.data, device=args.device, split="test")
    replay = read_cohort(args.replay_data, split="train")[: args.replay_images] if args.replay_data else []

    def report(progress) -> None:
        print(json.dumps(asdict(progress)), file=sys.stderr, flush=True)

    result = train(
        samples, args.out, _train_config(args), val_samples=val, parent=args.parent, replay=replay, progress=report
    )
    return {**asdict(result), "checkpoint_path": str(result.checkpoint_path), "train_images": len(samples)}


def _dicom_files(inputs: list[Path]) -> list[Path]:
    files = [p for path in inputs for p in (sorted(path.rglob("*.dcm")) if path.is_dir() else [path])]
    if not files:
        raise ValueError(f"no DICOM files found in {[str(p) for p in inputs]}")
    return files


def _subject(ds) -> dict:
    def number(key: str) -> float | None:
        value = ds.get(key)
        return float(value) if value not in (None, "") else None

    sex = str(ds.get("PatientSex", "")) or None
    return {
        "height_m": number("PatientSize"),
        "weight_kg": number("PatientWeight"),
        "sex": sex if sex in ("M", "F") else None,
    }


def _predict(args: argparse.Namespace) -> list[dict]:
    from .infer import Predictor

    predictor = Predictor(
        args.checkpoint, device=args.torch_device, threads=args.threads, flip=args.flip, body_crop=args.body_crop
    )
    rows = []
    for path in _dicom_files(args.inputs):
        hu, spacing, ds = read_hu(path)
        prediction = predictor.predict(hu, spacing)
        row = {"file": str(path), "uncertainty": prediction.uncertainty}
        row.update(measure(hu, prediction.mask, spacing, **_subject(ds)).as_dict())
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            np.save(args.out / f"{path.stem}.mask.npy", prediction.mask)
            row["mask_file"] = str(args.out / f"{path.stem}.mask.npy")
        rows.append(row)
    return rows


def _evaluate(args: argparse.Namespace) -> dict:
    from .evaluate import evaluate, threshold_baseline
    from .infer import Predictor

    samples = read_cohort(args.data, device=args.device, split=args.split)
    if not samples:
        raise ValueError(f"no {args.split} images for device {args.device!r} in {args.data}")
    predictor = Predictor(
        args.checkpoint, device=args.torch_device, threads=args.threads, flip=args.flip, body_crop=args.body_crop
    )
    return {"model": evaluate(predictor, samples).as_dict(), "hu_threshold_baseline": threshold_baseline(samples)}


def _bench(args: argparse.Namespace) -> dict:
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "engine.py"
    if not script.is_file():
        raise ValueError(f"benchmark script not found at {script}")
    sys.argv = [str(script), *args.bench_args]
    runpy.run_path(str(script), run_name="__main__")
    return {"benchmark": str(script)}


def _base(args: argparse.Namespace) -> dict:
    from .base import BaseRecipe, train_base

    defaults = BaseRecipe()
    epochs = args.epochs or defaults.train.epochs
    config = replace(
        defaults.train,
        epochs=epochs,
        patience=epochs,
        steps_per_epoch=args.steps or defaults.train.steps_per_epoch,
        device=args.torch_device,
        threads=args.threads,
    )
    recipe = replace(
        defaults,
        torso_images=args.torso_images or defaults.torso_images,
        phantom_share=defaults.phantom_share if args.phantom_share is None else args.phantom_share,
        seed=args.seed,
        train=config,
    )

    def report(progress) -> None:
        print(json.dumps(asdict(progress)), file=sys.stderr, flush=True)

    record = train_base(args.out, recipe, progress=report)
    return {k: record[k] for k in ("name", "sha256", "bytes", "best_epoch", "seconds")}


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--torch-device", default="auto", help="auto, cpu or cuda[:N]")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")


def _flip(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-flip", dest="flip", action="store_false",
        help="one network pass per slice instead of averaging it with its mirror image (twice as fast)",
    )  # fmt: skip
    parser.add_argument(
        "--no-body-crop", dest="body_crop", action="store_false",
        help="run the network on the whole model canvas instead of the box around the body (slower, less accurate)",
    )  # fmt: skip


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m segmentation", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    phantom = commands.add_parser("phantom", help="write a synthetic DICOM cohort with exact labels")
    phantom.add_argument("--out", type=Path, required=True)
    phantom.add_argument("--subjects", type=int, default=10)
    phantom.add_argument("--devices", default="A,B,C,D")
    phantom.add_argument("--level", default="L3", choices=("L3", "liver"))
    phantom.add_argument("--matrix", type=int, default=None, help="override the devices' matrix size")
    phantom.add_argument("--first-seed", type=int, default=0)
    phantom.set_defaults(run=_phantom)
    fit = commands.add_parser("train", help="train or fine-tune on a cohort folder")
    fit.add_argument("--data", type=Path, required=True)
    fit.add_argument("--device", default=None, help="device profile key to train on (default: all)")
    fit.add_argument("--out", type=Path, required=True)
    fit.add_argument("--parent", type=Path, default=None)
    fit.add_argument("--arch", default=DEFAULT_ARCH, choices=ARCHITECTURES)
    fit.add_argument("--net-kwargs", default="", help='JSON, e.g. {"width": 8}')
    fit.add_argument("--limit", type=int, default=0, help="use only the first N training images (K SEED images)")
    fit.add_argument("--replay-data", type=Path, default=None)
    fit.add_argument("--replay-images", type=int, default=8)
    fit.add_argument("--epochs", type=int, default=30)
    fit.add_argument("--steps", type=int, default=20)
    fit.add_argument("--batch-size", type=int, default=4)
    fit.add_argument("--lr", type=float, default=1e-3)
    fit.add_argument("--schedule", default="cosine", choices=SCHEDULES)
    fit.add_argument("--crop", type=int, default=DEFAULT_CROP, help="train on random crops this size (0: whole)")
    fit.add_argument("--freeze-encoder", action="store_true")
    fit.add_argument("--size", type=int, default=PreprocessConfig.size)
    fit.add_argument("--spacing", type=float, default=PreprocessConfig.spacing_mm)
    fit.add_argument("--seed", type=int, default=0)
    _common(fit)
    fit.set_defaults(run=_train)
    predict = commands.add_parser("predict", help="segment DICOM files and measure body composition")
    predict.add_argument("--checkpoint", type=Path, required=True)
    predict.add_argument("inputs", type=Path, nargs="+")
    predict.add_argument("--out", type=Path, default=None, help="folder for .mask.npy files")
    _flip(predict)
    _common(predict)
    predict.set_defaults(run=_predict)
    score = commands.add_parser("evaluate", help="Dice/HD95/SMA error on a cohort's split")
    score.add_argument("--checkpoint", type=Path, required=True)
    score.add_argument("--data", type=Path, required=True)
    score.add_argument("--device", default=None)
    score.add_argument("--split", default="test", choices=("train", "test"))
    _flip(score)
    _common(score)
    score.set_defaults(run=_evaluate)
    base = commands.add_parser("base", help="train the shipped base model from synthetic CT (base-v1.pt + .json)")
    base.add_argument("--out", type=Path, required=True, help="folder for base-v1.pt and base-v1.json")
    base.add_argument("--seed", type=int, default=0)
    base.add_argument("--epochs", type=int, default=None, help="default: the recipe's (base.BaseRecipe)")
    base.add_argument("--steps", type=int, default=None, help="optimiser steps per epoch (default: the recipe's)")
    base.add_argument("--torso-images", type=int, default=None)
    base.add_argument("--phantom-share", type=float, default=None, help="share of every batch from the phantom")
    _common(base)
    base.set_defaults(run=_base)
    bench = commands.add_parser("bench", help="run benchmarks/engine.py (pass its options after --)")
    bench.add_argument("bench_args", nargs=argparse.REMAINDER)
    bench.set_defaults(run=_bench)
    return root


def _finite(value):
    """NaN is not JSON: write null instead."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result = args.run(args)
    except (ValueError, CheckpointError, DicomInputError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command != "bench":
        print(json.dumps(_finite(result), indent=1, default=str))
    return 0

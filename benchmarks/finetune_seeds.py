"""How much a K-image fine-tune of the shipped base varies with its seed, and which epoch selection keeps.

    python benchmarks/finetune_seeds.py [--checkpoint backend/segmentation/weights/base-v1.pt] [--k 10]
                                        [--seeds 0,1,2] [--steps 1190]

The headline protocol of benchmarks/engine.py (device B, train subjects 0..K-1, test subjects 1000..1009,
fine-tune lr 1e-3 cosine, 10 epochs, validation on the K images themselves as in the product), once per
seed: the muscle Dice with flip averaging (the product's prediction) on the 10 test images, the median SMA
error, and the epoch the muscle-first selection kept. Writes benchmarks/results/finetune-seeds-kK[-Nsteps].json (the
product's default fine-tune is 20 x 100 = 2000 steps: --steps 2000).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from segmentation.checkpoint import load_checkpoint  # noqa: E402
from segmentation.cohort import phantom_samples  # noqa: E402
from segmentation.evaluate import evaluate  # noqa: E402
from segmentation.infer import Predictor  # noqa: E402
from segmentation.train import TrainConfig, train  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
EPOCHS = 10


def fine_tune(base: Path, k: int, seed: int, steps: int, out: Path) -> dict:
    config = replace(
        TrainConfig(learning_rate=1e-3, schedule="cosine"),
        epochs=EPOCHS, steps_per_epoch=max(1, steps // EPOCHS), patience=EPOCHS, seed=seed, threads=2,
    )  # fmt: skip
    started = time.perf_counter()
    result = train(phantom_samples("B", range(k)), out, config, parent=base, resume=False)
    scores = evaluate(Predictor(out, threads=2, flip=True), phantom_samples("B", range(1000, 1010)), with_hd95=False)
    kept = max(result.history, key=lambda row: row["val_dice"])
    return {
        "seed": seed, "seconds": round(time.perf_counter() - started, 1), "dice_flip": scores.dice_mean,
        "sma_error_median_flip": scores.sma_error_median, "selected_epoch": kept["epoch"], "epochs": result.epochs_run,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "backend" / "segmentation" / "weights" / "base-v1.pt")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=1190, help="fine-tune steps (engine.json's 240 s at 0.2016 s)")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    load_checkpoint(args.checkpoint)  # fails early, naming the file, if it is not a checkpoint
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for seed in (int(s) for s in args.seeds.split(",")):
            rows.append(fine_tune(args.checkpoint, args.k, seed, args.steps, Path(work) / f"k{args.k}-{seed}.pt"))
            print(json.dumps(rows[-1]), flush=True)
    dice = [row["dice_flip"] for row in rows]
    report = {
        "checkpoint": str(args.checkpoint), "k": args.k, "steps": args.steps, "rows": rows,
        "dice_flip_mean": float(np.mean(dice)), "dice_flip_sd": float(np.std(dice)),
        "dice_flip_range": [float(min(dice)), float(max(dice))],
    }  # fmt: skip
    suffix = "" if args.steps == 1190 else f"-{args.steps}steps"
    (RESULTS / f"finetune-seeds-k{args.k}{suffix}.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}))
    return report


if __name__ == "__main__":
    main()

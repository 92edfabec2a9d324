"""Which imaging property of a device costs a model its Dice: noise, blur, calibration or pixel size.

    python benchmarks/device_difficulty.py --checkpoint base.pt --checkpoint finetuned_on_B.pt

Scores each checkpoint (Dice and median SMA error, with flip averaging as the product predicts) on the same
10 test subjects (seeds 1000..1009, as in benchmarks/engine.py) scanned on device B as it is, and on B with one
property at a time replaced by device A's (noise level and grain, point spread, HU offset, field of view,
contrast enhancement), with all of them but contrast, with all of them, and without noise at all; and on A
itself. The same subjects in every variant (test subjects are the same people on every device) and the same
noise draw in every B variant (only its amplitude or grain changes), so the differences are what the property
costs. Writes benchmarks/results/device-difficulty.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from segmentation.cohort import Sample  # noqa: E402
from segmentation.devices import DeviceProfile, device  # noqa: E402
from segmentation.evaluate import evaluate  # noqa: E402
from segmentation.infer import Predictor  # noqa: E402
from segmentation.phantom import make_slice  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TEST_SEEDS = range(1000, 1010)


def variants(target: str = "B", reference: str = "A") -> dict[str, DeviceProfile]:
    """`target` as it is, and with one property (or all) taken from `reference`. The key stays the
    target's, so every variant draws the same subjects and the same noise pattern."""
    b, a = device(target), device(reference)
    imaging = {name: getattr(a, name) for name in ("noise_hu", "noise_corr_mm", "blur_mm", "sharpen", "hu_offset",
                                                 "fov_mm", "matrix")}  # fmt: skip
    return {
        target: b,
        f"{target}, {reference}'s noise": replace(b, noise_hu=a.noise_hu, noise_corr_mm=a.noise_corr_mm),
        f"{target}, half its noise": replace(b, noise_hu=b.noise_hu / 2),
        f"{target}, no noise": replace(b, noise_hu=0.0),
        f"{target}, {reference}'s blur": replace(b, blur_mm=a.blur_mm, sharpen=a.sharpen),
        f"{target}, {reference}'s calibration": replace(b, hu_offset=a.hu_offset),
        f"{target}, {reference}'s field of view": replace(b, fov_mm=a.fov_mm, matrix=a.matrix),
        f"{target}, {reference}'s contrast enhancement": replace(b, contrast=a.contrast),
        f"{target}, all of {reference}'s but contrast": replace(b, **imaging),
        # every property the images are made from: the target's subjects and noise draw, imaged as the reference
        f"{target}, all of {reference}'s": replace(b, **imaging, contrast=a.contrast),
        reference: a,
    }


def samples(profile: DeviceProfile) -> list[Sample]:
    return [
        Sample(s.hu, s.labels, s.spacing_mm, profile.key, s.subject.subject_id)
        for s in (make_slice(seed, profile) for seed in TEST_SEEDS)
    ]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", action="append", type=Path, required=True, help="a checkpoint (repeatable)")
    parser.add_argument("--target", default="B", help="the device whose properties are varied (default B)")
    parser.add_argument("--reference", default="A", help="the device the properties come from (default A)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "device-difficulty.json")
    args = parser.parse_args(argv)
    for path in args.checkpoint:
        if not path.is_file():
            parser.error(f"--checkpoint {path}: no such file")
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    data = {name: samples(profile) for name, profile in variants(args.target, args.reference).items()}
    rows = []
    for path in args.checkpoint:
        predictor = Predictor(path, device="cpu", threads=args.threads, flip=True)
        for name, images in data.items():
            result = evaluate(predictor, images, with_hd95=False)
            rows.append({"checkpoint": str(path), "images": name, "dice": result.dice_mean,
                         "sma_error_median": result.sma_error_median})  # fmt: skip
            print(json.dumps(rows[-1]), flush=True)
    report = {"flip": True, "test_seeds": [TEST_SEEDS.start, TEST_SEEDS.stop - 1], "rows": rows,
              "seconds": time.perf_counter() - started}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps({"written": str(args.out)}))
    return report


if __name__ == "__main__":
    main()

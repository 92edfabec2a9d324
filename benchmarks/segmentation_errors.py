"""Where a model's muscle errors lie on the phantom, and what flip averaging does to them.

    python benchmarks/segmentation_errors.py --checkpoint base.pt:A --checkpoint finetuned.pt:B

For each CHECKPOINT:DEVICE, on that device's 10 test images (seeds 1000..1009, as in benchmarks/engine.py):
Dice and median SMA error with and without flip averaging, and the missed (false negative) and extra (false
positive) muscle pixels as a share of the true muscle area, split by distance to the true boundary (within
1 mm, 1-2 mm, further) and, for extra pixels further out, by the tissue under them in the noiseless phantom
(fat below -30 HU, soft tissue -30..150 HU, denser); and, as the same share, the pixels within 1 mm of the
true outline (either side), where boundary errors can fall. Writes benchmarks/results/segmentation-errors.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from segmentation.cohort import phantom_samples  # noqa: E402
from segmentation.devices import device as device_profile  # noqa: E402
from segmentation.evaluate import evaluate  # noqa: E402
from segmentation.infer import Predictor  # noqa: E402
from segmentation.phantom import clean_slice  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TEST_SEEDS = range(1000, 1010)


def error_shares(masks: list[np.ndarray], key: str) -> dict[str, float]:
    """Missed and extra muscle pixels by distance to the true boundary, as shares of the true muscle area."""
    counts = dict.fromkeys(
        ("missed_within_1mm", "missed_1_2mm", "missed_further", "extra_within_1mm", "extra_1_2mm",
         "extra_further_fat", "extra_further_soft_tissue", "extra_further_dense"), 0
    )  # fmt: skip
    truth_area = band = 0
    for mask, seed in zip(masks, TEST_SEEDS, strict=True):
        clean, labels = clean_slice(seed, device_profile(key))
        truth, predicted = labels == 1, mask == 1
        spacing = device_profile(key).spacing_mm
        distance = (ndimage.distance_transform_edt(~truth) + ndimage.distance_transform_edt(truth)) * spacing
        missed, extra = truth & ~predicted, predicted & ~truth
        far = extra & (distance > 2)
        truth_area += int(truth.sum())
        band += int((distance <= 1).sum())
        counts["missed_within_1mm"] += int((missed & (distance <= 1)).sum())
        counts["missed_1_2mm"] += int((missed & (distance > 1) & (distance <= 2)).sum())
        counts["missed_further"] += int((missed & (distance > 2)).sum())
        counts["extra_within_1mm"] += int((extra & (distance <= 1)).sum())
        counts["extra_1_2mm"] += int((extra & (distance > 1) & (distance <= 2)).sum())
        counts["extra_further_fat"] += int((far & (clean < -30)).sum())
        counts["extra_further_soft_tissue"] += int((far & (clean >= -30) & (clean < 150)).sum())
        counts["extra_further_dense"] += int((far & (clean >= 150)).sum())
    # how much of the image a boundary error can touch: pixels within 1 mm of the true outline, either side
    counts["pixels_within_1mm_of_outline"] = band
    return {name: count / truth_area for name, count in counts.items()}


def analyse(checkpoint: Path, key: str, threads: int) -> dict:
    samples = phantom_samples(key, TEST_SEEDS)
    row: dict = {"checkpoint": str(checkpoint), "device": key, "images": len(samples)}
    for flip in (False, True):
        predictor = Predictor(checkpoint, device="cpu", threads=threads, flip=flip)
        name = "flip" if flip else "plain"
        scores = evaluate(predictor, samples, with_hd95=False)
        row[name] = {"dice": scores.dice_mean, "sma_error_median": scores.sma_error_median}
        masks = [p.mask for p in predictor.predict_many([(s.hu, s.spacing_mm) for s in samples])]
        row[name]["errors_share_of_muscle"] = error_shares(masks, key)
    return row


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", action="append", required=True, help="CHECKPOINT:DEVICE (repeatable)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "segmentation-errors.json")
    args = parser.parse_args(argv)
    jobs = []
    for item in args.checkpoint:
        path, _, key = item.rpartition(":")
        if not path or not Path(path).is_file():
            parser.error(f"--checkpoint {item!r}: expected an existing CHECKPOINT:DEVICE")
        device_profile(key)  # unknown devices fail here, naming the known ones
        jobs.append((Path(path), key))
    torch.set_num_threads(args.threads)
    report = {"rows": []}
    for path, key in jobs:
        report["rows"].append(analyse(path, key, args.threads))
        print(json.dumps(report["rows"][-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()

"""Zero-shot scores of a muscle model on the labelled real CT in ../shared/data/ct.

    python benchmarks/real_ct.py [--checkpoint backend/segmentation/weights/base-v1.pt] [--tag NAME]

Per slice, with the product's prediction (body box, flip averaging), against reference maps that are for
measuring only (never for training):
- the share of predicted muscle that lies inside non-muscle structures: the TotalSegmentator map's liver,
  spleen, kidneys, stomach, pancreas, gallbladder, bowel, aorta, IVC, portal/splenic vein and vertebrae
  (Siemens T11-T12 series), the manual liver and spine (GE liver dome);
- erector spinae recall: the share of the TotalSegmentator autochthon (86/87) predicted as muscle;
- liver Dice against the TotalSegmentator liver (5) and the manual GE liver.
Targets (issue 16): muscle inside organs <= 3 %, erector spinae recall >= 0.95, liver Dice >= 0.90 on both
series. Writes benchmarks/results/real-ct[-TAG].json and overlay PNGs (muscle red, liver green, reference
outlines yellow) under benchmarks/results/real-ct/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from segmentation.dicom_io import read_hu  # noqa: E402
from segmentation.infer import Predictor  # noqa: E402
from segmentation.reference import (  # noqa: E402
    TOTALSEG_ERECTOR_SPINAE,
    TOTALSEG_LIVER,
    TOTALSEG_NON_MUSCLE,
    labels_on_slice,
    read_nifti,
    read_nrrd,
)

ROOT = Path(__file__).resolve().parents[1]
CT = ROOT.parent / "shared" / "data" / "ct"
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_CHECKPOINT = ROOT / "backend" / "segmentation" / "weights" / "base-v1.pt"
MUSCLE, LIVER = 1, 2
TARGETS = {"muscle_in_organs_max": 0.03, "erector_spinae_recall_min": 0.95, "liver_dice_min": 0.90}


def _dice(a: np.ndarray, b: np.ndarray) -> float | None:
    total = int(a.sum() + b.sum())
    return None if total == 0 else 2 * int((a & b).sum()) / total


def _share(inside: np.ndarray, of: np.ndarray) -> float | None:
    count = int(of.sum())
    return None if count == 0 else int((inside & of).sum()) / count


def siemens_slices() -> list[dict]:
    volume = read_nifti(CT / "siemens-biograph-t12-series.totalseg-labels.nii.gz")
    slices = []
    for path in sorted((CT / "siemens-biograph-t12-series").iterdir()):
        hu, spacing, ds = read_hu(path)
        labels = labels_on_slice(volume, ds)
        structures = {name: np.isin(labels, values) for name, values in TOTALSEG_NON_MUSCLE.items()}
        slices.append({
            "name": f"siemens/{int(ds.InstanceNumber)}", "hu": hu, "spacing": spacing, "structures": structures,
            "liver": labels == TOTALSEG_LIVER, "erector": np.isin(labels, TOTALSEG_ERECTOR_SPINAE),
        })  # fmt: skip
    return slices


def ge_slices() -> list[dict]:
    folder = CT / "ge-lightspeed-liver-3slice"
    liver_map, spine_map = read_nrrd(folder / "liver_seg.nrrd"), read_nrrd(folder / "spine_seg.nrrd")
    slices = []
    for path in sorted(folder.glob("0*.dcm")):
        hu, spacing, ds = read_hu(path)
        liver = labels_on_slice(liver_map, ds) > 0
        spine = labels_on_slice(spine_map, ds) > 0
        slices.append({
            "name": f"ge/{path.stem}", "hu": hu, "spacing": spacing,
            "structures": {"liver": liver, "spine": spine}, "liver": liver, "erector": None,
        })  # fmt: skip
    return slices


def score_slice(item: dict, mask: np.ndarray) -> dict:
    muscle, organs = mask == MUSCLE, np.zeros(mask.shape, dtype=bool)
    per_structure = {}
    for name, region in item["structures"].items():
        organs |= region
        per_structure[name] = _share(region, muscle)
    row = {
        "slice": item["name"],
        "muscle_cm2": float(muscle.sum() * item["spacing"][0] * item["spacing"][1] / 100),
        "muscle_in_organs": _share(organs, muscle),
        "muscle_in": per_structure,
        "liver_dice": _dice(mask == LIVER, item["liver"]),
    }
    if item["erector"] is not None:
        row["erector_spinae_recall"] = _share(muscle, item["erector"])
    return row


def _mean(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return float(np.mean(values)) if values else None


def summarise(rows: list[dict]) -> dict:
    organs = [r["muscle_in_organs"] for r in rows if r["muscle_in_organs"] is not None]
    return {
        "slices": len(rows),
        "muscle_in_organs_mean": _mean(rows, "muscle_in_organs"),
        "muscle_in_organs_max": float(max(organs)) if organs else None,
        "erector_spinae_recall_mean": _mean(rows, "erector_spinae_recall"),
        "liver_dice_mean": _mean(rows, "liver_dice"),
        "empty_muscle_slices": sum(r["muscle_cm2"] == 0 for r in rows),
    }


def targets_met(summary: dict) -> dict:
    met = {"muscle_in_organs": (summary["muscle_in_organs_mean"] or 0) <= TARGETS["muscle_in_organs_max"]}
    if summary["erector_spinae_recall_mean"] is not None:
        met["erector_spinae_recall"] = summary["erector_spinae_recall_mean"] >= TARGETS["erector_spinae_recall_min"]
    met["liver_dice"] = (summary["liver_dice_mean"] or 0) >= TARGETS["liver_dice_min"]
    return met


def overlay(hu: np.ndarray, mask: np.ndarray, outline: np.ndarray | None) -> np.ndarray:
    """RGB: soft-tissue window, muscle red, liver green, reference liver/erector outline yellow."""
    from scipy import ndimage

    grey = (np.clip((hu.astype(np.float32) + 160) / 400, 0, 1) * 255).astype(np.uint8)
    rgb = np.repeat(grey[..., None], 3, axis=2).astype(np.float32)
    for label, colour in ((MUSCLE, (255, 40, 40)), (LIVER, (40, 220, 40))):
        region = mask == label
        rgb[region] = 0.55 * rgb[region] + 0.45 * np.array(colour)
    if outline is not None:
        edge = outline & ~ndimage.binary_erosion(outline)
        rgb[edge] = (255, 230, 0)
    return rgb.astype(np.uint8)


def save_overlays(items: list[tuple[str, np.ndarray]], path: Path) -> str:
    from PIL import Image

    tiles = [Image.fromarray(image).resize((384, 384)) for _, image in items]
    sheet = Image.new("RGB", (384 * min(4, len(tiles)), 384 * ((len(tiles) + 3) // 4)))
    for index, tile in enumerate(tiles):
        sheet.paste(tile, (384 * (index % 4), 384 * (index // 4)))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return str(path.relative_to(ROOT))


def unlabelled_slices() -> list[tuple[str, np.ndarray, tuple[float, float]]]:
    path = CT / "single-slices" / "abdomen-l1-l2-explicit-vr-un.dcm"
    hu, spacing, _ = read_hu(path)
    return [("single/abdomen-l1-l2", hu, spacing)]


def run(checkpoint: Path, tag: str = "") -> dict:
    predictor = Predictor(checkpoint, threads=2, flip=True)
    shown = checkpoint.resolve()
    shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    digest = hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    report: dict = {"checkpoint": str(shown), "sha256": digest, "targets": TARGETS, "series": {}, "overlays": []}
    suffix = f"-{tag}" if tag else ""
    started = time.perf_counter()
    for series, items in (
        ("siemens-biograph-t12-series", siemens_slices()),
        ("ge-lightspeed-liver-3slice", ge_slices()),
    ):
        rows, pictures = [], []
        for index, item in enumerate(items):
            mask = predictor.predict(item["hu"], item["spacing"]).mask
            rows.append(score_slice(item, mask))
            if index % max(1, len(items) // 4) == 0:
                outline = item["liver"] | (item["erector"] if item["erector"] is not None else False)
                pictures.append((item["name"], overlay(item["hu"], mask, outline)))
        summary = summarise(rows)
        report["series"][series] = {"summary": summary, "targets_met": targets_met(summary), "slices": rows}
        report["overlays"].append(save_overlays(pictures, RESULTS / "real-ct" / f"{series}{suffix}.png"))
    unlabelled = [(name, overlay(hu, predictor.predict(hu, sp).mask, None)) for name, hu, sp in unlabelled_slices()]
    report["overlays"].append(save_overlays(unlabelled, RESULTS / "real-ct" / f"unlabelled{suffix}.png"))
    report["seconds"] = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--tag", default="", help="suffix of the result files, for models other than the shipped base")
    args = parser.parse_args(argv)
    report = run(args.checkpoint, args.tag)
    out = RESULTS / f"real-ct{'-' + args.tag if args.tag else ''}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: v["summary"] | {"met": v["targets_met"]} for k, v in report["series"].items()}, indent=1))
    return report


if __name__ == "__main__":
    main()

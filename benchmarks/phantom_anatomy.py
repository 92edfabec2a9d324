"""The phantom's L3 muscle by sex: skeletal muscle area, SMI, outline length and the sarcopenia flags it raises.

    python benchmarks/phantom_anatomy.py [--subjects 200]

For subjects 0..N-1 on device A (exact labels, noiseless HU): SMA (muscle label within -29..150 HU, as the
product measures it), SMI, the muscle outline in cm (pixels on the label's edge x pixel size), outline per cm2
of muscle (the larger it is, the more Dice a given boundary error costs), and the share of subjects that the
product's cut-offs (segmentation.composition) flag as sarcopenic. Compare with adult reference values from the
literature. Writes benchmarks/results/phantom-anatomy.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from segmentation.composition import measure  # noqa: E402
from segmentation.devices import device  # noqa: E402
from segmentation.phantom import clean_slice, make_subject  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def subject_row(seed: int) -> dict:
    profile, subject = device("A"), make_subject(seed)
    hu, labels = clean_slice(seed, profile)
    spacing = (profile.spacing_mm, profile.spacing_mm)
    muscle = labels == 1
    outline_cm = float((muscle & ~ndimage.binary_erosion(muscle)).sum() * profile.spacing_mm / 10)
    composition = measure(hu, labels, spacing, height_m=subject.height_m, sex=subject.sex, weight_kg=subject.weight_kg)
    return {
        "sex": subject.sex,
        "sma_cm2": composition.sma_cm2,
        "smi_cm2_m2": composition.smi_cm2_m2,
        "outline_cm": outline_cm,
        "sarcopenic": {flag.reference: flag.flagged for flag in composition.flags if flag.name == "sarcopenia"},
    }


def summary(rows: list[dict]) -> dict:
    values = {key: np.array([r[key] for r in rows], dtype=float) for key in ("sma_cm2", "smi_cm2_m2", "outline_cm")}
    return {
        "subjects": len(rows),
        **{f"{key}_mean": float(v.mean()) for key, v in values.items()},
        **{f"{key}_p10_p90": [float(np.percentile(v, 10)), float(np.percentile(v, 90))] for key, v in values.items()},
        "outline_cm_per_cm2": float((values["outline_cm"] / values["sma_cm2"]).mean()),
        "flagged_sarcopenic_share": {
            reference: float(np.mean([r["sarcopenic"][reference] for r in rows])) for reference in rows[0]["sarcopenic"]
        },
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS / "phantom-anatomy.json")
    args = parser.parse_args(argv)
    if args.subjects < 2:
        parser.error("--subjects must be at least 2")
    rows = [subject_row(seed) for seed in range(args.subjects)]
    report = {sex: summary([r for r in rows if r["sex"] == sex]) for sex in ("M", "F")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()

"""How sharp and how noisy real CT is, against the phantom's device profiles, measured the same way
(segmentation.calibration: an error function fitted across the skin-air edge gives the point spread
function's sigma; the standard deviation of HU in 7x7 windows of subcutaneous fat gives the noise).

    python benchmarks/scanner_calibration.py

Real: the series in ../shared/data/ct/ that show a body outline. Phantom: subjects 0..4 of each device
profile. Writes benchmarks/results/scanner-calibration.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from segmentation.calibration import measure  # noqa: E402
from segmentation.devices import DEVICES  # noqa: E402
from segmentation.dicom_io import read_hu  # noqa: E402
from segmentation.phantom import make_slice  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "ct"
REAL = {
    "GE LightSpeed Ultra, STANDARD, 1.25 mm": sorted((SHARED / "ge-lightspeed-liver-3slice").glob("0*.dcm")),
    "SIEMENS Biograph40 mCT, Br38f, 3 mm": sorted((SHARED / "siemens-biograph-t12-series").glob("CT.*")),
    "unknown scanner, L1/L2": [SHARED / "single-slices" / "abdomen-l1-l2-explicit-vr-un.dcm"],
}
RESULTS = ROOT / "benchmarks" / "results" / "scanner-calibration.json"


def main() -> None:
    report: dict = {"real": {}, "phantom": {}}
    for name, paths in REAL.items():
        paths = [p for p in paths if p.exists()]
        if not paths:
            continue
        slices = [(hu, spacing[0]) for hu, spacing, _ in map(read_hu, paths)]
        report["real"][name] = {"slices": len(slices), "pixel_mm": slices[-1][1], **measure(slices)}
        print(name, report["real"][name], flush=True)
    for key, profile in DEVICES.items():
        report["phantom"][key] = {
            "profile": f"{profile.manufacturer} {profile.model} {profile.kernel}",
            "blur_mm": profile.blur_mm,
            "noise_hu": profile.noise_hu,
            "pixel_mm": profile.spacing_mm,
            **measure((image.hu, image.spacing_mm[0]) for image in (make_slice(seed, key) for seed in range(5))),
        }
        print(key, report["phantom"][key], flush=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

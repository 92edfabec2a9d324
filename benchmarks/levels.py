"""Vertebral level detection on phantom volumes of every device profile, and on the real Siemens series.

    .venv/bin/python benchmarks/levels.py                     # 100 volumes per profile (the issue's figure)
    .venv/bin/python benchmarks/levels.py --per-profile 5 --matrix 128   # a quick look

Volumes are made and detected in --workers processes (default 2, one thread each: the 2 cores); the
seconds per 300-slice series are timed alone afterwards, on 2 threads.

Writes benchmarks/results/levels.json: L3 error (median, 95th percentile, max; mm and vertebrae) on volumes
that hold L3, the share within half a vertebral body, false "L3 found" on volumes without it, the share of
volumes with L3 that got no answer, seconds per 300-slice 512 x 512 series on 2 threads, the Siemens levels.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from multiprocessing import get_context
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

import numpy as np  # noqa: E402

from segmentation.dicom_io import read_hu  # noqa: E402
from segmentation.levels import detect_levels  # noqa: E402
from segmentation.volume import make_volume  # noqa: E402

SIEMENS = ROOT.parent / "shared/data/ct/siemens-biograph-t12-series"


def volume_row(task: tuple[str, int, int]) -> dict:
    """Make one phantom volume, detect its levels, and compare the L3 found with the truth."""
    profile, seed, matrix = task
    v = make_volume(seed, profile, matrix=matrix)
    result = detect_levels(v.hu, v.z_mm, v.spacing_mm)
    has_l3 = v.covers("L3")
    row = {"seed": seed, "profile": profile, "thickness_mm": v.thickness_mm, "lumbar": v.lumbar_count,
           "slices": len(v.z_mm), "has_l3": has_l3, "found": result.l3_index is not None, "anchor": result.anchor,
           "message": result.message}  # fmt: skip
    if has_l3 and row["found"]:
        truth = v.vertebra("L3")
        height = truth.superior_mm - truth.inferior_mm
        error = abs(result.l3_mm - truth.centre_mm)
        row.update(error_mm=error, error_vertebrae=error / (height + 9.0), within_half=error <= height / 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-profile", type=int, default=100)
    parser.add_argument("--matrix", type=int, default=256, help="in-plane matrix of the phantom volumes")
    parser.add_argument("--workers", type=int, default=2, help="processes making and detecting volumes")
    args = parser.parse_args()
    tasks = [(p, 10_000 + 1000 * "ABCD".index(p) + k, args.matrix) for p in "ABCD" for k in range(args.per_profile)]
    started = time.perf_counter()
    rows = []
    os.environ["OMP_NUM_THREADS"] = "1"  # inherited by the workers; this process keeps the 2 it started with
    with get_context("spawn").Pool(args.workers) as pool:
        for row in pool.imap(volume_row, tasks, chunksize=4):
            rows.append(row)
            if len(rows) % 40 == 0:
                print(f"{len(rows)} of {len(tasks)} volumes, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    volumes_seconds = time.perf_counter() - started
    with_l3 = [r for r in rows if r["has_l3"]]
    errors = np.array([r["error_mm"] for r in with_l3 if "error_mm" in r])
    verts = np.array([r["error_vertebrae"] for r in with_l3 if "error_mm" in r])

    def stats(a):
        if not a.size:
            return None
        return {"median": float(np.median(a)), "p95": float(np.percentile(a, 95)), "max": float(a.max())}

    big = make_volume(1, "A", matrix=512, thickness_mm=1.0, start="T11", stop="L2")
    reps = -(-300 // len(big.z_mm))
    hu = np.concatenate([big.hu] * reps)[:300]
    z = -np.arange(300, dtype=float)
    start = time.perf_counter()
    detect_levels(hu, z, big.spacing_mm)
    seconds = time.perf_counter() - start
    hus, zs = [], []
    for path in sorted(glob.glob(str(SIEMENS / "*"))):
        image, spacing, ds = read_hu(path)
        hus.append(image)
        zs.append(float(ds.ImagePositionPatient[2]))
    siemens = detect_levels(np.stack(hus), zs, spacing).as_dict() if hus else None
    out = {
        "command": " ".join(["benchmarks/levels.py", *sys.argv[1:]]),
        "volumes": len(rows),
        "volumes_per_profile": args.per_profile,
        "matrix": args.matrix,
        "workers": args.workers,
        "seconds_all_volumes": volumes_seconds,
        "volumes_with_l3": len(with_l3),
        "l3_error_mm": stats(errors),
        "l3_error_vertebrae": stats(verts),
        "share_within_half_body": float(np.mean([r.get("within_half", False) for r in with_l3])) if with_l3 else None,
        "share_with_l3_not_answered": float(np.mean([not r["found"] for r in with_l3])) if with_l3 else None,
        "false_l3_found": sum(r["found"] and not r["has_l3"] for r in rows),
        "volumes_without_l3": len(rows) - len(with_l3),
        "seconds_per_300_slices_512": seconds,
        "siemens": siemens,
        "rows": rows,
    }
    Path(ROOT / "benchmarks/results/levels.json").write_text(json.dumps(out, indent=1))
    print(json.dumps({k: v for k, v in out.items() if k != "rows"}, indent=1))


if __name__ == "__main__":
    main()

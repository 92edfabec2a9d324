"""Cohort export speed and memory: 10,000 measurements to CSV and to Parquet, through the real export path.

Writes benchmarks/results/export.json. For each format: seconds for the whole export job (selecting one
measurement per image with every join, flattening, writing the file, hashing it, publishing it), the
tracemalloc peak of Python and numpy/pyarrow allocations during it, the growth of the process's peak RSS,
and the file size. Also the seconds of the live preview (/api/cohorts/preview) for the whole cohort.

Usage: .venv/bin/python benchmarks/export.py [--measurements 10000]
Runs on a throwaway SQLite database and media folder; the rows are synthesised with bulk_create (the
composition values come from the engine's measure() on random masks, so each row carries real flags).
"""

import argparse
import datetime as dt
import json
import os
import platform
import resource
import time
import tracemalloc

from bench_django import ROOT, django_setup

WORK = django_setup("export")
import numpy as np  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.roles import RESEARCHER, user_set_role  # noqa: E402
from cohorts.models import Export  # noqa: E402
from cohorts.selectors import cohort_preview  # noqa: E402
from cohorts.services import export_start  # noqa: E402
from measurements.models import Measurement  # noqa: E402
from modelhub.models import ModelVersion  # noqa: E402
from segmentation.composition import measure  # noqa: E402
from studies.models import Device, Image, Series, Study, Subject  # noqa: E402

BATCH = 2000


def compositions(count: int, rng) -> list[dict]:
    """Engine results for random muscle masks and bodies: a pool that the synthetic rows cycle through."""
    pool = []
    for _ in range(count):
        hu = rng.normal(40, 30, (64, 64)).astype(np.int16)
        mask = (rng.random((64, 64)) < rng.uniform(0.2, 0.5)).astype(np.uint8)
        sex = "M" if rng.random() < 0.5 else "F"
        height = float(rng.normal(1.76 if sex == "M" else 1.63, 0.07))
        weight = float(rng.normal(26, 4) * height**2)
        composition = measure(hu, mask, (1.4, 1.4), height_m=height, sex=sex, weight_kg=weight)
        pool.append({"values": composition.as_dict(), "sex": sex, "height": height, "weight": weight})
    return pool


def synthesise(count: int) -> None:
    rng = np.random.default_rng(0)
    pool = compositions(200, rng)
    devices = Device.objects.bulk_create(
        [
            Device(key=f"bench|{i}", manufacturer="Bench", model_name=f"CT{i}", display_name=f"Bench CT{i}")
            for i in range(4)
        ]
    )
    version = ModelVersion.objects.create(name="bench-vnet", status="active", arch="vnet", checksum="b" * 64)
    subjects = Subject.objects.bulk_create(
        [
            Subject(
                pseudonym=f"MS-BENCH{i:06d}",
                sex=pool[i % len(pool)]["sex"],
                age_years=int(rng.integers(25, 90)),
                height_m=pool[i % len(pool)]["height"],
                weight_kg=pool[i % len(pool)]["weight"],
                split="test" if i % 5 == 4 else "train",
            )
            for i in range(count)
        ],
        batch_size=BATCH,
    )
    studies = Study.objects.bulk_create(
        [
            Study(
                study_uid=f"2.25.1{i}",
                subject=s,
                study_date=dt.date(2020, 1, 1) + dt.timedelta(days=i % 1500),
                study_year=(dt.date(2020, 1, 1) + dt.timedelta(days=i % 1500)).year,
            )
            for i, s in enumerate(subjects)
        ],
        batch_size=BATCH,
    )
    series = Series.objects.bulk_create(
        [
            Series(
                series_uid=f"2.25.2{i}",
                study=s,
                device=devices[i % 4],
                kernel="B30f",
                kvp=120.0,
                slice_thickness_mm=3.0,
            )
            for i, s in enumerate(studies)
        ],
        batch_size=BATCH,
    )
    images = Image.objects.bulk_create(
        [
            Image(
                sop_uid=f"2.25.3{i}",
                series=s,
                device=s.device,
                split=subjects[i].split,
                rows=512,
                columns=512,
                spacing_row_mm=0.78,
                spacing_col_mm=0.78,
                transfer_syntax="1.2.840.10008.1.2.1",
                dicom_path=f"images/bench/{i}.dcm",
                hu_path=f"images/bench/{i}.npy",
                sha256="0" * 64,
            )
            for i, s in enumerate(series)
        ],
        batch_size=BATCH,
    )
    Measurement.objects.bulk_create(
        [
            Measurement(
                image=image,
                source="model",
                model_version=version,
                sma_cm2=pool[i % len(pool)]["values"]["sma_cm2"],
                mean_muscle_hu=pool[i % len(pool)]["values"]["mean_muscle_hu"],
                imat_cm2=pool[i % len(pool)]["values"]["imat_cm2"],
                smi_cm2_m2=pool[i % len(pool)]["values"]["smi_cm2_m2"],
                values=pool[i % len(pool)]["values"],
            )
            for i, image in enumerate(images)
        ],
        batch_size=BATCH,
    )


def run_export(user, fmt: str) -> Export:
    export = export_start(user=user, filters={"unit": "image"}, format=fmt)  # eager Celery: the job runs at commit
    export = Export.objects.select_related("job").get(pk=export.pk)
    assert export.is_ready, export.job.error
    return export


def timed_export(user, fmt: str) -> dict:
    """Seconds from one run without tracing (tracemalloc slows Python down), memory from a second traced run."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    export = run_export(user, fmt)
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    run_export(user, fmt)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rows": export.row_count,
        "seconds": round(seconds, 3),
        "rows_per_second": round(export.row_count / seconds),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "peak_rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "file_mb": round(export.size_bytes / 2**20, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measurements", type=int, default=10_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    synthesise(args.measurements)
    setup_seconds = time.perf_counter() - started
    user = User.objects.create_user("bench-researcher")
    user_set_role(user=user, role=RESEARCHER)
    start = time.perf_counter()
    preview = cohort_preview(filters={"unit": "image"})
    preview_seconds = time.perf_counter() - start
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "database": "SQLite (throwaway)",
        "measurements": args.measurements,
        "synthesis_seconds": round(setup_seconds, 1),
        "preview_whole_cohort_seconds": round(preview_seconds, 3),
        "preview_count": preview["count"],
        "note": "rows cycle through 200 engine results, so Parquet's dictionary encoding compresses them better than"
        " real data; peak RSS growth is the first export's (numbers include pyarrow's first import for Parquet)",
        "csv": timed_export(user, "csv"),
        "parquet": timed_export(user, "parquet"),
    }
    out = ROOT / "benchmarks" / "results" / "export.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Ingest throughput and memory, through the whole path (validation, decode, de-identification, audit,
storage, rows), each rate beside pydicom's own read-and-decode rate of the same files in the same run.

Writes benchmarks/results/ingest.json:
- uncompressed_512 and jpeg2000_512: one whole series (one patient, study and series; --files slices with
  fresh SOP instance UIDs) ingested through studies.services.upload_ingest in one request, as slices per
  second; `decoder_slices_per_s` is pydicom reading and decoding the same bytes (dcmread + pixel_array),
  timed just before and just after the ingest (the faster of the two counts: the machine may be shared),
  and `ratio` is ingest over decoder;
- postprocess_job_slices_per_s: the series' post-processing job (thumbnails; no model is active here, so no
  inference), run in-process after the upload, as a worker would;
- peak memory while ingesting one --zip-files zip (tracemalloc peak of Python+numpy allocations, and the
  growth of the process's peak RSS).

Usage: .venv/bin/python benchmarks/ingest.py [--files 200] [--zip-files 300] [--profile 25]
--profile N prints the N functions with the most cumulative time of each timed ingest (cProfile; slows it).
Runs on a throwaway SQLite database and media folder (DATABASE_URL is ignored); needs ../shared/data/ct.
"""

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import time
import tracemalloc
import zipfile
from pathlib import Path

from bench_django import ROOT, django_setup

CT = ROOT.parent / "shared" / "data" / "ct"
# The request path only: post-processing (thumbnails, hooks) is queued, then timed on its own.
WORK = django_setup("ingest", eager=False, CELERY_BROKER_URL="memory://")
import pydicom  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from pydicom.uid import generate_uid  # noqa: E402

from jobs.models import Job  # noqa: E402
from studies.services import study_postprocess, upload_ingest  # noqa: E402


def series_copies(sources: list[Path], count: int, patient: str) -> list[tuple[str, bytes]]:
    """One series of `count` slices cycled from `sources`: one patient, fresh study and series UIDs, each
    slice its own SOP instance UID and instance number."""
    study_uid, series_uid = generate_uid(), generate_uid()
    copies = []
    for i in range(count):
        ds = pydicom.dcmread(sources[i % len(sources)])
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.PatientID = patient
        ds.InstanceNumber = i + 1
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        copies.append((f"{i:04d}.dcm", buffer.getvalue()))
    return copies


def decoder_rate(copies: list[tuple[str, bytes]]) -> float:
    """Slices per second for pydicom alone: parse each file and decode its pixels."""
    start = time.perf_counter()
    for _, content in copies:
        pydicom.dcmread(io.BytesIO(content)).pixel_array  # noqa: B018 - decoding is the point
    return len(copies) / (time.perf_counter() - start)


def ingest_rate(copies: list[tuple[str, bytes]], profile: int) -> dict:
    uploads = [SimpleUploadedFile(name, content) for name, content in copies]
    profiler = cProfile.Profile() if profile else None
    decoder_before = decoder_rate(copies)
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    outcomes = upload_ingest(files=uploads, user=None)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    decoder = max(decoder_before, decoder_rate(copies))
    stored = sum(o.status == "stored" for o in outcomes)
    assert stored == len(copies), [o for o in outcomes if o.status != "stored"][:2]
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
    rate = len(copies) / seconds
    study_id = outcomes[0].study_id
    job = Job.objects.filter(kind=Job.Kind.INGEST, params__study_id=study_id).latest("id")
    start = time.perf_counter()
    study_postprocess(job=job)  # what a worker does next: thumbnails, hooks (no model here), level detection queued
    postprocess_seconds = time.perf_counter() - start
    return {
        "files": len(copies),
        "seconds": round(seconds, 3),
        "slices_per_s": round(rate, 1),
        "decoder_slices_per_s": round(decoder, 1),
        "ratio": round(rate / decoder, 3),
        "postprocess_job_slices_per_s": round(len(copies) / postprocess_seconds, 1),
        "profiled": bool(profiler),
    }


def zip_memory(copies: list[tuple[str, bytes]]) -> dict:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in copies:
            archive.writestr(f"study/series/{name}", content)
    upload = SimpleUploadedFile("study.zip", buffer.getvalue())
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    outcomes = upload_ingest(files=[upload], user=None)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "files": len(copies),
        "zip_bytes": len(buffer.getvalue()),
        "stored": sum(o.status == "stored" for o in outcomes),
        "seconds": round(seconds, 2),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "peak_rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "peak_rss_mb": round(rss_after / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--zip-files", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    ge = sorted((CT / "ge-lightspeed-liver-3slice").glob("0*.dcm"))
    siemens = sorted((CT / "siemens-biograph-t12-series").iterdir())
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "uncompressed_512": ingest_rate(series_copies(ge, args.files, "BENCH-GE"), args.profile),
        "jpeg2000_512": ingest_rate(series_copies(siemens, args.files, "BENCH-J2K"), args.profile),
        "zip_uncompressed_512": zip_memory(series_copies(ge, args.zip_files, "BENCH-ZIP")),
    }
    print(json.dumps(results, indent=2))
    if not args.profile:  # profiled rates are not the figures
        out = ROOT / "benchmarks" / "results" / "ingest.json"
        out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

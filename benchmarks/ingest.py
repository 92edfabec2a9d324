"""Ingest throughput and memory, through the whole path (validation, decode, de-identification, storage, rows).

Writes benchmarks/results/ingest.json:
- files per second for uncompressed 512x512 slices (GE, explicit copies with fresh UIDs) and for JPEG 2000
  512x512 slices (Siemens series), each ingested through studies.services.upload_ingest;
- peak memory while ingesting one 300-file zip (tracemalloc peak of Python+numpy allocations, and the growth
  of the process's peak RSS).

Usage: .venv/bin/python benchmarks/ingest.py [--files 60] [--zip-files 300]
Runs on a throwaway SQLite database and media folder; needs ../shared/data/ct.
"""

import argparse
import io
import json
import os
import platform
import resource
import time
import tracemalloc
import zipfile
from pathlib import Path

from bench_django import ROOT, django_setup

CT = ROOT.parent / "shared" / "data" / "ct"
WORK = django_setup("ingest")
import pydicom  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from pydicom.uid import generate_uid  # noqa: E402

from studies.services import upload_ingest  # noqa: E402


def fresh_copies(sources: list[Path], count: int) -> list[tuple[str, bytes]]:
    """`count` distinct files cycled from `sources`, each with new patient and instance UIDs."""
    copies = []
    for i in range(count):
        ds = pydicom.dcmread(sources[i % len(sources)])
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.PatientID = f"BENCH{i // 3}"
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        copies.append((f"{i:04d}.dcm", buffer.getvalue()))
    return copies


def files_per_second(copies: list[tuple[str, bytes]]) -> dict:
    uploads = [SimpleUploadedFile(name, content) for name, content in copies]
    start = time.perf_counter()
    outcomes = upload_ingest(files=uploads, user=None)
    seconds = time.perf_counter() - start
    stored = sum(o.status == "stored" for o in outcomes)
    assert stored == len(copies), [o for o in outcomes if o.status != "stored"][:2]
    return {"files": len(copies), "seconds": round(seconds, 3), "files_per_second": round(len(copies) / seconds, 1)}


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
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--zip-files", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    ge = sorted((CT / "ge-lightspeed-liver-3slice").glob("0*.dcm"))
    siemens = sorted((CT / "siemens-biograph-t12-series").iterdir())
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "uncompressed_512": files_per_second(fresh_copies(ge, args.files)),
        "jpeg2000_512": files_per_second(fresh_copies(siemens, args.files)),
        "zip_300_uncompressed": zip_memory(fresh_copies(ge, args.zip_files)),
    }
    out = ROOT / "benchmarks" / "results" / "ingest.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

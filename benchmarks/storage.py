"""Media storage throughput through the facade (studies/storage.py): HU arrays of 512x512 slices written and
read back per second, on the filesystem backend (beside numpy writing the same files itself, with the same
fsync) and on the S3 backend against moto's S3 server on loopback (the client path's cost, not a real bucket's
network latency).

Writes benchmarks/results/storage.json.
Usage: .venv/bin/python benchmarks/storage.py [--slices 200]
"""

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
from bench_django import ROOT, django_setup

WORK = django_setup("storage")
import boto3  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from studies import storage  # noqa: E402


def rate(count: int, started: float) -> float:
    return round(count / (time.perf_counter() - started), 1)


def through_facade(payload: bytes, slices: int) -> dict:
    names = [f"bench/{i % 16}/{i}.hu.npy" for i in range(slices)]
    started = time.perf_counter()
    for name in names:
        storage.write_atomic(name, payload)
    written = rate(slices, started)
    started = time.perf_counter()
    for name in names:
        storage.hu_load(name)
    return {"write_per_s": written, "read_per_s": rate(slices, started)}


def numpy_itself(hu: np.ndarray, folder: Path, slices: int) -> dict:
    folder.mkdir(parents=True)
    started = time.perf_counter()
    for i in range(slices):
        with (folder / f"{i}.npy").open("wb") as out:
            np.save(out, hu)
            out.flush()
            os.fsync(out.fileno())
    written = rate(slices, started)
    started = time.perf_counter()
    for i in range(slices):
        np.load(folder / f"{i}.npy")
    return {"write_per_s": written, "read_per_s": rate(slices, started)}


def moto_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(endpoint, timeout=2)
            return server, endpoint
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("moto's S3 server did not start")


def s3_storages(endpoint: str) -> dict:
    keys = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys).create_bucket(Bucket="bench")
    options = {
        "bucket_name": "bench",
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "access_key": "bench",
        "secret_key": "bench",
        "addressing_style": "path",
        "default_acl": None,
        "file_overwrite": True,
    }
    from django.conf import settings

    return {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slices", type=int, default=200)
    args = parser.parse_args()
    hu = np.random.default_rng(0).integers(-1000, 1500, (512, 512)).astype(np.int16)
    payload = storage.hu_to_bytes(hu)
    result = {
        "slices": args.slices,
        "slice_bytes": len(payload),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "filesystem": through_facade(payload, args.slices),
        "numpy_itself": numpy_itself(hu, WORK / "numpy", args.slices),
    }
    server, endpoint = moto_server()
    try:
        with override_settings(STORAGES=s3_storages(endpoint)):
            result["s3_moto_loopback"] = through_facade(payload, args.slices)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "results" / "storage.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

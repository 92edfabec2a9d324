"""Media in an S3 bucket (S3_BUCKET set): a real S3-compatible server process (moto's server mode) on loopback.

An upload's DICOM, HU array and thumbnail, the model's weights and an export land in the bucket and nowhere on
the web machine's disk; the study page's endpoints serve them from it, the export downloads through the app,
the model predicts from weights read back from the bucket, and a training checkpoint one worker left there is
resumed by another. (Masks are rows in the database, shared through it, not files.)
"""

import hashlib
import io
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
import numpy as np
import pytest
import torch
from PIL import Image as PILImage

from config.media_storage import media_storage
from measurements.models import Measurement
from modelhub.models import ModelVersion, Prediction
from modelhub.services import predictors
from modelhub.services.files import training_checkpoint_path, training_checkpoint_share
from segmentation.checkpoint import Checkpoint, ModelSpec, code_version, save_checkpoint
from segmentation.preprocess import PreprocessConfig
from studies import storage
from studies.models import Image
from tests.cohorts.helpers import export_through_api
from tests.studies.uploads import named_upload

BUCKET = "muscleseed-media"
GE_SLICE = "ge-lightspeed-liver-3slice/01.dcm"
CREDENTIALS = {"S3_ACCESS_KEY_ID": "test-access-key", "S3_SECRET_ACCESS_KEY": "test-secret-key"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server as its own process, with an empty bucket; stopped after the module."""
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(endpoint, timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the S3 server did not start (exit {server.poll()}); see {log.name}")
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch, tmp_path):
    """A fresh bucket, configured exactly as the environment would (S3_* variables -> settings.STORAGES)."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
    )
    name = f"{BUCKET}-{time.monotonic_ns()}"
    client.create_bucket(Bucket=name)
    env = {"S3_BUCKET": name, "S3_ENDPOINT_URL": s3_endpoint, "S3_REGION": "us-east-1", **CREDENTIALS}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings.STORAGES = {**settings.STORAGES, "default": media_storage()}
    settings.VAR_DIR = tmp_path / "var"  # this machine's weight cache and scratch files
    predictors._predictor.cache_clear()
    yield type("Bucket", (), {"name": name, "client": client, "keys": lambda self: keys_of(client, name)})()
    predictors._predictor.cache_clear()


def keys_of(client, name: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=name)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def files_under(folder) -> list[str]:
    return sorted(str(path) for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


@pytest.fixture
def base_model(db, bucket, tmp_path) -> ModelVersion:
    """An untrained, seeded network stored in the bucket as the active base model."""
    torch.manual_seed(0)
    spec = ModelSpec(arch="vnet", net_kwargs={"width": 4}, preprocess=PreprocessConfig(spacing_mm=6.0, size=64))
    checkpoint = Checkpoint(spec=spec, state_dict=spec.build().state_dict(), history=[], code_version=code_version())
    save_checkpoint(tmp_path / "random.pt", checkpoint)
    digest = hashlib.sha256((tmp_path / "random.pt").read_bytes()).hexdigest()
    storage.write_file(f"models/random-{digest[:12]}.pt", tmp_path / "random.pt")
    (tmp_path / "random.pt").unlink()
    return ModelVersion.objects.create(
        name="random-v1",
        status=ModelVersion.Status.ACTIVE,
        arch="vnet",
        weights_path=f"models/random-{digest[:12]}.pt",
        checksum=digest,
    )


@pytest.fixture
def uploaded(bucket, base_model, client_for, ct_dir, django_capture_on_commit_callbacks, settings) -> Image:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("clinician").post(
            "/api/studies/", {"files": [named_upload(ct_dir / GE_SLICE)]}, format="multipart"
        )
    assert response.status_code == 201, response.content
    return Image.objects.get()


def test_an_uploaded_slice_and_everything_made_from_it_land_in_the_bucket(uploaded, bucket, media_root):
    image = Image.objects.get(pk=uploaded.pk)
    assert {image.dicom_path, image.hu_path, image.thumbnail_path} <= set(bucket.keys())
    assert image.hu_path.endswith(".hu.npy") and image.thumbnail_path.endswith(".thumb.png")
    assert files_under(media_root) == []  # nothing went to the web machine's MEDIA_ROOT


def test_the_study_pages_endpoints_serve_pixels_thumbnail_and_mask_from_the_bucket(uploaded, bucket, client_for):
    client = client_for("clinician")
    stored_hu = np.load(io.BytesIO(bucket.client.get_object(Bucket=bucket.name, Key=uploaded.hu_path)["Body"].read()))
    pixels = client.get(f"/api/images/{uploaded.pk}/pixels")
    assert pixels.status_code == 200
    served = np.frombuffer(pixels.content, "<i2").reshape(int(pixels["X-Rows"]), int(pixels["X-Columns"]))
    assert np.array_equal(served, stored_hu)

    thumbnail = client.get(f"/api/images/{uploaded.pk}/thumbnail")
    stored_thumbnail = bucket.client.get_object(Bucket=bucket.name, Key=Image.objects.get().thumbnail_path)
    assert thumbnail.status_code == 200 and thumbnail.content == stored_thumbnail["Body"].read()

    mask = client.get(f"/api/images/{uploaded.pk}/measurement-mask")
    assert mask.status_code == 200, mask.content
    assert PILImage.open(io.BytesIO(mask.content)).size == (uploaded.columns, uploaded.rows)


def test_the_model_predicts_from_weights_read_back_from_the_bucket(uploaded, base_model, bucket, settings):
    assert base_model.weights_path in bucket.keys()
    prediction = Prediction.objects.get(image=uploaded, version=base_model)  # inference ran after the upload
    assert Measurement.objects.filter(image=uploaded, model_version=base_model).exists()
    cached = settings.VAR_DIR / "cache" / "media" / base_model.weights_path
    stored = bucket.client.get_object(Bucket=bucket.name, Key=base_model.weights_path)["Body"].read()
    assert cached.read_bytes() == stored  # the local read-through copy is the bucket's file
    assert prediction.mask_png


def test_an_export_is_written_to_the_bucket_and_downloaded_through_the_app(
    uploaded, bucket, client_for, django_capture_on_commit_callbacks, media_root
):
    status, content = export_through_api(client_for("researcher"), django_capture_on_commit_callbacks, format="csv")
    exports = [key for key in bucket.keys() if key.startswith("exports/")]
    assert len(exports) == 1 and status["download_url"].startswith("/api/")  # the app's URL, not the bucket's
    stored = bucket.client.get_object(Bucket=bucket.name, Key=exports[0])["Body"].read()
    assert content == stored and hashlib.sha256(content).hexdigest() == status["sha256"]
    assert str(uploaded.pk) in content.decode()
    assert files_under(media_root) == [] and files_under(media_root.parent / "var" / "tmp") == []


def test_a_training_checkpoint_left_by_one_worker_is_resumed_by_another(bucket, settings, tmp_path, db):
    first = training_checkpoint_path(41)
    first.write_bytes(b"epoch 3 of 20")
    training_checkpoint_share(version_id=41, path=first)
    assert "models/training/version-41.pt" in bucket.keys()
    settings.VAR_DIR = tmp_path / "another-machine"
    second = training_checkpoint_path(41)
    assert second != first and second.read_bytes() == b"epoch 3 of 20"


def test_the_default_is_files_under_media_root(monkeypatch):
    monkeypatch.delenv("S3_BUCKET", raising=False)
    assert media_storage() == {"BACKEND": "studies.storage.AtomicFileSystemStorage"}


def test_a_name_missing_from_the_bucket_reads_as_file_not_found_naming_it(bucket):
    with pytest.raises(FileNotFoundError, match="images/ab/none.hu.npy"):
        storage.hu_load("images/ab/none.hu.npy")
    assert not storage.exists("images/ab/none.hu.npy")

"""Images to label (a real CT, or small synthetic rows when only the size matters), PNG helpers and
shortcuts through the API: load the ETag, save, submit, review."""

import io
import itertools

import numpy as np
import pytest
from PIL import Image as PILImage

from annotations.masks import mask_encode
from annotations.selectors import label_set_get
from studies.models import Device, Image, Series, Study, Subject
from studies.services import upload_ingest
from tests.studies.uploads import named_upload

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """These tests make many users and never sign in with a password: skip the slow hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def label_set(db):
    return label_set_get()


@pytest.fixture
def ct_image(make_user, ct_dir) -> Image:
    """A real 512x512 CT slice, uploaded by a clinician."""
    uploader, _ = make_user("clinician", name="uploading-clinician")
    outcome = upload_ingest(files=[named_upload(ct_dir / "ge-lightspeed-liver-3slice" / "01.dcm")], user=uploader)[0]
    return Image.objects.get(pk=outcome.image_id)


@pytest.fixture
def make_image(db):
    """make_image(device="Scanner A", split="train", rows=32, columns=32) -> an Image row without pixels."""

    def make(device: str = "Scanner A", split: str = "train", rows: int = 32, columns: int = 32) -> Image:
        n = next(_serial)
        scanner, _ = Device.objects.get_or_create(
            key=device.lower(), defaults={"manufacturer": "Test", "model_name": device, "display_name": device}
        )
        subject = Subject.objects.create(pseudonym=f"MS-T{n}", split=split)
        study = Study.objects.create(study_uid=f"2.25.{n}", subject=subject)
        series = Series.objects.create(series_uid=f"2.25.9{n}", study=study, device=scanner)
        return Image.objects.create(
            sop_uid=f"2.25.8{n}",
            series=series,
            device=scanner,
            split=split,
            rows=rows,
            columns=columns,
            spacing_row_mm=0.8,
            spacing_col_mm=0.8,
            transfer_syntax="1.2.840.10008.1.2.1",
            dicom_path="",
            hu_path="",
            sha256="0" * 64,
        )

    return make


@pytest.fixture
def image(make_image) -> Image:
    return make_image()


def png(mask: np.ndarray) -> bytes:
    return mask_encode(mask)


def png_from_pil(picture: PILImage.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def decode(content: bytes) -> np.ndarray:
    return np.array(PILImage.open(io.BytesIO(content)))


def square_mask(image: Image, value: int = 1, top: int = 4, size: int = 8) -> np.ndarray:
    mask = np.zeros((image.rows, image.columns), np.uint8)
    mask[top : top + size, top : top + size] = value
    return mask


def mask_url(image: Image) -> str:
    return f"/api/images/{image.pk}/annotation/mask"


def etag(client, image: Image) -> str:
    return client.get(f"/api/images/{image.pk}/annotation")["ETag"]


def save(client, image: Image, mask: np.ndarray | bytes, *, if_match: str | None = "current", seconds: float = 3.0):
    """PUT a mask; `if_match="current"` first loads the current ETag, None sends no If-Match."""
    headers = {"HTTP_X_ACTIVE_SECONDS": str(seconds)}
    if if_match == "current":
        if_match = etag(client, image)
    if if_match is not None:
        headers["HTTP_IF_MATCH"] = if_match
    body = mask if isinstance(mask, bytes) else png(mask)
    return client.put(mask_url(image), body, content_type="image/png", **headers)


def submit(client, image: Image, *, if_match: str | None = "current"):
    if_match = etag(client, image) if if_match == "current" else if_match
    headers = {"HTTP_IF_MATCH": if_match} if if_match else {}
    return client.post(f"/api/images/{image.pk}/annotation/submit", **headers)


def review(client, image: Image, decision: str, comment: str = "", *, if_match: str | None = "current"):
    if_match = etag(client, image) if if_match == "current" else if_match
    headers = {"HTTP_IF_MATCH": if_match} if if_match else {}
    body = {"decision": decision, "comment": comment}
    return client.post(f"/api/images/{image.pk}/annotation/review", body, format="json", **headers)


def accepted(labeller, reviewer, image: Image, mask: np.ndarray | None = None) -> None:
    """Save, submit and accept a mask through the API."""
    assert save(labeller, image, square_mask(image) if mask is None else mask).status_code == 200
    assert submit(labeller, image).status_code == 200
    assert review(reviewer, image, "accept").status_code == 200


@pytest.fixture
def client_as(make_user):
    """client_as(role, name) -> an APIClient for a fresh, named user with that role."""
    from rest_framework.test import APIClient

    def make(role: str, name: str) -> APIClient:
        user, _ = make_user(role, name=name)
        api = APIClient()
        api.force_authenticate(user)
        api.user = user
        return api

    return make

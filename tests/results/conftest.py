"""A clinician's study with measurements: the real GE liver-level slices, uploaded through the real path,
measured from a mask drawn with numpy (as a model version's prediction), exactly as inference records them."""

import numpy as np
import pytest
from rest_framework.test import APIClient

from measurements.models import Measurement
from measurements.services import measurement_record
from modelhub.models import ModelVersion, Prediction
from modelhub.services.inference import mask_png
from studies import storage
from studies.models import Image, Study
from studies.services import upload_ingest
from tests.studies.uploads import named_upload

GE_SLICES = ("01.dcm", "02.dcm", "03.dcm")
CHECKSUM = "c0ffee" + "12" * 29


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """These tests make several users and sign in without passwords: skip the slow hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def drawn_mask(image: Image) -> np.ndarray:
    """The back and flank muscles at the GE slices' anatomy (soft tissue and some fat in it, IMAT; not the
    spine, not air, so the plausibility checks pass) and a disc of liver."""
    hu = hu_of(image)
    rows, columns = hu.shape
    mask = np.zeros((rows, columns), np.uint8)
    band = np.zeros((rows, columns), bool)
    band[round(rows * 0.6) : round(rows * 0.88), round(columns * 0.2) : round(columns * 0.8)] = True
    mask[band & (hu >= -190) & (hu <= 150)] = 1
    yy, xx = np.mgrid[:rows, :columns]
    mask[(yy - rows * 0.45) ** 2 + (xx - columns * 0.33) ** 2 < (rows * 0.11) ** 2] = 2
    return mask


def hu_of(image: Image) -> np.ndarray:
    return np.asarray(storage.hu_load(image.hu_path))


def model_measurement(image: Image, version: ModelVersion, mask: np.ndarray) -> Measurement:
    Prediction.objects.create(version=version, image=image, mask_png=mask_png(mask))
    return measurement_record(image=image, hu=hu_of(image), mask=mask, model_version=version)


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def clinician(make_user):
    return make_user("clinician", name="dr-lee")[0]


@pytest.fixture
def version(db) -> ModelVersion:
    """Made after the upload would be too late to matter: a candidate never runs on ingest."""
    return ModelVersion.objects.create(
        name="vnet-ge-v3", status=ModelVersion.Status.CANDIDATE, arch="vnet", checksum=CHECKSUM
    )


@pytest.fixture
def study(clinician, ct_dir, version) -> Study:
    """Three GE slices uploaded by dr-lee; the first and the last measured by the model."""
    files = [named_upload(ct_dir / "ge-lightspeed-liver-3slice" / name) for name in GE_SLICES]
    outcomes = upload_ingest(files=files, user=clinician)
    study = Study.objects.get(pk=outcomes[0].study_id)
    images = slices(study)
    for image in (images[0], images[2]):
        model_measurement(image, version, drawn_mask(image))
    return study


def slices(study: Study) -> list[Image]:
    """The study's images in the order the viewer scrolls them."""
    from studies.selectors import image_order_key

    return sorted(
        Image.objects.filter(series__study=study).select_related("series__study__subject"), key=image_order_key
    )

"""A whole series is measured where the study is reported: the model runs on its L3 slice (and the neighbours
within +-N mm when the setting asks) once L3 is found, follows the L3 when a clinician moves it, and runs on
every slice only when whole-series metrics are asked for. A few chosen slices are measured at once."""

import numpy as np
import pytest
from rest_framework.test import APIClient

from jobs.models import Job
from measurements.models import Measurement
from modelhub.models import Prediction
from modelhub.services.versions import model_version_import
from studies.models import Image, Series
from studies.services import upload_ingest
from tests.modelhub.factories import tiny_checkpoint
from tests.studies.uploads import zip_upload
from tests.studies.volumes import series_files, volume

WITH_L3 = (1, "T11", "L4")  # 49 slices of 4 mm, 128 x 128
SLICE_MM = 4.0


@pytest.fixture
def active_model(tmp_path, db):
    return model_version_import(path=tiny_checkpoint(tmp_path / "tiny.pt"), name="tiny-base", activate=True)


@pytest.fixture
def clinician(make_user):
    return make_user("clinician", name="dr-l3")[0]


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload_volume(user, capture) -> Series:
    """The series as one zip; ingest, level detection and inference run in-process as their jobs finish."""
    with capture(execute=True):
        outcomes = upload_ingest(files=[zip_upload("series.zip", series_files(volume(*WITH_L3)))], user=user)
    series = Image.objects.get(pk=outcomes[0].image_id).series
    series.refresh_from_db()
    return series


def predicted(series: Series) -> set[int]:
    return set(Prediction.objects.filter(image__series=series).values_list("image_id", flat=True))


def test_a_volume_is_measured_on_its_detected_l3_slice_only(
    active_model, clinician, django_capture_on_commit_callbacks
):
    series = upload_volume(clinician, django_capture_on_commit_callbacks)
    assert series.images.count() == len(volume(*WITH_L3).z_mm) and series.level_source == "automatic"
    assert predicted(series) == {series.level_image_id}
    assert Job.objects.filter(kind="infer", params__reason="L3").count() == 1

    results = client_of(clinician).get(f"/api/studies/{series.study_id}/results").json()
    l3 = results["slices"][0]
    assert l3["level"] == "L3" and l3["measurement"] is not None
    window = l3["l3_measurement"]
    assert window["neighbours_mm"] == 0 and [s["image_id"] for s in window["slices"]] == [series.level_image_id]
    assert window["sma_cm2"] == pytest.approx(l3["measurement"]["sma_cm2"])


def test_with_neighbours_the_l3_measurement_is_the_mean_of_the_slices_within_n_mm(
    active_model, clinician, settings, django_capture_on_commit_callbacks
):
    settings.MUSCLESEED_L3_NEIGHBOURS_MM = 2 * SLICE_MM
    series = upload_volume(clinician, django_capture_on_commit_callbacks)
    near = {
        image.pk
        for image in series.images.all()
        if abs(image.slice_location - series.level_z_mm) <= 2 * SLICE_MM + 0.01
    }
    assert len(near) == 5 and predicted(series) == near

    window = client_of(clinician).get(f"/api/studies/{series.study_id}/results").json()["slices"][0]["l3_measurement"]
    assert window["neighbours_mm"] == 2 * SLICE_MM and {s["image_id"] for s in window["slices"]} == near
    assert window["measured"] == 5 and window["complete"]
    sma = Measurement.objects.filter(image_id__in=near).values_list("sma_cm2", flat=True)
    assert window["sma_cm2"] == pytest.approx(float(np.mean(list(sma))))


def test_the_setting_is_recorded_with_the_l3_so_changing_it_later_moves_no_result(
    active_model, clinician, settings, django_capture_on_commit_callbacks
):
    settings.MUSCLESEED_L3_NEIGHBOURS_MM = SLICE_MM
    series = upload_volume(clinician, django_capture_on_commit_callbacks)
    settings.MUSCLESEED_L3_NEIGHBOURS_MM = 0
    window = client_of(clinician).get(f"/api/studies/{series.study_id}/results").json()["slices"][0]["l3_measurement"]
    assert window["neighbours_mm"] == SLICE_MM and len(window["slices"]) == 3


def test_moving_the_l3_measures_the_new_slice(active_model, clinician, django_capture_on_commit_callbacks):
    series = upload_volume(clinician, django_capture_on_commit_callbacks)
    below = series.images.filter(slice_location__lt=series.level_z_mm - 30).order_by("-slice_location").first()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(clinician).put(f"/api/series/{series.pk}/level", {"image_id": below.pk}, format="json")
    assert response.status_code == 200 and response.json()["level_source"] == "manual_override"
    assert predicted(series) == {series.level_image_id, below.pk}
    first = client_of(clinician).get(f"/api/studies/{series.study_id}/results").json()["slices"][0]
    assert first["image_id"] == below.pk and first["measurement"] is not None


def test_whole_series_metrics_measure_every_slice_when_the_setting_asks(
    active_model, clinician, settings, django_capture_on_commit_callbacks
):
    settings.MUSCLESEED_MEASURE_WHOLE_SERIES = True
    series = upload_volume(clinician, django_capture_on_commit_callbacks)
    assert predicted(series) == set(series.images.values_list("id", flat=True))


def test_an_ml_lead_may_ask_for_every_slice_of_one_series(
    active_model, clinician, make_user, django_capture_on_commit_callbacks
):
    series = upload_volume(clinician, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(make_user("ml_lead")[0]).post("/api/inference/", {"series_id": series.pk}, format="json")
    assert response.status_code == 202
    assert predicted(series) == set(series.images.values_list("id", flat=True))


def test_a_series_without_an_l3_is_not_measured_until_someone_marks_one(
    active_model, clinician, django_capture_on_commit_callbacks
):
    v = volume(1, "T10", "L1")
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = upload_ingest(files=[zip_upload("series.zip", series_files(v))], user=clinician)
    series = Image.objects.get(pk=outcomes[0].image_id).series
    assert series.images.count() > 5 and predicted(series) == set()

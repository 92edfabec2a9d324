"""GET /api/series/{id}/reformat/{sagittal|coronal}: the series' axial stack resliced with its real spacing,
raw int16 HU like the pixels endpoint, cached; a single-slice series has none and says why."""

import numpy as np
import pytest
from rest_framework.test import APIClient

from studies import storage
from studies.models import Series
from studies.services import upload_ingest
from tests.studies.uploads import zip_upload
from tests.studies.volumes import series_files, volume

SPEC = (1, "T11", "L4")


@pytest.fixture
def clinician(make_user):
    return make_user("clinician", name="dr-reformat")[0]


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def uploaded(user, files, capture) -> Series:
    with capture(execute=True):
        outcomes = upload_ingest(files=[zip_upload("series.zip", files)], user=user)
    return Series.objects.get(images__pk=outcomes[0].image_id)


def test_the_sagittal_reformat_stacks_the_slices_top_down_at_their_real_spacing(
    clinician, django_capture_on_commit_callbacks
):
    v = volume(*SPEC)
    series = uploaded(clinician, series_files(v), django_capture_on_commit_callbacks)
    response = client_of(clinician).get(f"/api/series/{series.pk}/reformat/sagittal")
    assert response.status_code == 200
    rows, columns = int(response["X-Rows"]), int(response["X-Columns"])
    assert (rows, columns) == (len(v.z_mm), v.hu.shape[1])
    z_step, row_mm = (float(x) for x in response["X-Pixel-Spacing"].split(","))
    assert z_step == pytest.approx(v.thickness_mm, abs=0.01) and row_mm == pytest.approx(v.spacing_mm[0])
    assert float(response["X-Z-Top-Mm"]) == pytest.approx(v.z_mm[0], abs=0.01)
    sagittal = np.frombuffer(response.content, dtype="<i2").reshape(rows, columns)
    column = int(response["X-Position"])
    assert abs(column - v.hu.shape[2] / 2) < v.hu.shape[2] / 8  # through the spine, near the midline
    expected = v.hu[:, :, column - 1 : column + 2].mean(axis=2)
    assert np.abs(sagittal.astype(float) - expected).mean() < 40  # the slab round that column, top slice first


def test_the_coronal_reformat_runs_right_to_left_and_is_cached(clinician, django_capture_on_commit_callbacks):
    v = volume(*SPEC)
    series = uploaded(clinician, series_files(v), django_capture_on_commit_callbacks)
    cached = [name.rsplit("/", 1)[1] for name in storage.names_under(f"reformats/series-{series.pk}")]
    assert sorted(name.split("-")[0] for name in cached) == ["coronal", "sagittal"]  # warmed by the level job
    first = client_of(clinician).get(f"/api/series/{series.pk}/reformat/coronal")
    assert first.status_code == 200 and int(first["X-Columns"]) == v.hu.shape[2]
    for image in series.images.all():  # the cache answers without reading a slice
        storage.remove_quietly(image.hu_path)
    again = client_of(clinician).get(f"/api/series/{series.pk}/reformat/coronal")
    assert again.status_code == 200 and again.content == first.content


def test_a_single_slice_series_has_no_reformat_and_says_why(clinician, django_capture_on_commit_callbacks):
    name, content = next(iter(series_files(volume(*SPEC)).items()))
    series = uploaded(clinician, {name: content}, django_capture_on_commit_callbacks)
    response = client_of(clinician).get(f"/api/series/{series.pk}/reformat/sagittal")
    assert response.status_code == 409 and response.json()["code"] == "no_reformat"
    assert "single slice" in response.json()["detail"]


def test_an_unknown_plane_is_refused_by_name(clinician, django_capture_on_commit_callbacks):
    series = uploaded(clinician, series_files(volume(*SPEC)), django_capture_on_commit_callbacks)
    response = client_of(clinician).get(f"/api/series/{series.pk}/reformat/axial")
    assert response.status_code == 400 and "sagittal, coronal" in response.json()["detail"]


def test_another_clinicians_series_is_not_found(clinician, make_user, django_capture_on_commit_callbacks):
    series = uploaded(clinician, series_files(volume(*SPEC)), django_capture_on_commit_callbacks)
    other = make_user("clinician", name="dr-elsewhere")[0]
    assert client_of(other).get(f"/api/series/{series.pk}/reformat/sagittal").status_code == 404
    assert client_of(other).get(f"/api/series/{series.pk}/").status_code == 404

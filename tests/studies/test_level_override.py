"""A hand-chosen L3 is judged against the detected levels: within half a vertebra it is confirmed; further away
(a T12 slice marked "L3"), or in a series where the detector found no L3, it stands but answers with a warning
and is recorded as a manual override (who, when, detected vs chosen)."""

import pytest
from rest_framework.test import APIClient

from studies.models import Image, LevelOverride, LevelSource, Series
from studies.services import upload_ingest
from tests.studies.uploads import zip_upload
from tests.studies.volumes import series_files, volume

WITH_L3 = (1, "T11", "L4")
WITHOUT_L3 = (1, "T10", "L1")


@pytest.fixture
def clinician(make_user):
    return make_user("clinician", name="dr-override")[0]


def detected_series(user, spec, capture) -> Series:
    with capture(execute=True):
        outcomes = upload_ingest(files=[zip_upload("series.zip", series_files(volume(*spec)))], user=user)
    return Series.objects.get(images__pk=outcomes[0].image_id)


def slice_in(series: Series, spec, name: str) -> Image:
    """The slice nearest the middle of the true vertebra `name` of the volume `spec`."""
    centre = volume(*spec).vertebra(name).centre_mm
    return min(series.images.all(), key=lambda image: abs(image.slice_location - centre))


def mark(user, series: Series, image: Image | None):
    client = APIClient()
    client.force_authenticate(user)
    return client.put(f"/api/series/{series.pk}/level", {"image_id": image and image.pk}, format="json")


def test_a_t12_slice_marked_l3_is_recorded_as_a_manual_override_with_a_warning(
    clinician, django_capture_on_commit_callbacks
):
    series = detected_series(clinician, WITH_L3, django_capture_on_commit_callbacks)
    t12 = slice_in(series, WITH_L3, "T12")
    response = mark(clinician, series, t12)
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "L3" and body["level_image_id"] == t12.pk
    assert body["level_source"] == "manual_override"
    assert "below" not in body["level_warning"] and "above the detected L3" in body["level_warning"]
    assert "calls it T12" in body["level_warning"]

    override = LevelOverride.objects.get(series=series)
    assert override.marked_by == clinician and override.marked_at is not None
    assert override.chosen_image == t12 and override.chosen_level == "T12"
    assert override.detected_image == series.levels_l3_image
    assert override.distance_mm == pytest.approx(t12.slice_location - series.levels_l3_z_mm)
    study = APIClient()
    study.force_authenticate(clinician)
    listed = study.get(f"/api/studies/{series.study_id}/").json()["series"][0]
    assert listed["level_source"] == "manual_override" and listed["level_warning"] == body["level_warning"]
    slices = study.get(f"/api/studies/{series.study_id}/results").json()["slices"]
    assert slices[0]["level"] == "L3" and slices[0]["level_source"] == "manual_override"


def test_a_slice_within_half_a_vertebra_of_the_detected_l3_is_confirmed_without_a_warning(
    clinician, django_capture_on_commit_callbacks
):
    series = detected_series(clinician, WITH_L3, django_capture_on_commit_callbacks)
    detected = series.levels_l3_image
    neighbour = series.images.get(slice_location=min(
        (i.slice_location for i in series.images.all() if i.slice_location < detected.slice_location),
        key=lambda z: detected.slice_location - z,
    ))  # fmt: skip
    body = mark(clinician, series, neighbour).json()
    assert body["level_source"] == "confirmed" and body["level_warning"] is None
    assert mark(clinician, series, detected).json()["level_source"] == "confirmed"
    assert not LevelOverride.objects.exists()


def test_marking_l3_in_a_series_the_detector_found_without_l3_warns_and_records_it(
    clinician, django_capture_on_commit_callbacks
):
    series = detected_series(clinician, WITHOUT_L3, django_capture_on_commit_callbacks)
    t12 = slice_in(series, WITHOUT_L3, "T12")
    body = mark(clinician, series, t12).json()
    assert body["level_source"] == "manual_override"
    assert (
        "L3 not in this series: T10-L1 found" in body["level_warning"]
        and "calls this slice T12" in body["level_warning"]
    )
    assert LevelOverride.objects.get(series=series).detected_image is None


def test_clearing_the_mark_leaves_no_l3_and_no_warning(clinician, django_capture_on_commit_callbacks):
    series = detected_series(clinician, WITH_L3, django_capture_on_commit_callbacks)
    mark(clinician, series, slice_in(series, WITH_L3, "T12"))
    body = mark(clinician, series, None).json()
    assert body["level"] is None and body["level_source"] == "" and body["level_warning"] is None
    assert LevelOverride.objects.count() == 1  # the record of the override stays


def test_a_mark_made_before_detection_becomes_an_override_when_the_detection_disagrees(
    clinician, django_capture_on_commit_callbacks
):
    from studies.levels import series_levels_detect

    series = detected_series(clinician, WITH_L3, django_capture_on_commit_callbacks)
    Series.objects.filter(pk=series.pk).update(levels_detected=[], levels_l3_image=None, levels_l3_z_mm=None)
    t12 = slice_in(series, WITH_L3, "T12")
    assert mark(clinician, series, t12).json()["level_source"] == "manual"  # nothing to compare with yet
    Series.objects.filter(pk=series.pk).update(levels_slice_count=0)
    series_levels_detect(series=series)
    series.refresh_from_db()
    assert series.level_image == t12 and series.level_source == LevelSource.MANUAL_OVERRIDE
    assert LevelOverride.objects.get(series=series).marked_by == clinician

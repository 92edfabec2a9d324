"""Accepting a mask records a measurement with source 'annotation' (through the hook annotations offers and
measurements registers); the study's results prefer it over the model's."""

import numpy as np
import pytest

from annotations.models import LabelSet
from measurements.models import Measurement
from segmentation.composition import measure
from tests.modelhub.factories import accept

from .conftest import api_client, drawn_mask, hu_of, slices


@pytest.fixture
def labeller(make_user):
    return make_user("labeller")[0]


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer")[0]


def corrected_mask(image) -> np.ndarray:
    mask = drawn_mask(image)
    mask[: image.rows // 2, :][mask[: image.rows // 2, :] == 2] = 0  # the reviewer trimmed the liver
    return mask


def test_accepting_a_mask_records_an_annotation_measurement(
    study, labeller, reviewer, django_capture_on_commit_callbacks
):
    image = slices(study)[1]
    with django_capture_on_commit_callbacks(execute=True):
        accept(image, corrected_mask(image), labeller=labeller, reviewer=reviewer)
    measurement = Measurement.objects.get(image=image)
    assert measurement.source == "annotation" and measurement.model_version is None
    revision = image.annotations.get().current_revision
    assert measurement.annotation_revision_id == revision.pk
    expected = measure(hu_of(image), corrected_mask(image), image.pixel_spacing_mm, sex="M")
    assert measurement.sma_cm2 == pytest.approx(expected.sma_cm2)
    assert measurement.liver_area_cm2 == pytest.approx(expected.liver_area_cm2)


def test_the_results_prefer_the_accepted_annotation_over_the_model(
    clinician, study, labeller, reviewer, django_capture_on_commit_callbacks
):
    image = slices(study)[0]  # already measured by the model
    with django_capture_on_commit_callbacks(execute=True):
        accept(image, corrected_mask(image), labeller=labeller, reviewer=reviewer)
    listed = api_client(clinician).get(f"/api/studies/{study.pk}/results").json()["slices"]
    shown = next(s for s in listed if s["image_id"] == image.pk)
    assert shown["measurement"]["source"] == "annotation"
    assert shown["measurement"]["provenance"] == "Accepted annotation (revision 1)"
    assert [m["source"] for m in shown["other_measurements"]] == ["model"]


def test_acceptance_through_the_api_records_it_once(study, labeller, reviewer, django_capture_on_commit_callbacks):
    from measurements.services import measurement_after_accept

    image = slices(study)[1]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        accept(image, corrected_mask(image), labeller=labeller, reviewer=reviewer)
    assert len(callbacks) == 1
    revision = image.annotations.get().current_revision
    measurement_after_accept(annotation_id=revision.annotation_id, revision_id=revision.pk)  # redelivered
    assert Measurement.objects.filter(image=image, source="annotation").count() == 1


def test_a_rejection_records_nothing(study, labeller, reviewer, django_capture_on_commit_callbacks):
    from annotations.masks import mask_encode
    from annotations.selectors import label_set_get
    from annotations.services import annotation_mask_save, annotation_review, annotation_submit

    image, label_set = slices(study)[1], label_set_get()
    saved = annotation_mask_save(
        image=image,
        label_set=label_set,
        author=labeller,
        png=mask_encode(corrected_mask(image)),
        expected_version=0,
        seconds_active=1.0,
    )
    submitted = annotation_submit(image=image, label_set=label_set, user=labeller, expected_version=saved.version)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        annotation_review(
            image=image,
            label_set=label_set,
            reviewer=reviewer,
            expected_version=submitted.version,
            decision="reject",
            comment="liver edge",
        )
    assert callbacks == [] and not Measurement.objects.filter(image=image).exists()


def test_an_image_without_pixels_is_accepted_but_not_measured(
    make_user, labeller, reviewer, django_capture_on_commit_callbacks
):
    from tests.annotations.conftest import square_mask

    image = pixel_less_image()
    with django_capture_on_commit_callbacks(execute=True):
        accept(image, square_mask(image), labeller=labeller, reviewer=reviewer)
    assert image.annotations.get().status == "accepted"
    assert not Measurement.objects.filter(image=image).exists()


def test_a_label_set_without_muscle_measures_nothing(study, labeller, reviewer, django_capture_on_commit_callbacks):
    from annotations.masks import mask_encode
    from annotations.services import annotation_mask_save, annotation_review, annotation_submit

    vertebrae = LabelSet.objects.create(name="vertebrae", labels=[{"value": 1, "name": "L3", "color": "#fff"}])
    image = slices(study)[1]
    mask = (drawn_mask(image) == 1).astype(np.uint8)
    saved = annotation_mask_save(
        image=image, label_set=vertebrae, author=labeller, png=mask_encode(mask), expected_version=0, seconds_active=1
    )
    submitted = annotation_submit(image=image, label_set=vertebrae, user=labeller, expected_version=saved.version)
    with django_capture_on_commit_callbacks(execute=True):
        annotation_review(
            image=image,
            label_set=vertebrae,
            reviewer=reviewer,
            expected_version=submitted.version,
            decision="accept",
            comment="",
        )
    assert not Measurement.objects.filter(image=image).exists()


def pixel_less_image():
    from studies.models import Device, Image, Series, Study, Subject

    device = Device.objects.create(key="t", manufacturer="T", model_name="T", display_name="T")
    subject = Subject.objects.create(pseudonym="MS-NOPIX", split="train")
    series = Series.objects.create(
        series_uid="2.25.71", study=Study.objects.create(study_uid="2.25.70", subject=subject), device=device
    )
    return Image.objects.create(
        sop_uid="2.25.72",
        series=series,
        device=device,
        split="train",
        rows=32,
        columns=32,
        spacing_row_mm=0.8,
        spacing_col_mm=0.8,
        transfer_syntax="1.2.840.10008.1.2.1",
        dicom_path="",
        hu_path="",
        sha256="0" * 64,
    )

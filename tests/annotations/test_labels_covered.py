"""Each mask revision records which labels it covers (X-Labels-Covered); an uncovered label is unknown there,
not background, so a mask may not paint it. Reviews keep the revision's coverage."""

import pytest

from annotations.models import AnnotationRevision
from annotations.selectors import accepted_revisions, revision_labels_annotated
from annotations.services import annotation_import_accepted, prelabel_store

from .conftest import etag, mask_url, png, review, square_mask, submit


def save_covering(client, image, mask, covered: str | None):
    headers = {"HTTP_IF_MATCH": etag(client, image), "HTTP_X_ACTIVE_SECONDS": "2"}
    if covered is not None:
        headers["HTTP_X_LABELS_COVERED"] = covered
    return client.put(mask_url(image), png(mask), content_type="image/png", **headers)


def test_a_mask_saved_for_muscle_only_records_muscle_only(client_for, image):
    response = save_covering(client_for("labeller"), image, square_mask(image, value=1), "muscle")
    assert response.status_code == 200, response.json()
    revision = response.json()["current_revision"]
    assert revision["labels_covered"] == ["muscle"] and revision["covers_every_label"] is False
    assert AnnotationRevision.objects.get().labels_covered == ["muscle"]


def test_without_the_header_a_mask_covers_every_label(client_for, image):
    revision = save_covering(client_for("labeller"), image, square_mask(image), None).json()["current_revision"]
    assert revision["labels_covered"] == ["muscle", "liver"] and revision["covers_every_label"] is True


def test_names_are_stored_in_label_set_order_and_background_may_be_named(client_for, image):
    response = save_covering(client_for("labeller"), image, square_mask(image), " liver , background,muscle")
    assert response.status_code == 200, response.json()
    assert response.json()["current_revision"]["labels_covered"] == ["muscle", "liver"]


@pytest.mark.parametrize(("header", "named"), [("muscle,spleen", "spleen"), ("", "empty"), (" , ", "empty")])
def test_a_bad_coverage_is_refused_naming_what_is_wrong_and_nothing_is_stored(client_for, image, header, named):
    response = save_covering(client_for("labeller"), image, square_mask(image), header)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_labels_covered" and named in response.json()["detail"]
    assert not AnnotationRevision.objects.exists()


def test_a_mask_that_paints_a_label_it_does_not_cover_is_refused_naming_the_label(client_for, image):
    mask = square_mask(image, value=1)
    mask[20:22, 20:25] = 2  # 10 liver pixels
    response = save_covering(client_for("labeller"), image, mask, "muscle")
    assert response.status_code == 400
    assert response.json()["code"] == "mask_paints_uncovered_label"
    assert "liver (10 pixels)" in response.json()["detail"]
    assert not AnnotationRevision.objects.exists()


def test_an_old_revision_without_coverage_reads_as_every_label(client_for, image):
    labeller = client_for("labeller")
    save_covering(labeller, image, square_mask(image), "muscle")
    AnnotationRevision.objects.update(labels_covered=None)
    revision = labeller.get(f"/api/images/{image.pk}/annotation").json()["current_revision"]
    assert revision["labels_covered"] == ["muscle", "liver"] and revision["covers_every_label"] is True
    assert revision_labels_annotated(AnnotationRevision.objects.get()) is None


def test_an_accepted_revision_keeps_its_coverage_for_training(client_for, client_as, image):
    labeller, reviewer = client_for("labeller"), client_as("reviewer", "second-reviewer")
    assert save_covering(labeller, image, square_mask(image), "muscle").status_code == 200
    assert submit(labeller, image).status_code == 200
    answer = review(reviewer, image, "accept")
    assert answer.status_code == 200 and answer.json()["current_revision"]["labels_covered"] == ["muscle"]
    (revision,) = accepted_revisions()
    assert revision_labels_annotated(revision) == ("muscle",)


def test_an_imported_ground_truth_may_cover_some_labels(make_user, image):
    labeller, reviewer = make_user("labeller")[0], make_user("reviewer")[0]
    annotation_import_accepted(
        image=image, mask=square_mask(image), labeller=labeller, reviewer=reviewer, labels_covered=["muscle"]
    )
    assert revision_labels_annotated(accepted_revisions().get()) == ("muscle",)


def test_erasing_the_prelabels_liver_from_a_muscle_only_mask_is_not_counted_as_a_correction(client_for, image):
    prelabelled = square_mask(image, value=1)
    prelabelled[20:24, 20:24] = 2
    prelabel_store(image=image, mask=prelabelled, model_version_id=3, model_version_name="base-v1", uncertainty=0.1)
    revision = save_covering(client_for("labeller"), image, square_mask(image, value=1), "muscle").json()
    revision = revision["current_revision"]
    assert revision["source"] == "prelabel" and revision["pixels_changed_from_prelabel"] == 0
    assert revision["dice_by_label"] == {"muscle": 1.0}

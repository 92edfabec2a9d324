"""PUT /api/images/{id}/annotation/review-mask: a reviewer corrects a submitted mask before accepting it; the
correction is the reviewer's revision, and the review rules stand."""

import numpy as np
import pytest

from annotations.models import Annotation, AnnotationRevision, Review

from .conftest import decode, etag, png, review, save, square_mask, submit


def correct(client, image, mask, *, seconds: float = 7.0):
    headers = {"HTTP_IF_MATCH": etag(client, image), "HTTP_X_ACTIVE_SECONDS": str(seconds)}
    return client.put(f"/api/images/{image.pk}/annotation/review-mask", png(mask), content_type="image/png", **headers)


@pytest.fixture
def submitted(client_for, image):
    labeller = client_for("labeller")
    assert save(labeller, image, square_mask(image)).status_code == 200
    assert submit(labeller, image).status_code == 200
    return image


def test_a_reviewers_correction_is_their_revision_and_the_mask_they_accept(client_for, submitted):
    reviewer = client_for("reviewer")
    corrected = square_mask(submitted, size=10)
    response = correct(reviewer, submitted, corrected)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "submitted" and body["labeller"] == "labeller-user"
    assert body["current_revision"]["author"] == "reviewer-user"
    assert body["current_revision"]["origin"] == "review" and body["current_revision"]["number"] == 2
    assert review(reviewer, submitted, "accept", "fixed the corner").status_code == 200
    accepted = Review.objects.get()
    assert accepted.revision.author.username == "reviewer-user"
    served = decode(reviewer.get(f"/api/images/{submitted.pk}/annotation/mask").content)
    assert np.array_equal(served, corrected)
    assert AnnotationRevision.objects.get(number=1).origin == "labelling", "the labeller's revision is kept"


def test_a_labeller_cannot_use_the_reviewers_correction(client_for, submitted):
    assert correct(client_for("labeller"), submitted, square_mask(submitted)).status_code == 403


def test_only_a_submitted_mask_can_be_corrected_by_a_reviewer(client_for, image):
    save(client_for("labeller"), image, square_mask(image))
    response = correct(client_for("reviewer"), image, square_mask(image, size=3))
    assert response.status_code == 409 and response.json()["status"] == "draft"
    assert AnnotationRevision.objects.count() == 1


def test_a_reviewer_cannot_correct_and_accept_a_mask_they_submitted(client_for, image):
    reviewer = client_for("reviewer")
    save(reviewer, image, square_mask(image))
    submit(reviewer, image)
    response = correct(reviewer, image, square_mask(image, size=3))
    assert response.status_code == 403 and response.json()["code"] == "own_annotation"
    assert Annotation.objects.get().current_revision.number == 1


def test_a_correction_with_a_stale_etag_is_refused(client_for, submitted):
    reviewer = client_for("reviewer")
    stale = etag(reviewer, submitted)
    assert correct(reviewer, submitted, square_mask(submitted, size=5)).status_code == 200
    headers = {"HTTP_IF_MATCH": stale}
    response = reviewer.put(
        f"/api/images/{submitted.pk}/annotation/review-mask",
        png(square_mask(submitted)),
        content_type="image/png",
        **headers,
    )
    assert response.status_code == 412

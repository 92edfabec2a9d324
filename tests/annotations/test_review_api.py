"""POST /api/images/{id}/annotation/review: reviewers accept or reject submitted masks."""

import pytest

from annotations.models import Review

from .conftest import review, save, square_mask, submit


@pytest.fixture
def submitted(client_for, image):
    labeller = client_for("labeller")
    save(labeller, image, square_mask(image))
    assert submit(labeller, image).status_code == 200
    return image


def test_a_reviewer_accepts_a_submitted_mask(client_for, submitted):
    response = review(client_for("reviewer"), submitted, "accept", "clean")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["reviewer"] == "reviewer-user" and body["review_comment"] == "clean"
    assert Review.objects.get().decision == "accept"


def test_a_labeller_cannot_review(client_for, submitted):
    assert review(client_for("labeller"), submitted, "accept").status_code == 403


def test_a_rejection_must_say_why(client_for, submitted):
    response = review(client_for("reviewer"), submitted, "reject", "  ")
    assert response.status_code == 400 and response.json()["code"] == "no_comment"


def test_a_rejected_mask_goes_back_to_its_labellers_queue_with_the_comment(client_for, client_as, submitted):
    assert review(client_for("reviewer"), submitted, "reject", "liver edge missed").status_code == 200
    queue = client_for("labeller").get("/api/labelling/queue").json()["results"]
    assert queue[0]["image_id"] == submitted.pk
    assert queue[0]["status"] == "rejected" and queue[0]["review_comment"] == "liver edge missed"
    other_queue = client_as("labeller", "another-labeller").get("/api/labelling/queue").json()["results"]
    assert submitted.pk not in [item["image_id"] for item in other_queue]


def test_saving_a_rejected_mask_makes_it_a_draft_again(client_for, submitted):
    labeller = client_for("labeller")
    review(client_for("reviewer"), submitted, "reject", "redo")
    response = save(labeller, submitted, square_mask(submitted, value=2))
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert submit(labeller, submitted).json()["status"] == "submitted"


def test_only_submitted_masks_can_be_reviewed(client_for, image):
    save(client_for("labeller"), image, square_mask(image))
    response = review(client_for("reviewer"), image, "accept")
    assert response.status_code == 409 and response.json()["status"] == "draft"


def test_review_needs_if_match(client_for, submitted):
    assert review(client_for("reviewer"), submitted, "accept", if_match=None).status_code == 428


def test_a_reviewer_cannot_accept_a_mask_they_submitted(client_for, image):
    reviewer = client_for("reviewer")
    save(reviewer, image, square_mask(image))
    submit(reviewer, image)
    response = review(reviewer, image, "accept")
    assert response.status_code == 403 and response.json()["code"] == "own_annotation"


def test_an_unknown_decision_is_refused(client_for, submitted):
    assert review(client_for("reviewer"), submitted, "maybe").status_code == 400

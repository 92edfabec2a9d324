"""POST /api/images/{id}/annotation/submit: a draft goes to review, under If-Match."""

from .conftest import etag, save, square_mask, submit


def test_a_saved_draft_is_submitted_for_review(client_for, image):
    labeller = client_for("labeller")
    save(labeller, image, square_mask(image))
    response = submit(labeller, image)
    assert response.status_code == 200
    assert response.json()["status"] == "submitted" and response["ETag"] == etag(labeller, image)


def test_submit_needs_if_match(client_for, image):
    labeller = client_for("labeller")
    save(labeller, image, square_mask(image))
    assert submit(labeller, image, if_match=None).status_code == 428


def test_submit_on_a_stale_etag_gets_412(client_for, image):
    labeller = client_for("labeller")
    stale = save(labeller, image, square_mask(image))["ETag"]
    save(labeller, image, square_mask(image, value=2))
    response = submit(labeller, image, if_match=stale)
    assert response.status_code == 412
    assert labeller.get(f"/api/images/{image.pk}/annotation").json()["status"] == "draft"


def test_an_image_with_nothing_saved_cannot_be_submitted(client_for, image):
    response = submit(client_for("labeller"), image)
    assert response.status_code == 409 and response.json()["status"] == "none"


def test_a_submitted_mask_cannot_be_submitted_again(client_for, image):
    labeller = client_for("labeller")
    save(labeller, image, square_mask(image))
    submit(labeller, image)
    assert submit(labeller, image).status_code == 409


def test_an_ml_lead_cannot_submit(client_for, image):
    save(client_for("labeller"), image, square_mask(image))
    assert submit(client_for("ml_lead"), image, if_match='"x"').status_code == 403

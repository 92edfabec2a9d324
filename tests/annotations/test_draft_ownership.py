"""A draft is its labeller's: another labeller cannot overwrite it or submit it as theirs."""

from .conftest import decode, review, save, square_mask, submit


def test_another_labeller_cannot_overwrite_a_draft_even_with_its_current_etag(client_as, image):
    owner, other = client_as("labeller", "owner"), client_as("labeller", "other")
    save(owner, image, square_mask(image))
    response = save(other, image, square_mask(image, value=2))  # fetches the ETag first, as the attack did
    assert response.status_code == 403 and response.json()["code"] == "not_your_draft"
    body = owner.get(f"/api/images/{image.pk}/annotation").json()
    assert body["labeller"] == "owner"
    assert (decode(owner.get(f"/api/images/{image.pk}/annotation/mask").content) == square_mask(image)).all()


def test_another_labeller_cannot_submit_a_draft_as_theirs(client_as, image):
    owner, other = client_as("labeller", "owner"), client_as("labeller", "other")
    save(owner, image, square_mask(image))
    assert submit(other, image).status_code == 403
    assert owner.get(f"/api/images/{image.pk}/annotation").json()["status"] == "draft"


def test_a_rejected_mask_stays_with_its_labeller(client_as, image):
    owner, other = client_as("labeller", "owner"), client_as("labeller", "other")
    save(owner, image, square_mask(image))
    submit(owner, image)
    assert review(client_as("reviewer", "rev"), image, "reject", "the psoas is missing").status_code == 200
    assert save(other, image, square_mask(image, value=2)).status_code == 403
    assert save(owner, image, square_mask(image, value=2)).status_code == 200


def test_the_labeller_a_reviewer_reviewing_and_an_admin_may_write(client_as, image):
    owner = client_as("labeller", "owner")
    save(owner, image, square_mask(image))
    assert save(owner, image, square_mask(image, value=2)).status_code == 200
    admin = client_as("admin", "boss")
    assert save(admin, image, square_mask(image)).status_code == 200
    assert submit(admin, image).status_code == 200
    assert review(client_as("reviewer", "rev"), image, "accept").status_code == 200

"""Who sees which annotations: researchers only accepted ones, labellers list their own."""

import pytest

from .conftest import accepted, mask_url, save, square_mask

LIST = "/api/annotations/"


@pytest.fixture
def draft_and_accepted(client_for, make_image):
    draft, done = make_image(), make_image()
    save(client_for("labeller"), draft, square_mask(draft))
    accepted(client_for("labeller"), client_for("reviewer"), done)
    return draft, done


def listed(client, **params) -> list[int]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.json()
    return [row["image_id"] for row in response.json()["results"]]


def test_a_researcher_never_sees_a_draft(client_for, draft_and_accepted):
    draft, done = draft_and_accepted
    researcher = client_for("researcher")
    assert researcher.get(f"/api/images/{draft.pk}/annotation").status_code == 404
    assert researcher.get(mask_url(draft)).status_code == 404
    assert listed(researcher) == [done.pk]
    assert listed(researcher, status="draft") == []


def test_a_researcher_sees_an_accepted_mask(client_for, draft_and_accepted):
    _, done = draft_and_accepted
    researcher = client_for("researcher")
    assert researcher.get(f"/api/images/{done.pk}/annotation").json()["status"] == "accepted"
    assert researcher.get(mask_url(done))["X-Mask-Source"] == "annotation"


def test_a_labeller_lists_only_their_own_annotations(client_for, client_as, draft_and_accepted, make_image):
    theirs = make_image()
    save(client_as("labeller", "colleague"), theirs, square_mask(theirs))
    assert set(listed(client_for("labeller"))) == set(map(lambda i: i.pk, draft_and_accepted))
    assert theirs.pk in listed(client_for("reviewer"))


def test_the_list_filters_by_status_device_and_labeller(client_for, draft_and_accepted):
    draft, done = draft_and_accepted
    reviewer = client_for("reviewer")
    assert listed(reviewer, status="accepted") == [done.pk]
    assert listed(reviewer, device=draft.device_id, labeller="labeller-user", status="draft") == [draft.pk]
    assert listed(reviewer, labeller="nobody") == []
    row = reviewer.get(LIST, {"status": "accepted"}).json()["results"][0]
    assert row["source"] == "manual" and row["split"] == "train" and row["labeller"] == "labeller-user"


def test_a_clinician_sees_no_annotations(client_for, draft_and_accepted):
    assert client_for("clinician").get(LIST).status_code == 403

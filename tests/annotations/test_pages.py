"""The labelling pages: next in queue, workspace, review and statistics, each with the context its script reads."""

import json

import pytest
from django.test import Client

from annotations.selectors import label_set_get

from .conftest import png, save, square_mask, submit


@pytest.fixture
def browser_for(make_user):
    def browser(role: str, name: str | None = None) -> Client:
        client = Client()
        client.force_login(make_user(role, name=name or f"page-{role}")[0])
        return client

    return browser


def script_data(response, element_id: str) -> dict:
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_label_opens_the_next_image_in_the_queue(browser_for, image):
    response = browser_for("labeller").get("/label/")
    assert response.status_code == 302 and response["Location"] == f"/label/images/{image.pk}/"


def test_label_says_so_when_the_queue_is_empty(browser_for, db):
    response = browser_for("labeller").get("/label/")
    assert response.status_code == 200 and b"data-queue-empty" in response.content


def test_the_workspace_hands_its_script_the_image_labels_annotation_and_urls(browser_for, image):
    response = browser_for("labeller").get(f"/label/images/{image.pk}/")
    assert response.status_code == 200
    workspace = response.context["workspace"]
    assert workspace["image"] == {
        "id": image.pk,
        "rows": 32,
        "columns": 32,
        "pixel_spacing_mm": [0.8, 0.8],
        "device": "Scanner A",
        "study_id": image.series.study_id,
        "split": "train",
    }
    assert [label["name"] for label in workspace["label_set"]["labels"]] == ["muscle", "liver"]
    assert workspace["annotation"]["status"] == "none" and workspace["annotation"]["etag"]
    assert workspace["urls"]["mask"] == f"/api/images/{image.pk}/annotation/mask"
    assert workspace["urls"]["next"] == "/label/" and "review" not in workspace["urls"]
    assert workspace["user"] == {"username": "page-labeller", "roles": ["labeller"]}
    assert script_data(response, "workspace-data")["image"]["id"] == image.pk


def test_an_explicit_label_set_is_kept_in_the_urls(browser_for, image, label_set):
    workspace = browser_for("labeller").get(f"/label/images/{image.pk}/?label_set={label_set.pk}").context["workspace"]
    assert workspace["urls"]["submit"] == f"/api/images/{image.pk}/annotation/submit?label_set={label_set.pk}"


def test_researchers_and_clinicians_cannot_open_the_workspace(browser_for, image):
    for role in ("researcher", "clinician"):
        assert browser_for(role).get(f"/label/images/{image.pk}/").status_code == 403, role
        assert browser_for(role, f"q-{role}").get("/label/").status_code == 403, role


def test_the_review_list_shows_submitted_masks_to_reviewers_only(browser_for, client_for, image):
    labeller = client_for("labeller")
    save(labeller, image, square_mask(image))
    submit(labeller, image)
    response = browser_for("reviewer").get("/review/")
    assert [row["image_id"] for row in response.context["annotations"]] == [image.pk]
    assert browser_for("labeller").get("/review/").status_code == 403


def test_the_review_page_adds_the_review_url(browser_for, image):
    review = browser_for("reviewer").get(f"/review/images/{image.pk}/").context["review"]
    assert review["urls"]["review"] == f"/api/images/{image.pk}/annotation/review"
    assert review["image"]["id"] == image.pk


def test_the_stats_page_carries_the_stats(browser_for, db):
    response = browser_for("ml_lead").get("/labelling/stats/")
    assert response.status_code == 200
    assert response.context["stats"] == {"by_device_labeller": [], "by_model_version": []}
    assert script_data(response, "stats-data") == {"by_device_labeller": [], "by_model_version": []}


def test_labelling_pages_need_a_sign_in(db):
    for url in ("/label/", "/review/", "/labelling/stats/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_review_page_says_which_labels_the_revision_covers(browser_for, make_user, image):
    from annotations.services import annotation_mask_save

    annotation_mask_save(
        image=image,
        label_set=label_set_get(),
        author=make_user("labeller")[0],
        png=png(square_mask(image)),
        expected_version=0,
        seconds_active=1.0,
        labels_covered=["muscle"],
    )
    page = browser_for("reviewer").get(f"/review/images/{image.pk}/").content.decode()
    assert "<dd data-labels-covered>muscle only</dd>" in page

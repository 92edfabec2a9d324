"""GET /api/label-sets/: the label set is data; the default one is seeded and never goes missing."""

from annotations.models import LabelSet
from annotations.selectors import label_set_get


def test_every_role_sees_the_default_body_composition_label_set(client_for):
    body = client_for("researcher").get("/api/label-sets/").json()
    assert body["results"] == [
        {
            "id": label_set_get().pk,
            "name": "body-composition",
            "is_default": True,
            "labels": [
                {"value": 1, "name": "muscle", "color": "#e5484d"},
                {"value": 2, "name": "liver", "color": "#3e63dd"},
            ],
        }
    ]


def test_the_default_label_set_is_put_back_if_it_was_deleted(db):
    LabelSet.objects.all().delete()
    restored = label_set_get()
    assert restored.is_default and [label["name"] for label in restored.labels] == ["muscle", "liver"]


def test_a_label_set_id_that_is_not_a_number_is_refused(client_for, image):
    response = client_for("labeller").get(f"/api/images/{image.pk}/annotation?label_set=abc")
    assert response.status_code == 400 and response.json()["code"] == "bad_label_set"

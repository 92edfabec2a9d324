"""Integer inputs out of range answer 400 naming the field (never a 500, never a quiet empty answer)."""

import pytest
from django.test import Client

BEYOND_64_BITS = "9999999999999999999999999"


@pytest.mark.parametrize(
    ("role", "url", "field"),
    [
        ("labeller", "/api/labelling/queue", "device"),
        ("labeller", "/api/annotations/", "device"),
        ("labeller", "/api/labelling/queue", "label_set"),
    ],
)
def test_an_id_beyond_64_bits_in_a_query_is_a_400_naming_the_field(client_for, role, url, field):
    client = client_for(role)
    client.raise_request_exception = False
    response = client.get(url, {field: BEYOND_64_BITS})
    assert response.status_code == 400, response.content
    assert field in response.content.decode()


@pytest.mark.parametrize("field", ["study_id", "device_id"])
def test_an_inference_request_for_an_id_beyond_64_bits_is_a_400_naming_the_field(client_for, field):
    client = client_for("ml_lead")
    client.raise_request_exception = False
    response = client.post("/api/inference/", {field: int(BEYOND_64_BITS)}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_the_labelling_page_with_a_device_beyond_64_bits_is_a_400_naming_it(make_user):
    user, _ = make_user("labeller")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.get("/label/", {"device": BEYOND_64_BITS})
    assert response.status_code == 400
    assert "device" in response.content.decode()

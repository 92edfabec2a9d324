"""Saved cohort definitions: save, list, load and delete one's own; other people's are invisible."""

from rest_framework.test import APIClient

from cohorts.models import CohortDefinition

URL = "/api/cohorts/definitions/"


def client(make_user, role, name):
    api = APIClient()
    api.force_authenticate(make_user(role, name)[0])
    return api


def test_a_saved_definition_comes_back_normalised(make_user):
    ann = client(make_user, "researcher", "ann")
    saved = ann.post(
        URL, {"name": "Women over 60", "filters": {"sex": "F", "age_min": 60, "device": [3, 1, 3]}}, format="json"
    )
    assert saved.status_code == 201
    assert saved.json()["filters"] == {"unit": "subject", "sex": "F", "age_min": 60, "device": [1, 3]}
    assert [d["name"] for d in ann.get(URL).json()] == ["Women over 60"]
    assert ann.get(f"{URL}{saved.json()['id']}/").json()["filters"]["age_min"] == 60


def test_saving_under_the_same_name_replaces_the_filter(make_user):
    ann = client(make_user, "researcher", "ann")
    ann.post(URL, {"name": "cohort", "filters": {"sex": "F"}}, format="json")
    ann.post(URL, {"name": "cohort", "filters": {"sex": "M"}}, format="json")
    assert [d["filters"] for d in ann.get(URL).json()] == [{"unit": "subject", "sex": "M"}]


def test_a_definition_with_a_bad_filter_is_refused(make_user):
    ann = client(make_user, "researcher", "ann")
    response = ann.post(URL, {"name": "bad", "filters": {"age_min": -4}}, format="json")
    assert response.status_code == 400 and "age_min" in response.json()


def test_others_cannot_see_or_delete_a_definition_but_its_owner_can(make_user):
    ann, bob = client(make_user, "researcher", "ann"), client(make_user, "ml_lead", "bob")
    definition = ann.post(URL, {"name": "mine", "filters": {}}, format="json").json()
    assert bob.get(URL).json() == []
    assert bob.get(f"{URL}{definition['id']}/").status_code == 404
    assert bob.delete(f"{URL}{definition['id']}/").status_code == 404
    assert ann.delete(f"{URL}{definition['id']}/").status_code == 204
    assert not CohortDefinition.objects.exists()


def test_a_clinician_cannot_save_definitions(make_user):
    response = client(make_user, "clinician", "cli").post(URL, {"name": "x", "filters": {}}, format="json")
    assert response.status_code == 403

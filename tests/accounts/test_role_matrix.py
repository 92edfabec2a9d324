"""Every API endpoint x every role -> the status that role should get.

A new endpoint must be added to MATRIX: test_every_api_endpoint_is_in_the_matrix fails otherwise.
"""

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from studies.services import upload_ingest
from tests.studies.uploads import named_upload

ALL = ("clinician", "labeller", "reviewer", "ml_lead", "researcher", "admin")
ARCHIVE = {"labeller": 200, "reviewer": 200, "ml_lead": 200, "researcher": 200, "admin": 200, "clinician": 404}
EVERYONE = dict.fromkeys(ALL, 200)
UPLOADERS = {"clinician": 400, "ml_lead": 400, "admin": 400, "labeller": 403, "reviewer": 403, "researcher": 403}
JOB_ADMINS = {"ml_lead": 200, "admin": 200, "clinician": 404, "labeller": 404, "reviewer": 404, "researcher": 404}

# (route pattern, method, {role: status}, anonymous status)
MATRIX = [
    ("api/me/", "get", EVERYONE, 401),
    ("api/auth/token/", "post", dict.fromkeys(ALL, 400), 400),
    ("api/studies/", "get", EVERYONE, 401),
    ("api/studies/", "post", UPLOADERS, 401),
    ("api/studies/<int:pk>/", "get", ARCHIVE, 401),
    ("api/images/<int:pk>/", "get", ARCHIVE, 401),
    ("api/images/<int:pk>/pixels", "get", ARCHIVE, 401),
    ("api/images/<int:pk>/thumbnail", "get", ARCHIVE, 401),
    ("api/devices/", "get", EVERYONE, 401),
    ("api/devices/<int:pk>/", "get", EVERYONE, 401),
    ("api/jobs/", "get", EVERYONE, 401),
    ("api/jobs/<int:pk>/", "get", JOB_ADMINS, 401),
    ("api/schema/", "get", EVERYONE, 401),
    ("api/docs/", "get", EVERYONE, 401),
    ("api/redoc/", "get", EVERYONE, 401),
]


def api_routes() -> set[str]:
    return {str(p.pattern) for p in get_resolver().url_patterns if str(p.pattern).startswith("api/")}


def test_every_api_endpoint_is_in_the_matrix():
    assert api_routes() == {route for route, *_ in MATRIX}


@pytest.fixture
def stored(make_user, ct_dir):
    """One study uploaded by a clinician who is not the one in the matrix."""
    uploader, _ = make_user("clinician", name="other-clinician")
    outcomes = upload_ingest(files=[named_upload(ct_dir / "ge-lightspeed-liver-3slice" / "01.dcm")], user=uploader)
    from jobs.models import Job

    return {"study": outcomes[0].study_id, "image": outcomes[0].image_id, "job": Job.objects.get().pk}


def url_for(route: str, stored: dict) -> str:
    from studies.models import Device

    ids = {
        "api/studies/": stored["study"],
        "api/images/": stored["image"],
        "api/jobs/": stored["job"],
        "api/devices/": Device.objects.get().pk,
    }
    prefix = next((p for p in ids if route.startswith(p)), "")
    return "/" + route.replace("<int:pk>", str(ids.get(prefix, 0)))


@pytest.mark.parametrize("route,method,expected,anonymous", MATRIX, ids=[f"{m} {r}" for r, m, *_ in MATRIX])
def test_each_role_gets_the_expected_status(route, method, expected, anonymous, stored, make_user):
    url = url_for(route, stored)
    assert getattr(APIClient(), method)(url).status_code == anonymous, "anonymous"
    for role in ALL:
        client = APIClient()
        client.force_authenticate(make_user(role, name=f"m-{role}")[0])
        response = getattr(client, method)(url)
        assert response.status_code == expected[role], f"{role} {method.upper()} {url}: {response.status_code}"
        client.logout()
        from django.contrib.auth.models import User

        User.objects.filter(username=f"m-{role}").delete()

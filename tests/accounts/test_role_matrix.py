"""Every API endpoint x every role -> the status that role should get.

A new endpoint must be added to MATRIX: test_every_api_endpoint_is_in_the_matrix fails otherwise.
"""

import pytest
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from studies.services import upload_ingest
from tests.studies.uploads import named_upload

ALL = ("clinician", "labeller", "reviewer", "ml_lead", "researcher", "admin")
ARCHIVE = {"labeller": 200, "reviewer": 200, "ml_lead": 200, "researcher": 200, "admin": 200, "clinician": 404}
EVERYONE = dict.fromkeys(ALL, 200)
UPLOADERS = {"clinician": 400, "ml_lead": 400, "admin": 400, "labeller": 403, "reviewer": 403, "researcher": 403}
WORKERS_NO_RESEARCHER = {"labeller": 200, "reviewer": 200, "ml_lead": 200, "admin": 200}
# Annotations: researchers see accepted masks only (none here: 404); clinicians have no labelling role.
ANNOTATION_READERS = {**WORKERS_NO_RESEARCHER, "researcher": 404, "clinician": 403}
EDITORS_NEED_IF_MATCH = {**dict.fromkeys(ALL, 403), "labeller": 428, "reviewer": 428, "admin": 428}
REVIEWERS_NEED_IF_MATCH = {**dict.fromkeys(ALL, 403), "reviewer": 428, "admin": 428}
NO_PRELABEL_YET = {"labeller": 404, "reviewer": 404, "ml_lead": 404, "admin": 404, "researcher": 403, "clinician": 403}
ANNOTATION_LISTERS = {**EVERYONE, "clinician": 403}
QUEUE_USERS = {**dict.fromkeys(ALL, 403), "labeller": 200, "reviewer": 200, "admin": 200}
STATS_READERS = {**WORKERS_NO_RESEARCHER, "researcher": 403, "clinician": 403}
ML_ONLY_BAD_BODY = {**dict.fromkeys(ALL, 403), "ml_lead": 400, "admin": 400}
# ml_lead promotes the candidate; admin then finds it already active (409).
PROMOTERS = {**dict.fromkeys(ALL, 403), "ml_lead": 200, "admin": 409}
JOB_ADMINS = {"ml_lead": 200, "admin": 200, "clinician": 404, "labeller": 404, "reviewer": 404, "researcher": 404}
# Body and L3 mark: the matrix's clinician did not upload the study (404); an empty body is refused (400).
SUBJECT_EDITORS_BAD_BODY = {**dict.fromkeys(ALL, 403), "clinician": 404, "admin": 400}
LEVEL_MARKERS_BAD_BODY = {**dict.fromkeys(ALL, 403), "clinician": 404, "labeller": 400, "admin": 400}
NO_MEASUREMENT_YET = dict.fromkeys(ALL, 404)
# The matrix's study is one slice: a reformat needs two or more (409) for those who may see the series.
NO_REFORMAT_OF_ONE_SLICE = {role: 409 if status == 200 else status for role, status in ARCHIVE.items()}
# Cohorts: researchers, ML leads and admins; definitions and exports belong to another researcher here.
EXPORTERS = {**dict.fromkeys(ALL, 403), "researcher": 200, "ml_lead": 200, "admin": 200}
EXPORTERS_BAD_BODY = {**dict.fromkeys(ALL, 403), "researcher": 400, "ml_lead": 400, "admin": 400}
OWNER_ONLY = {**dict.fromkeys(ALL, 403), "researcher": 404, "ml_lead": 404, "admin": 404}
OWNER_OR_ADMIN = {**dict.fromkeys(ALL, 403), "researcher": 404, "ml_lead": 404, "admin": 200}

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
    ("api/label-sets/", "get", EVERYONE, 401),
    ("api/images/<int:pk>/annotation", "get", ANNOTATION_READERS, 401),
    ("api/images/<int:pk>/annotation/mask", "get", ANNOTATION_READERS, 401),
    ("api/images/<int:pk>/annotation/mask", "put", EDITORS_NEED_IF_MATCH, 401),
    ("api/images/<int:pk>/annotation/submit", "post", EDITORS_NEED_IF_MATCH, 401),
    ("api/images/<int:pk>/annotation/review", "post", REVIEWERS_NEED_IF_MATCH, 401),
    ("api/images/<int:pk>/annotation/review-mask", "put", REVIEWERS_NEED_IF_MATCH, 401),
    ("api/images/<int:pk>/annotation/prelabel", "get", NO_PRELABEL_YET, 401),
    ("api/annotations/", "get", ANNOTATION_LISTERS, 401),
    ("api/labelling/queue", "get", QUEUE_USERS, 401),
    ("api/labelling/stats", "get", STATS_READERS, 401),
    ("api/jobs/<int:pk>/cancel", "post", JOB_ADMINS, 401),
    ("api/devices/overview/", "get", EVERYONE, 401),
    ("api/devices/<int:pk>/train", "post", ML_ONLY_BAD_BODY, 401),
    ("api/model-versions/", "get", EVERYONE, 401),
    ("api/model-versions/<int:pk>/", "get", EVERYONE, 401),
    ("api/model-versions/<int:pk>/promote", "post", PROMOTERS, 401),
    ("api/inference/", "post", ML_ONLY_BAD_BODY, 401),
    ("api/evaluations/", "get", EVERYONE, 401),
    ("api/images/<int:pk>/measurements", "get", ARCHIVE, 401),
    ("api/images/<int:pk>/measurement-mask", "get", NO_MEASUREMENT_YET, 401),
    ("api/studies/<int:pk>/results", "get", ARCHIVE, 401),
    ("api/studies/<int:pk>/work", "get", ARCHIVE, 401),
    ("api/studies/<int:pk>/report.png", "get", ARCHIVE, 401),
    ("api/studies/<int:pk>/subject", "patch", SUBJECT_EDITORS_BAD_BODY, 401),
    ("api/series/<int:pk>/level", "put", LEVEL_MARKERS_BAD_BODY, 401),
    ("api/series/<int:pk>/", "get", ARCHIVE, 401),
    ("api/series/<int:pk>/reformat/<str:plane>", "get", NO_REFORMAT_OF_ONE_SLICE, 401),
    ("api/cohorts/preview", "get", EXPORTERS, 401),
    ("api/cohorts/definitions/", "get", EXPORTERS, 401),
    ("api/cohorts/definitions/", "post", EXPORTERS_BAD_BODY, 401),
    ("api/cohorts/definitions/<int:pk>/", "get", OWNER_ONLY, 401),
    ("api/cohorts/definitions/<int:pk>/", "delete", OWNER_ONLY, 401),
    ("api/exports/", "get", EXPORTERS, 401),
    ("api/exports/", "post", EXPORTERS_BAD_BODY, 401),
    ("api/exports/<int:pk>/", "get", OWNER_OR_ADMIN, 401),
    ("api/exports/<int:pk>/download", "get", OWNER_OR_ADMIN, 401),
]


def walk(patterns, prefix: str = ""):
    """Every route as written, with the prefixes of the include()s it sits under."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        else:
            yield route


def api_routes() -> set[str]:
    return {route for route in walk(get_resolver().url_patterns) if route.startswith("api/")}


def test_every_api_endpoint_is_in_the_matrix():
    assert api_routes() == {route for route, *_ in MATRIX}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The matrix makes six users per route and never signs in with a password: skip the slow hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def stored(make_user, ct_dir):
    """One study uploaded by a clinician who is not the one in the matrix."""
    uploader, _ = make_user("clinician", name="other-clinician")
    outcomes = upload_ingest(files=[named_upload(ct_dir / "ge-lightspeed-liver-3slice" / "01.dcm")], user=uploader)
    from jobs.models import Job
    from modelhub.models import ModelVersion

    version = ModelVersion.objects.create(name="base-v1", status=ModelVersion.Status.CANDIDATE, arch="vnet")
    cohort = cohort_of_another_researcher(make_user)
    return {
        **cohort,
        "study": outcomes[0].study_id,
        "image": outcomes[0].image_id,
        "job": Job.objects.get().pk,
        "version": version.pk,
    }


def cohort_of_another_researcher(make_user) -> dict:
    """A saved cohort and a finished export (no job: the matrix expects one job) of a researcher outside it."""
    from cohorts.models import CohortDefinition, Export
    from studies import storage

    owner, _ = make_user("researcher", name="other-researcher")
    definition = CohortDefinition.objects.create(owner=owner, name="theirs", filters={})
    storage.write_atomic("exports/matrix.csv", b"image_id\n")
    export = Export.objects.create(
        created_by=owner, format="csv", row_count=0, sha256="0" * 64, size_bytes=9, file_path="exports/matrix.csv"
    )
    return {"definition": definition.pk, "export": export.pk}


def url_for(route: str, stored: dict) -> str:
    from studies.models import Device, Series

    ids = {
        "api/studies/": stored["study"],
        "api/series/": Series.objects.get().pk,
        "api/images/": stored["image"],
        "api/jobs/": stored["job"],
        "api/devices/": Device.objects.get().pk,
        "api/model-versions/": stored["version"],
        "api/cohorts/definitions/": stored["definition"],
        "api/exports/": stored["export"],
    }
    prefix = next((p for p in ids if route.startswith(p)), "")
    return "/" + route.replace("<int:pk>", str(ids.get(prefix, 0))).replace("<str:plane>", "sagittal")


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

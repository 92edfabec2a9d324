"""The results, annotation and cohort endpoints' real answers match what the OpenAPI document declares,
with closed objects: a key the schema does not name fails (as the model hub's responses are checked)."""

import pytest

from annotations.models import Annotation
from tests.cohorts.factories import build_cohort
from tests.contract.openapi_bodies import openapi_document, response_problems


@pytest.fixture
def document():
    return openapi_document()


@pytest.fixture
def cohort(tmp_path, make_user, media_root):
    return build_cohort(tmp_path, make_user, subjects=2)


def _study_of(image_id: int, cohort) -> int:
    image = next(image for image in cohort.images.values() if image.pk == image_id)
    return image.series.study_id


def calls(cohort) -> list[tuple[str, str, str, str, dict | None]]:
    """(role, method, schema path, url, JSON body)."""
    accepted, model_only, draft = cohort.accepted[0], cohort.model_only[0], cohort.draft
    rows = []
    for image in (accepted, model_only, draft, cohort.marked_l3):
        rows.append(("ml_lead", "get", "/api/images/{id}/measurements", f"/api/images/{image}/measurements", None))
        study = _study_of(image, cohort)
        rows.append(("ml_lead", "get", "/api/studies/{id}/results", f"/api/studies/{study}/results", None))
    rows += [
        ("labeller", "get", "/api/label-sets/", "/api/label-sets/", None),
        ("labeller", "get", "/api/images/{id}/annotation", f"/api/images/{draft}/annotation", None),
        ("reviewer", "get", "/api/images/{id}/annotation", f"/api/images/{accepted}/annotation", None),
        ("reviewer", "get", "/api/annotations/", "/api/annotations/", None),
        ("labeller", "get", "/api/labelling/queue", "/api/labelling/queue", None),
        ("ml_lead", "get", "/api/labelling/stats", "/api/labelling/stats", None),
        ("researcher", "get", "/api/cohorts/preview", "/api/cohorts/preview", None),
        ("researcher", "get", "/api/cohorts/preview", "/api/cohorts/preview?unit=image", None),
        ("researcher", "post", "/api/cohorts/definitions/", "/api/cohorts/definitions/", {"name": "all"}),
        ("researcher", "get", "/api/cohorts/definitions/", "/api/cohorts/definitions/", None),
        ("researcher", "post", "/api/exports/", "/api/exports/", {"filters": {}, "format": "csv"}),
        ("researcher", "get", "/api/exports/", "/api/exports/", None),
    ]
    return rows


def test_results_annotation_and_cohort_answers_match_their_declared_schemas(client_for, cohort, document, eager_celery):
    assert Annotation.objects.filter(image_id=cohort.draft).exists()
    problems, statuses = [], []
    for role, method, path, url, body in calls(cohort):
        client = client_for(role)
        response = client.post(url, body, format="json") if method == "post" else client.get(url)
        statuses.append((url, response.status_code))
        problems += response_problems(document, method, path, response)
    assert not problems, "\n".join(problems)
    assert all(status in (200, 201, 202) for _, status in statuses), statuses


def test_the_study_results_schema_is_strict_enough_to_catch_a_body_it_does_not_describe(client_for, cohort, document):
    study = _study_of(cohort.accepted[0], cohort)
    response = client_for("ml_lead").get(f"/api/studies/{study}/results")
    document["components"]["schemas"]["StudyResultsOutput"] = {
        "type": "object",
        "properties": {"slices": {"type": "array"}},
    }
    problems = response_problems(document, "get", "/api/studies/{id}/results", response)
    assert problems and "Additional properties" in problems[0]

"""One focused test per mismatch the schema contract run found."""

from drf_spectacular.generators import SchemaGenerator

from studies.services import upload_ingest
from tests.studies import corpus
from tests.studies.uploads import named_upload


def test_a_cohort_filter_with_an_id_beyond_64_bits_is_a_400_not_a_500(client_for):
    client = client_for("researcher")
    client.raise_request_exception = False
    response = client.get("/api/cohorts/preview", {"model_version": ["7", str(2**90)], "device": "1"})
    assert response.status_code == 400
    assert "model_version" in str(response.json())


def test_an_image_without_annotation_answers_a_null_updated_at_that_the_schema_allows(make_user, client_for):
    uploader, _ = make_user("clinician", "uploader")
    [outcome] = upload_ingest(files=[named_upload(corpus.GE_SMALL)], user=uploader)
    response = client_for("labeller").get(f"/api/images/{outcome.image_id}/annotation")
    assert response.status_code == 200 and response.json()["updated_at"] is None
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["schemas"]["AnnotationOutput"]["properties"]["updated_at"].get("nullable") is True

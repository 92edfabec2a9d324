"""Exports carry each row's trust (plausible, verified, failed checks, test Dice and n, uncertainty), and the
cohort filter can leave out implausible or unverified rows."""

import io

import numpy as np
import pyarrow.parquet as pq

from cohorts.selectors import cohort_rows
from measurements.models import Measurement
from modelhub.models import Evaluation
from studies.models import Image
from tests.cohorts.factories import predict
from tests.cohorts.helpers import csv_rows, export_through_api

QA_COLUMNS = ("plausible", "qa_failed_checks", "verified", "test_dice", "test_images", "uncertainty")


def ids(filters: dict) -> set[int]:
    return {row["image_id"] for row in cohort_rows(filters=filters)}


def empty_prediction(cohort) -> int:
    """An image measured only by the model, whose prediction is empty: implausible."""
    image = Image.objects.get(pk=cohort.model_only[0])
    Measurement.objects.filter(image=image).delete()
    image.predictions.all().delete()
    predict(image, np.zeros((image.rows, image.columns), np.uint8), cohort.version)
    return image.pk


def test_the_csv_and_parquet_carry_the_qa_columns(cohort, client_for, django_capture_on_commit_callbacks):
    implausible = empty_prediction(cohort)
    researcher = client_for("researcher")
    _, content = export_through_api(researcher, django_capture_on_commit_callbacks, format="csv")
    rows = {int(row["image_id"]): row for row in csv_rows(content)}
    assert all(column in next(iter(rows.values())) for column in QA_COLUMNS)
    assert rows[implausible]["plausible"] == "false" and rows[implausible]["qa_failed_checks"] == "mask_size"
    assert rows[implausible]["sarcopenia_prado2008"] == ""  # no flag from an empty mask
    model_row = rows[cohort.model_only[1]]
    assert model_row["verified"] == "false" and model_row["test_images"] == "0" and model_row["test_dice"] == ""
    assert float(model_row["uncertainty"]) == 0.1
    assert rows[cohort.accepted[0]]["verified"] == "true"
    _, parquet = export_through_api(researcher, django_capture_on_commit_callbacks, format="parquet")
    table = pq.read_table(io.BytesIO(parquet)).to_pydict()
    assert all(column in table for column in QA_COLUMNS)
    assert table["plausible"][table["image_id"].index(implausible)] is False


def test_the_filter_excludes_implausible_rows(cohort):
    implausible = empty_prediction(cohort)
    assert implausible in ids({})
    assert ids({"qa": "plausible"}) == ids({}) - {implausible}


def test_the_filter_excludes_rows_of_unverified_models_until_the_model_is_evaluated(cohort):
    assert ids({"qa": "verified"}) == set(cohort.accepted)
    device = Image.objects.get(pk=cohort.model_only[0]).device
    Evaluation.objects.create(version=cohort.version, device=device, images=5, dice_mean=0.9, dice_sd=0.02)
    from modelhub.hooks import run_after_evaluate

    run_after_evaluate(version_id=cohort.version.pk)
    on_device = {pk for pk in cohort.model_only if Image.objects.get(pk=pk).device_id == device.pk}
    assert ids({"qa": "trusted"}) == set(cohort.accepted) | on_device


def test_the_preview_api_applies_the_qa_filter_and_refuses_an_unknown_one(cohort, client_for):
    researcher = client_for("researcher")
    preview = researcher.get("/api/cohorts/preview", {"unit": "image", "qa": "verified"}).json()
    assert preview["count"] == len(cohort.accepted) and preview["filters"] == {"unit": "image", "qa": "verified"}
    assert {row["verified"] for row in preview["rows"]} == {True}
    response = researcher.get("/api/cohorts/preview", {"qa": "sure"})
    assert response.status_code == 400 and "qa" in response.json()

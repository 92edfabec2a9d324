"""Each filter narrows the cohort to exactly the images it names; bad filters are refused with a reason."""

import datetime as dt

import numpy as np
import pytest

from cohorts.selectors import cohort_rows
from modelhub.models import ModelVersion
from studies.models import Image, Study
from tests.cohorts.factories import predict


def ids(filters: dict) -> set[int]:
    return {row["image_id"] for row in cohort_rows(filters=filters)}


def expected(predicate) -> set[int]:
    return {row["image_id"] for row in cohort_rows(filters={}) if predicate(row)}


def narrows(filters: dict, predicate) -> None:
    chosen = ids(filters)
    assert chosen == expected(predicate)
    assert chosen and chosen != ids({}), f"{filters} should select some but not all images"


def test_device_keeps_that_devices_images(cohort):
    image = Image.objects.get(pk=cohort.accepted[0])
    narrows({"device": [image.device_id]}, lambda row: row["device"] == image.device.display_name)


def test_sex_keeps_that_sex(cohort):
    sex = cohort_rows(filters={})[0]["sex"]
    narrows({"sex": sex}, lambda row: row["sex"] == sex)


def test_unknown_sex_keeps_subjects_without_one(cohort):
    assert ids({"sex": "unknown"}) == set()


def test_age_range_is_inclusive_at_both_ends(cohort):
    ages = sorted({row["age_years"] for row in cohort_rows(filters={})})
    low = ages[1]
    narrows({"age_min": low}, lambda row: row["age_years"] >= low)
    narrows({"age_max": low}, lambda row: row["age_years"] <= low)
    narrows({"age_min": low, "age_max": low}, lambda row: row["age_years"] == low)


def test_study_year_range_is_inclusive(cohort):
    image = Image.objects.select_related("series").get(pk=cohort.model_only[0])
    Study.objects.update(study_date=dt.date(2020, 1, 1), study_year=2020)
    Study.objects.filter(pk=image.series.study_id).update(study_date=dt.date(2023, 6, 30), study_year=2023)
    narrows({"year_from": 2023}, lambda row: row["study_year"] == 2023)
    narrows({"year_to": 2022}, lambda row: row["study_year"] == 2020)
    narrows({"year_from": 2020, "year_to": 2020}, lambda row: row["study_year"] == 2020)


def test_split_keeps_that_split(cohort):
    Image.objects.filter(pk=cohort.accepted[0]).update(split="test")
    narrows({"split": "test"}, lambda row: row["split"] == "test")
    narrows({"split": "train"}, lambda row: row["split"] == "train")


def test_level_keeps_slices_marked_as_l3(cohort):
    narrows({"level": "L3"}, lambda row: row["image_id"] == cohort.marked_l3)


def test_source_annotation_keeps_accepted_masks_only(cohort):
    narrows({"source": "annotation"}, lambda row: row["source"] == "annotation")


def test_source_model_makes_model_measurements_eligible_even_where_an_accepted_mask_exists(cohort):
    outranked = [image_id for image_id in cohort.accepted if image_id in cohort.model_masks]
    assert outranked, "the fixture gives some accepted images an older model measurement"
    rows = {row["image_id"]: row for row in cohort_rows(filters={"source": "model"})}
    assert set(rows) == set(cohort.model_only) | set(outranked)
    assert {row["source"] for row in rows.values()} == {"model"}


def test_model_version_keeps_that_versions_measurements(cohort):
    other = ModelVersion.objects.create(name="vnet-a-v2", status="candidate", arch="vnet", checksum="d" * 64)
    image = Image.objects.get(pk=cohort.model_only[0])
    predict(image, np.ones((image.rows, image.columns), np.uint8), other)
    rows = cohort_rows(filters={"model_version": [other.pk]})
    assert [(row["image_id"], row["model_version"], row["model_checksum"]) for row in rows] == [
        (image.pk, "vnet-a-v2", "d" * 64)
    ]
    # Without the filter the newest model measurement of that image wins: the new version's.
    assert next(r for r in cohort_rows(filters={}) if r["image_id"] == image.pk)["model_version"] == "vnet-a-v2"


@pytest.mark.parametrize("reference", ["prado2008", "martin2013"])
def test_sarcopenia_yes_and_no_split_the_images_with_a_flag_for_that_reference(cohort, reference):
    column = f"sarcopenia_{reference}"
    yes = ids({"sarcopenia": "yes", "sarcopenia_reference": reference})
    no = ids({"sarcopenia": "no", "sarcopenia_reference": reference})
    assert yes == expected(lambda row: row[column] is True)
    assert no == expected(lambda row: row[column] is False)
    assert yes | no == expected(lambda row: row[column] is not None) and not yes & no


def test_myosteatosis_yes_and_no_follow_the_flag(cohort):
    yes, no = ids({"myosteatosis": "yes"}), ids({"myosteatosis": "no"})
    assert yes == expected(lambda row: row["myosteatosis_martin2013"] is True)
    assert no == expected(lambda row: row["myosteatosis_martin2013"] is False)
    assert yes | no == ids({})


def test_the_preview_counts_what_the_filter_selects(cohort, client_for):
    sex = cohort_rows(filters={})[0]["sex"]
    preview = client_for("researcher").get("/api/cohorts/preview", {"unit": "image", "sex": sex}).json()
    assert preview["count"] == len(ids({"sex": sex}))
    assert {row["image_id"] for row in preview["rows"]} == ids({"sex": sex})
    assert len(preview["points"]["smi"]) == preview["count"]


def test_repeated_device_parameters_mean_any_of_them(cohort, client_for):
    devices = sorted(set(Image.objects.values_list("device_id", flat=True)))
    query = "&".join(f"device={d}" for d in devices)
    assert client_for("researcher").get(f"/api/cohorts/preview?unit=image&{query}").json()["count"] == len(ids({}))


@pytest.mark.parametrize(
    "query,field",
    [
        ("age_min=60&age_max=40", "age_max"),
        ("sex=X", "sex"),
        ("year_from=2024&year_to=2020", "year_to"),
        ("year_from=20x4", "year_from"),
        ("date_from=2024-03-01", "date_from"),  # study dates are years outside the uploader: no day filter
        ("date_to=2024-03-01", "date_to"),
        ("device=a", "device"),
    ],
)
def test_a_bad_filter_is_refused_naming_the_field(cohort, client_for, query, field):
    response = client_for("researcher").get(f"/api/cohorts/preview?{query}")
    assert response.status_code == 400 and field in response.json()


def test_a_study_date_filter_is_refused_saying_to_filter_by_year(cohort, client_for):
    response = client_for("researcher").get("/api/cohorts/preview?date_from=2003-04-17&date_to=2003-04-17")
    assert response.status_code == 400
    assert "year_from" in response.json()["date_from"][0]

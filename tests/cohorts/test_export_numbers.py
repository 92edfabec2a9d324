"""The numbers in an export are the engine's, for the same mask: CSV and Parquet alike."""

import io

import numpy as np
import pyarrow.parquet as pq
import pytest

from cohorts.columns import COLUMN_NAMES
from segmentation.composition import measure
from studies import storage
from tests.cohorts.helpers import csv_rows, export_through_api

FLAGS = {
    ("sarcopenia", "Prado 2008 (Lancet Oncol 9:629)"): "sarcopenia_prado2008",
    ("sarcopenia", "Martin 2013 (J Clin Oncol 31:1539)"): "sarcopenia_martin2013",
    ("myosteatosis", "Martin 2013 (J Clin Oncol 31:1539)"): "myosteatosis_martin2013",
}


def engine_result(cohort, image_id: int):
    """measure() on the mask the row's source used: the exact labels if accepted, else the model's."""
    image = next(i for i in cohort.images.values() if i.pk == image_id)
    sop = next(s for s, i in cohort.images.items() if i.pk == image_id)
    mask = cohort.labels[sop] if image_id in cohort.accepted else cohort.model_masks[image_id]
    subject = image.series.study.subject
    hu = np.asarray(storage.hu_load(image.hu_path))
    return measure(
        hu,
        mask,
        image.pixel_spacing_mm,
        height_m=subject.height_m,
        sex=subject.sex or None,
        weight_kg=subject.weight_kg,
    )


def same(text: str, expected: float | None) -> bool:
    """A CSV cell equals the engine's value; an empty cell stands for None."""
    if expected is None:
        return text == ""
    return float(text) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_the_csv_holds_the_engines_numbers_for_each_images_mask(cohort, client_for, django_capture_on_commit_callbacks):
    status, content = export_through_api(client_for("researcher"), django_capture_on_commit_callbacks, format="csv")
    rows = csv_rows(content)
    assert len(rows) == status["row_count"] == len(cohort.accepted) + len(cohort.model_only)
    assert list(rows[0]) == COLUMN_NAMES
    for row in rows:
        expected = engine_result(cohort, int(row["image_id"]))
        assert same(row["sma_cm2"], expected.sma_cm2) and same(row["muscle_mean_hu"], expected.mean_muscle_hu)
        assert same(row["imat_cm2"], expected.imat_cm2) and same(row["smi_cm2_m2"], expected.smi_cm2_m2)
        assert same(row["liver_area_cm2"], expected.liver_area_cm2)
        assert same(row["liver_mean_hu"], expected.mean_liver_hu)
        assert same(row["bmi"], expected.bmi)
        assert row["muscle_hu_range"] == "-29..150" and row["imat_hu_range"] == "-190..-30"
        for flag in expected.flags:
            column = FLAGS[(flag.name, flag.reference)]
            assert row[column] == ("true" if flag.flagged else "false")
            assert float(row[f"{column}_threshold"]) == flag.threshold
            assert row[f"{column}_rule"] == flag.rule


def test_each_row_names_its_source_and_the_model_version_with_its_checksum(
    cohort, client_for, django_capture_on_commit_callbacks
):
    _, content = export_through_api(client_for("researcher"), django_capture_on_commit_callbacks, format="csv")
    for row in csv_rows(content):
        if int(row["image_id"]) in cohort.accepted:
            assert row["source"] == "annotation" and row["annotation_revision_id"] and row["model_version"] == ""
        else:
            assert row["source"] == "model" and row["model_version"] == "vnet-base-v1"
            assert row["model_checksum"] == "c" * 64
        assert row["device"] and row["kernel"] and float(row["pixel_spacing_row_mm"]) > 0
        assert row["level"] == ("L3" if int(row["image_id"]) == cohort.marked_l3 else "")


def test_liver_area_and_attenuation_are_there_only_where_the_mask_has_liver(
    cohort, client_for, django_capture_on_commit_callbacks
):
    _, content = export_through_api(client_for("researcher"), django_capture_on_commit_callbacks, format="csv")
    with_liver = {int(row["image_id"]) for row in csv_rows(content) if row["liver_area_cm2"]}
    labels = {image.pk: cohort.labels[sop] for sop, image in cohort.images.items()}
    masks = {i: labels[i] for i in cohort.accepted} | {i: cohort.model_masks[i] for i in cohort.model_only}
    assert cohort.liver in with_liver
    assert with_liver == {image_id for image_id, mask in masks.items() if (mask == 2).any()}


def test_parquet_holds_the_same_rows_as_the_csv_with_types(cohort, client_for, django_capture_on_commit_callbacks):
    researcher = client_for("researcher")
    _, csv_content = export_through_api(researcher, django_capture_on_commit_callbacks, format="csv")
    _, parquet_content = export_through_api(researcher, django_capture_on_commit_callbacks, format="parquet")
    table = pq.read_table(io.BytesIO(parquet_content))
    assert table.column_names == COLUMN_NAMES
    assert str(table.schema.field("sma_cm2").type) == "double"
    assert str(table.schema.field("sarcopenia_prado2008").type) == "bool"
    from_parquet = table.to_pylist()
    for csv_row, parquet_row in zip(csv_rows(csv_content), from_parquet, strict=True):
        assert parquet_row["image_id"] == int(csv_row["image_id"])
        assert parquet_row["sma_cm2"] == float(csv_row["sma_cm2"])
        assert parquet_row["pseudonym"] == csv_row["pseudonym"]

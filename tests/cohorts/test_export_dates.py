"""Exports give the study's year, never its full date (README, "Privacy policy for dates and subjects")."""

import io

import pyarrow.parquet as pq

from studies.models import Study
from tests.cohorts.helpers import csv_rows, export_through_api


def test_csv_and_parquet_give_the_study_year_and_no_full_date(cohort, client_for, django_capture_on_commit_callbacks):
    researcher = client_for("researcher")
    full_dates = {str(d) for d in Study.objects.values_list("study_date", flat=True) if d}
    assert full_dates  # the phantom's studies have a full date stored
    _, csv_content = export_through_api(researcher, django_capture_on_commit_callbacks, format="csv")
    rows = csv_rows(csv_content)
    assert "study_date" not in rows[0] and {row["study_year"] for row in rows} == {"2024"}
    assert not any(date in csv_content.decode() for date in full_dates)
    _, parquet_content = export_through_api(researcher, django_capture_on_commit_callbacks, format="parquet")
    table = pq.read_table(io.BytesIO(parquet_content))
    assert "study_date" not in table.column_names and set(table.column("study_year").to_pylist()) == {2024}

"""Which measurement stands for each image, and what a row holds."""

from cohorts.selectors import cohort_rows


def test_each_measured_image_appears_once_with_the_accepted_annotation_first(cohort):
    rows = cohort_rows(filters={})
    by_image = {row["image_id"]: row for row in rows}
    assert len(rows) == len(by_image) == len(cohort.accepted) + len(cohort.model_only)
    assert {i for i, row in by_image.items() if row["source"] == "annotation"} == set(cohort.accepted)
    assert {i for i, row in by_image.items() if row["source"] == "model"} == set(cohort.model_only)


def test_a_draft_mask_is_never_a_cohort_row(cohort):
    assert cohort.draft not in {row["image_id"] for row in cohort_rows(filters={})}

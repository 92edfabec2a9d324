"""The default cohort unit is the subject: one row per subject and study, measured at its series' L3 slice,
with where that slice came from; subjects with no L3 measurement are counted and listed. unit=image keeps
one row per measured image."""

from collections import defaultdict
from itertools import cycle

from cohorts.models import Export
from studies.models import Image, Series
from tests.cohorts.helpers import csv_rows, export_through_api

LEVEL_SOURCES = ("automatic", "confirmed", "manual", "manual_override")


def mark_l3(cohort) -> tuple[dict, dict]:
    """Mark one measured slice per study as L3 (level sources in turn); the draft's study gets its unmeasured
    draft slice as L3, the liver slice's study none. Returns ({study id: (image id, level source)},
    {pseudonym: reason} of the studies that must be listed as without an L3 measurement)."""
    measured = set(cohort.accepted) | set(cohort.model_only)
    by_study = defaultdict(list)
    for image in Image.objects.select_related("series__study__subject").order_by("id"):
        by_study[image.series.study_id].append(image)
    Series.objects.update(level_image=None, level_source="")
    draft = Image.objects.select_related("series__study__subject").get(pk=cohort.draft)
    liver = Image.objects.select_related("series__study__subject").get(pk=cohort.liver)
    sources = cycle(LEVEL_SOURCES)
    expected = {}
    for study_id, images in by_study.items():
        if study_id in (draft.series.study_id, liver.series.study_id):
            continue
        image = next(image for image in images if image.pk in measured)
        source = next(sources)
        Series.objects.filter(pk=image.series_id).update(level_image=image, level_source=source)
        expected[study_id] = (image.pk, source)
    Series.objects.filter(pk=draft.series_id).update(level_image=draft, level_source="manual")
    missing = {
        draft.series.study.subject.pseudonym: "L3 slice not measured",
        liver.series.study.subject.pseudonym: "no L3 slice marked",
    }
    return expected, missing


def test_the_default_export_has_one_row_per_subject_and_study_at_its_l3_slice_with_its_level_source(
    cohort, client_for, django_capture_on_commit_callbacks
):
    expected, _ = mark_l3(cohort)
    status, content = export_through_api(
        client_for("researcher"), django_capture_on_commit_callbacks, format="csv", unit=None
    )
    rows = csv_rows(content)
    assert Export.objects.get().filters == {"unit": "subject"}
    assert status["row_count"] == len(rows) == len(expected)
    assert "level_source" in rows[0] and list(rows[0]).index("level_source") == list(rows[0]).index("level") + 1
    chosen = {Image.objects.get(pk=int(row["image_id"])).series.study_id: row for row in rows}
    assert {study: (int(row["image_id"]), row["level_source"]) for study, row in chosen.items()} == expected
    assert {row["level"] for row in rows} == {"L3"}
    accepted_l3 = [row for row in rows if int(row["image_id"]) in cohort.accepted]
    assert accepted_l3 and {row["source"] for row in accepted_l3} == {"annotation"}  # as the results page prefers


def test_a_subject_without_an_l3_measurement_is_counted_and_listed_by_pseudonym(cohort, client_for):
    expected, missing = mark_l3(cohort)
    preview = client_for("researcher").get("/api/cohorts/preview").json()
    assert preview["unit"] == "subject" and preview["count"] == len(expected)
    assert preview["subjects"] == len({row["pseudonym"] for row in preview["rows"]})
    assert len(preview["points"]["smi"]) == preview["count"]  # one plotted point per subject and study
    listed = {entry["pseudonym"]: entry["reason"] for entry in preview["without_l3"]["studies"]}
    assert listed == missing and preview["without_l3"]["subjects"] == len(missing)
    assert {row["level_source"] for row in preview["rows"]} <= set(LEVEL_SOURCES)


def test_the_image_unit_keeps_one_row_per_measured_image_without_the_level_source(
    cohort, client_for, django_capture_on_commit_callbacks
):
    mark_l3(cohort)
    researcher = client_for("researcher")
    preview = researcher.get("/api/cohorts/preview", {"unit": "image"}).json()
    assert preview["unit"] == "image" and preview["without_l3"] is None
    assert preview["count"] == len(cohort.accepted) + len(cohort.model_only)
    _, content = export_through_api(researcher, django_capture_on_commit_callbacks, format="csv", unit="image")
    rows = csv_rows(content)
    assert len(rows) == preview["count"] and "level_source" not in rows[0]


def test_an_unknown_unit_is_refused_naming_the_unit(client_for):
    response = client_for("researcher").get("/api/cohorts/preview", {"unit": "series"})
    assert response.status_code == 400 and "unit" in response.json()


def test_the_level_source_filter_chooses_which_l3_slices_count(cohort, client_for):
    expected, missing = mark_l3(cohort)
    researcher = client_for("researcher")
    everyone = researcher.get("/api/cohorts/preview").json()
    assert {row["level_source"] for row in everyone["rows"]} == set(LEVEL_SOURCES[: len(expected)])

    wanted = ["confirmed", "manual"]
    chosen = researcher.get("/api/cohorts/preview", {"level_source": wanted}).json()
    kept = {image_id for image_id, source in expected.values() if source in wanted}
    assert kept and {row["image_id"] for row in chosen["rows"]} == kept
    assert {row["level_source"] for row in chosen["rows"]} <= set(wanted)
    # a study left out only for its L3 slice's source is measured at L3: not listed as without one
    listed = {entry["pseudonym"]: entry["reason"] for entry in chosen["without_l3"]["studies"]}
    assert listed == missing

    per_image = researcher.get("/api/cohorts/preview", {"unit": "image", "level": "L3", "level_source": "automatic"})
    automatic = {image_id for image_id, source in expected.values() if source == "automatic"}
    assert automatic and {row["image_id"] for row in per_image.json()["rows"]} == automatic


def test_a_level_source_filter_that_cannot_apply_is_refused_with_the_reason(cohort, client_for):
    researcher = client_for("researcher")
    unknown = researcher.get("/api/cohorts/preview", {"level_source": "guessed"})
    assert unknown.status_code == 400 and "level_source" in unknown.json()
    per_image = researcher.get("/api/cohorts/preview", {"unit": "image", "level_source": "automatic"})
    assert per_image.status_code == 400
    assert "applies to L3 slices" in per_image.json()["level_source"][0]

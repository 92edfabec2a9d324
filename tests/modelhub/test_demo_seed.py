"""`make run`'s demo: the shipped base is the active base, evaluated, and the visible job is a transfer."""

import json

import pytest

from jobs.models import Job
from modelhub.models import Evaluation, ModelVersion
from modelhub.services.demo import DemoPlan, demo_seed
from segmentation.base import NAME, WEIGHTS_DIR

PLAN = DemoPlan(subjects=5, devices=("A", "B"), seeds_per_device=1, transfer_epochs=1, transfer_steps_per_epoch=1)


@pytest.fixture
def seeded(db, tmp_path, make_user, django_capture_on_commit_callbacks):
    users = {role: make_user(role)[0] for role in ("clinician", "labeller", "reviewer", "ml_lead")}
    with django_capture_on_commit_callbacks(execute=True):
        result = demo_seed(
            folder=tmp_path / "demo", plan=PLAN, clinician=users["clinician"], labeller=users["labeller"],
            reviewer=users["reviewer"], ml_lead=users["ml_lead"],
        )  # fmt: skip
    return result, users


def test_the_demo_serves_the_shipped_base_not_a_toy_trained_on_the_spot(seeded):
    result, _ = seeded
    base = ModelVersion.objects.get(device__isnull=True)
    record = json.loads((WEIGHTS_DIR / f"{NAME}.json").read_text())
    assert base.name == NAME and base.status == ModelVersion.Status.ACTIVE
    assert base.checksum == record["sha256"]
    assert not Job.objects.filter(kind=Job.Kind.TRAIN, params__version_id=base.id).exists()
    assert Evaluation.objects.filter(version=base).count() == 2  # every device's test split


def test_the_visible_job_fine_tunes_the_base_for_one_scanner(seeded):
    result, _ = seeded
    job = Job.objects.get(pk=result["transfer_job_id"])
    version = ModelVersion.objects.get(training_job=job)
    assert job.kind == Job.Kind.TRAIN and version.parent.name == NAME
    assert version.device.manufacturer.upper().startswith("GE")


def test_seeding_again_adds_no_second_base_and_no_second_job(seeded, tmp_path):
    result, users = seeded
    again = demo_seed(
        folder=tmp_path / "demo", plan=PLAN, clinician=users["clinician"], labeller=users["labeller"],
        reviewer=users["reviewer"], ml_lead=users["ml_lead"],
    )  # fmt: skip
    assert again["transfer_job_id"] is None and not again["base"]
    assert ModelVersion.objects.filter(device__isnull=True).count() == 1


def test_the_researchers_default_cohort_of_subjects_at_l3_is_not_empty(seeded, client_for):
    """The phantom slices are L3 slices: the demo clinician marks each, so one row per subject at L3 exists."""
    from studies.models import Series

    _, users = seeded
    assert not Series.objects.filter(level_image__isnull=True).exists()
    assert set(Series.objects.values_list("level_source", flat=True)) == {"manual"}
    preview = client_for("researcher").get("/api/cohorts/preview").json()
    assert preview["unit"] == "subject" and preview["subjects"] > 0 and preview["without_l3"]["subjects"] == 0

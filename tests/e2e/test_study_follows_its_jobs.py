"""A clinician uploads a slice while the workers are busy: the study page says where it waits in the queue,
and fills in the measurement when the jobs have run, without a reload."""

import pytest

from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

GE = "ge-lightspeed-liver-3slice"


@pytest.fixture
def active_model(tmp_path, transactional_db):
    from modelhub.services.versions import model_version_import
    from tests.modelhub.factories import tiny_checkpoint

    return model_version_import(path=tiny_checkpoint(tmp_path / "tiny.pt"), name="tiny-base", activate=True)


def run_job(kind: str) -> None:
    from jobs.models import Job
    from jobs.runner import run_claimed
    from modelhub.services.inference import inference_run
    from studies.services import study_postprocess

    body = {"ingest": study_postprocess, "infer": inference_run}[kind]
    job = Job.objects.get(kind=kind, state="queued")
    assert run_claimed(job_id=job.pk, task_id="t", body=lambda job: body(job=job)) == "succeeded"


def test_the_study_page_shows_the_queue_then_the_measurement_without_a_reload(
    transactional_db, live_server, make_user, active_model, held_broker, ct_dir, page, screenshot_dir
):
    from jobs.models import Job

    page.set_viewport_size({"width": 1440, "height": 900})
    user, password = make_user("clinician")
    sign_in(page, live_server.url, user.username, password)
    Job.objects.create(kind="export", queue="default")  # another clinician's export is ahead in the queue

    page.goto(f"{live_server.url}/upload/")
    page.set_input_files("#file-input", [ct_dir / GE / "02.dcm"])
    page.wait_for_selector("[data-summary][data-done=true]", timeout=60_000)
    assert page.locator("[data-progress-text]").inner_text() == "All 1 files answered"
    page.click("a.study-link")
    page.wait_for_selector("[data-work-status][data-pending=true]")
    page.evaluate("() => { window.notReloaded = true; }")
    assert page.locator("[data-work-status]").inner_text() == "Queued (position 2)"
    assert "no model has run" not in page.locator("[data-results]").inner_text()
    assert page.locator("[data-not-measured]").get_attribute("data-work-state") == "queued"
    page.screenshot(path=str(screenshot_dir / "study-work-queued.png"), full_page=True)

    Job.objects.filter(kind="export").update(state="cancelled")
    run_job("ingest")  # post-processing done: the slice now waits for the inference worker
    page.wait_for_function(
        "() => document.querySelector('[data-work-status]').textContent.startsWith('Queued (position 1)')"
    )
    run_job("infer")
    page.wait_for_selector(".result-card[data-measurement-id]", timeout=30_000)
    assert page.locator("[data-work-status]").is_hidden()
    assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"
    assert "tiny-base" in page.locator(".result-card [data-provenance]").inner_text()
    page.screenshot(path=str(screenshot_dir / "study-work-measured.png"), full_page=True)

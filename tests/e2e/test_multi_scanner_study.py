"""A phantom study whose four series come from four scanners, as the demo cohort's do: the header names every
scanner, each measured slice is told apart by its scanner, the viewer takes keys as soon as the page opens, and
the subject form says only what happened ("Saved" never after the browser refused a value, and "the
measurements are updated" only when there are measurements)."""

import pytest

from tests.e2e.conftest import SerialWSGIServer
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEVICES = ("A", "B", "C", "D")


@pytest.fixture
def phantom_study(transactional_db, make_user, tmp_path):
    """One phantom subject scanned on the four device profiles: one study, four one-image series."""
    import studies.tasks  # noqa: F401  (registers the post-processing task that ingest enqueues)
    from segmentation.cohort import write_cohort
    from studies.models import Image, Study
    from studies.services import upload_ingest
    from tests.studies.uploads import named_upload

    clinician, password = make_user("clinician", name="dr-phantom")
    manifest = write_cohort(tmp_path / "cohort", subjects=1, devices=DEVICES, matrix=256)
    files = [named_upload(tmp_path / "cohort" / entry["path"]) for entry in manifest["images"]]
    outcomes = upload_ingest(files=files, user=clinician)
    assert [o.status for o in outcomes] == ["stored"] * 4, outcomes
    study = Study.objects.get()
    images = list(Image.objects.filter(series__study=study).select_related("device"))
    return {"study": study, "images": images, "user": clinician, "password": password}


def measure_every_image(images):
    from modelhub.models import ModelVersion
    from tests.results.conftest import CHECKSUM, drawn_mask, model_measurement

    def record():
        version = ModelVersion.objects.create(name="unet-base", status="candidate", arch="unet", checksum=CHECKSUM)
        for image in images:
            model_measurement(image, version, drawn_mask(image))

    with SerialWSGIServer.lock:  # the live server may share an in-memory SQLite connection (see conftest)
        record()


def save_subject(page):
    page.click("[data-subject-form] button[type=submit]")
    return page.locator("[data-subject-status]")


def test_a_four_scanner_study_names_each_scanner_and_takes_keys_at_once(
    transactional_db, live_server, phantom_study, page, screenshot_dir
):
    study, images = phantom_study["study"], phantom_study["images"]
    names = sorted({image.device.display_name for image in images})
    assert len(names) == 4
    sign_in(page, live_server.url, phantom_study["user"].username, phantom_study["password"])
    page.goto(f"{live_server.url}/studies/{study.pk}/")
    page.wait_for_selector("[data-results][data-loaded=true]")

    # The browser refuses a 3 m height before any request: the form says so, and never "Saved".
    status = page.locator("[data-subject-status]")
    page.fill("input[name=height_cm]", "300")
    save_subject(page)
    page.wait_for_function("() => document.querySelector('[data-subject-status]').textContent.startsWith('Not saved')")
    assert "Height" in status.inner_text()
    # No slice is measured: saving says so instead of claiming updated measurements.
    page.fill("input[name=height_cm]", "172")
    assert status.inner_text() == "", "editing a field clears the last verdict"
    save_subject(page)
    page.wait_for_function("() => document.querySelector('[data-subject-status]').textContent.startsWith('Saved')")
    assert "No slice is measured yet" in status.inner_text()
    assert "measurements are updated" not in status.inner_text()

    measure_every_image(images)
    page.goto(f"{live_server.url}/studies/{study.pk}/")
    page.wait_for_selector(".viewer-canvas[data-overlay]:not([data-overlay=none])")

    # The header lists the four scanners; each series and each measured slice names its own.
    header = page.locator(".page-head [data-device]").inner_text()
    assert all(name in header for name in names), header
    assert sorted(page.locator("[data-series-device]").all_inner_texts()) == names
    listed = page.locator(".measured-slice > span:first-child").all_inner_texts()
    assert len(listed) == 4 and len(set(listed)) == 4, f"four slices told apart: {listed}"
    assert sorted(label.split(" · ")[1] for label in listed) == names
    assert page.locator(".result-card header strong").inner_text() in listed

    # Keys work without a click on the image first: 4 is the bone window.
    assert page.evaluate("document.activeElement.classList.contains('viewer-stage')")
    page.keyboard.press("4")
    page.wait_for_selector(".viewer-canvas[data-window='1800,400']")
    page.screenshot(path=str(screenshot_dir / "study-four-scanners.png"), full_page=True)

    save_subject(page)
    page.wait_for_function("() => document.querySelector('[data-subject-status]').textContent.startsWith('Saved')")
    assert status.inner_text() == "Saved; the measurements are updated."

    report = page.request.get(f"{live_server.url}/api/studies/{study.pk}/report.png")
    assert report.ok and report.body().startswith(b"\x89PNG")
    (screenshot_dir / "report-four-scanners.png").write_bytes(report.body())

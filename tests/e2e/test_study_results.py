"""A clinician opens a measured study: the mask is drawn over the slice, the numbers are the engine's; entering
the height brings SMI and the sarcopenia flag; marking L3 persists and puts that slice first."""

import pytest

from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Canvas pixels coloured like the overlay (red muscle, blue liver), against a grey CT.
OVERLAY_STATS = """() => {
  const canvas = document.querySelector('.viewer-canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let red = 0, blue = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] - data[i + 1] > 40 && data[i] - data[i + 2] > 40) red++;
    if (data[i + 2] - data[i] > 40 && data[i + 2] - data[i + 1] > 20) blue++;
  }
  return { red, blue };
}"""


@pytest.fixture
def measured_study(transactional_db, make_user, ct_dir):
    """Three GE slices uploaded by a clinician; the first and last measured by a model from a drawn mask."""
    import studies.tasks  # noqa: F401  (registers the post-processing task that ingest enqueues)
    from modelhub.models import ModelVersion
    from studies.models import Study
    from studies.services import upload_ingest
    from tests.results.conftest import CHECKSUM, GE_SLICES, drawn_mask, model_measurement, slices
    from tests.studies.uploads import named_upload

    clinician, password = make_user("clinician", name="dr-lee")
    files = [named_upload(ct_dir / "ge-lightspeed-liver-3slice" / name) for name in GE_SLICES]
    study = Study.objects.get(pk=upload_ingest(files=files, user=clinician)[0].study_id)
    version = ModelVersion.objects.create(
        name="vnet-ge-v3", status=ModelVersion.Status.CANDIDATE, arch="vnet", checksum=CHECKSUM
    )
    images = slices(study)
    measurements = [model_measurement(image, version, drawn_mask(image)) for image in images[::2]]
    return {"study": study, "images": images, "measurements": measurements, "user": clinician, "password": password}


# transactional_db before live_server: started the other way round, the server and the test end up on two
# connections to the shared in-memory database, and the next tests' uploads meet "database table is locked".
def test_a_clinician_sees_the_overlay_and_numbers_enters_height_and_marks_l3(
    transactional_db, live_server, measured_study, page, screenshot_dir
):
    study, images = measured_study["study"], measured_study["images"]
    first = measured_study["measurements"][0]
    sign_in(page, live_server.url, measured_study["user"].username, measured_study["password"])
    page.goto(f"{live_server.url}/studies/{study.pk}/")

    # Opened without a mark: the viewer goes to the first measured slice and draws its mask.
    page.wait_for_selector(f".viewer-canvas[data-overlay='{images[0].pk}']")
    drawn = page.evaluate(OVERLAY_STATS)
    assert drawn["red"] > 1000 and drawn["blue"] > 1000, f"no overlay on the canvas: {drawn}"
    card = page.locator(".result-card")
    assert card.locator("[data-value=sma]").inner_text() == f"{first.sma_cm2:.1f} cm²"
    assert card.locator("[data-value=muscle-hu]").inner_text() == f"{first.mean_muscle_hu:.1f} HU"
    assert card.locator("[data-value=smi]").inner_text() == "needs height"
    assert "vnet-ge-v3" in card.locator("[data-provenance]").inner_text()
    assert "Prado 2008" in card.locator("[data-flag=sarcopenia]").inner_text()
    page.screenshot(path=str(screenshot_dir / "results-overlay.png"), full_page=True)

    page.click("button[data-action=overlay]")
    page.wait_for_selector(".viewer-canvas[data-overlay=none]")
    assert page.evaluate(OVERLAY_STATS)["red"] < 50, "the overlay button hides the mask"
    page.click("button[data-action=overlay]")

    page.fill("input[name=height_cm]", "178")
    page.click("[data-subject-form] button[type=submit]")
    page.wait_for_function("() => document.querySelector('[data-value=smi]')?.textContent !== 'needs height'")
    assert card.locator("[data-value=smi]").inner_text() == f"{first.sma_cm2 / 1.78**2:.1f} cm²/m²"
    # vnet-ge-v3 was never evaluated on this scanner: the flag keeps its numbers but is not a finding.
    assert card.locator("[data-flag=sarcopenia]").get_attribute("data-state") == "not-a-finding"
    page.screenshot(path=str(screenshot_dir / "results-height.png"), full_page=True)

    # Scroll to the last slice and mark it L3 with the key.
    page.locator(".viewer-stage").focus()
    page.keyboard.press("End")
    page.wait_for_selector(f".viewer-canvas[data-overlay='{images[2].pk}']")
    page.keyboard.press("l")
    page.wait_for_selector(f"[data-level-status][data-level-image-id='{images[2].pk}']")
    first_listed = "() => document.querySelector('.measured-slice').textContent"
    page.wait_for_function(f"{first_listed}.startsWith('Image 3 of 3 · L3')")
    # Through the server, not the ORM: the live server and this thread share one in-memory database connection.
    stored = page.request.get(f"{live_server.url}/api/studies/{study.pk}/").json()
    assert stored["series"][0]["level_image_id"] == images[2].pk

    # Reopened without a hash: the marked slice is shown, first in the list.
    page.goto(f"{live_server.url}/studies/{study.pk}/")
    page.wait_for_selector(f".viewer-canvas[data-overlay='{images[2].pk}']")
    assert "L3" in page.locator(".result-card header").inner_text()
    page.screenshot(path=str(screenshot_dir / "results-l3.png"), full_page=True)

    report = page.request.get(f"{live_server.url}/api/studies/{study.pk}/report.png")
    assert report.ok and report.body().startswith(b"\x89PNG")
    (screenshot_dir / "results-report.png").write_bytes(report.body())


def test_the_study_page_warns_that_the_scanner_has_no_evaluated_model(
    transactional_db, live_server, measured_study, page, screenshot_dir
):
    study, images = measured_study["study"], measured_study["images"]
    sign_in(page, live_server.url, measured_study["user"].username, measured_study["password"])
    page.goto(f"{live_server.url}/studies/{study.pk}/")
    page.wait_for_selector(f".viewer-canvas[data-overlay='{images[0].pk}']")
    warning = page.locator(".result-card [data-trust=unverified]")
    assert warning.is_visible()
    text = warning.inner_text()
    assert "Unverified: no evaluated model for this scanner" in text
    assert f"vnet-ge-v3 was never evaluated on {images[0].device.display_name}" in text
    assert "(unverified)" in page.locator(".measured-slice").first.inner_text()
    page.screenshot(path=str(screenshot_dir / "results-unverified.png"), full_page=True)

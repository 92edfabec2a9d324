"""A clinician signs in, uploads CT through the upload page, and views the study it made."""

import pytest

from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Reads the canvas back: how many of its pixels are not black, and a checksum of what is drawn.
CANVAS_STATS = """() => {
  const canvas = document.querySelector('.viewer-canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let lit = 0, sum = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] > 10) lit++;
    sum = (sum + data[i] * ((i >> 2) % 251 + 1)) % 1000000007;
  }
  return { lit, sum, total: data.length / 4 };
}"""


def test_a_clinician_uploads_ct_and_scrolls_through_the_study(
    transactional_db, live_server, make_user, ct_dir, tmp_path, page, screenshot_dir
):
    user, password = make_user("clinician")
    sign_in(page, live_server.url, user.username, password)

    notes = tmp_path / "notes.txt"
    notes.write_text("this is not a DICOM file\n")
    ge_files = [ct_dir / "ge-lightspeed-liver-3slice" / f"0{n}.dcm" for n in (1, 2, 3)]
    page.goto(f"{live_server.url}/upload/")
    page.set_input_files("#file-input", [*ge_files, notes])

    page.wait_for_selector("[data-summary][data-done=true]", timeout=60_000)
    assert page.locator("tr.upload-row[data-outcome=stored]").count() == 3
    rejected = page.locator("tr.upload-row[data-outcome=rejected]")
    assert rejected.count() == 1
    assert "notes.txt" in rejected.inner_text()
    assert rejected.locator(".reason").inner_text().strip(), "a rejected file shows its reason"
    assert page.locator("[data-summary]").inner_text().startswith("3 stored")
    assert page.locator("progress[data-progress]").evaluate("p => p.value") == 1
    page.screenshot(path=str(screenshot_dir / "upload.png"), full_page=True)

    page.locator("tr.upload-row[data-outcome=stored] a.study-link").first.click()
    page.wait_for_url("**/studies/*/**")
    assert "GE" in page.locator("[data-device]").inner_text()
    canvas = page.locator(".viewer-canvas[data-image-id]")
    canvas.wait_for()
    drawn = page.evaluate(CANVAS_STATS)
    assert drawn["lit"] > drawn["total"] * 0.05, f"the canvas is (nearly) blank: {drawn}"

    first_image = canvas.get_attribute("data-image-id")
    first_index = int(page.locator("[data-viewer]").get_attribute("data-slice-index"))
    stage = page.locator(".viewer-stage")
    stage.hover()
    page.mouse.wheel(0, 100 if first_index < 2 else -100)  # one notch, one slice
    page.wait_for_function("id => document.querySelector('.viewer-canvas').dataset.imageId !== id", arg=first_image)
    index = int(page.locator("[data-viewer]").get_attribute("data-slice-index"))
    assert abs(index - first_index) == 1
    assert page.locator("[data-slice-index]").last.inner_text() == f"{index + 1} / 3"

    soft = page.evaluate(CANVAS_STATS)
    page.click("button[data-preset=bone]")
    page.wait_for_selector(".viewer-canvas[data-window='1800,400']")
    assert "Bone" in page.locator("[data-window]").first.inner_text()
    assert page.locator("button[data-preset=bone]").get_attribute("aria-pressed") == "true"
    assert page.evaluate(CANVAS_STATS)["sum"] != soft["sum"], "the bone window changed nothing on screen"
    stage.hover(position={"x": 300, "y": 300})
    assert "HU" in page.locator("[data-hu]").inner_text()
    page.screenshot(path=str(screenshot_dir / "study.png"), full_page=True)

    page.click(".breadcrumb a")
    page.wait_for_url("**/studies/")
    thumbnail = page.locator("img.thumb").first
    thumbnail.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    assert page.locator("tr[data-study-id]").count() == 1
    assert "GE" in page.locator("tr[data-study-id]").inner_text()
    page.screenshot(path=str(screenshot_dir / "study_list.png"), full_page=True)

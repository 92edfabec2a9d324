"""The upload page takes a folder and a dropped zip; the viewer scrolls, zooms, pans and windows a series."""

import base64
import io
import shutil
import zipfile

import pytest

from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIEMENS = "siemens-biograph-t12-series"

# Drops a zip on the drop zone the way a browser does: a drop event carrying a DataTransfer.
DROP_ZIP = """([name, b64]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: 'application/zip' }));
  const zone = document.querySelector('[data-dropzone]');
  for (const type of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }
}"""


def viewer_state(page):
    canvas = page.locator(".viewer-canvas")
    return {
        "index": int(page.locator("[data-viewer]").get_attribute("data-slice-index")),
        "image": canvas.get_attribute("data-image-id"),
        "window": canvas.get_attribute("data-window"),
        "scale": float(canvas.get_attribute("data-scale")),
    }


def wait_for_scale(page, comparison):
    page.wait_for_function(f"() => Number(document.querySelector('.viewer-canvas').dataset.scale) {comparison}")


def wait_until_drawn(page):
    """Waits until the canvas shows the slice the viewer was last asked for."""
    page.wait_for_function(
        "() => document.querySelector('.viewer-canvas').dataset.imageId"
        " === document.querySelector('[data-viewer]').dataset.imageId"
    )


def test_a_folder_and_a_dropped_zip_upload_with_per_member_outcomes(
    transactional_db, live_server, make_user, ct_dir, tmp_path, page
):
    user, password = make_user("clinician")
    sign_in(page, live_server.url, user.username, password)

    folder = tmp_path / "scan"
    folder.mkdir()
    for source in sorted((ct_dir / SIEMENS).iterdir())[:4]:
        shutil.copy(source, folder / source.name)
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for n in (1, 2):
            zf.write(ct_dir / "ge-lightspeed-liver-3slice" / f"0{n}.dcm", f"ge/0{n}.dcm")
        zf.writestr("ge/readme.txt", "not an image")

    page.goto(f"{live_server.url}/upload/")
    page.set_input_files("#folder-input", str(folder))
    page.evaluate(DROP_ZIP, ["ge.zip", base64.b64encode(archive.getvalue()).decode()])
    page.wait_for_selector("[data-summary][data-done=true]", timeout=60_000)

    assert page.locator("tr.upload-row[data-file^='scan/'][data-outcome=stored]").count() == 4
    assert page.locator("tr.upload-row[data-file='scan/.DS_Store'][data-outcome=skipped]").count() == 1
    zip_row = page.locator("tr.upload-row[data-file='ge.zip']")
    assert zip_row.get_attribute("data-outcome") == "partly-rejected"
    members = page.locator("tr.member-row")
    assert members.count() == 3
    assert page.locator("tr.member-row[data-outcome=stored]").count() == 2
    assert page.locator("tr.member-row[data-outcome=rejected] .reason").inner_text().strip()
    assert page.locator("[data-study-links] li").count() == 2, "one link per study: Siemens and GE"


def test_the_viewer_scrolls_zooms_pans_and_windows_a_series(
    transactional_db, live_server, make_user, ct_dir, page, screenshot_dir
):
    user, password = make_user("clinician")
    sign_in(page, live_server.url, user.username, password)
    page.goto(f"{live_server.url}/upload/")
    page.set_input_files("#file-input", sorted(str(p) for p in (ct_dir / SIEMENS).iterdir()))
    page.wait_for_selector("[data-summary][data-done=true]", timeout=120_000)
    assert page.locator("tr.upload-row[data-outcome=stored]").count() == 20
    page.locator("[data-study-links] a").first.click()
    page.wait_for_selector(".viewer-canvas[data-image-id]")
    assert "SIEMENS" in page.locator("[data-device]").inner_text().upper()

    start = viewer_state(page)
    assert start["index"] == 9, "a series opens at its middle slice"
    assert page.locator("output[data-slice-index]").inner_text() == "10 / 20"

    stage = page.locator(".viewer-stage")
    stage.click()
    page.keyboard.press("ArrowDown")
    wait_until_drawn(page)
    assert viewer_state(page)["index"] == 10
    assert viewer_state(page)["image"] != start["image"]
    page.keyboard.press("End")
    wait_until_drawn(page)
    assert viewer_state(page)["index"] == 19
    page.keyboard.press("Home")
    wait_until_drawn(page)
    assert viewer_state(page)["index"] == 0
    assert page.evaluate("location.hash").endswith("slice=1"), "the slice is kept in the URL"

    box = stage.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*centre)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    wait_for_scale(page, f"> {start['scale'] * 1.5}")
    assert viewer_state(page)["index"] == 0, "Ctrl+wheel zooms and does not scroll"

    before_pan = page.evaluate("() => document.querySelector('.viewer-canvas').toDataURL().length")
    page.mouse.down()
    page.mouse.move(centre[0] + 120, centre[1] + 60, steps=4)
    page.mouse.up()
    assert page.evaluate("() => document.querySelector('.viewer-canvas').toDataURL().length") != before_pan

    page.mouse.move(*centre)
    page.mouse.down(button="right")
    page.mouse.move(centre[0] + 100, centre[1] - 40, steps=4)
    page.mouse.up(button="right")
    width, level = map(int, viewer_state(page)["window"].split(","))
    assert width > 400 and level < 40, "right drag: right widens, up lowers the level"
    assert page.locator("button[data-preset][aria-pressed=true]").count() == 0

    page.keyboard.press("2")
    page.wait_for_selector(".viewer-canvas[data-window='250,50']")
    assert page.locator("button[data-preset=muscle]").get_attribute("aria-pressed") == "true"
    assert "HU" in page.locator("[data-hu]").inner_text()
    page.screenshot(path=str(screenshot_dir / "study-zoomed.png"))

    stage.dblclick()
    wait_for_scale(page, f"=== {start['scale']}")

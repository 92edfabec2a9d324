"""The real L1/L2 slice (stored bottom-up, ImageOrientationPatient 1,0,0,0,-1,0) appears upright in the viewer
and the labelling canvas, with A/P/R/L markers and a scale bar that matches the zoom."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.helpers import sign_in
from tests.e2e.test_labelling import label_set, open_workspace  # noqa: F401 (fixture)
from tests.studies.reoriented import L1_L2

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Where bright bone lies in the drawn slice: the share of bone pixels (soft-tissue window: white) of the
# central columns that sit below the image's middle row. The vertebra is posterior: low on screen.
BONE_BELOW_MIDDLE = """(selector) => {
  const canvas = document.querySelector(selector);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const middle = canvas.height / 2, from = Math.round(canvas.width * 0.45), to = Math.round(canvas.width * 0.55);
  let below = 0, all = 0;
  for (let y = 0; y < canvas.height; y++) for (let x = from; x < to; x++) {
    if (data[(y * canvas.width + x) * 4] === 255) { all++; if (y > middle) below++; }
  }
  return all ? below / all : null;
}"""


@pytest.fixture
def l1_l2(transactional_db, make_user, ct_dir):
    import studies.tasks  # noqa: F401  (registers the post-processing task that ingest enqueues)
    from studies.models import Image
    from studies.services import upload_ingest
    from tests.studies.uploads import named_upload

    uploader, _ = make_user("clinician", name="uploader")
    outcome = upload_ingest(files=[named_upload(ct_dir / L1_L2)], user=uploader)[0]
    assert outcome.status == "stored", outcome
    return Image.objects.select_related("series").get(pk=outcome.image_id)


def markers_around(page, stage_selector: str) -> None:
    """A at the top, P at the bottom, R on the left, L on the right of the stage."""
    stage = page.locator(stage_selector).bounding_box()
    boxes = {letter: page.locator(f"{stage_selector} [data-marker={letter}]").bounding_box() for letter in "APRL"}
    assert all(boxes.values()), boxes
    centre_x, centre_y = stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2
    assert boxes["A"]["y"] < centre_y < boxes["P"]["y"]
    assert boxes["R"]["x"] < centre_x < boxes["L"]["x"]


def scale_bar_matches(page, stage_selector: str, spacing_col_mm: float) -> str:
    bar = page.locator(f"{stage_selector} [data-scalebar]")
    assert bar.is_visible()
    scale = float(page.locator(f"{stage_selector} canvas").first.get_attribute("data-scale"))
    mm, px = float(bar.get_attribute("data-mm")), float(bar.get_attribute("data-px"))
    assert abs(px * spacing_col_mm / scale - mm) < 0.05 * mm  # the bar is as long as it says
    assert abs(page.locator(f"{stage_selector} .viewer-scalebar-line").bounding_box()["width"] - px) < 2
    return bar.inner_text()


def test_the_viewer_shows_the_l1_l2_slice_upright_with_markers_and_a_scale_bar(
    live_server, make_user, l1_l2, page, screenshot_dir
):
    sign_in(page, live_server.url, "uploader", PASSWORD)  # clinicians see the studies they uploaded
    page.goto(f"{live_server.url}/studies/{l1_l2.series.study_id}/")
    page.wait_for_function("() => document.querySelector('.viewer-canvas')?.dataset.imageId")
    markers_around(page, "[data-viewer] .viewer-stage")
    before = scale_bar_matches(page, "[data-viewer] .viewer-stage", l1_l2.spacing_col_mm)
    assert page.evaluate(BONE_BELOW_MIDDLE, "[data-viewer] .viewer-canvas") > 0.8
    page.screenshot(path=str(screenshot_dir / "viewer-orientation-l1-l2.png"))
    page.locator("[data-viewer] .viewer-stage").focus()
    for _ in range(4):
        page.keyboard.press("+")
    page.wait_for_function("() => Number(document.querySelector('.viewer-canvas').dataset.scale) > 2")
    assert scale_bar_matches(page, "[data-viewer] .viewer-stage", l1_l2.spacing_col_mm) != before


@pytest.mark.usefixtures("label_set")
def test_the_labelling_canvas_shows_markers_and_a_scale_bar(live_server, make_user, l1_l2, page, screenshot_dir):
    user, password = make_user("labeller")
    sign_in(page, live_server.url, user.username, password)
    open_workspace(page, live_server.url, l1_l2)
    markers_around(page, ".ls-stage")
    scale_bar_matches(page, ".ls-stage", l1_l2.spacing_col_mm)
    assert page.evaluate(BONE_BELOW_MIDDLE, ".ls-canvas") > 0.8
    page.screenshot(path=str(screenshot_dir / "labelling-orientation-l1-l2.png"))

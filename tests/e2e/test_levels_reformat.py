"""A clinician opens a whole series: the sagittal reformat shows beside the axial viewer with the detected levels,
a click on it (or ↑ ↓) moves the axial slice, and choosing a slice far from the detected L3 shows the override
warning."""

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def series_study(transactional_db, make_user):
    """A 49-slice phantom series T11-L4 uploaded by a clinician; ingest detected its levels."""
    import studies.tasks  # noqa: F401  (registers the post-processing and level tasks that ingest enqueues)
    from studies.models import Series
    from studies.services import upload_ingest
    from tests.studies.uploads import zip_upload
    from tests.studies.volumes import series_files, volume

    clinician, password = make_user("clinician", name="dr-spine")
    outcomes = upload_ingest(files=[zip_upload("series.zip", series_files(volume(1, "T11", "L4")))], user=clinician)
    series = Series.objects.get(images__pk=outcomes[0].image_id)
    assert series.levels_l3_image_id, series.levels_message
    return {"series": series, "user": clinician, "password": password}


def current_z(page) -> float:
    return float(page.get_attribute(".reformat-canvas", "data-current-z"))


def test_the_sagittal_view_moves_the_axial_slice_and_a_far_l3_choice_warns(
    transactional_db, live_server, series_study, page
):
    series = series_study["series"]
    page.set_viewport_size({"width": 1440, "height": 1000})
    sign_in(page, live_server.url, series_study["user"].username, series_study["password"])
    page.goto(f"{live_server.url}/studies/{series.study_id}/")

    # Opened on the detected L3, which the sagittal view marks; the detector's message is shown.
    page.wait_for_selector(".reformat-canvas[data-plane=sagittal]")
    page.wait_for_selector(f"[data-viewer][data-image-id='{series.levels_l3_image_id}']")
    assert "L3 found" in page.inner_text("[data-level-detection]")
    assert "detected automatically" in page.inner_text("[data-level-status]")
    assert current_z(page) == pytest.approx(series.levels_l3_z_mm, abs=0.01)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "levels-sagittal-1440.png"), full_page=True)

    # A click near the top of the sagittal image shows an axial slice far above L3 (in T11-T12).
    box = page.locator(".reformat-stage").bounding_box()
    canvas = page.locator(".reformat-canvas")
    top, height = float(canvas.get_attribute("data-image-top")), float(canvas.get_attribute("data-image-height"))
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + top + 0.08 * height)
    page.wait_for_function(
        f"() => Number(document.querySelector('.reformat-canvas').dataset.currentZ) > {series.levels_l3_z_mm + 40}"
    )
    far_z = current_z(page)

    # ↓ on the focused sagittal view steps one slice down the body, ↑ back up.
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"() => Number(document.querySelector('.reformat-canvas').dataset.currentZ) < {far_z}")
    page.keyboard.press("ArrowUp")
    page.wait_for_function(f"() => Number(document.querySelector('.reformat-canvas').dataset.currentZ) === {far_z}")

    # Marking this far slice as L3 keeps the choice, warns, and says it is an override.
    page.click("[data-mark-level]")
    warning = page.locator("[data-level-warning]")
    warning.wait_for(state="visible")
    assert "above the detected L3" in warning.inner_text() and "manual override" in warning.inner_text()
    assert page.get_attribute("[data-level-status]", "data-level-source") == "manual_override"
    page.screenshot(path=str(SCREENSHOTS / "levels-override-1440.png"), full_page=True)

    # The coronal view draws the same levels.
    page.click("[data-plane=coronal]")
    page.wait_for_selector(".reformat-canvas[data-plane=coronal]")
    page.screenshot(path=str(SCREENSHOTS / "levels-coronal-1440.png"))
    page.click("[data-plane=sagittal]")

    # Accepting the detected L3 goes back to it and clears the warning.
    page.click("[data-accept-level]")
    page.wait_for_selector("[data-level-status][data-level-source=confirmed]")
    assert page.locator("[data-level-warning]").is_hidden()
    assert page.get_attribute("[data-viewer]", "data-image-id") == str(series.levels_l3_image_id)

"""A labeller who draws muscle only says so on the labelling page: unticking liver is refused while the mask
still paints liver, and once the liver is erased the saved revision covers muscle only."""

import numpy as np
import pytest

from tests.e2e.helpers import sign_in
from tests.e2e.test_labelling import click_image, ct_image, label_set, local_mask, open_workspace, wait_saved

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
__all__ = ["ct_image", "label_set"]  # fixtures shared with test_labelling


def annotation_of(page, base_url, image) -> dict:
    return page.request.get(f"{base_url}/api/images/{image.pk}/annotation").json()


def test_a_labeller_unticks_liver_erases_it_and_saves_a_muscle_only_mask(
    live_server, make_user, ct_image, page, screenshot_dir
):
    from annotations.services import prelabel_store

    prelabel = np.zeros((ct_image.rows, ct_image.columns), dtype=np.uint8)
    prelabel[250:300, 150:250] = 1
    prelabel[100:140, 300:340] = 2  # the model's liver, which this site does not draw
    prelabel_store(image=ct_image, mask=prelabel, model_version_id=5, model_version_name="base-v1", uncertainty=0.3)
    labeller, password = make_user("labeller", name="mona")
    sign_in(page, live_server.url, labeller.username, password)
    open_workspace(page, live_server.url, ct_image)
    assert page.locator("[data-covers=muscle]").is_checked() and page.locator("[data-covers=liver]").is_checked()

    page.locator("[data-covers=liver]").uncheck()
    warning = page.locator("[data-coverage-warning]")
    assert warning.is_visible() and "liver (1600 px)" in warning.inner_text()
    page.screenshot(path=str(screenshot_dir / "labelling-coverage-warning.png"))
    page.keyboard.press("Control+s")
    page.locator("[data-notice]").wait_for(state="visible")
    assert "Not saved" in page.locator("[data-notice]").inner_text()
    assert annotation_of(page, live_server.url, ct_image)["status"] == "none", "nothing was sent"

    page.click("[data-coverage-action=erase]")
    assert not (local_mask(page, ct_image) == 2).any() and (local_mask(page, ct_image) == 1).sum() == 5000
    assert warning.is_hidden(), "the warning clears once the liver is erased"
    page.keyboard.press("Control+z")
    assert warning.is_visible(), "undo brings the liver, and the warning, back"
    page.keyboard.press("2")  # liver, erased by hand this time with the lasso (it erases the active label)
    page.keyboard.press("Shift+P")
    for point in [(290, 90), (350, 90), (350, 150), (290, 150)]:
        click_image(page, point)
    page.keyboard.press("Enter")
    assert not (local_mask(page, ct_image) == 2).any()
    assert warning.is_hidden() and page.locator("[data-notice]").is_hidden(), "the refusal notice goes with it"
    page.keyboard.press("Control+s")
    wait_saved(page)
    revision = annotation_of(page, live_server.url, ct_image)["current_revision"]
    assert revision["labels_covered"] == ["muscle"] and revision["covers_every_label"] is False
    assert revision["counts"] == {"muscle": 5000, "liver": 0}
    assert revision["pixels_changed_from_prelabel"] == 0, "erasing an uncovered label is not a correction"
    page.screenshot(path=str(screenshot_dir / "labelling-coverage-muscle-only.png"))

    open_workspace(page, live_server.url, ct_image)
    assert page.locator("[data-covers=muscle]").is_checked(), "the coverage is loaded from the revision"
    assert not page.locator("[data-covers=liver]").is_checked()

    page.click("[data-page-action=submit]")
    page.wait_for_selector("[data-status-badge]:text('submitted')")
    reviewer, password = make_user("reviewer", name="ravi")
    page.context.clear_cookies()
    sign_in(page, live_server.url, reviewer.username, password)
    page.goto(f"{live_server.url}/review/images/{ct_image.pk}/")
    page.wait_for_selector("[data-review][data-ready=true]")
    assert page.locator("[data-labels-covered]").inner_text() == "muscle only"
    assert page.locator("[data-count=removed]").inner_text() == "0", "the liver left out is not shown as removed"
    page.screenshot(path=str(screenshot_dir / "labelling-review-muscle-only.png"))

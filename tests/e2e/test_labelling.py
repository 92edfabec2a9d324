"""Labellers paint, erase, undo, save and submit masks in the workspace; a reviewer accepts them.

Drives the real pages in Chromium (fixtures in tests/e2e/conftest.py). The page exposes
window.__workspace (editor, mask, hu, saver, stage) so tests read the mask the labeller sees, and they
compare it with what the API stored.
"""

import base64
import io

import numpy as np
import pytest
from PIL import Image as PILImage

from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEFAULT_LABELS = [{"value": 1, "name": "muscle", "color": "#e5484d"}, {"value": 2, "name": "liver", "color": "#3e63dd"}]

# The local mask as base64, and where an image pixel is on screen (client coordinates).
READ_MASK = """() => {
  const data = window.__workspace.mask.data;
  let text = '';
  for (let i = 0; i < data.length; i += 8192) text += String.fromCharCode(...data.subarray(i, i + 8192));
  return btoa(text);
}"""
SCREEN_POINT = """([x, y]) => {
  const stage = window.__workspace.stage;
  const box = stage.element.getBoundingClientRect();
  const point = stage.fromImage({ x, y });
  return [box.left + point.x, box.top + point.y];
}"""


@pytest.fixture
def label_set(transactional_db):
    """The default label set (a data migration makes it; transactional tests truncate it after each test)."""
    from annotations.models import LabelSet

    found, _ = LabelSet.objects.get_or_create(
        name="body-composition", defaults={"labels": DEFAULT_LABELS, "is_default": True}
    )
    return found


@pytest.fixture
def ct_image(transactional_db, make_user, ct_dir, label_set):
    """One real GE slice (512x512, train or test split as ingest decides), uploaded by a clinician."""
    import studies.tasks  # noqa: F401  (registers the post-processing task that ingest enqueues)
    from studies.models import Image
    from studies.services import upload_ingest
    from tests.studies.uploads import named_upload

    uploader, _ = make_user("clinician", name="uploader")
    outcomes = upload_ingest(files=[named_upload(ct_dir / "ge-lightspeed-liver-3slice" / "01.dcm")], user=uploader)
    assert outcomes[0].status == "stored", outcomes[0]
    return Image.objects.get(pk=outcomes[0].image_id)


def wait_ready(page, root="[data-workspace]"):
    page.wait_for_selector(f"{root}[data-ready]")
    status = page.locator(f"{root} [role=status]").first.inner_text()
    assert page.locator(root).get_attribute("data-ready") == "true", f"the page failed to load: {status}"


def open_workspace(page, base_url, image):
    page.goto(f"{base_url}/label/images/{image.pk}/")
    wait_ready(page)


def local_mask(page, image) -> np.ndarray:
    raw = base64.b64decode(page.evaluate(READ_MASK))
    return np.frombuffer(raw, dtype=np.uint8).reshape(image.rows, image.columns)


def server_mask(page, image) -> tuple[np.ndarray, dict]:
    response = page.request.get(f"{page.url.split('/label/')[0]}/api/images/{image.pk}/annotation/mask")
    assert response.ok, response.text()
    return np.array(PILImage.open(io.BytesIO(response.body()))), response.headers


def hu_of(page, image) -> np.ndarray:
    values = page.evaluate("() => Array.from(window.__workspace.hu)")
    return np.array(values, dtype=np.int16).reshape(image.rows, image.columns)


def drag(page, points, steps=12):
    """A left-button drag through image-pixel points."""
    screen = [page.evaluate(SCREEN_POINT, list(point)) for point in points]
    page.mouse.move(*screen[0])
    page.mouse.down()
    for x, y in screen[1:]:
        page.mouse.move(x, y, steps=steps)
    page.mouse.up()


def wait_saved(page):
    page.wait_for_function(
        "() => { const d = document.querySelector('[data-workspace]').dataset;"
        " return d.dirty === 'false' && d.saveState === 'idle'; }"
    )


def in_page_put(page, image, mask: np.ndarray) -> None:
    """Another tab saves first: GET the current ETag, PUT a different mask with it."""
    buffer = io.BytesIO()
    PILImage.fromarray(mask, mode="L").save(buffer, format="PNG")
    status = page.evaluate(
        """async ([url, png]) => {
          const etag = (await fetch(url)).headers.get('ETag');
          const body = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
          const token = document.querySelector('meta[name=csrf-token]').content;
          const answer = await fetch(url + '/mask', { method: 'PUT', body, headers: {
            'Content-Type': 'image/png', 'If-Match': etag, 'X-Active-Seconds': '1', 'X-CSRFToken': token } });
          return answer.status;
        }""",
        [f"/api/images/{image.pk}/annotation", base64.b64encode(buffer.getvalue()).decode()],
    )
    assert status == 200, status


def test_a_labeller_corrects_a_prelabel_with_brush_eraser_and_undo_then_saves_and_submits(
    live_server, make_user, ct_image, label_set, page, screenshot_dir
):
    from annotations.services import prelabel_store

    prelabel = np.zeros((ct_image.rows, ct_image.columns), dtype=np.uint8)
    prelabel[200:240, 150:200] = 1
    prelabel_store(
        image=ct_image, mask=prelabel, model_version_id=7, model_version_name="vnet-base-v3", uncertainty=0.4
    )
    labeller, password = make_user("labeller", name="lea")
    sign_in(page, live_server.url, labeller.username, password)

    page.goto(f"{live_server.url}/label/")
    page.wait_for_url(f"**/label/images/{ct_image.pk}/**")
    wait_ready(page)
    assert "vnet-base-v3" in page.locator("[data-provenance]").inner_text()
    start = local_mask(page, ct_image)
    assert (start == prelabel).all(), "the mask starts from the pre-label"

    page.keyboard.press("b")
    drag(page, [(120, 300), (300, 300), (300, 330)])
    painted = local_mask(page, ct_image)
    assert (painted == 1).sum() > prelabel.sum() + 1000, "the brush stroke painted muscle"
    assert (painted[300, 130:290] == 1).all()

    page.keyboard.press("e")
    drag(page, [(150, 300), (250, 300)])
    erased = local_mask(page, ct_image)
    assert (erased[300, 160:240] == 0).all(), "the eraser cleared its path"
    assert (erased == 1).sum() < (painted == 1).sum()

    page.keyboard.press("Control+z")
    assert (local_mask(page, ct_image) == painted).all(), "undo restores the mask before the erase"
    page.keyboard.press("Control+Shift+z")
    assert (local_mask(page, ct_image) == erased).all(), "redo erases again"

    page.keyboard.press("?")
    help_rows = page.locator("[data-help-keys] tr")
    assert page.locator("[data-help]").is_visible()
    assert help_rows.count() == page.evaluate(
        "async () => (await import('/static/js/labelling/keymap.js')).helpRows().length"
    )
    assert "Ctrl+Shift+Z" in page.locator("[data-help]").inner_text()
    page.screenshot(path=str(screenshot_dir / "labelling-workspace-help.png"))
    page.keyboard.press("?")
    assert page.locator("[data-help]").is_hidden()

    assert page.locator("[data-workspace]").get_attribute("data-dirty") == "true"
    page.keyboard.press("Control+s")
    wait_saved(page)
    stored, headers = server_mask(page, ct_image)
    assert (stored == erased).all(), "the server stored exactly the pixels on the page"
    assert headers["x-mask-source"] == "annotation"
    annotation = page.request.get(f"{live_server.url}/api/images/{ct_image.pk}/annotation").json()
    assert annotation["status"] == "draft"
    assert annotation["current_revision"]["source"] == "corrected"
    assert annotation["current_revision"]["prelabel_model_version_name"] == "vnet-base-v3"
    assert annotation["current_revision"]["pixels_changed_from_prelabel"] == int((erased != prelabel).sum())
    assert annotation["current_revision"]["seconds_active"] > 0
    page.screenshot(path=str(screenshot_dir / "labelling-workspace.png"))

    page.click("[data-page-action=submit]")
    page.wait_for_selector("[data-status-badge]:text('submitted')")
    assert page.locator("[data-save-status]").inner_text().startswith("This mask is submitted")
    page.keyboard.press("b")
    drag(page, [(100, 100), (140, 100)])
    assert (local_mask(page, ct_image) == erased).all(), "a submitted mask is not editable"
    annotation = page.request.get(f"{live_server.url}/api/images/{ct_image.pk}/annotation").json()
    assert annotation["status"] == "submitted"


def test_the_hu_brush_paints_only_pixels_inside_the_hu_range(live_server, make_user, ct_image, page):
    labeller, password = make_user("labeller", name="hugo")
    sign_in(page, live_server.url, labeller.username, password)
    open_workspace(page, live_server.url, ct_image)
    assert "from scratch" in page.locator("[data-provenance]").inner_text()
    hu = hu_of(page, ct_image)
    row = ct_image.rows // 2
    # Start in the air left of the body and end inside it: the stroke covers air and soft tissue.
    body = np.nonzero((hu[row] >= -29) & (hu[row] <= 150))[0]
    assert body.size, "the middle row crosses soft tissue"
    x0, x1 = max(0, int(body[0]) - 40), int(body[0]) + 60
    page.keyboard.press("h")
    for _ in range(6):
        page.keyboard.press("]")
    size = page.evaluate("() => window.__workspace.editor.state.brushSize")
    drag(page, [(x0, row), (x1, row)])

    mask = local_mask(page, ct_image)
    painted = mask == 1
    assert painted.sum() > 50, "the HU brush painted the soft tissue under it"
    assert ((hu[painted] >= -29) & (hu[painted] <= 150)).all(), "every painted pixel is inside -29..150 HU"
    half = size // 2
    swept = hu[row - half + 1 : row + half, x0 : x1 + 1]
    assert ((swept < -29) | (swept > 150)).sum() > 100, "the stroke crossed pixels outside the range (air, fat)"

    # An edited range is honoured too: 0..40 HU only.
    page.fill("[data-control=hu-lo]", "0")
    page.fill("[data-control=hu-hi]", "40")
    before = mask.copy()
    drag(page, [(x0, row + 30), (x1, row + 30)])
    new = (local_mask(page, ct_image) == 1) & (before == 0)
    assert new.sum() > 0 and ((hu[new] >= 0) & (hu[new] <= 40)).all()


def test_a_stale_save_shows_the_conflict_and_keeps_the_local_mask(
    live_server, make_user, ct_image, page, screenshot_dir
):
    labeller, password = make_user("labeller", name="kai")
    sign_in(page, live_server.url, labeller.username, password)
    open_workspace(page, live_server.url, ct_image)
    page.keyboard.press("b")
    drag(page, [(200, 250), (320, 250)])
    ours = local_mask(page, ct_image)
    assert (ours == 1).sum() > 500

    theirs = np.zeros_like(ours)
    theirs[50:60, 50:60] = 2
    in_page_put(page, ct_image, theirs)

    page.keyboard.press("Control+s")
    conflict = page.locator("[data-conflict]")
    conflict.wait_for(state="visible")
    assert "someone else saved this mask; your edits are kept" in conflict.inner_text().lower()
    assert page.locator("[data-workspace]").get_attribute("data-save-state") == "conflict"
    assert (local_mask(page, ct_image) == ours).all(), "the local mask is kept after the 412"
    assert (server_mask(page, ct_image)[0] == theirs).all(), "the other save was not overwritten silently"
    page.screenshot(path=str(screenshot_dir / "labelling-workspace-conflict.png"))

    # Loading theirs is one undoable step: our pixels come back with Ctrl+Z.
    page.click("[data-conflict-action=theirs]")
    page.wait_for_function("() => document.querySelector('[data-workspace]').dataset.saveState === 'idle'")
    assert (local_mask(page, ct_image) == theirs).all()
    page.keyboard.press("Control+z")
    assert (local_mask(page, ct_image) == ours).all()

    # Ours again, saved over theirs as a new revision with the reloaded ETag.
    page.keyboard.press("Control+s")
    wait_saved(page)
    assert (server_mask(page, ct_image)[0] == ours).all()

    # Another stale save, resolved with "overwrite with mine".
    in_page_put(page, ct_image, theirs)
    drag(page, [(200, 280), (260, 280)])
    ours = local_mask(page, ct_image)
    page.keyboard.press("Control+s")
    conflict.wait_for(state="visible")
    page.click("[data-conflict-action=overwrite]")
    wait_saved(page)
    assert conflict.is_hidden()
    assert (server_mask(page, ct_image)[0] == ours).all()


def test_a_reviewer_sees_the_changes_from_the_prelabel_and_accepts(
    live_server, make_user, ct_image, label_set, page, screenshot_dir
):
    from annotations.masks import mask_encode
    from annotations.selectors import annotation_find
    from annotations.services import annotation_mask_save, annotation_submit, prelabel_store

    prelabel = np.zeros((ct_image.rows, ct_image.columns), dtype=np.uint8)
    prelabel[200:260, 150:250] = 1
    prelabel_store(image=ct_image, mask=prelabel, model_version_id=3, model_version_name="vnet-ge-v1", uncertainty=0.2)
    corrected = prelabel.copy()
    corrected[200:260, 150:170] = 0  # 1200 removed
    corrected[260:270, 150:250] = 1  # 1000 added
    corrected[100:110, 300:330] = 2  # 300 added (liver)
    labeller, _ = make_user("labeller", name="lina")
    annotation_mask_save(
        image=ct_image,
        label_set=label_set,
        author=labeller,
        png=mask_encode(corrected),
        expected_version=0,
        seconds_active=95.0,
    )
    saved = annotation_find(image_id=ct_image.pk, label_set=label_set)
    annotation_submit(image=ct_image, label_set=label_set, user=labeller, expected_version=saved.version)

    reviewer, password = make_user("reviewer", name="rita")
    sign_in(page, live_server.url, reviewer.username, password)
    page.goto(f"{live_server.url}/review/")
    row = page.locator(f"[data-review-list] tr[data-image-id='{ct_image.pk}']")
    assert "lina" in row.inner_text()
    page.screenshot(path=str(screenshot_dir / "labelling-review-list.png"), full_page=True)
    row.locator("a").last.click()
    wait_ready(page, "[data-review]")
    assert page.locator("[data-count=added]").inner_text() == "1,300"
    assert page.locator("[data-count=removed]").inner_text() == "1,200"
    assert page.locator("[data-count=changed]").inner_text() == "2,500"
    page.screenshot(path=str(screenshot_dir / "labelling-review.png"))

    # The reviewer fixes a corner before accepting: the workspace opens for the correction, not locked.
    page.click("[data-correct]")
    wait_ready(page)
    assert "Correcting lina's submitted mask" in page.locator("[data-notice]").inner_text()
    assert not page.locator('[data-page-action="submit"]').is_visible()
    page.keyboard.press("b")
    drag(page, [(300, 300), (330, 300)])
    page.keyboard.press("Control+s")
    wait_saved(page)
    assert page.locator("[data-provenance]").inner_text().startswith("Revision 2 by rita")
    page.screenshot(path=str(screenshot_dir / "labelling-review-correction.png"))
    fixed = local_mask(page, ct_image)
    page.click('[data-page-action="next"]')
    wait_ready(page, "[data-review]")
    assert "by rita (reviewer's correction)" in page.locator("[data-revision]").inner_text()

    page.fill("[data-comment]", "Clean edges, thanks.")
    page.click("[data-decision=accept]")
    page.wait_for_selector("[data-review][data-decision=accepted]")
    annotation = page.request.get(f"{live_server.url}/api/images/{ct_image.pk}/annotation").json()
    assert annotation["status"] == "accepted" and annotation["labeller"] == "lina"
    assert annotation["reviewer"] == "rita"
    revision = annotation["current_revision"]
    assert revision["author"] == "rita" and revision["origin"] == "review" and revision["number"] == 2
    page.goto(f"{live_server.url}/label/images/{ct_image.pk}/")  # server_mask reads from a workspace URL
    assert (server_mask(page, ct_image)[0] == fixed).all(), "the accepted mask is the corrected one"

    # A seeded ground-truth mask (0 s, nobody's work) stays out of the effort statistics.
    seeded_image(make_user, label_set)
    page.goto(f"{live_server.url}/labelling/stats/")
    page.wait_for_selector("[data-stats][data-ready=true]")
    assert page.locator("[data-chart=seconds] rect.ls-chart-bar").count() >= 1
    assert page.locator("[data-chart=versions] rect.ls-chart-bar").count() >= 1
    rows = page.locator("[data-stats] table tbody tr").all_inner_texts()
    assert len(rows) == 1 and "lina" in rows[0] and "95.0" in rows[0], rows
    page.screenshot(path=str(screenshot_dir / "labelling-stats.png"), full_page=True)


def seeded_image(make_user, label_set):
    """A second GE slice with an accepted mask imported as ground truth, as the demo seeds them."""
    from annotations.services import annotation_import_accepted
    from studies.models import Image
    from studies.services import upload_ingest
    from tests.conftest import SHARED_CT
    from tests.e2e.conftest import SerialWSGIServer
    from tests.studies.uploads import named_upload

    with SerialWSGIServer.lock:
        uploader = make_user("clinician", name="seed-uploader")[0]
        path = SHARED_CT / "ge-lightspeed-liver-3slice" / "02.dcm"
        image = Image.objects.get(pk=upload_ingest(files=[named_upload(path)], user=uploader)[0].image_id)
        mask = np.zeros((image.rows, image.columns), np.uint8)
        mask[200:260, 150:250] = 1
        annotation_import_accepted(
            image=image,
            mask=mask,
            labeller=make_user("labeller", name="seeder")[0],
            reviewer=make_user("reviewer", name="seed-reviewer")[0],
            label_set=label_set,
        )


def click_image(page, point, **options):
    page.mouse.click(*page.evaluate(SCREEN_POINT, list(point)), **options)


def test_fill_lasso_island_removal_and_view_controls_work_on_the_canvas(
    live_server, make_user, ct_image, page, screenshot_dir
):
    labeller, password = make_user("labeller", name="flo")
    sign_in(page, live_server.url, labeller.username, password)
    open_workspace(page, live_server.url, ct_image)
    assert page.locator("h1 [data-status-badge]").inner_text() == "Unlabelled", 'not "None"'
    hu = hu_of(page, ct_image)
    in_range = (hu >= -29) & (hu <= 150)
    seed = tuple(int(v) for v in np.argwhere(in_range[200:300, 200:300])[0] + 200)  # (row, col) of soft tissue

    page.keyboard.press("f")
    click_image(page, (seed[1] + 0.5, seed[0] + 0.5))
    filled = local_mask(page, ct_image) == 1
    assert filled[seed] and filled.sum() > 100, "region grow filled the soft tissue around the click"
    assert in_range[filled].all(), "the fill stays inside the HU range"
    page.keyboard.press("Control+z")
    assert (local_mask(page, ct_image) == 0).all()

    page.keyboard.press("2")  # liver
    page.keyboard.press("p")
    for point in [(100, 100), (160, 100), (160, 160), (100, 160)]:
        click_image(page, point)
    page.keyboard.press("Enter")
    mask = local_mask(page, ct_image)
    assert (mask[105:155, 105:155] == 2).all() and (mask == 2).sum() == 3600, "the lasso filled its square"

    page.keyboard.press("Shift+P")
    for point in [(100, 100), (130, 100), (130, 160), (100, 160)]:
        click_image(page, point)
    page.keyboard.press("Enter")
    mask = local_mask(page, ct_image)
    assert (mask[100:160, 100:130] == 0).all() and (mask[100:160, 130:160] == 2).all(), "the lasso erased half"

    page.keyboard.press("b")
    for _ in range(6):
        page.keyboard.press("[")
    click_image(page, (300.5, 60.5))
    dotted = local_mask(page, ct_image)
    island = int((dotted[50:70, 290:310] == 2).sum())
    assert (dotted == 2).sum() == 1800 + island
    assert 0 < island < 50
    page.keyboard.press("x")
    mask = local_mask(page, ct_image)
    assert (mask[50:70, 290:310] == 0).all() and (mask == 2).sum() == 1800, (
        "the small island went, the big region stayed"
    )

    page.keyboard.press("Shift+P")  # a 6 x 6 hole in the liver, then G fills it (under the 50 px clean-up size)
    for point in [(140, 120), (146, 120), (146, 126), (140, 126)]:
        click_image(page, point)
    page.keyboard.press("Enter")
    assert (local_mask(page, ct_image) == 2).sum() == 1800 - 36
    page.keyboard.press("g")
    mask = local_mask(page, ct_image)
    assert (mask[100:160, 130:160] == 2).all() and (mask == 2).sum() == 1800, "the hole is filled, nothing else"

    canvas = page.locator(".ls-canvas")
    scale = float(canvas.get_attribute("data-scale"))
    page.mouse.move(*page.evaluate(SCREEN_POINT, [256, 256]))
    page.mouse.wheel(0, -300)
    page.wait_for_function("s => Number(document.querySelector('.ls-canvas').dataset.scale) > s", arg=scale)
    window = canvas.get_attribute("data-window")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down(button="right")
    page.mouse.move(box["x"] + 260, box["y"] + 240, steps=5)
    page.mouse.up(button="right")
    assert canvas.get_attribute("data-window") != window, "right drag changed window/level"
    assert (local_mask(page, ct_image) == mask).all(), "zooming and windowing did not paint"
    page.keyboard.press("o")
    assert page.locator("[data-control=outline]").is_checked()
    page.mouse.move(*page.evaluate(SCREEN_POINT, [200, 130]))  # the brush cursor over the lasso region
    page.screenshot(path=str(screenshot_dir / "labelling-workspace-outline-zoomed.png"))

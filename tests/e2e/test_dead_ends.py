"""Pages that used to end a walk: a duplicate upload's link to a study the uploader may not open, and the
bare 401, 403, 404 and lockout pages. Each now has the app's layout, says what happened, and offers a way back."""

import re

import pytest

from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def colleagues_study(transactional_db, make_user, ct_dir):
    """A GE slice that one clinician uploaded; the file stays on disk for a second clinician to send again."""
    import studies.tasks  # noqa: F401  (registers the post-processing task that ingest enqueues)
    from studies.services import upload_ingest
    from tests.studies.uploads import named_upload

    path = ct_dir / "ge-lightspeed-liver-3slice" / "01.dcm"
    first, _ = make_user("clinician", name="dr-first")
    outcome = upload_ingest(files=[named_upload(path)], user=first)[0]
    assert outcome.status == "stored", outcome
    return {"path": path, "study_id": outcome.study_id}


def assert_app_error_page(page, code: str, way_back: str):
    """The app's top bar, a heading and an explanation, and a way back that leads somewhere."""
    assert page.locator("header.topbar .brand").is_visible()
    box = page.locator(f"[data-error-page='{code}']")
    assert box.is_visible(), f"no {code} page: {page.content()[:300]}"
    assert box.locator("h1").inner_text().strip()
    assert len(box.locator("p").all_inner_texts()) >= 2, "an error page explains itself"
    link = box.locator("[data-way-back]")
    assert link.inner_text() == way_back
    return link


def test_a_clinician_meets_explained_error_pages_with_a_way_back(
    transactional_db, live_server, make_user, colleagues_study, page, screenshot_dir, settings
):
    second, password = make_user("clinician", name="dr-second")
    sign_in(page, live_server.url, second.username, password)

    # The colleague's image again: stored already, in a study not shared with this clinician; no dead link.
    page.goto(f"{live_server.url}/upload/")
    page.set_input_files("#file-input", [colleagues_study["path"]])
    page.wait_for_selector("[data-summary][data-done=true]", timeout=60_000)
    row = page.locator("tr.upload-row[data-outcome=duplicate]")
    assert row.count() == 1
    assert "not shared with you" in row.locator("[data-not-shared]").inner_text()
    assert row.locator("a").count() == 0, "a duplicate of a study this clinician cannot open links nowhere"
    assert page.locator("[data-study-links] a").count() == 0
    page.screenshot(path=str(screenshot_dir / "upload-duplicate-not-shared.png"), full_page=True)

    # Typing the colleague's study address: a 404 in the app's layout, and back to the start page.
    response = page.goto(f"{live_server.url}/studies/{colleagues_study['study_id']}/")
    assert response.status == 404
    link = assert_app_error_page(page, "404", "Back to the start page")
    assert "not shared with you" in page.locator("h1").inner_text()
    page.screenshot(path=str(screenshot_dir / "error-404.png"), full_page=True)
    link.click()
    page.wait_for_url(f"{live_server.url}/")

    # A page of another role: a 403 that names the roles it needs and the clinician's own.
    response = page.goto(f"{live_server.url}/label/")
    assert response.status == 403
    assert_app_error_page(page, "403", "Back to the start page")
    reason = page.locator("[data-error-page='403']").inner_text()
    assert "labeller" in reason and "yours: Clinician" in reason
    page.screenshot(path=str(screenshot_dir / "error-403.png"), full_page=True)

    # Signed out, the API docs ask for a sign-in and come back to the docs after it.
    page.click("header .who button[type=submit]")
    page.wait_for_load_state()
    response = page.goto(f"{live_server.url}/api/docs/")
    assert response.status == 401
    link = assert_app_error_page(page, "401", "Sign in")
    page.screenshot(path=str(screenshot_dir / "error-401-docs.png"), full_page=True)
    link.click()
    page.fill("input[name=username]", second.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui")
    page.goto(f"{live_server.url}/")
    page.click("header .who button[type=submit]")
    page.wait_for_load_state()

    # Five wrong passwords: the lockout page says for how long, and leads back to the sign-in form.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", second.username)
        page.fill("input[name=password]", "not-the-password")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    link = assert_app_error_page(page, "locked-out", "Back to sign in")
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert page.locator("[data-lockout-duration]").inner_text() == f"{minutes} minutes"
    assert re.search(rf"Wait {minutes} minutes", page.locator("[data-error-page]").inner_text())
    page.screenshot(path=str(screenshot_dir / "error-locked-out.png"), full_page=True)
    link.click()
    page.wait_for_selector("input[name=username]")

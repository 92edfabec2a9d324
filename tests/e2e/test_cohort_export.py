"""A researcher filters a cohort in the browser, watches the count and plots follow, saves the filter,
exports CSV through a job and downloads it; the file holds exactly the filtered rows."""

import csv
from pathlib import Path

import pytest

from cohorts.selectors import cohort_rows, subject_rows
from tests.cohorts.factories import build_cohort
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def researcher_cohort(transactional_db, tmp_path, make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cohort = build_cohort(tmp_path, make_user, subjects=8)
    user, password = make_user("researcher", "rita")
    return {"cohort": cohort, "user": user, "password": password}


# Whether any two of the matched elements' boxes overlap on screen.
OVERLAPS = """(selector) => {
  const boxes = [...document.querySelectorAll(selector)].map((node) => node.getBoundingClientRect());
  return boxes.some((a, i) => boxes.slice(i + 1).some((b) =>
    a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1));
}"""


def wait_for_count(page, count: int):
    page.wait_for_selector(f"[data-cohort-page][data-state=ready][data-count='{count}']")


def test_a_researcher_filters_saves_and_downloads_the_cohort_as_csv(
    researcher_cohort, live_server, page, screenshot_dir
):
    subjects = subject_rows(filters={})  # the default unit: one row per subject and study at L3
    everyone = cohort_rows(filters={})
    women = [row for row in everyone if row["sex"] == "F"]
    assert 0 < len(women) < len(everyone)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server.url, "rita", researcher_cohort["password"])
    page.goto(f"{live_server.url}/cohorts/")
    wait_for_count(page, len(subjects))
    assert page.locator("[data-without-l3-count]").inner_text().endswith("without an L3 measurement")
    page.select_option("select[name=unit]", "image")
    wait_for_count(page, len(everyone))
    assert page.locator("[data-plot-smi] svg .cohort-box").count() >= 2
    # Every scanner's name under its box whole (wrapped, not "GE Li…"), and no two names run together.
    names = page.locator("[data-plot-smi] .cohort-plot-category").all_text_contents()
    assert names and not any("…" in name for name in names), names
    assert not page.evaluate(OVERLAPS, "[data-plot-smi] .cohort-plot-category tspan, [data-plot-smi] text[fill]")
    assert page.locator("[data-plot-hu] svg .cohort-bar").count() > 0
    page.screenshot(path=str(screenshot_dir / "cohorts-all.png"), full_page=True)

    page.select_option("select[name=sex]", "F")
    wait_for_count(page, len(women))
    assert page.locator("[data-preview] tr").count() == len(women)
    assert set(page.locator("[data-preview] tr td:nth-child(2)").all_inner_texts()) == {"F"}
    assert page.locator("[data-description]").inner_text() == "Women"

    # Ages 90 to 80 select nothing the server will count: no stale count, nothing to export.
    page.fill("input[name=age_min]", "90")
    page.fill("input[name=age_max]", "80")
    page.wait_for_selector("[data-cohort-page][data-state=error]")
    assert "age_min" in page.locator("[data-message]").inner_text()
    assert page.locator("strong[data-count]").inner_text() == "No cohort"
    assert all(button.is_disabled() for button in page.locator("[data-export]").all())
    page.screenshot(path=str(screenshot_dir / "cohorts-invalid-filter.png"), full_page=True)
    page.fill("input[name=age_min]", "")
    page.fill("input[name=age_max]", "")
    wait_for_count(page, len(women))
    assert not page.locator("[data-export=csv]").is_disabled()

    page.fill("[data-save-name]", "Women, all devices")
    page.click("[data-save]")
    page.wait_for_selector("[data-saved-list] option:text('Women, all devices')", state="attached")
    page.click("button[type=reset]")
    wait_for_count(page, len(subjects))
    page.click("[data-load]")
    wait_for_count(page, len(women))
    assert page.locator("select[name=sex]").input_value() == "F"

    page.click("[data-export=csv]")
    link = page.locator("[data-export-result] [data-download=csv]")
    link.wait_for()
    assert page.locator("[data-export-bar]").get_attribute("value") == "100"
    page.locator("[data-exports] [data-download=csv]").wait_for()
    page.screenshot(path=str(screenshot_dir / "cohorts-filtered-export.png"), full_page=True)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("muscleseed-cohort-") and download.suggested_filename.endswith(".csv")
    with Path(download.path()).open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert sorted(int(row["image_id"]) for row in rows) == sorted(row["image_id"] for row in women)
    assert {row["sex"] for row in rows} == {"F"}
    assert page.locator("[data-exports] tr").count() == 1  # the list shows this export, and only it

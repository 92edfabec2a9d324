"""An administrator at 1440 px with a realistic spread of scanners: the menu holds one line, the admin names its
models in good English, the evaluation matrix fits the page, and the labelling-stats names do not overlap."""

import numpy as np
import pytest

from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCANNERS = [
    "SIEMENS SOMATOM Definition Edge",
    "GE LightSpeed VCT",
    "Philips Brilliance 64",
    "TOSHIBA Aquilion ONE",
    "GE Revolution CT",
    "SIEMENS SOMATOM Force",
    "Canon Aquilion Prime SP",
    "Philips IQon Spectral CT",
]

# Boxes of the elements matched, and whether any two of them overlap.
OVERLAPS = """(selector) => {
  const boxes = [...document.querySelectorAll(selector)].map((node) => node.getBoundingClientRect());
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) return true;
    }
  return false;
}"""


@pytest.fixture
def spread(transactional_db, make_user):
    """Eight scanners; a base and a long-named fine-tune evaluated on each; four finished masks per labeller."""
    from annotations.masks import mask_encode
    from annotations.selectors import label_set_get
    from annotations.services import annotation_mask_save, annotation_submit
    from modelhub.models import Evaluation, ModelVersion
    from studies.models import Device, Image, Series, Study, Subject

    devices = [
        Device.objects.create(key=f"d{i}", manufacturer=name.split()[0], model_name=name, display_name=name)
        for i, name in enumerate(SCANNERS)
    ]
    base = ModelVersion.objects.create(name="unet-base-v1", status="active", arch="unet", checksum="a" * 64)
    tuned = ModelVersion.objects.create(
        name="unet-siemens-somatom-definition-edge-k5-seed3-v12",
        device=devices[0],
        parent=base,
        status="candidate",
        arch="unet",
        checksum="b" * 64,
    )
    for version in (base, tuned):
        for device in devices:
            Evaluation.objects.create(version=version, device=device, images=5, dice_mean=0.9, dice_sd=0.02)
    labeller = make_user("labeller", name="demo-labeller")[0]
    label_set = label_set_get()
    for n, device in enumerate(devices[:4]):
        subject = Subject.objects.create(pseudonym=f"MS-L{n}", split="train")
        series = Series.objects.create(
            series_uid=f"2.25.7{n}", study=Study.objects.create(study_uid=f"2.25.6{n}", subject=subject), device=device
        )
        image = Image.objects.create(
            **{"sop_uid": f"2.25.5{n}", "series": series, "device": device, "split": "train", "rows": 16},
            **{"columns": 16, "spacing_row_mm": 0.8, "spacing_col_mm": 0.8, "transfer_syntax": "1.2.840.10008.1.2.1"},
            **{"dicom_path": "", "hu_path": "", "sha256": "0" * 64},
        )
        mask = np.zeros((16, 16), np.uint8)
        mask[4:9, 4:9] = 1
        saved = annotation_mask_save(
            image=image,
            label_set=label_set,
            author=labeller,
            png=mask_encode(mask),
            expected_version=0,
            seconds_active=40.0 + n,
        )
        annotation_submit(image=image, label_set=label_set, user=labeller, expected_version=saved.version)
    return devices


def test_an_admin_at_1440_px_sees_one_menu_line_a_fitting_matrix_and_readable_charts(
    transactional_db, live_server, make_user, spread, page, screenshot_dir
):
    page.set_viewport_size({"width": 1440, "height": 900})
    admin, password = make_user("admin", name="demo-admin")
    admin.is_staff = admin.is_superuser = True  # an operator, as seed_demo_accounts makes demo-admin
    admin.save(update_fields=["is_staff", "is_superuser"])
    sign_in(page, live_server.url, admin.username, password)

    links = page.locator(".mainnav a")
    assert links.count() == 11, "an admin sees every link"
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))}
    heights = {round(links.nth(i).bounding_box()["height"]) for i in range(links.count())}
    assert len(tops) == 1 and len(heights) == 1, f"the menu wraps: tops {tops}, heights {heights}"
    menu_fits = "() => { const nav = document.querySelector('.mainnav'); return nav.scrollWidth <= nav.clientWidth; }"
    assert page.evaluate(menu_fits), "the menu scrolls: it does not fit"
    who = page.locator(".topbar .who").bounding_box()
    assert who["height"] < 30, "the account block holds one line"
    page.screenshot(path=str(screenshot_dir / "layout-1440-home.png"))

    page.goto(f"{live_server.url}/admin/")
    assert page.locator("tr.model-study th").inner_text() == "Studies"
    assert "Studys" not in page.content()

    page.goto(f"{live_server.url}/evaluation/")
    page.wait_for_selector("[data-heatmap][data-lineage=loaded]")
    assert page.locator("td[data-cell]").count() == 16
    fits = "() => { const s = document.querySelector('.heatmap-scroll'); return [s.scrollWidth, s.clientWidth]; }"
    scroll_width, client_width = page.evaluate(fits)
    assert scroll_width <= client_width, f"the matrix overflows: {scroll_width} > {client_width}"
    page.screenshot(path=str(screenshot_dir / "layout-1440-evaluation.png"), full_page=True)

    page.goto(f"{live_server.url}/labelling/stats/")
    page.wait_for_selector("[data-stats][data-ready=true]")
    assert page.locator("[data-chart=seconds] text.ls-chart-category").count() == 4
    assert not page.evaluate(OVERLAPS, "[data-chart=seconds] text.ls-chart-category tspan"), "names overlap"
    assert "SIEMENS SOMATOM" in page.locator("[data-chart=seconds]").inner_html()
    page.screenshot(path=str(screenshot_dir / "layout-1440-labelling-stats.png"), full_page=True)

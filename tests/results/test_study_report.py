"""GET /api/studies/{id}/report.png: a one-page PNG report with the overlay, numbers, source and references."""

import io

import numpy as np
from PIL import Image as PILImage

from .conftest import api_client

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def report(user, study):
    return api_client(user).get(f"/api/studies/{study.pk}/report.png")


def test_the_report_is_a_png_page_with_the_overlay_drawn(clinician, study):
    response = report(clinician, study)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)
    assert study.subject.pseudonym in response["Content-Disposition"]
    page = np.array(PILImage.open(io.BytesIO(response.content)).convert("RGB")).astype(int)
    assert page.shape == (1754, 1240, 3)
    assert (page.sum(axis=2) < 600).mean() > 0.05, "the page is (nearly) blank"
    red, green, blue = page[..., 0], page[..., 1], page[..., 2]
    assert ((red - green > 60) & (red - blue > 60)).sum() > 2000, "no muscle overlay on the page"
    assert ((blue - red > 60) & (blue - green > 40)).sum() > 2000, "no liver overlay on the page"


def test_a_study_without_measurements_still_gets_a_page_saying_so(clinician, study):
    from measurements.models import Measurement

    Measurement.objects.all().delete()
    response = report(clinician, study)
    assert response.status_code == 200 and response.content.startswith(PNG_SIGNATURE)


def test_another_clinician_cannot_download_it(make_user, study):
    assert report(make_user("clinician", name="dr-other")[0], study).status_code == 404


def test_the_report_warns_in_its_warning_colour_when_the_model_is_unverified(clinician, study):
    from measurements.report import WARN

    page = np.array(PILImage.open(io.BytesIO(report(clinician, study).content)).convert("RGB")).astype(int)
    warning_ink = (np.abs(page - np.array(WARN)).sum(axis=2) < 30).sum()
    assert warning_ink > 500, "the unverified warning is not on the page"


def test_a_study_of_several_scanners_names_each_slices_scanner_on_the_report(clinician, version, tmp_path, monkeypatch):
    from PIL import ImageDraw

    from segmentation.cohort import write_cohort
    from studies.models import Image, Study
    from studies.services import upload_ingest
    from tests.studies.uploads import named_upload

    from .conftest import drawn_mask, model_measurement

    manifest = write_cohort(tmp_path, subjects=1, devices=("A", "B", "C"), matrix=128)
    upload_ingest(files=[named_upload(tmp_path / entry["path"]) for entry in manifest["images"]], user=clinician)
    images = list(Image.objects.select_related("device"))
    for image in images:
        model_measurement(image, version, drawn_mask(image))
    written = []
    draw_text = ImageDraw.ImageDraw.text
    monkeypatch.setattr(
        ImageDraw.ImageDraw,
        "text",
        lambda self, xy, text, **kw: written.append(text) or draw_text(self, xy, text, **kw),
    )
    assert report(clinician, Study.objects.get()).status_code == 200
    page = " ".join(written)  # a wrapped line is split where a space was
    for image in images:
        assert f"1 of 1 · {image.device.display_name}" in page, page
    assert "Devices" in written

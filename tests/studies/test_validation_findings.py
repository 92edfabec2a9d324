"""What the outside review found in validation: absurd rescale, screen captures filed as CT, JPEG-LS, internal
exception text in reasons, and Django's own 400s on /api/."""

from pathlib import Path

import numpy as np
import pytest
from pydicom import uid

from studies.dicomio import IngestRejected, read_ct
from tests.studies import corpus
from tests.studies.uploads import bytes_upload

corpus.skip_module_without_real_ct()


def refused(path: Path) -> IngestRejected:
    with pytest.raises(IngestRejected) as caught:
        read_ct(path.read_bytes(), path.name)
    return caught.value


@pytest.mark.parametrize("slope", ["1e300", "1e-9", "-5000"])
def test_an_absurd_rescale_slope_is_refused_naming_it(slope: str, tmp_path: Path) -> None:
    ds = corpus.small_dataset()
    ds.RescaleSlope = slope
    rejected = refused(corpus.write(ds, tmp_path / "slope.dcm"))
    assert rejected.code == "bad_rescale" and "RescaleSlope" in rejected.reason


@pytest.mark.parametrize("image_type", [r"DERIVED\SECONDARY\SCREEN SAVE", r"DERIVED\SECONDARY\SCREENSHOT"])
def test_a_screen_capture_filed_under_the_ct_sop_class_is_refused(image_type: str, tmp_path: Path) -> None:
    ds = corpus.small_dataset()
    ds.ImageType = image_type
    assert ds.SOPClassUID == uid.CTImageStorage
    rejected = refused(corpus.write(ds, tmp_path / "capture.dcm"))
    assert rejected.code == "secondary_capture" and "screen capture" in rejected.reason


def test_a_derived_axial_reformat_is_still_accepted(tmp_path: Path) -> None:
    ds = corpus.small_dataset()
    ds.ImageType = r"DERIVED\SECONDARY\AXIAL"
    assert read_ct(corpus.write(ds, tmp_path / "reformat.dcm").read_bytes(), "reformat.dcm").rows == 128


def test_jpeg_ls_lossless_is_decoded_to_exactly_the_original_pixels(tmp_path: Path) -> None:
    """The README lists JPEG-LS because the installed decoder really decodes it (pylibjpeg-libjpeg)."""
    ds = corpus.small_dataset()
    original = read_ct(corpus.GE_SMALL.read_bytes(), "original.dcm")
    ds.compress(uid.JPEGLSLossless)
    parsed = read_ct(corpus.write(ds, tmp_path / "jpeg-ls.dcm").read_bytes(), "jpeg-ls.dcm")
    assert parsed.transfer_syntax_uid == uid.JPEGLSLossless
    assert np.array_equal(parsed.hu, original.hu)
    assert "JPEG-LS" in (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_a_reason_never_echoes_the_text_of_an_internal_exception(monkeypatch, tmp_path: Path) -> None:
    from studies.dicomio import reader

    def explode(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded in /srv/app/pydicom/dataset.py line 1234")

    monkeypatch.setattr(reader, "_check_kind", explode)
    rejected = refused(corpus.GE_SMALL)
    assert rejected.code == "undecodable"
    assert "recursion" not in rejected.reason.lower() and "/srv" not in rejected.reason


def test_a_decoder_failure_reason_names_the_syntax_but_not_the_decoders_message(tmp_path: Path) -> None:
    rejected = refused(corpus.build_undecodable_j2k(tmp_path))
    assert rejected.code == "undecodable"
    assert rejected.reason.endswith("could not be decoded")


def test_too_many_files_in_one_upload_answers_json_on_the_api(client_for, settings) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    client = client_for("clinician")
    client.raise_request_exception = False
    files = [bytes_upload(f"{i}.dcm", b"x") for i in range(3)]
    response = client.post("/api/studies/", {"files": files}, format="multipart")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "too_many_files"


def test_a_body_too_big_and_a_bad_host_answer_json_on_the_api(client_for, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    client = client_for("ml_lead")
    client.raise_request_exception = False
    response = client.post("/api/inference/", {"all": True, "padding": "x" * 500}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "body_too_large"
    response = client.get("/api/me/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and response.json()["code"] == "bad_host"

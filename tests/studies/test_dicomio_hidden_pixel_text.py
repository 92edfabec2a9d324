"""Text hidden in pixel data (JPEG comments, bytes after the last pixel) never reaches storage, and the audit
finds it wherever it sits in a file's bytes."""

import io
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom import uid
from pydicom.dataset import Dataset

from studies.dicomio import deidentify, find_identifying, pseudonym_for, read_ct
from studies.dicomio.audit import identifying_values
from tests.studies import corpus

corpus.skip_module_without_real_ct()

SALT = b"test-salt-not-secret"
HIDDEN = "Patient: DOE^JOHN MRN 12345 DOB 19600101"
LEAKS = ("DOE^JOHN", "MRN 12345", "19600101")


def identified_small() -> Dataset:
    ds = corpus.small_dataset()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "DOE^JOHN", "12345", "19600101"
    return ds


def with_comment(jpeg: bytes, text: str) -> bytes:
    """A COM segment right after SOI, where encoders put theirs."""
    payload = text.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def build_jpeg_with_comment(tmp_path: Path) -> Path:
    """A small CT as 8-bit baseline JPEG (Pillow) whose COM segment names the patient."""
    ds = corpus.as_jpeg_baseline(identified_small(), lambda jpeg: with_comment(jpeg, HIDDEN))
    return corpus.write(ds, tmp_path / "jpeg-with-comment.dcm")


def build_native_with_trailer(tmp_path: Path) -> Path:
    """Uncompressed pixels followed by 4.6 KB of text the header does not account for."""
    ds = identified_small()
    trailer = (HIDDEN + "\n") * 112  # 4.6 KB, even length
    ds.PixelData = ds.PixelData + trailer.encode()
    return corpus.write(ds, tmp_path / "native-with-trailer.dcm")


def stored(path: Path) -> bytes:
    parsed = read_ct(path.read_bytes(), path.name)
    return deidentify(parsed, SALT, pseudonym_for(parsed.subject_key, SALT))


@pytest.mark.parametrize("build", [build_jpeg_with_comment, build_native_with_trailer])
def test_text_hidden_in_pixel_data_is_not_stored(build, tmp_path: Path) -> None:
    path = build(tmp_path)
    output = stored(path)
    assert [leak for leak in LEAKS if leak.encode() in output] == []
    original_values = identifying_values(pydicom.dcmread(path))
    assert find_identifying(output, original_values=original_values) == []


@pytest.mark.parametrize("build", [build_jpeg_with_comment, build_native_with_trailer])
def test_stored_pixel_data_is_exactly_the_decoded_pixels(build, tmp_path: Path) -> None:
    path = build(tmp_path)
    parsed = read_ct(path.read_bytes(), path.name)
    written = pydicom.dcmread(io.BytesIO(stored(path)))
    assert written.file_meta.TransferSyntaxUID == uid.ExplicitVRLittleEndian
    assert len(written.PixelData) == written.Rows * written.Columns * written.BitsAllocated // 8
    assert np.array_equal(read_ct(stored(path), "again.dcm").hu, parsed.hu)


def test_the_audit_finds_a_jpeg_comment_in_encapsulated_pixel_data(tmp_path: Path) -> None:
    source = pydicom.dcmread(build_jpeg_with_comment(tmp_path))
    leaky = pydicom.dcmread(io.BytesIO(stored(tmp_path / "jpeg-with-comment.dcm")))
    leaky.file_meta.TransferSyntaxUID = uid.JPEGBaseline8Bit
    leaky.PixelData = source.PixelData  # what storing the stream byte for byte did
    problems = find_identifying(_bytes(leaky), original_values=identifying_values(source))
    assert any("COM segments" in problem for problem in problems), problems
    assert any("JOHN" in problem for problem in problems), problems


def test_the_audit_finds_bytes_after_the_last_native_pixel(tmp_path: Path) -> None:
    source = pydicom.dcmread(build_native_with_trailer(tmp_path))
    leaky = pydicom.dcmread(io.BytesIO(stored(tmp_path / "native-with-trailer.dcm")))
    leaky.PixelData = source.PixelData  # what keeping the value whole did
    problems = find_identifying(_bytes(leaky), original_values=identifying_values(source))
    assert any("4592 bytes after the last pixel" in problem for problem in problems), problems
    assert any("19600101" in problem for problem in problems), problems


def _bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@pytest.mark.django_db
def test_an_upload_with_a_jpeg_comment_is_stored_without_it_and_passes_the_audit(client_for, media_root, tmp_path):
    from studies import storage
    from studies.models import Image
    from tests.studies.uploads import named_upload

    response = client_for("clinician").post(
        "/api/studies/", {"files": [named_upload(build_jpeg_with_comment(tmp_path))]}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    content = storage.read_bytes(Image.objects.get().dicom_path)
    assert [leak for leak in LEAKS if leak.encode() in content] == []
    assert find_identifying(content, original_values=identifying_values(identified_small())) == []


@pytest.mark.django_db
def test_ingest_refuses_a_file_the_audit_finds_identifying_and_stores_nothing(
    client_for, media_root, tmp_path, monkeypatch
):
    from studies import services
    from studies.models import Image
    from tests.studies.uploads import named_upload

    path = build_native_with_trailer(tmp_path)
    leaky = pydicom.dcmread(path)  # as if de-identification had kept the whole pixel value
    leaky.PatientName = leaky.PatientID = "MS-AAAAAAAAAA"
    monkeypatch.setattr(services, "deidentify", lambda parsed, salt, pseudonym: _bytes(leaky))
    response = client_for("clinician").post("/api/studies/", {"files": [named_upload(path)]}, format="multipart")
    result = response.json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "deid_failed")
    assert "DOE" not in result["reason"]
    assert Image.objects.count() == 0
    assert not [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else True

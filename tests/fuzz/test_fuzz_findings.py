"""One focused test per bug the upload fuzzer found (each answered HTTP 500 before its fix)."""

import io
import struct
import zipfile

import pydicom
import pytest

from studies import services
from studies.dicomio import IngestRejected, iter_upload, read_ct
from studies.models import Image
from tests.studies import corpus
from tests.studies.uploads import bytes_upload, named_upload


def lzma_zip_with_corrupt_data() -> bytes:
    """A well-formed zip whose one LZMA member holds bytes the LZMA decoder refuses."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_LZMA) as archive:
        archive.writestr("slice.dcm", b"x" * 4000)
    data = bytearray(buffer.getvalue())
    start = 30 + len("slice.dcm") + 4  # local header, name, then LZMA's own 4-byte properties header
    data[start : start + 16] = b"\xff" * 16
    return bytes(data)


def test_it_refuses_a_zip_whose_lzma_member_is_corrupt():
    with pytest.raises(IngestRejected) as refused:
        list(iter_upload(io.BytesIO(lzma_zip_with_corrupt_data()), "study.zip"))
    assert refused.value.code == "zip_corrupt" and "slice.dcm" in refused.value.reason


def test_the_upload_endpoint_answers_a_corrupt_lzma_zip_with_a_400(client_for):
    upload = bytes_upload("study.zip", lzma_zip_with_corrupt_data())
    response = client_for("clinician").post("/api/studies/", {"files": [upload]}, format="multipart")
    assert response.status_code == 400
    assert response.json()["results"][0]["code"] == "zip_corrupt"


def with_unknown_vr(keyword: str) -> bytes:
    """The small GE slice with the VR of one copied attribute overwritten by 'LI', which DICOM lacks."""
    data = bytearray(corpus.GE_SMALL.read_bytes())
    tag = pydicom.datadict.tag_for_keyword(keyword)
    at = data.find(struct.pack("<HH", tag >> 16, tag & 0xFFFF))
    data[at + 4 : at + 6] = b"LI"
    return bytes(data)


def test_it_refuses_a_file_whose_copied_attribute_has_an_unknown_vr():
    with pytest.raises(IngestRejected) as refused:
        read_ct(with_unknown_vr("XRayTubeCurrent"), "slice.dcm")
    assert refused.value.code == "not_dicom" and "XRayTubeCurrent" in refused.value.reason


def test_a_file_that_cannot_be_deidentified_is_refused_and_nothing_is_stored(
    client_for, ct_dir, media_root, monkeypatch
):
    def broken(*args, **kwargs):
        raise ValueError("cannot write this value")

    monkeypatch.setattr(services, "deidentify", broken)
    upload = named_upload(corpus.GE_SMALL)
    response = client_for("clinician").post("/api/studies/", {"files": [upload]}, format="multipart")
    assert response.status_code == 422
    result = response.json()["results"][0]
    assert result["code"] == "undecodable" and "de-identified" in result["reason"]
    assert Image.objects.count() == 0
    assert not media_root.exists() or not [p for p in media_root.rglob("*") if p.is_file()]


def test_an_instance_number_beyond_the_is_range_is_read_as_unknown_and_the_slice_is_stored(client_for):
    ds = corpus.small_dataset()
    ds.InstanceNumber = "99999999999999999999"
    buffer = io.BytesIO()
    ds.save_as(buffer)
    assert read_ct(buffer.getvalue(), "slice.dcm").instance_number is None
    upload = bytes_upload("slice.dcm", buffer.getvalue())
    response = client_for("clinician").post("/api/studies/", {"files": [upload]}, format="multipart")
    assert response.status_code == 201
    assert Image.objects.get().instance_number is None

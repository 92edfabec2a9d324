"""One focused test per bug the upload fuzzer found (each answered HTTP 500 before its fix)."""

import io
import struct
import zipfile
from pathlib import Path

import pydicom
import pytest

from studies import services
from studies.dicomio import IngestRejected, iter_upload, read_ct
from studies.models import Image
from tests.studies import corpus
from tests.studies.uploads import bytes_upload, named_upload

from .harness import check_answer, check_storage, send
from .mutators import Case


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


CASES_DIR = Path(__file__).parent / "cases"
SAVED_CASES = sorted(p for p in CASES_DIR.iterdir() if p.suffix in (".dcm", ".zip"))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("path", SAVED_CASES, ids=lambda p: p.name)
def test_a_saved_crash_case_answers_without_5xx_and_stores_nothing_partial(client_for, media_root, path):
    answer = send(client_for("clinician"), Case(name=path.name, data=path.read_bytes(), recipe=f"saved {path.name}"))
    check_answer(answer)
    check_storage(answer, media_root)
    assert not answer.problems, answer.problems


def test_the_privacy_audit_reads_an_element_pydicom_cannot_convert_as_raw_bytes():
    """(0025,1019) with the VR 'S\\0' (case 276 of seed 20261130): the audit walks the original dataset to
    collect identifying values and must neither crash on it nor skip the standard elements after it."""
    from studies.dicomio.audit import identifying_values

    ds = pydicom.dcmread(CASES_DIR / "unknown-vr-in-private-attribute.dcm", force=True)
    with pytest.raises(NotImplementedError):
        ds[0x00251019]  # what pydicom does with it
    values = identifying_values(ds)
    assert values and str(ds.PatientID) in values

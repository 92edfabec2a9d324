"""Many files in one upload request: rows are made for several files at once, and still every file gets its
own outcome and nothing of a refused file is kept."""

import io

import pydicom
import pytest
from pydicom.uid import generate_uid

from studies import services, storage
from studies.models import Image, Series, Study, Subject
from tests.studies.uploads import bytes_upload, named_upload

GE = "ge-lightspeed-liver-3slice"
pytestmark = pytest.mark.django_db


def as_upload(name: str, ds) -> object:
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return bytes_upload(name, buffer.getvalue())


def slice_of(ct_dir, number: int, **changes):
    ds = pydicom.dcmread(ct_dir / GE / f"0{number}.dcm")
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    return ds


def stored_names(media_root) -> list[str]:
    """The stored DICOM files and HU arrays (thumbnails come later, from the post-processing job)."""
    found = (p for p in media_root.rglob("*") if p.name.endswith((".dcm", ".hu.npy")))
    return sorted(str(p.relative_to(media_root)) for p in found)


def test_a_series_longer_than_one_transaction_is_stored_whole_in_order(ct_dir, media_root, monkeypatch):
    monkeypatch.setattr(services, "ROWS_PER_TRANSACTION", 2)
    files = [as_upload(f"{i}.dcm", slice_of(ct_dir, 1 + i % 3, SOPInstanceUID=generate_uid())) for i in range(5)]
    outcomes = services.upload_ingest(files=files, user=None)
    assert [(o.file, o.status) for o in outcomes] == [(f"{i}.dcm", "stored") for i in range(5)]
    assert len({o.image_id for o in outcomes}) == 5 and Image.objects.count() == 5
    assert (Study.objects.count(), Series.objects.count(), Subject.objects.count()) == (1, 1, 1)
    for image in Image.objects.all():
        assert storage.exists(image.dicom_path) and storage.exists(image.hu_path)
    assert len(stored_names(media_root)) == 10


def test_the_same_slice_twice_in_one_upload_is_stored_once_and_named_a_duplicate(ct_dir, media_root):
    path = ct_dir / GE / "01.dcm"
    first, second = services.upload_ingest(files=[named_upload(path, "a.dcm"), named_upload(path, "b.dcm")], user=None)
    assert (first.status, second.status, second.code) == ("stored", "duplicate", "duplicate")
    assert second.image_id == first.image_id and Image.objects.count() == 1
    assert len(stored_names(media_root)) == 2  # its DICOM and HU array, once


def test_another_patient_under_a_study_uid_of_the_same_upload_is_refused_and_the_rest_stored(ct_dir, media_root):
    files = [
        as_upload("a.dcm", slice_of(ct_dir, 1)),
        as_upload("b.dcm", slice_of(ct_dir, 2)),
        as_upload("c.dcm", slice_of(ct_dir, 3, PatientID="OTHER-PATIENT-99", SeriesInstanceUID=generate_uid())),
    ]
    outcomes = services.upload_ingest(files=files, user=None)
    assert [o.status for o in outcomes] == ["stored", "stored", "rejected"]
    assert outcomes[2].code == "uid_collision" and "Study Instance UID" in outcomes[2].reason
    assert Image.objects.count() == 2 and Subject.objects.count() == 1
    assert len(stored_names(media_root)) == 4


def test_a_series_uid_reused_by_another_study_in_the_same_upload_refuses_only_that_file(ct_dir, media_root):
    files = [
        as_upload("a.dcm", slice_of(ct_dir, 1)),
        as_upload("b.dcm", slice_of(ct_dir, 2)),
        as_upload("c.dcm", slice_of(ct_dir, 3, StudyInstanceUID=generate_uid())),  # its series is a.dcm's
    ]
    outcomes = services.upload_ingest(files=files, user=None)
    assert [o.status for o in outcomes] == ["stored", "stored", "rejected"]
    assert outcomes[2].code == "uid_collision" and "Series Instance UID" in outcomes[2].reason
    assert Image.objects.count() == 2 and Study.objects.count() == 1
    assert len(stored_names(media_root)) == 4  # nothing of c.dcm


def test_a_failed_write_refuses_that_file_only(ct_dir, media_root, monkeypatch):
    real_write = storage.write_atomic

    def full_for_b(relative, content):
        if content.startswith(bytes(128)) and b"FAIL-ME" in content:
            raise OSError(28, "No space left on device")
        real_write(relative, content)

    monkeypatch.setattr(services.storage, "write_atomic", full_for_b)
    files = [
        as_upload("a.dcm", slice_of(ct_dir, 1)),
        as_upload("b.dcm", slice_of(ct_dir, 2, ConvolutionKernel="FAIL-ME")),
        as_upload("c.dcm", slice_of(ct_dir, 3)),
    ]
    outcomes = services.upload_ingest(files=files, user=None)
    assert [(o.status, o.http_status) for o in outcomes] == [("stored", 201), ("rejected", 507), ("stored", 201)]
    assert Image.objects.count() == 2 and len(stored_names(media_root)) == 4

"""POST /api/studies/: what a clinician sees when uploading CT, good and bad."""

import io

import pydicom
import pytest

from studies import storage
from studies.models import Device, Image, Study, Subject
from tests.studies.uploads import bytes_upload, named_upload, zip_upload

GE = "ge-lightspeed-liver-3slice"


def upload(client, *files):
    return client.post("/api/studies/", {"files": list(files)}, format="multipart")


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def test_it_stores_three_slices_as_one_study_with_its_device(client_for, ct_dir):
    response = upload(client_for("clinician"), *(named_upload(ct_dir / GE / f"0{i}.dcm") for i in (1, 2, 3)))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stored"] == 3 and body["rejected"] == 0
    assert {r["device"] for r in body["results"]} == {"GE LightSpeed Ultra"}
    assert Study.objects.count() == 1 and Image.objects.count() == 3
    assert Device.objects.get().key.startswith("ge/")


def test_the_same_patient_uploaded_twice_maps_to_one_pseudonym(client_for, ct_dir):
    upload(client_for("clinician"), named_upload(ct_dir / GE / "01.dcm"))
    upload(client_for("clinician"), named_upload(ct_dir / GE / "02.dcm"))
    assert Subject.objects.count() == 1
    assert Subject.objects.get().pseudonym.startswith("MS-")


def test_a_duplicate_upload_is_recognised_and_not_stored_twice(client_for, ct_dir, media_root):
    client = client_for("clinician")
    upload(client, named_upload(ct_dir / GE / "01.dcm"))
    files_before = stored_files(media_root)
    response = upload(client, named_upload(ct_dir / GE / "01.dcm", name="copy.dcm"))
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "duplicate"
    assert Image.objects.count() == 1
    assert stored_files(media_root) == files_before


def test_a_duplicate_of_a_study_the_uploader_cannot_open_names_no_study(client_for, make_user, ct_dir):
    from rest_framework.test import APIClient

    upload(client_for("clinician"), named_upload(ct_dir / GE / "01.dcm"))
    colleague = APIClient()
    colleague.force_authenticate(make_user("clinician", name="colleague")[0])
    result = upload(colleague, named_upload(ct_dir / GE / "01.dcm")).json()["results"][0]
    assert result["status"] == "duplicate" and result["code"] == "duplicate_not_shared"
    assert result["study_id"] is None and result["image_id"] is None and result["device"] is None
    assert "not shared with you" in result["reason"]
    assert colleague.get(f"/api/studies/{Study.objects.get().pk}/").status_code == 404


def test_a_mixed_batch_stores_the_good_files_and_names_the_bad_one(client_for, ct_dir):
    response = upload(
        client_for("clinician"),
        named_upload(ct_dir / GE / "01.dcm"),
        bytes_upload("notes.txt", b"this is not a DICOM file"),
    )
    assert response.status_code == 207
    results = {r["file"]: r for r in response.json()["results"]}
    assert results["01.dcm"]["status"] == "stored"
    bad = results["notes.txt"]
    assert bad["status"] == "rejected" and 400 <= bad["http_status"] < 500
    assert bad["reason"]
    assert Image.objects.count() == 1


def test_a_single_bad_file_gets_a_4xx_naming_the_file_and_reason(client_for, media_root):
    response = upload(client_for("clinician"), bytes_upload("scan.dcm", b"\x00" * 10))
    assert 400 <= response.status_code < 500
    result = response.json()["results"][0]
    assert result["file"] == "scan.dcm" and result["reason"]
    assert Image.objects.count() == 0 and stored_files(media_root) == []


def test_an_upload_without_files_is_refused(client_for):
    response = client_for("clinician").post("/api/studies/", {}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()["detail"]


def test_a_zip_of_a_folder_is_unpacked_and_every_slice_stored(client_for, ct_dir):
    series = sorted((ct_dir / "siemens-biograph-t12-series").iterdir())[:5]
    archive = zip_upload("series.zip", {f"patient/series/{p.name}": p.read_bytes() for p in series})
    response = upload(client_for("clinician"), archive)
    assert response.status_code == 201, response.json()
    assert response.json()["stored"] == 5
    assert all(r["file"].startswith("series.zip/") for r in response.json()["results"])
    assert Device.objects.get().display_name.lower().startswith("siemens")


def test_a_zip_escaping_its_folder_is_refused_and_nothing_is_stored(client_for, ct_dir, media_root):
    archive = zip_upload("evil.zip", {"../../etc/x.dcm": (ct_dir / GE / "01.dcm").read_bytes()})
    response = upload(client_for("clinician"), archive)
    assert 400 <= response.status_code < 500
    assert response.json()["results"][0]["code"] == "zip_path_traversal"
    assert Image.objects.count() == 0 and stored_files(media_root) == []


def test_pixels_come_back_as_little_endian_int16_hu_with_their_shape(client_for, ct_dir):
    client = client_for("clinician")
    image_id = upload(client, named_upload(ct_dir / GE / "01.dcm")).json()["results"][0]["image_id"]
    response = client.get(f"/api/images/{image_id}/pixels")
    assert response.status_code == 200
    rows, cols = int(response["X-Rows"]), int(response["X-Columns"])
    assert (rows, cols) == (512, 512) and len(response.content) == rows * cols * 2
    import numpy as np

    hu = np.frombuffer(response.content, dtype="<i2").reshape(rows, cols)
    original = pydicom.dcmread(ct_dir / GE / "01.dcm")
    expected = original.pixel_array * float(original.RescaleSlope) + float(original.RescaleIntercept)
    assert np.array_equal(hu, expected.astype(np.int16))


def test_the_stored_dicom_is_de_identified(client_for, ct_dir):
    upload(client_for("clinician"), named_upload(ct_dir / GE / "01.dcm"))
    image = Image.objects.get()
    original = pydicom.dcmread(ct_dir / GE / "01.dcm")
    raw = storage.read_bytes(image.dicom_path)
    stored = pydicom.dcmread(io.BytesIO(storage.read_bytes(image.dicom_path)))
    assert raw[:128] == b"\x00" * 128
    assert stored.PatientIdentityRemoved == "YES"
    assert stored.PatientID == Subject.objects.get().pseudonym
    assert original.SOPInstanceUID.encode() not in raw
    assert original.StudyInstanceUID.encode() not in raw
    if original.get("PatientID"):
        assert str(original.PatientID).encode() not in raw


def test_a_failure_midway_leaves_no_rows_and_no_files(client_for, ct_dir, media_root, monkeypatch):
    from studies import services

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.Image.objects, "bulk_create", explode)  # image rows are made in bulk
    with pytest.raises(RuntimeError):
        services.upload_ingest(files=[named_upload(ct_dir / GE / "01.dcm")], user=None)
    assert Device.objects.count() == 0 and Subject.objects.count() == 0 and Study.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_full_disk_gives_a_clean_error_and_keeps_nothing(client_for, ct_dir, media_root, monkeypatch):
    from studies import services

    real_write = storage.write_atomic
    calls = []

    def fail_second_write(relative, content):
        calls.append(relative)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_write(relative, content)

    monkeypatch.setattr(services.storage, "write_atomic", fail_second_write)
    response = upload(client_for("clinician"), named_upload(ct_dir / GE / "01.dcm"))
    assert response.status_code == 507
    assert "No space left" in response.json()["results"][0]["reason"]
    assert Image.objects.count() == 0 and stored_files(media_root) == []


def test_each_subject_gets_a_fixed_split_that_its_images_share(client_for, ct_dir):
    upload(client_for("clinician"), *(named_upload(ct_dir / GE / f"0{i}.dcm") for i in (1, 2)))
    subject = Subject.objects.get()
    assert subject.split in {"train", "test"}
    assert set(Image.objects.values_list("split", flat=True)) == {subject.split}


def test_clinicians_see_only_the_studies_they_uploaded(client_for, make_user, ct_dir):
    upload(client_for("clinician"), named_upload(ct_dir / GE / "01.dcm"))
    other = make_user("clinician", name="second-clinician")[0]
    from rest_framework.test import APIClient

    second = APIClient()
    second.force_authenticate(other)
    assert second.get("/api/studies/").json()["count"] == 0
    assert client_for("clinician").get("/api/studies/").json()["count"] == 1
    assert client_for("researcher").get("/api/studies/").json()["count"] == 1


def test_a_client_may_ask_for_pixels_as_octet_stream(client_for, ct_dir):
    client = client_for("clinician")
    image_id = upload(client, named_upload(ct_dir / GE / "01.dcm")).json()["results"][0]["image_id"]
    response = client.get(f"/api/images/{image_id}/pixels", HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200 and len(response.content) == 512 * 512 * 2
    missing = client.get("/api/images/999999/pixels", HTTP_ACCEPT="application/octet-stream")
    assert missing.status_code == 404

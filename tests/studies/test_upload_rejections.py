"""Every kind of bad input through the real upload endpoint: a 4xx naming the file and the reason,
and nothing stored. Then a de-identification audit over every file the archive keeps."""

import pytest

from studies import storage
from studies.dicomio import find_identifying
from studies.models import Image
from tests.studies import corpus
from tests.studies.uploads import bytes_upload, named_upload


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    return corpus.build_all(tmp_path_factory.mktemp("broken"))


def test_the_corpus_covers_the_bad_inputs_the_issue_names(broken):
    codes = {code for _, code in broken.values()}
    named_by_the_issue = (
        "truncated",
        "not_dicom",
        "wrong_modality",
        "zip_path_traversal",
        "zip_symlink",
        "zip_too_large",
        "bad_dimensions",
        "burned_in",
        "secondary_capture",
        "missing_rescale",
    )
    assert set(named_by_the_issue) <= codes


def test_every_broken_file_is_refused_with_a_reason_and_nothing_is_stored(client_for, broken, media_root):
    client = client_for("clinician")
    for name, (path, code) in broken.items():
        response = client.post("/api/studies/", {"files": [named_upload(path)]}, format="multipart")
        assert 400 <= response.status_code < 500, f"{name}: {response.status_code}"
        results = response.json()["results"]
        assert results and all(r["status"] == "rejected" for r in results), name
        assert results[0]["code"] == code, f"{name}: {results[0]['code']} != {code}"
        assert path.name in results[0]["file"] and results[0]["reason"], name
    assert Image.objects.count() == 0
    assert not media_root.exists() or not [p for p in media_root.rglob("*") if p.is_file()]


def test_no_stored_file_keeps_an_identifying_attribute(client_for, ct_dir, tmp_path):
    identified = corpus.build_identified(tmp_path)
    sources = [identified, *sorted(ct_dir.rglob("*.dcm")), *sorted((ct_dir / "siemens-biograph-t12-series").iterdir())]
    client = client_for("clinician")
    client.post("/api/studies/", {"files": [named_upload(p) for p in sources]}, format="multipart")
    assert Image.objects.count() >= 25
    leaks = corpus.LEAK_STRINGS
    for image in Image.objects.all():
        content = storage.read_bytes(image.dicom_path)
        assert find_identifying(content) == [], image.dicom_path
        for leak in leaks:
            assert leak.encode() not in content, (leak, image.dicom_path)


def test_a_scanner_name_with_markup_or_past_64_characters_is_refused_and_no_device_is_made(client_for, ct_dir):
    import io

    import pydicom

    from studies.models import Device

    clinician = client_for("clinician")
    for field, value in (
        ("ManufacturerModelName", "<img src=x onerror=alert(1)>"),
        ("Manufacturer", "A" * 65),
        ("ManufacturerModelName", "Scanner\nof Dr. Smith"),
    ):
        ds = pydicom.dcmread(ct_dir / "ge-lightspeed-liver-3slice" / "01.dcm")
        setattr(ds, field, value)
        buffer = io.BytesIO()
        ds.save_as(buffer)
        response = clinician.post(
            "/api/studies/", {"files": [bytes_upload("odd-scanner.dcm", buffer.getvalue())]}, format="multipart"
        )
        assert response.status_code == 422, response.json()
        result = response.json()["results"][0]
        assert result["code"] == "bad_device_name" and field in result["reason"]
    assert not Device.objects.exists()


def test_a_new_device_records_who_created_it(client_for, ct_dir):
    from studies.models import Device

    clinician = client_for("clinician")
    response = clinician.post(
        "/api/studies/", {"files": [named_upload(ct_dir / "ge-lightspeed-liver-3slice" / "01.dcm")]}, format="multipart"
    )
    assert response.status_code == 201
    device = Device.objects.get()
    assert device.created_by == clinician.user and device.display_name == "GE LightSpeed Ultra"

"""ImageOrientationPatient at upload: any axial slice is shown in the standard radiological view (anterior
up, patient right on the screen's left); sagittal, coronal and tilted slices are refused with the reason."""

import numpy as np
import pydicom
import pytest

from studies.models import Image
from tests.studies.reoriented import L1_L2, OBLIQUE, SAGITTAL, copy_bytes
from tests.studies.uploads import bytes_upload, named_upload

COPIES = ("flip_rows", "flip_cols", "transpose")


def upload(client, *files):
    return client.post("/api/studies/", {"files": list(files)}, format="multipart")


def pixels(client, image_id: int) -> tuple[np.ndarray, str]:
    response = client.get(f"/api/images/{image_id}/pixels")
    assert response.status_code == 200
    rows, columns = int(response["X-Rows"]), int(response["X-Columns"])
    hu = np.frombuffer(response.content, "<i2").reshape(rows, columns)
    return hu, response["X-Pixel-Spacing"]


@pytest.fixture
def uploaded(client_for, ct_dir) -> dict[str, int]:
    """The L1/L2 slice as stored by its scanner, and its three reoriented copies: name -> image id."""
    files = [named_upload(ct_dir / L1_L2, "original.dcm")]
    files += [bytes_upload(f"{step}.dcm", copy_bytes(ct_dir / L1_L2, step)) for step in COPIES]
    response = upload(client_for("clinician"), *files)
    assert response.status_code == 201, response.json()
    return {r["file"].removesuffix(".dcm"): r["image_id"] for r in response.json()["results"]}


def test_the_l1_l2_slice_is_shown_upright_with_the_spine_at_the_bottom(client_for, uploaded):
    client = client_for("clinician")
    hu, _ = pixels(client, uploaded["original"])
    body_rows = np.nonzero((hu > -300).any(axis=1))[0]
    spine_rows = np.nonzero(hu[:, 200:312] > 250)[0]  # bone in the central columns: the vertebra
    assert np.median(spine_rows) > (body_rows.min() + body_rows.max()) / 2  # posterior is down
    assert client.get(f"/api/images/{uploaded['original']}/").json()["orientation"] == "flip_rows"


def test_flipped_and_transposed_copies_display_exactly_as_the_original(client_for, uploaded):
    client = client_for("clinician")
    original, spacing = pixels(client, uploaded["original"])
    for step in COPIES:
        copy, copy_spacing = pixels(client, uploaded[step])
        assert np.array_equal(copy, original), step
        assert copy_spacing == spacing
    orientations = dict(Image.objects.filter(pk__in=uploaded.values()).values_list("id", "orientation"))
    assert orientations[uploaded["transpose"]] == "transpose+flip_rows"
    assert orientations[uploaded["flip_rows"]] == "identity"


def test_the_thumbnail_is_made_from_the_upright_slice(client_for, uploaded):
    client = client_for("clinician")
    thumbnails = {name: client.get(f"/api/images/{pk}/thumbnail").content for name, pk in uploaded.items()}
    assert len(set(thumbnails.values())) == 1


@pytest.mark.parametrize(
    ("orientation", "code", "words"),
    [(SAGITTAL, "not_axial", "sagittal slice"), (OBLIQUE, "oblique", "oblique (tilted) slice")],
)
def test_a_non_axial_or_tilted_slice_is_refused_naming_the_file_and_why(client_for, ct_dir, orientation, code, words):
    name = f"{code}.dcm"
    response = upload(client_for("clinician"), bytes_upload(name, copy_bytes(ct_dir / L1_L2, None, orientation)))
    assert 400 <= response.status_code < 500
    result = response.json()["results"][0]
    assert result["file"] == name and result["code"] == code and 400 <= result["http_status"] < 500
    assert words in result["reason"] and "ImageOrientationPatient" in result["reason"]
    assert Image.objects.count() == 0


def test_a_tilt_within_the_tolerance_is_accepted_as_axial(client_for, ct_dir):
    ds = pydicom.dcmread(ct_dir / L1_L2, stop_before_pixels=True)
    nearly = [float(v) for v in ds.ImageOrientationPatient]
    nearly[4], nearly[5] = -0.99998, 0.005  # 0.3 degrees: scanners' rounding, not a gantry tilt
    response = upload(client_for("clinician"), bytes_upload("nearly.dcm", copy_bytes(ct_dir / L1_L2, None, nearly)))
    assert response.status_code == 201, response.json()
    assert Image.objects.get().orientation == "flip_rows"


def test_a_transposed_slice_with_unequal_pixel_spacing_gets_its_row_and_column_spacing_swapped(
    client_for, ct_dir, tmp_path
):
    ds = pydicom.dcmread(ct_dir / L1_L2)
    ds.PixelSpacing = ["0.7", "0.9"]  # rows 0.7 mm apart, columns 0.9 mm apart on the stored grid
    unequal = tmp_path / "unequal.dcm"
    ds.save_as(unequal)
    files = [
        bytes_upload("unequal.dcm", copy_bytes(unequal, None)),
        bytes_upload("t.dcm", copy_bytes(unequal, "transpose")),
    ]
    response = upload(client_for("clinician"), *files)
    assert response.status_code == 201, response.json()
    ids = [r["image_id"] for r in response.json()["results"]]
    (original, spacing), (transposed, transposed_spacing) = (pixels(client_for("clinician"), i) for i in ids)
    assert spacing == transposed_spacing == "0.7,0.9"
    assert np.array_equal(original, transposed)

"""A slice stored flipped or transposed is predicted, measured and exported exactly as the original: the model
sees the standard view, and the DICOM SEG and NIfTI files map the mask back onto each file's own grid."""

import gzip
import io
import json
import zipfile

import nibabel as nib
import numpy as np
import pydicom
import pytest
import torch

from annotations.masks import mask_load
from cohorts.mask_files import nifti_read_mask, seg_read_mask
from measurements.models import Measurement
from modelhub.models import ModelVersion, Prediction
from modelhub.services.inference import image_predict
from segmentation.checkpoint import Checkpoint, ModelSpec, code_version, save_checkpoint
from segmentation.orientation import reorientation_for
from segmentation.preprocess import PreprocessConfig
from studies import storage
from studies.models import Image
from studies.services import upload_ingest
from tests.cohorts.helpers import export_through_api
from tests.studies.reoriented import L1_L2, copy_bytes
from tests.studies.uploads import bytes_upload, named_upload

COPIES = ("flip_rows", "flip_cols", "transpose")


@pytest.fixture
def version(settings, tmp_path) -> ModelVersion:
    """An untrained (seeded) network: its output depends on where things are, so orientation shows."""
    torch.manual_seed(0)
    spec = ModelSpec(arch="vnet", net_kwargs={"width": 4}, preprocess=PreprocessConfig(spacing_mm=6.0, size=64))
    checkpoint = Checkpoint(spec=spec, state_dict=spec.build().state_dict(), history=[], code_version=code_version())
    save_checkpoint(tmp_path / "random.pt", checkpoint)
    storage.write_file("models/random.pt", tmp_path / "random.pt")
    return ModelVersion.objects.create(
        name="random-v1", status=ModelVersion.Status.ACTIVE, arch="vnet", weights_path="models/random.pt"
    )


@pytest.fixture
def predicted(make_user, ct_dir, version, settings) -> dict[str, Image]:
    """The L1/L2 slice and its reoriented copies, uploaded and then predicted by the worker's service."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    files = [named_upload(ct_dir / L1_L2, "original.dcm")]
    files += [bytes_upload(f"{step}.dcm", copy_bytes(ct_dir / L1_L2, step)) for step in COPIES]
    outcomes = upload_ingest(files=files, user=make_user("clinician")[0])
    images = {o.file.removesuffix(".dcm"): Image.objects.get(pk=o.image_id) for o in outcomes}
    for image in images.values():
        image_predict(image=image, version=version)
    return images


def prediction(image: Image) -> np.ndarray:
    return mask_load(Prediction.objects.get(image=image).mask_png)


def test_every_copy_gets_the_originals_prediction_and_measurement(predicted):
    original = prediction(predicted["original"])
    assert len(np.unique(original)) > 1 and not np.array_equal(original, original[::-1])  # not trivially equal
    measured = Measurement.objects.get(image=predicted["original"])
    for step in COPIES:
        assert np.array_equal(prediction(predicted[step]), original), step
        copy = Measurement.objects.get(image=predicted[step])
        assert (copy.sma_cm2, copy.mean_muscle_hu) == (measured.sma_cm2, measured.mean_muscle_hu)


def test_exported_seg_and_nifti_sit_on_each_files_own_grid_and_agree_in_patient_space(
    predicted, client_for, django_capture_on_commit_callbacks
):
    _, content = export_through_api(client_for("researcher"), django_capture_on_commit_callbacks, format="zip")
    archive = zipfile.ZipFile(io.BytesIO(content))
    entries = {entry["image_id"]: entry for entry in json.loads(archive.read("manifest.json"))["images"]}
    standard = prediction(predicted["original"])
    canonical = []
    for name, image in predicted.items():
        source = pydicom.dcmread(io.BytesIO(storage.read_bytes(image.dicom_path)), stop_before_pixels=True)
        to_standard = reorientation_for([float(v) for v in source.ImageOrientationPatient]).to_standard
        seg = seg_read_mask(archive.read(entries[image.pk]["seg"]), image.sop_uid)
        nifti, _ = nifti_read_mask(archive.read(entries[image.pk]["nifti"]))
        assert seg.shape == nifti.shape == (source.Rows, source.Columns), name
        assert np.array_equal(to_standard(seg), standard), name
        assert np.array_equal(to_standard(nifti), standard), name
        image_nifti = nib.Nifti1Image.from_bytes(gzip.decompress(archive.read(entries[image.pk]["nifti"])))
        canonical.append(nib.as_closest_canonical(image_nifti))
    for other in canonical[1:]:  # the same voxels at the same RAS millimetres, whatever the stored grid
        assert np.allclose(other.affine, canonical[0].affine, atol=1e-3)
        assert np.array_equal(np.asarray(other.dataobj), np.asarray(canonical[0].dataobj))

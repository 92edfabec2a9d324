"""Reference label maps of the real CT land on the right pixels of the DICOM slices they describe."""

import numpy as np

from segmentation.dicom_io import read_hu
from segmentation.reference import TOTALSEG_ERECTOR_SPINAE, TOTALSEG_LIVER, labels_on_slice, read_nifti, read_nrrd
from tests.conftest import SHARED_CT

GE = SHARED_CT / "ge-lightspeed-liver-3slice"
SIEMENS = SHARED_CT / "siemens-biograph-t12-series"


def test_the_manual_ge_liver_lands_on_liver_tissue_of_its_own_slice():
    volume = read_nrrd(GE / "liver_seg.nrrd")
    assert volume.values.shape == (512, 512, 3)
    for path in sorted(GE.glob("0*.dcm")):
        hu, _, ds = read_hu(path)
        liver = labels_on_slice(volume, ds) > 0
        assert liver.sum() > 20_000
        assert 20 < np.median(hu[liver]) < 80  # non-enhanced liver, not fat or air beside it
        # every voxel of this slice's plane is used once: the areas agree with the map's own slice
        k = int(round((float(ds.ImagePositionPatient[2]) - volume.voxel_to_lps[2, 3]) / volume.voxel_to_lps[2, 2]))
        assert liver.sum() == (volume.values[:, :, k] > 0).sum()


def test_the_totalsegmentator_map_is_mapped_through_its_own_orientation():
    volume = read_nifti(SHARED_CT / "siemens-biograph-t12-series.totalseg-labels.nii.gz")
    path = sorted(SIEMENS.iterdir())[10]
    hu, _, ds = read_hu(path)
    labels = labels_on_slice(volume, ds)
    liver, erector = labels == TOTALSEG_LIVER, np.isin(labels, TOTALSEG_ERECTOR_SPINAE)
    assert 70 < np.median(hu[liver]) < 130  # portal venous liver
    assert -30 < np.median(hu[erector]) < 80  # muscle, not the fat around it
    rows = np.nonzero(liver.any(axis=1))[0]
    columns = np.nonzero(liver.any(axis=0))[0]
    # radiological view: the liver on the image's left (patient right), the erectors at the back (bottom)
    assert columns.mean() < hu.shape[1] / 2
    assert np.nonzero(erector)[0].mean() > rows.mean()


def test_a_slice_stored_upside_down_gets_the_same_labels_in_the_standard_view():
    volume = read_nrrd(GE / "liver_seg.nrrd")
    _, _, ds = read_hu(GE / "02.dcm")
    upside_down = ds.copy()
    row_step = float(ds.PixelSpacing[0])
    x, y, z = (float(v) for v in ds.ImagePositionPatient)
    upside_down.ImagePositionPatient = [x, y + (int(ds.Rows) - 1) * row_step, z]  # first row is now the last
    upside_down.ImageOrientationPatient = [1, 0, 0, 0, -1, 0]
    assert np.array_equal(labels_on_slice(volume, upside_down), labels_on_slice(volume, ds))

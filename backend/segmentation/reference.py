"""Reference label maps of real CT (NIfTI, NRRD) resampled onto the pixel grid of DICOM slices.

For measuring only: the real-CT benchmark scores a model's muscle and liver against these maps. They never
train anything. A reference volume is mapped onto each DICOM slice through patient coordinates (LPS, mm):
the slice's ImagePositionPatient, ImageOrientationPatient and PixelSpacing give every pixel's position, the
volume's affine the voxel there (nearest neighbour), so a map stored in another orientation still lands
on the right pixels.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from .orientation import reorientation_for

# TotalSegmentator v2 classes used by the benchmark (the map holds more)
TOTALSEG_NON_MUSCLE: dict[str, tuple[int, ...]] = {
    "spleen": (1,),
    "kidneys": (2, 3),
    "gallbladder": (4,),
    "liver": (5,),
    "stomach": (6,),
    "pancreas": (7,),
    "bowel": (18, 19, 20),  # small bowel, duodenum, colon
    "aorta": (52,),
    "ivc": (63,),
    "portal_splenic_vein": (64,),
    "vertebrae": tuple(range(25, 51)),  # sacrum, S1, L5 .. C1
}
TOTALSEG_LIVER = 5
TOTALSEG_ERECTOR_SPINAE = (86, 87)  # autochthon left, right


@dataclass(frozen=True)
class LabelVolume:
    values: np.ndarray  # (i, j, k) voxel array
    voxel_to_lps: np.ndarray  # 4 x 4 affine: voxel index -> patient LPS mm


def read_nifti(path: str | Path) -> LabelVolume:
    import nibabel

    image = nibabel.load(str(path))
    ras_to_lps = np.diag([-1.0, -1.0, 1.0, 1.0])
    return LabelVolume(np.asarray(image.dataobj), ras_to_lps @ image.affine)


def read_nrrd(path: str | Path) -> LabelVolume:
    """A 3-D NRRD label map in left-posterior-superior space (raw or gzip encoding)."""
    raw = Path(path).read_bytes()
    header_end = raw.index(b"\n\n")
    fields = {}
    for line in raw[:header_end].decode("ascii").splitlines()[1:]:
        if line.startswith("#") or ":" not in line:
            continue
        key, value = line.split(":", 1)
        fields[key.strip()] = value.strip()
    if fields.get("space") not in ("left-posterior-superior", "LPS"):
        raise ValueError(f"{path}: NRRD space {fields.get('space')!r} is not left-posterior-superior")
    sizes = [int(v) for v in fields["sizes"].split()]
    dtypes = {"short": "<i2", "unsigned char": "u1", "uchar": "u1", "int": "<i4", "ushort": "<u2"}
    data = raw[header_end + 2 :]
    if fields.get("encoding") in ("gzip", "gz"):
        data = gzip.decompress(data)
    values = np.frombuffer(data, dtype=dtypes[fields["type"]]).reshape(sizes[::-1]).transpose(2, 1, 0)
    directions = [np.array(v.strip("()").split(","), dtype=float) for v in fields["space directions"].split()]
    origin = np.array(fields["space origin"].strip("()").split(","), dtype=float)
    affine = np.eye(4)
    affine[:3, :3] = np.stack(directions, axis=1)
    affine[:3, 3] = origin
    return LabelVolume(values, affine)


def slice_pixel_lps(ds: Dataset) -> np.ndarray:
    """(rows, cols, 3) patient coordinates of every pixel centre of a DICOM slice."""
    position = np.array(ds.ImagePositionPatient, dtype=float)
    orientation = np.array(ds.ImageOrientationPatient, dtype=float)
    row_step, col_step = (float(v) for v in ds.PixelSpacing)  # between rows, between columns
    along_row, along_col = orientation[:3], orientation[3:]  # direction of increasing column, of increasing row
    rows, cols = np.mgrid[0 : int(ds.Rows), 0 : int(ds.Columns)]
    return position + cols[..., None] * col_step * along_row + rows[..., None] * row_step * along_col


def labels_on_slice(volume: LabelVolume, ds: Dataset) -> np.ndarray:
    """The volume's labels at each pixel of the slice (0 outside the volume), in the standard view that
    dicom_io.read_hu returns the slice's HU in (orientation.py)."""
    lps = slice_pixel_lps(ds)
    inverse = np.linalg.inv(volume.voxel_to_lps)
    index = np.rint(lps @ inverse[:3, :3].T + inverse[:3, 3]).astype(int)
    inside = np.all((index >= 0) & (index < np.array(volume.values.shape)), axis=-1)
    out = np.zeros(lps.shape[:2], dtype=volume.values.dtype)
    i, j, k = (index[..., axis][inside] for axis in range(3))
    out[inside] = volume.values[i, j, k]
    return reorientation_for(ds.get("ImageOrientationPatient")).to_standard(out)

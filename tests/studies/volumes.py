"""Small synthetic CT series with known vertebral levels (segmentation.volume), as the DICOM files a scanner
would send: one file per slice, the same study and series, ImagePositionPatient z falling down the body."""

import io
from functools import lru_cache

import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from segmentation.volume import PhantomVolume, make_volume


@lru_cache(maxsize=8)
def volume(seed: int, start: str, stop: str, *, matrix: int = 128, thickness_mm: float = 4.0) -> PhantomVolume:
    return make_volume(seed, "B", matrix=matrix, thickness_mm=thickness_mm, start=start, stop=stop)


def series_files(v: PhantomVolume, *, patient: str = "PID-4711") -> dict[str, bytes]:
    """{file name: DICOM bytes} for every slice of `v`, in a new study and series."""
    study, series = generate_uid(), generate_uid()
    return {f"{index:03d}.dcm": _slice_bytes(v, index, study, series, patient) for index in range(len(v.z_mm))}


def _slice_bytes(v: PhantomVolume, index: int, study: str, series: str, patient: str) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = sop = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("slice.dcm", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, sop
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.PatientID, ds.PatientName, ds.PatientSex = patient, "Doe^Jane", "F"
    ds.StudyDate = "20240115"
    ds.Modality, ds.Manufacturer, ds.ManufacturerModelName = "CT", "Phantom", "Levels 1"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SliceThickness = f"{v.thickness_mm:g}"
    ds.InstanceNumber = index + 1
    rows, columns = v.hu.shape[1:]
    ds.Rows, ds.Columns = rows, columns
    ds.PixelSpacing = [f"{v.spacing_mm[0]:.6g}", f"{v.spacing_mm[1]:.6g}"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    z = float(v.z_mm[index])
    ds.ImagePositionPatient = [
        f"{-(columns - 1) / 2 * v.spacing_mm[1]:.4f}",
        f"{-(rows - 1) / 2 * v.spacing_mm[0]:.4f}",
        f"{z:.2f}",
    ]
    ds.SliceLocation = f"{z:.2f}"
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit, ds.PixelRepresentation = 15, 1
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = "1", "0", "HU"
    ds.PixelData = np.ascontiguousarray(v.hu[index], dtype="<i2").tobytes()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()

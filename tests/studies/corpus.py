"""Real CT paths, and builders of broken (and unusual but valid) uploads in a temporary folder.

Every builder writes one file and returns its path. ``build_all`` gives every broken input with the
rejection code ingest must answer; ``build_valid`` gives unusual inputs that ingest must accept.
"""

import io
import os
import stat
import struct
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom import uid
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate

REAL_CT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ct"
SIEMENS_SERIES = REAL_CT / "siemens-biograph-t12-series"  # JPEG 2000 lossless, 20 slices
GE_LIVER = REAL_CT / "ge-lightspeed-liver-3slice"  # implicit VR little endian, 3 slices
UN_SLICE = REAL_CT / "single-slices" / "abdomen-l1-l2-explicit-vr-un.dcm"  # JPEG 2000, no manufacturer
GE_SMALL = REAL_CT / "single-slices" / "ge-ct-small-128.dcm"  # explicit VR, 128 x 128


def skip_module_without_real_ct() -> None:
    """For test modules that read the real CT at import: skip them when ../shared/data/ct is missing (a clone
    without the shared folder beside it); under CI the folder must be there, so fail instead."""
    if REAL_CT.is_dir():
        return
    if os.environ.get("CI"):
        raise RuntimeError(f"the real CT folder {REAL_CT} is missing")
    pytest.skip(f"the real CT folder {REAL_CT} is missing", allow_module_level=True)


def real_groups() -> dict[str, list[Path]]:
    """The four groups of real CT files, by the name tests use for them."""
    return {
        "siemens_j2k_series": sorted(SIEMENS_SERIES.glob("CT.*")),
        "ge_implicit_vr": sorted(GE_LIVER.glob("0*.dcm")),
        "explicit_vr_un": [UN_SLICE],
        "ge_small": [GE_SMALL],
    }


def small_dataset() -> Dataset:
    """The 128 x 128 GE slice: the quickest real CT to mutate."""
    return pydicom.dcmread(GE_SMALL)


def write(ds: Dataset, path: Path, **options: object) -> Path:
    ds.save_as(path, **options)
    return path


def _mutated(tmp_path: Path, name: str, **attributes: object) -> Path:
    ds = small_dataset()
    for keyword, value in attributes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    return write(ds, tmp_path / name)


# ---- an identified file, for de-identification tests --------------------------------------------------

# Identifying values injected into a real file; none of these strings may survive de-identification.
IDENTIFIERS: dict[str, str] = {
    "PatientName": "Doe^Jane^Quinn",
    "PatientID": "MRN-0042424242",
    "IssuerOfPatientID": "ST-ELSEWHERE",
    "PatientBirthDate": "19581231",
    "PatientAddress": "12 Harbour Road, Springfield",
    "PatientTelephoneNumbers": "555-0199-2211",
    "OtherPatientIDs": "ALT-777111",
    "InstitutionName": "St Elsewhere General Hospital",
    "InstitutionAddress": "1 Hospital Way, Springfield",
    "ReferringPhysicianName": "Kildare^James",
    "PerformingPhysicianName": "Welby^Marcus",
    "OperatorsName": "Technologist^Tina",
    "AccessionNumber": "ACC-7364519",
    "StationName": "CTROOM-7",
    "DeviceSerialNumber": "SN-998877",
    "StudyID": "STUDY-31337",
    "RequestingPhysician": "Casey^Ben",
    "StudyDescription": "CT abdomen for Jane Doe",
    "SeriesDescription": "Jane Doe portal venous",
    "ImageComments": "Jane Doe, Harbour Road",
    "AdditionalPatientHistory": "Lives on Harbour Road",
    "StudyDate": "20240131",
    "ContentDate": "20240131",
    "AcquisitionDateTime": "20240131093000",
}
# Characteristics that must survive (as PatientAge, PatientSex, PatientSize, PatientWeight).
CHARACTERISTICS: dict[str, str] = {
    "PatientAge": "063Y",
    "PatientSex": "F",
    "PatientSize": "1.62",
    "PatientWeight": "58",
}
LEAK_STRINGS: tuple[str, ...] = (
    "Doe", "Jane", "0042424242", "ELSEWHERE", "19581231", "Harbour", "ALT-777111", "Kildare", "Welby",
    "Technologist", "ACC-7364519", "CTROOM-7", "SN-998877", "STUDY-31337", "Casey", "20240131", "Elsewhere",
    "ACME", "SEQ-ALT-55", "555-0199",
)  # fmt: skip


def inject_identifiers(ds: Dataset) -> Dataset:
    """Add identifying attributes, private tags and UID-bearing sequences to a real data set."""
    for keyword, value in (IDENTIFIERS | CHARACTERISTICS).items():
        setattr(ds, keyword, value)
    block = ds.private_block(0x0011, "ACME IDENTITY", create=True)
    block.add_new(0x01, "LO", "Doe^Jane private copy")
    block.add_new(0x02, "PN", "Kildare^James")
    other = Dataset()
    other.PatientID, other.IssuerOfPatientID = "SEQ-ALT-55", "ST-ELSEWHERE"
    ds.OtherPatientIDsSequence = [other]
    reference = Dataset()
    reference.ReferencedSOPClassUID = uid.CTImageStorage
    reference.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.9.7777.424242.1"
    ds.ReferencedImageSequence = [reference]
    ds.add_new(0x60000010, "US", 8)  # an overlay plane: may carry burned text, never needed
    ds.add_new(0x60003000, "OW", bytes(8))
    return ds


def build_identified(tmp_path: Path, source: Path = GE_SMALL) -> Path:
    return write(inject_identifiers(pydicom.dcmread(source)), tmp_path / f"identified-{source.name}")


# ---- DICOM files that must be refused ---------------------------------------------------------------


def build_png(tmp_path: Path) -> Path:
    path = tmp_path / "scan.dcm"  # a misleading extension: detection must use the bytes
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(path, format="PNG")
    return path


def build_text(tmp_path: Path) -> Path:
    path = tmp_path / "notes.dcm"
    path.write_text("Patient was scanned at L3.\n" * 20)
    return path


def build_empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    return path


def build_truncated(tmp_path: Path) -> Path:
    """The small slice cut in the middle of its pixel data."""
    data = GE_SMALL.read_bytes()
    path = tmp_path / "truncated.dcm"
    path.write_bytes(data[: len(data) * 3 // 4])
    return path


def build_truncated_j2k(tmp_path: Path) -> Path:
    """A JPEG 2000 slice cut inside its encapsulated pixel data."""
    data = UN_SLICE.read_bytes()
    path = tmp_path / "truncated-j2k.dcm"
    path.write_bytes(data[: len(data) // 2])
    return path


def build_mr(tmp_path: Path) -> Path:
    return _mutated(tmp_path, "mr.dcm", Modality="MR")


def build_secondary_capture(tmp_path: Path) -> Path:
    ds = small_dataset()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = uid.SecondaryCaptureImageStorage
    return write(ds, tmp_path / "secondary-capture.dcm")


def build_burned_in(tmp_path: Path) -> Path:
    return _mutated(tmp_path, "burned-in.dcm", BurnedInAnnotation="YES")


def build_no_pixels(tmp_path: Path) -> Path:
    return _mutated(tmp_path, "no-pixels.dcm", PixelData=None)


def build_missing_rescale(tmp_path: Path) -> Path:
    return _mutated(tmp_path, "missing-rescale.dcm", RescaleSlope=None, RescaleIntercept=None)


def build_missing_spacing(tmp_path: Path) -> Path:
    return _mutated(tmp_path, "missing-spacing.dcm", PixelSpacing=None)


def build_huge_dimensions(tmp_path: Path) -> Path:
    """Declares 60000 x 60000 pixels (7 GB decoded) over 32 kB of pixel data."""
    return _mutated(tmp_path, "huge.dcm", Rows=60000, Columns=60000)


def build_multi_frame(tmp_path: Path) -> Path:
    ds = small_dataset()
    ds.NumberOfFrames = 2
    ds.PixelData = ds.PixelData * 2
    return write(ds, tmp_path / "multi-frame.dcm")


def build_colour(tmp_path: Path) -> Path:
    ds = small_dataset()
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.PixelData = bytes(128 * 128 * 3)
    return write(ds, tmp_path / "colour.dcm")


def build_unsupported_syntax(tmp_path: Path) -> Path:
    """Encapsulated data in a transfer syntax no decoder handles (MPEG2 video)."""
    ds = small_dataset()
    ds.file_meta.TransferSyntaxUID = uid.MPEG2MPML
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(100)])
    return write(ds, tmp_path / "mpeg2.dcm")


def build_undecodable_j2k(tmp_path: Path) -> Path:
    """A JPEG 2000 slice whose codestream was overwritten after its first bytes."""
    ds = pydicom.dcmread(UN_SLICE)
    data = bytearray(ds.PixelData)
    start = data.find(b"\xff\x4f\xff\x51")  # SOC then SIZ: the codestream start
    data[start : start + 64] = bytes(64)
    ds.PixelData = bytes(data)
    return write(ds, tmp_path / "corrupt-j2k.dcm")


def build_dicomdir(tmp_path: Path) -> Path:
    """A minimal DICOMDIR, as found at the root of CD exports: an index, not an image."""
    ds = Dataset()
    ds.FileSetID = "EXPORT"
    ds.SOPClassUID = uid.MediaStorageDirectoryStorage  # not required in a DICOMDIR, but harmless
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = uid.MediaStorageDirectoryStorage
    ds.file_meta.MediaStorageSOPInstanceUID = uid.generate_uid()
    ds.file_meta.TransferSyntaxUID = uid.ExplicitVRLittleEndian
    return write(ds, tmp_path / "DICOMDIR", enforce_file_format=True)


# ---- zips that must be refused ------------------------------------------------------------------------


def write_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def _zip_with_info(path: Path, info: zipfile.ZipInfo, content: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(info, content)
    return path


def build_zip_bomb_ratio(tmp_path: Path) -> Path:
    """One member of 20 MB of zeros squeezed to about 20 kB: a ratio near 1000."""
    return write_zip(tmp_path / "bomb-ratio.zip", {"slice.dcm": bytes(20 * 1024 * 1024)})


def build_zip_bomb_total(tmp_path: Path) -> Path:
    """Two small members whose central directory declares 3 GiB each (6 GiB in all)."""
    path = write_zip(tmp_path / "bomb-total.zip", {"a.dcm": b"a" * 1000, "b.dcm": b"b" * 1000})
    return declare_sizes(path, 3 * 1024**3)


def declare_sizes(path: Path, size: int) -> Path:
    data = bytearray(path.read_bytes())
    offset = data.find(b"PK\x01\x02")
    while offset != -1:
        data[offset + 24 : offset + 28] = struct.pack("<I", size)  # uncompressed size
        offset = data.find(b"PK\x01\x02", offset + 4)
    path.write_bytes(bytes(data))
    return path


def build_zip_dotdot(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "dotdot.zip", {"series/../../etc/cron.d/evil": GE_SMALL.read_bytes()})


def build_zip_absolute(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "absolute.zip", {"/etc/passwd": b"root:x:0:0"})


def build_zip_drive_letter(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "drive.zip", {"C:\\Windows\\evil.dcm": GE_SMALL.read_bytes()})


def build_zip_symlink(tmp_path: Path) -> Path:
    info = zipfile.ZipInfo("series/link.dcm")
    info.create_system = 3  # Unix, so external_attr carries the file mode
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return _zip_with_info(tmp_path / "symlink.zip", info, b"/etc/passwd")


def build_zip_too_many(tmp_path: Path) -> Path:
    members = {f"f{index:05d}.txt": b"" for index in range(5001)}
    return write_zip(tmp_path / "many.zip", members, zipfile.ZIP_STORED)


def build_zip_encrypted(tmp_path: Path) -> Path:
    """A member flagged as encrypted (general purpose bit 0); no real cipher is needed to test the refusal."""
    path = write_zip(tmp_path / "encrypted.zip", {"slice.dcm": GE_SMALL.read_bytes()})
    data = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
        at = data.find(signature)
        data[at + flag_offset] |= 0x1
    path.write_bytes(bytes(data))
    return path


def build_zip_nested(tmp_path: Path) -> Path:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("slice.dcm", GE_SMALL.read_bytes())
    return write_zip(tmp_path / "nested.zip", {"inner.bin": inner.getvalue()})


def build_zip_corrupt(tmp_path: Path) -> Path:
    path = tmp_path / "corrupt.zip"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    return path


def build_zip_empty(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "empty.zip", {"folder/": b"", "__MACOSX/._x": b"", ".DS_Store": b""})


DICOM_REJECTS = {
    "png": (build_png, "not_dicom"),
    "text": (build_text, "not_dicom"),
    "empty": (build_empty, "not_dicom"),
    "truncated": (build_truncated, "truncated"),
    "truncated_j2k": (build_truncated_j2k, "truncated"),
    "mr": (build_mr, "wrong_modality"),
    "secondary_capture": (build_secondary_capture, "secondary_capture"),
    "burned_in": (build_burned_in, "burned_in"),
    "no_pixels": (build_no_pixels, "no_pixels"),
    "missing_rescale": (build_missing_rescale, "missing_rescale"),
    "missing_spacing": (build_missing_spacing, "missing_spacing"),
    "huge_dimensions": (build_huge_dimensions, "bad_dimensions"),
    "multi_frame": (build_multi_frame, "multi_frame"),
    "colour": (build_colour, "unsupported_pixels"),
    "unsupported_syntax": (build_unsupported_syntax, "unsupported_transfer_syntax"),
    "undecodable_j2k": (build_undecodable_j2k, "undecodable"),
    "dicomdir": (build_dicomdir, "no_pixels"),
}
ZIP_REJECTS = {
    "zip_bomb_ratio": (build_zip_bomb_ratio, "zip_too_large"),
    "zip_bomb_total": (build_zip_bomb_total, "zip_too_large"),
    "zip_dotdot": (build_zip_dotdot, "zip_path_traversal"),
    "zip_absolute": (build_zip_absolute, "zip_path_traversal"),
    "zip_drive_letter": (build_zip_drive_letter, "zip_path_traversal"),
    "zip_symlink": (build_zip_symlink, "zip_symlink"),
    "zip_too_many": (build_zip_too_many, "zip_too_many_members"),
    "zip_encrypted": (build_zip_encrypted, "encrypted_zip"),
    "zip_nested": (build_zip_nested, "zip_nested"),
    "zip_corrupt": (build_zip_corrupt, "zip_corrupt"),
    "zip_empty": (build_zip_empty, "zip_empty"),
}


def build_all(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Every broken input: name -> (path, the IngestRejected code ingest must give)."""
    builders = DICOM_REJECTS | ZIP_REJECTS
    return {name: (build(tmp_path), code) for name, (build, code) in builders.items()}


# ---- unusual inputs that must be accepted -------------------------------------------------------------


def build_no_preamble(tmp_path: Path) -> Path:
    """File meta but neither the 128-byte preamble nor the DICM marker."""
    path = tmp_path / "no-preamble.dcm"
    path.write_bytes(GE_SMALL.read_bytes()[132:])
    return path


def build_marker_only(tmp_path: Path) -> Path:
    """'DICM' and file meta, without the 128-byte preamble."""
    path = tmp_path / "marker-only.dcm"
    path.write_bytes(GE_SMALL.read_bytes()[128:])
    return path


def build_bare_implicit(tmp_path: Path) -> Path:
    """An old-style stream: implicit VR dataset, no preamble and no file meta at all."""
    ds = small_dataset()
    ds.preamble = None
    del ds.file_meta
    return write(ds, tmp_path / "bare-implicit", implicit_vr=True, little_endian=True)


def build_rle(tmp_path: Path) -> Path:
    ds = small_dataset()
    ds.compress(uid.RLELossless)
    return write(ds, tmp_path / "rle.dcm")


def build_jpeg_baseline(tmp_path: Path) -> Path:
    """8-bit JPEG baseline (lossy) made with Pillow: stored = (HU + 1024) / 8, so slope 8, intercept -1024."""
    return write(as_jpeg_baseline(small_dataset()), tmp_path / "jpeg-baseline.dcm")


def as_jpeg_baseline(ds, stream=lambda jpeg: jpeg):
    """`ds` re-encoded as 8-bit JPEG baseline; `stream` may change the JPEG bytes before encapsulation."""
    hu = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    stored = np.clip(np.rint((hu + 1024) / 8), 0, 255).astype(np.uint8)
    jpeg = io.BytesIO()
    Image.fromarray(stored, mode="L").save(jpeg, format="JPEG", quality=95)
    del ds.PixelPaddingValue
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.RescaleSlope, ds.RescaleIntercept = 8, -1024
    ds.LossyImageCompression = "01"
    ds.file_meta.TransferSyntaxUID = uid.JPEGBaseline8Bit
    ds.PixelData = encapsulate([stream(jpeg.getvalue())])
    return ds


def build_zip_with_folders(tmp_path: Path) -> Path:
    """Nested folders, directory entries and macOS clutter around three real slices."""
    members = {
        "study/": b"",
        "study/series-1/": b"",
        "study/series-1/IM0001": (GE_LIVER / "01.dcm").read_bytes(),
        "study/series-1/deeper/IM0002": (GE_LIVER / "02.dcm").read_bytes(),
        "study/series-2/small.dcm": GE_SMALL.read_bytes(),
        "__MACOSX/study/._IM0001": b"\x00\x05\x16\x07",
        "study/.DS_Store": b"\x00\x00\x00\x01Bud1",
    }
    return write_zip(tmp_path / "folders.zip", members)


VALID_BUILDERS = {
    "no_preamble": build_no_preamble,
    "marker_only": build_marker_only,
    "bare_implicit": build_bare_implicit,
    "rle": build_rle,
    "jpeg_baseline": build_jpeg_baseline,
    "zip_with_folders": build_zip_with_folders,
}


def build_valid(tmp_path: Path) -> dict[str, Path]:
    """Unusual inputs ingest must accept (the zip holds three CT slices)."""
    return {name: build(tmp_path) for name, build in VALID_BUILDERS.items()}

"""Seeded mutations of DICOM files and zip archives for the upload fuzzer.

Every mutation is a function ``(rng, data) -> bytes``; ``make_case(seeds, seed, index)`` picks one (or a few)
with ``random.Random(f"{seed}-{index}")``, so a failing case is rebuilt from its seed and index alone.
"""

import io
import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pydicom
from pydicom import uid
from pydicom.dataset import Dataset

Mutation = Callable[[random.Random, bytes], bytes]

# Tags worth corrupting in place, as they appear in little-endian streams.
_TAGS = {
    "TransferSyntaxUID": (0x0002, 0x0010),
    "MetaGroupLength": (0x0002, 0x0000),
    "SOPClassUID": (0x0008, 0x0016),
    "Modality": (0x0008, 0x0060),
    "SpecificCharacterSet": (0x0008, 0x0005),
    "PatientName": (0x0010, 0x0010),
    "PixelSpacing": (0x0028, 0x0030),
    "Rows": (0x0028, 0x0010),
    "Columns": (0x0028, 0x0011),
    "BitsAllocated": (0x0028, 0x0100),
    "BitsStored": (0x0028, 0x0101),
    "PixelRepresentation": (0x0028, 0x0103),
    "RescaleIntercept": (0x0028, 0x1052),
    "RescaleSlope": (0x0028, 0x1053),
    "PixelData": (0x7FE0, 0x0010),
}
_ODD_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)
_SYNTAXES = (
    uid.ImplicitVRLittleEndian,
    uid.ExplicitVRLittleEndian,
    uid.ExplicitVRBigEndian,
    uid.DeflatedExplicitVRLittleEndian,
    uid.JPEGBaseline8Bit,
    uid.JPEGExtended12Bit,
    uid.JPEGLossless,
    uid.JPEGLosslessSV1,
    uid.JPEGLSLossless,
    uid.JPEG2000Lossless,
    uid.JPEG2000,
    uid.RLELossless,
    uid.HTJ2KLossless,
    "1.2.840.10008.1.2.4.100",  # MPEG2
    "1.2.3.4.5",
    "",
    "not a uid",
    "1." + "2" * 70,
)
# keyword -> bad values, written through pydicom (so the file stays well-formed around them).
_FIELD_VALUES: dict[str, tuple[object, ...]] = {
    "Rows": (0, 1, 2, 3, 7, 63, 65, 4097, 65535),
    "Columns": (0, 1, 2, 3, 7, 63, 65, 4097, 65535),
    "BitsAllocated": (0, 1, 7, 12, 24, 32, 64, 65535),
    "BitsStored": (0, 1, 17, 33, 65535),
    "HighBit": (0, 31, 65535),
    "PixelRepresentation": (0, 1, 2, 65535),
    "SamplesPerPixel": (0, 2, 3, 4, 65535),
    "PhotometricInterpretation": ("RGB", "YBR_FULL", "PALETTE COLOR", "MONOCHROME3", "", "\x00\x01"),
    "PlanarConfiguration": (0, 1, 7),
    "NumberOfFrames": ("0", "-1", "2", "abc", "1e9", "nan", ""),
    "RescaleSlope": ("0", "nan", "inf", "-inf", "1e308", "-1e308", "abc", "", "1e-300", "1\\2"),
    "RescaleIntercept": ("nan", "inf", "1e308", "-1e308", "abc", "", "1\\2"),
    "PixelSpacing": ("0\\0", "-1\\1", "nan\\nan", "1", "1e400\\1", "inf\\1", "0.5\\0.5\\0.5", "a\\b", ""),
    "Modality": ("MR", "", "ct", "CT\\MR", "\x00"),
    "SOPClassUID": (uid.MRImageStorage, uid.SecondaryCaptureImageStorage, "", "1.2.3", "junk"),
    "BurnedInAnnotation": ("YES", "yes", "NO", ""),
    "ImagePositionPatient": ("a\\b\\c", "nan\\nan\\nan", "1\\2", "1e999\\0\\0", ""),
    "ImageOrientationPatient": ("1\\0\\0\\0\\1", "x", ""),
    "SliceThickness": ("nan", "-5", "abc", "1e999"),
    "SliceLocation": ("nan", "inf", "abc"),
    "InstanceNumber": ("-1", "99999999999999999999", "abc", "1.5", "nan"),
    "StudyDate": ("20251301", "00000000", "99999999", "abc", "2025", "1900.01.01", ""),
    "PatientBirthDate": ("20991231", "00000000", "abc", "19000101"),
    "PatientAge": ("999Y", "000Y", "-01Y", "abcY", "12X", "001D", ""),
    "PatientSize": ("-1", "0", "nan", "inf", "1e308", "abc", "175"),
    "PatientWeight": ("-1", "0", "nan", "inf", "1e308", "abc", "9999"),
    "PatientSex": ("X", "", "MF", "\x00"),
    "SpecificCharacterSet": ("ISO_IR 192", "ISO 2022 IR 87", "GB18030", "bogus", "ISO_IR 100\\ISO 2022 IR 149"),
    "Manufacturer": ("", "\x00" * 8, "A" * 64, "GE\\SIEMENS", "Ünïcödé"),
    "ManufacturerModelName": ("", "B" * 64, "../../etc"),
    "PatientID": ("", "anonymous", "0000", "A" * 64, "x\\y"),
    "PatientName": ("", "A^B^C^D^E^F", "=" * 10),
    "StudyInstanceUID": ("", "1.2.3", "x" * 64),
    "SeriesInstanceUID": ("", "1.2.3", "x" * 64),
    "SOPInstanceUID": ("", "1.2.3", "x" * 64),
    "FrameOfReferenceUID": ("", "1.2.3"),
    "ConvolutionKernel": ("", "K" * 200),
    "KVP": ("nan", "abc", "-120"),
    "PixelPaddingValue": (0, 65535, -32768),
    "WindowCenter": ("nan", "abc"),
    "ImageType": ("DERIVED\\SECONDARY\\LOCALIZER", "", "\\\\\\"),
}
# VRs of the short-length form in explicit VR; the others have two reserved bytes and a 4-byte length.
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}


@dataclass(frozen=True)
class Case:
    name: str  # upload file name
    data: bytes
    recipe: str  # what was done, for failure messages


# ---- byte-level mutations -------------------------------------------------------------------------------


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    header_end = min(len(out), 4096)
    for _ in range(rng.randint(1, 24)):
        if not out:
            break
        limit = header_end if rng.random() < 0.7 else len(out)
        out[rng.randrange(limit)] = rng.choice(_ODD_BYTES) if rng.random() < 0.3 else rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    cut = rng.choice((rng.randrange(len(data) + 1), rng.randrange(min(len(data), 2048) + 1), len(data) - 1))
    return data[: max(cut, 0)]


def insert_or_delete(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(min(len(data), 4096) + 1)
    if rng.random() < 0.5:
        return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]
    return data[:at] + data[at + rng.randint(1, 64) :]


def duplicate_chunk(rng: random.Random, data: bytes) -> bytes:
    start = rng.randrange(min(len(data), 4096) + 1)
    chunk = data[start : start + rng.randint(4, 512)]
    return data[:start] + chunk * rng.randint(2, 20) + data[start:]


def corrupt_element_header(rng: random.Random, data: bytes) -> bytes:
    """Find one interesting tag in the raw bytes and overwrite its VR or its length field."""
    keyword = rng.choice(sorted(_TAGS))
    group, element = _TAGS[keyword]
    at = data.find(struct.pack("<HH", group, element))
    if at < 0:
        return flip_bytes(rng, data)
    out = bytearray(data)
    vr = bytes(out[at + 4 : at + 6])
    long_form = vr in _LONG_VRS
    choice = rng.randrange(4)
    if choice == 0:  # a different (maybe invalid) VR
        out[at + 4 : at + 6] = rng.choice((b"OB", b"SQ", b"UN", b"US", b"DS", b"XX", b"\x00\x00", b"UT"))
    elif choice == 1:  # a length from a list of troublemakers
        length = rng.choice((0, 1, 3, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, len(data), len(data) * 2, 0xFFFFFFFE))
        if long_form:
            out[at + 8 : at + 12] = struct.pack("<I", length & 0xFFFFFFFF)
        else:
            out[at + 6 : at + 8] = struct.pack("<H", length & 0xFFFF)
    elif choice == 2:  # implicit-VR view of the same element: a 4-byte length right after the tag
        out[at + 4 : at + 8] = struct.pack("<I", rng.choice((0, 2, 0xFFFFFFFF, 0x10000000, rng.randrange(2**32))))
    else:  # the tag itself, so the value is read as something else
        out[at : at + 4] = rng.randbytes(4)
    return bytes(out)


# ---- mutations through pydicom ---------------------------------------------------------------------------


def _dataset(data: bytes) -> Dataset:
    return pydicom.dcmread(io.BytesIO(data), force=True)


def _write(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=False)
    return buffer.getvalue()


def corrupt_field(rng: random.Random, data: bytes) -> bytes:
    """Set one to three header fields to values a scanner should never write (or drop them)."""
    ds = _dataset(data)
    for _ in range(rng.randint(1, 3)):
        keyword = rng.choice(sorted(_FIELD_VALUES))
        if rng.random() < 0.12:
            if keyword in ds:
                delattr(ds, keyword)
            continue
        try:
            setattr(ds, keyword, rng.choice(_FIELD_VALUES[keyword]))
        except (ValueError, TypeError, OverflowError):
            continue
    return _write_lenient(ds, rng, data)


def _write_lenient(ds: Dataset, rng: random.Random, fallback: bytes) -> bytes:
    try:
        return _write(ds)
    except Exception:  # noqa: BLE001 - pydicom refuses some values on write; fall back to a byte flip
        return flip_bytes(rng, fallback)


def corrupt_transfer_syntax(rng: random.Random, data: bytes) -> bytes:
    ds = _dataset(data)
    if not hasattr(ds, "file_meta"):
        ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = rng.choice(_SYNTAXES)
    if rng.random() < 0.2:
        del ds.file_meta.TransferSyntaxUID
    # Keep the dataset encoded as it was: only the declaration lies.
    buffer = io.BytesIO()
    try:
        ds.save_as(buffer, enforce_file_format=False, implicit_vr=ds.is_implicit_VR, little_endian=True)
    except Exception:  # noqa: BLE001 - some declarations cannot be written; any bytes will do
        return flip_bytes(rng, data)
    return buffer.getvalue()


def corrupt_pixel_data(rng: random.Random, data: bytes) -> bytes:
    ds = _dataset(data)
    if "PixelData" not in ds:
        return truncate(rng, data)
    pixels = ds.PixelData
    choice = rng.randrange(6)
    if choice == 0:
        ds.PixelData = pixels[: rng.randrange(len(pixels) + 1)]
    elif choice == 1:
        ds.PixelData = pixels + rng.randbytes(rng.randint(1, 4096))
    elif choice == 2:
        ds.PixelData = b""
    elif choice == 3:
        ds.PixelData = pixels[:-1] if len(pixels) % 2 == 0 else pixels + b"\x00"
    elif choice == 4:  # random bytes of the same length (encapsulated data becomes garbage)
        ds.PixelData = rng.randbytes(len(pixels))
    else:
        out = bytearray(pixels)
        for _ in range(rng.randint(1, 64)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        ds.PixelData = bytes(out)
    return _write_lenient(ds, rng, data)


def strip_structure(rng: random.Random, data: bytes) -> bytes:
    """Drop the preamble, the marker or the file meta; or hand over an empty or tiny file."""
    choice = rng.randrange(5)
    if choice == 0:
        return data[128:]
    if choice == 1:
        return data[132:]
    if choice == 2:
        return rng.randbytes(rng.randint(0, 16))
    if choice == 3:
        return bytes(128) + b"DICM" + rng.randbytes(rng.randint(0, 256))
    return b"DICM" + data[132 : 132 + rng.randint(0, 512)]


DICOM_MUTATIONS: tuple[tuple[Mutation, int], ...] = (
    (flip_bytes, 4),
    (truncate, 3),
    (insert_or_delete, 2),
    (duplicate_chunk, 1),
    (corrupt_element_header, 4),
    (corrupt_field, 6),
    (corrupt_transfer_syntax, 2),
    (corrupt_pixel_data, 3),
    (strip_structure, 1),
)


def mutate_dicom(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    steps = []
    for _ in range(1 if rng.random() < 0.75 else rng.randint(2, 3)):
        mutation = _weighted(rng, DICOM_MUTATIONS)
        try:
            data = mutation(rng, data)
        except Exception:  # noqa: BLE001 - an earlier step left bytes pydicom cannot parse: flip instead
            mutation = flip_bytes
            data = mutation(rng, data)
        steps.append(mutation.__name__)
    return data, "+".join(steps)


# ---- zip mutations ---------------------------------------------------------------------------------------

_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
_NAMES = (
    "../escape.dcm",
    "a/../../b.dcm",
    "/etc/passwd",
    "C:\\evil.dcm",
    "\\\\server\\share\\x.dcm",
    "",
    "dir/",
    "a\x00b.dcm",
    "ünïcode/切片.dcm",
    "./././x.dcm",
    "x" * 2000,
    "__MACOSX/._slice",
    ".DS_Store",
    "CON",
    "a//b.dcm",
    "..",
)


def build_zip(rng: random.Random, members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name or "unnamed")
            info.compress_type = rng.choice(_METHODS)
            archive.writestr(info, content)
    return buffer.getvalue()


def _header_offsets(data: bytes, signature: bytes) -> list[int]:
    offsets, at = [], data.find(signature)
    while at != -1:
        offsets.append(at)
        at = data.find(signature, at + 4)
    return offsets


def _patch(data: bytes, rng: random.Random, fields: tuple[tuple[int, str], ...], values: tuple[int, ...]) -> bytes:
    """Overwrite one field (offset from a local or central header, struct format) in some headers."""
    out = bytearray(data)
    local, central = _header_offsets(data, b"PK\x03\x04"), _header_offsets(data, b"PK\x01\x02")
    field_local, field_central = fields
    for offsets, (offset, fmt) in ((local, field_local), (central, field_central)):
        if rng.random() < 0.25:
            continue  # let local and central headers disagree sometimes
        for at in offsets:
            if at + offset + struct.calcsize(fmt) <= len(out):
                value = rng.choice(values) & (0xFFFF if fmt == "<H" else 0xFFFFFFFF)
                out[at + offset : at + offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(out)


def zip_sizes(rng: random.Random, data: bytes) -> bytes:
    values = (0, 1, 100, 0xFFFFFFFF, 0x7FFFFFFF, 3 * 1024**3, rng.randrange(2**32), len(data))
    if rng.random() < 0.5:
        return _patch(data, rng, ((22, "<I"), (24, "<I")), values)  # uncompressed size
    return _patch(data, rng, ((18, "<I"), (20, "<I")), values)  # compressed size


def zip_crc(rng: random.Random, data: bytes) -> bytes:
    return _patch(data, rng, ((14, "<I"), (16, "<I")), (0, 0xFFFFFFFF, rng.randrange(2**32)))


def zip_method(rng: random.Random, data: bytes) -> bytes:
    methods = (0, 1, 6, 8, 9, 12, 14, 93, 95, 98, 99, 0xFFFF, rng.randrange(2**16))
    return _patch(data, rng, ((8, "<H"), (10, "<H")), methods)


def zip_flags(rng: random.Random, data: bytes) -> bytes:
    flags = (0x1, 0x8, 0x40, 0x800, 0x2000, 0xFFFF)
    return _patch(data, rng, ((6, "<H"), (8, "<H")), flags)


def zip_name_length(rng: random.Random, data: bytes) -> bytes:
    return _patch(data, rng, ((26, "<H"), (28, "<H")), (0, 1, 0xFFFF, 300))


def zip_extra(rng: random.Random, data: bytes) -> bytes:
    return _patch(data, rng, ((28, "<H"), (30, "<H")), (4, 20, 0xFFFF))


def zip_external_attr(rng: random.Random, data: bytes) -> bytes:
    modes = (0o120777 << 16, 0o020644 << 16, 0o060644 << 16, 0o010644 << 16, 0o140644 << 16, 0xFFFFFFFF)
    out = bytearray(data)
    for at in _header_offsets(data, b"PK\x01\x02"):
        out[at + 5] = 3  # made on Unix, so the mode counts
        out[at + 38 : at + 42] = struct.pack("<I", rng.choice(modes))
    return bytes(out)


def zip_end_record(rng: random.Random, data: bytes) -> bytes:
    """The end-of-central-directory record: entry counts, directory size and offset."""
    at = data.rfind(b"PK\x05\x06")
    if at < 0:
        return flip_bytes(rng, data)
    out = bytearray(data)
    offset, fmt = rng.choice(((8, "<H"), (10, "<H"), (12, "<I"), (16, "<I"), (20, "<H")))
    value = rng.choice((0, 1, 0xFFFF, 0xFFFFFFFF, rng.randrange(2**16))) & (0xFFFF if fmt == "<H" else 0xFFFFFFFF)
    out[at + offset : at + offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(out)


ZIP_BYTE_MUTATIONS: tuple[tuple[Mutation, int], ...] = (
    (zip_sizes, 4),
    (zip_crc, 2),
    (zip_method, 3),
    (zip_flags, 2),
    (zip_name_length, 1),
    (zip_extra, 1),
    (zip_external_attr, 1),
    (zip_end_record, 2),
    (flip_bytes, 2),
    (truncate, 2),
)


def make_zip(rng: random.Random, dicoms: list[bytes]) -> tuple[bytes, str]:
    """A zip of one to three (maybe mutated) slices, with odd names, nesting or a damaged structure."""
    members, steps = [], []
    for index in range(rng.randint(1, 3)):
        content = rng.choice(dicoms)
        if rng.random() < 0.3:
            content, recipe = mutate_dicom(rng, content)
            steps.append(f"member:{recipe}")
        name = rng.choice(_NAMES) if rng.random() < 0.3 else f"series/IM{index:04d}"
        members.append((name, content))
    if rng.random() < 0.15:
        inner = build_zip(rng, members)
        for _ in range(rng.randint(0, 2)):
            inner = build_zip(rng, [("nested.zip", inner)])
        members = [("inner.zip", inner)]
        steps.append("nested")
    data = build_zip(rng, members)
    if rng.random() < 0.75:
        mutation = _weighted(rng, ZIP_BYTE_MUTATIONS)
        data = mutation(rng, data)
        steps.append(mutation.__name__)
    return data, "zip(" + "+".join(steps) + ")"


# ---- cases -----------------------------------------------------------------------------------------------


def _weighted(rng: random.Random, choices: tuple[tuple[Mutation, int], ...]) -> Mutation:
    functions, weights = zip(*choices, strict=True)
    return rng.choices(functions, weights=weights)[0]


def make_case(seeds: list[tuple[str, bytes, int]], seed: int, index: int) -> Case:
    """Case ``index`` of the run ``seed``: a mutated DICOM file (about two in three) or a mutated zip."""
    rng = random.Random(f"{seed}-{index}")
    names, blobs, weights = zip(*seeds, strict=True)
    if rng.random() < 0.33:
        small = [blob for blob in blobs if len(blob) < 200_000]
        data, recipe = make_zip(rng, small)
        return Case(f"fuzz-{seed}-{index}.zip", data, recipe)
    pick = rng.choices(range(len(blobs)), weights=weights)[0]
    data, recipe = mutate_dicom(rng, blobs[pick])
    return Case(f"fuzz-{seed}-{index}.dcm", data, f"{names[pick]}:{recipe}")

"""Recognise what an upload is from its first bytes, never from its name."""

import struct

ZIP_MAGICS: tuple[bytes, ...] = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_PREAMBLE = 128
_KNOWN_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"PK\x03\x04", "a zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x5c\x01\x00\x00", "a NIfTI image"),
)
# Groups a DICOM stream without preamble can start with: file meta, or the first dataset groups.
_FIRST_GROUPS = frozenset({0x0002, 0x0008})


def is_zip(head: bytes) -> bool:
    return head[:4] in ZIP_MAGICS


def has_preamble(data: bytes) -> bool:
    return data[_PREAMBLE : _PREAMBLE + 4] == b"DICM"


def starts_like_dicom(data: bytes) -> bool:
    """A DICOM file with a preamble, with only the 'DICM' marker, or a bare little-endian stream."""
    if has_preamble(data) or data[:4] == b"DICM":
        return True
    if len(data) < 8:
        return False
    group, element = struct.unpack("<HH", data[:4])
    return group in _FIRST_GROUPS and element <= 0x0100


def with_preamble(data: bytes) -> bytes:
    """pydicom recognises a marker-only file (no 128-byte preamble) once a blank preamble is put back."""
    return bytes(_PREAMBLE) + data if data[:4] == b"DICM" else data


def describe(data: bytes) -> str:
    """What a non-DICOM upload seems to be, for the rejection message."""
    if not data:
        return "an empty file"
    for magic, name in _KNOWN_FORMATS:
        if data.startswith(magic):
            return name
    try:
        data[:512].decode("utf-8")
    except UnicodeDecodeError:
        return "binary data of an unknown kind"
    return "a text file"

"""De-identification: identifiers injected into real CT never survive; pixels and UIDs behave."""

import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import UID

from studies.dicomio import (
    IDENTIFYING_KEYWORDS,
    ParsedCT,
    deidentify,
    find_identifying,
    pseudonym_for,
    read_ct,
    remap_uid,
)
from tests.studies import corpus

corpus.skip_module_without_real_ct()

pytestmark = pytest.mark.skipif(not corpus.REAL_CT.is_dir(), reason=f"real CT not found at {corpus.REAL_CT}")

SALT = b"test-salt-not-secret"
SOURCES = {
    "ge_small": corpus.GE_SMALL,
    "ge_implicit_vr": corpus.GE_LIVER / "01.dcm",
    "siemens_j2k": corpus.real_groups()["siemens_j2k_series"][0],
    "explicit_vr_un_j2k": corpus.UN_SLICE,
}


def parse(path: Path) -> ParsedCT:
    return read_ct(path.read_bytes(), path.name)


def deid(parsed: ParsedCT, salt: bytes = SALT) -> bytes:
    return deidentify(parsed, salt, pseudonym_for(parsed.subject_key, salt))


def load(data: bytes) -> Dataset:
    return pydicom.dcmread(io.BytesIO(data))


def walk(ds: Dataset) -> Iterator[pydicom.DataElement]:
    for element in ds:
        yield element
        if element.VR == "SQ":
            for item in element.value:
                yield from walk(item)


def instance_uids(path: Path) -> set[str]:
    """Every UID in a file (file meta included) except the standard ones (classes, transfer syntaxes)."""
    ds = pydicom.dcmread(path)
    elements = list(walk(ds)) + list(walk(ds.file_meta))
    values = {str(value) for e in elements if e.VR == "UI" for value in (e.value if e.VM > 1 else [e.value])}
    return {value for value in values if value and not value.startswith("1.2.840.10008.")}


@pytest.fixture(scope="module")
def identified(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("identified")
    return {name: corpus.build_identified(folder, source) for name, source in SOURCES.items()}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_no_identifying_attribute_private_tag_or_original_uid_survives(source: str, identified: dict) -> None:
    path = identified[source]
    output = deid(parse(path))
    assert find_identifying(output, instance_uids(path)) == []
    leaked = [text for text in corpus.LEAK_STRINGS if text.encode() in output]
    assert leaked == []
    assert not any(element.tag.is_private for element in walk(load(output)))


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_pixels_are_stored_uncompressed_as_exactly_the_decoded_values(source: str, identified: dict) -> None:
    parsed = parse(identified[source])
    output = deid(parsed)
    written = load(output)
    assert written.file_meta.TransferSyntaxUID == UID("1.2.840.10008.1.2.1")  # Explicit VR Little Endian
    assert np.array_equal(written.pixel_array, parsed.dataset.pixel_array)
    assert np.array_equal(read_ct(output, "again.dcm").hu, parsed.hu)


def test_the_preamble_is_128_zero_bytes_and_the_stamps_are_set(identified: dict) -> None:
    output = deid(parse(identified["ge_small"]))
    assert output[:132] == bytes(128) + b"DICM"
    written = load(output)
    assert written.PatientIdentityRemoved == "YES"
    assert "MuscleSeed allowlist v1" in written.DeidentificationMethod
    assert [item.CodeValue for item in written.DeidentificationMethodCodeSequence] == ["113100", "113107", "113108"]
    assert re.fullmatch(r"MS-[A-Z2-7]{10}", written.PatientID) and written.PatientName == written.PatientID


def test_patient_characteristics_are_kept_and_dates_reduced_to_the_year(identified: dict) -> None:
    written = load(deid(parse(identified["ge_small"])))
    assert (written.PatientAge, written.PatientSex) == ("063Y", "F")
    assert (float(written.PatientSize), float(written.PatientWeight)) == (1.62, 58.0)
    assert written.StudyDate == "20240101" and "ContentDate" not in written
    assert written.Manufacturer == "GE MEDICAL SYSTEMS" and written.KVP == 120


def test_age_is_computed_from_the_birth_date_when_the_file_gives_no_age(tmp_path: Path) -> None:
    ds = corpus.inject_identifiers(corpus.small_dataset())
    del ds.PatientAge
    parsed = parse(corpus.write(ds, tmp_path / "no-age.dcm"))  # born 1958-12-31, scanned 2024-01-31
    assert parsed.patient_age_years == 65
    assert load(deid(parsed)).PatientAge == "065Y"


def test_the_same_input_gives_the_same_output(identified: dict) -> None:
    parsed = parse(identified["siemens_j2k"])
    assert deid(parsed) == deid(parse(identified["siemens_j2k"]))


def test_a_different_salt_gives_different_uids_and_pseudonym(identified: dict) -> None:
    parsed = parse(identified["ge_small"])
    first, second = load(deid(parsed, SALT)), load(deid(parsed, b"another-salt"))
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID", "PatientID"):
        assert first.get(keyword) != second.get(keyword), keyword


def test_slices_of_one_series_keep_one_study_series_and_frame_of_reference() -> None:
    written = [load(deid(parse(path))) for path in corpus.real_groups()["siemens_j2k_series"][:3]]
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID", "PatientID"):
        assert len({ds.get(keyword) for ds in written}) == 1, keyword
    assert len({ds.SOPInstanceUID for ds in written}) == 3
    assert all(ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID for ds in written)


def test_remapped_uids_are_valid_2_25_uids() -> None:
    remapped = remap_uid("1.3.12.2.1107.5.1.4.60064.30000022120808113428000016573", SALT)
    assert remapped.startswith("2.25.") and len(remapped) <= 64 and UID(remapped).is_valid
    assert remap_uid("1.2.3", SALT) == remap_uid("1.2.3", SALT) != remap_uid("1.2.4", SALT)
    assert remap_uid("", SALT) == ""


def test_the_pseudonym_is_stable_for_one_patient_and_differs_between_patients() -> None:
    first, second = (parse(corpus.GE_LIVER / name) for name in ("01.dcm", "02.dcm"))
    assert pseudonym_for(first.subject_key, SALT) == pseudonym_for(second.subject_key, SALT)
    assert pseudonym_for(first.subject_key, SALT) != pseudonym_for(parse(corpus.GE_SMALL).subject_key, SALT)
    assert pseudonym_for("99000", SALT) != pseudonym_for("99000", b"another-salt")
    assert re.fullmatch(r"MS-[A-Z2-7]{10}", pseudonym_for("99000", SALT))
    with pytest.raises(ValueError):
        pseudonym_for("", SALT)


def test_the_audit_finds_what_an_identified_file_still_holds(identified: dict) -> None:
    path = identified["ge_small"]
    problems = find_identifying(path.read_bytes(), instance_uids(path))
    for expected in ("preamble", "PatientBirthDate has a value", "InstitutionName has a value", "private tag"):
        assert any(expected in problem for problem in problems), expected
    assert any(problem.startswith("original UID") for problem in problems)


def test_identifying_keywords_are_real_dicom_keywords() -> None:
    unknown = [kw for kw in IDENTIFYING_KEYWORDS if pydicom.datadict.tag_for_keyword(kw) is None]
    assert unknown == []


@pytest.mark.parametrize("name", ["bare_implicit", "jpeg_baseline", "marker_only", "no_preamble", "rle"])
def test_unusual_valid_files_de_identify_and_read_back_unchanged(name: str, tmp_path: Path) -> None:
    parsed = parse(corpus.VALID_BUILDERS[name](tmp_path))
    output = deid(parsed)
    assert find_identifying(output, instance_uids(corpus.GE_SMALL)) == []
    again = read_ct(output, "again.dcm")
    assert again.transfer_syntax == "Explicit VR Little Endian" and np.array_equal(again.hu, parsed.hu)

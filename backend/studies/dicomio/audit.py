"""An independent check of de-identified output: what in these bytes could still identify someone?"""

import io
import re
from collections.abc import Iterable, Iterator

import pydicom
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.uid import UID

from .deid import ALLOWED_KEYWORDS, MAX_AGE_YEARS
from .identity import PSEUDONYM_PATTERN
from .parsed import ParsedCT

# Attributes that must never leave de-identification with a value (PatientName and PatientID may hold the
# pseudonym). Drawn from PS3.15 Annex E (Basic Application Confidentiality Profile) for CT.
IDENTIFYING_KEYWORDS: frozenset[str] = frozenset(
    {
        # the patient
        "PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "PatientBirthTime",
        "PatientBirthName", "PatientMotherBirthName", "OtherPatientIDs", "OtherPatientIDsSequence",
        "OtherPatientNames", "PatientAddress", "PatientTelephoneNumbers", "PatientTelecomInformation",
        "MilitaryRank", "BranchOfService", "MedicalRecordLocator", "EthnicGroup", "Occupation",
        "AdditionalPatientHistory", "PatientComments", "PatientReligiousPreference", "ResponsiblePerson",
        "ResponsibleOrganization", "InsurancePlanIdentification", "CountryOfResidence", "RegionOfResidence",
        "CurrentPatientLocation", "PatientInstitutionResidence", "MedicalAlerts", "Allergies",
        "PregnancyStatus", "SmokingStatus", "LastMenstrualDate", "PatientState",
        # staff and places
        "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "InstitutionCodeSequence",
        "ReferringPhysicianName", "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
        "ReferringPhysicianIdentificationSequence", "PerformingPhysicianName",
        "PerformingPhysicianIdentificationSequence", "NameOfPhysiciansReadingStudy",
        "PhysiciansReadingStudyIdentificationSequence", "PhysiciansOfRecord",
        "PhysiciansOfRecordIdentificationSequence", "OperatorsName", "OperatorIdentificationSequence",
        "RequestingPhysician", "RequestingService", "ScheduledPerformingPhysicianName",
        "ContentCreatorName", "VerifyingObserverName", "PersonName", "StationName", "DeviceSerialNumber",
        "DetectorID", "GantryID",
        # the visit and order
        "AccessionNumber", "StudyID", "AdmissionID", "IssuerOfAdmissionID", "ServiceEpisodeID",
        "RequestedProcedureID", "PerformedProcedureStepID", "ScheduledProcedureStepID",
        "RequestAttributesSequence", "ReferencedPatientSequence", "ReferencedStudySequence",
        "ReferencedImageSequence", "SourceImageSequence", "ReferencedPerformedProcedureStepSequence",
        "IrradiationEventUID", "InstanceCreatorUID", "StorageMediaFileSetUID",
        # free text that often names people
        "StudyDescription", "SeriesDescription", "ImageComments", "RequestedProcedureDescription",
        "PerformedProcedureStepDescription", "ProtocolName", "AdmittingDiagnosesDescription",
        "DerivationDescription", "ReasonForTheRequestedProcedure", "TextValue",
        # full dates and times (StudyDate may keep its year)
        "SeriesDate", "AcquisitionDate", "ContentDate", "InstanceCreationDate", "AcquisitionDateTime",
        "StudyTime", "SeriesTime", "AcquisitionTime", "ContentTime", "InstanceCreationTime",
        "PerformedProcedureStepStartDate", "PerformedProcedureStepStartTime", "DateOfLastCalibration",
        "TimezoneOffsetFromUTC",
    }
)  # fmt: skip
# The patient's own identifiers: searched in the raw bytes of every file ingest stores.
PATIENT_KEYWORDS: frozenset[str] = frozenset(
    {"PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "OtherPatientIDs", "OtherPatientNames",
     "PatientBirthName", "PatientMotherBirthName", "AccessionNumber", "PatientAddress", "PatientTelephoneNumbers"}
)  # fmt: skip
_PSEUDONYM = re.compile(PSEUDONYM_PATTERN)
_YEAR_ONLY = re.compile(r"\d{4}0101")
_MIN_SEARCHED = 4  # shorter values (sex, a two-letter code) would match by chance
_UNDEFINED_LENGTH = 0xFFFFFFFF
_ITEM_TAG = b"\xfe\xff\x00\xe0"  # an encapsulated value starts with its Basic Offset Table item
_JPEG_TEXT_MARKERS = re.compile(rb"\xff[\xe0-\xef\xfe]")  # APP0..APP15, COM (in a JPEG stream FF is escaped)


def find_identifying(
    ds_bytes: bytes, original_uids: Iterable[str] = (), original_values: Iterable[str] = ()
) -> list[str]:
    """Everything in a de-identified file that could identify someone; an empty list means clean.

    ``original_values`` (see identifying_values) are searched in the raw bytes of the whole file, pixel data
    included, so text hidden where no attribute shows it is found too."""
    problems = _preamble_problems(ds_bytes)
    ds = pydicom.dcmread(io.BytesIO(ds_bytes), force=True)
    problems += _pseudonym_problems(ds)
    for element in _walk(ds):
        problems += _element_problems(element)
    problems += _pixel_problems(ds)
    problems += [f"original UID {uid} is present" for uid in original_uids if uid and uid.encode() in ds_bytes]
    problems += [f"original value {value!r} is in the file's bytes" for value in _found(original_values, ds_bytes)]
    return problems


def identifying_values(ds: Dataset, keywords: frozenset[str] = IDENTIFYING_KEYWORDS) -> list[str]:
    """The identifying text of an identified dataset (names, IDs, dates, places), each part of a person name
    and each value of a multi-valued attribute on its own; for find_identifying's byte search."""
    values: set[str] = set()
    for element in _walk(ds, wanted=keywords):
        if element.keyword in keywords and element.VR not in ("SQ", "UI"):
            for value in element.value if element.VM > 1 else [element.value]:
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value or "")
                values.update(part.strip() for part in re.split(r"[\\^=]", text))
    return sorted(value for value in values if len(value) >= _MIN_SEARCHED)


def stored_file_problems(output: bytes, parsed: ParsedCT) -> list[str]:
    """The audit ingest runs on every file before storing it: the structure, the file's own instance UIDs and
    the patient's identifiers searched in the raw bytes. Free text such as ProtocolName is not searched here:
    it often repeats what copied attributes say ("ABDOMEN"), and would refuse clean files."""
    uids = (parsed.sop_instance_uid, parsed.series_instance_uid, parsed.study_instance_uid)
    uids += (parsed.frame_of_reference_uid,)
    return find_identifying(output, uids, identifying_values(parsed.dataset, PATIENT_KEYWORDS))


def _found(values: Iterable[str], ds_bytes: bytes) -> list[str]:
    return [value for value in values if len(value) >= _MIN_SEARCHED and value.encode() in ds_bytes]


def _pixel_problems(ds: Dataset) -> list[str]:
    """Pixel data must be exactly the pixels: never encapsulated (a compressed stream carries comments and
    application segments) and never longer than the image."""
    if "PixelData" not in ds:
        return []
    value = ds.get_item("PixelData").value or b""
    syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    if (syntax and UID(str(syntax)).is_encapsulated) or value[:4] == _ITEM_TAG:
        markers = sorted(set(_JPEG_TEXT_MARKERS.findall(value)))
        named = f" with {', '.join(_marker_name(m) for m in markers)} segments" if markers else ""
        return [f"pixel data is encapsulated{named}: compressed streams can carry text"]
    expected = _expected_native_length(ds)
    if expected is not None and len(value) > expected + expected % 2:
        return [f"pixel data holds {len(value) - expected} bytes after the last pixel"]
    return []


def _expected_native_length(ds: Dataset) -> int | None:
    try:
        rows, cols, bits = int(ds.Rows), int(ds.Columns), int(ds.BitsAllocated)
        samples, frames = int(ds.get("SamplesPerPixel") or 1), int(ds.get("NumberOfFrames") or 1)
    except (AttributeError, TypeError, ValueError):
        return None
    return rows * cols * samples * frames * bits // 8


def _marker_name(marker: bytes) -> str:
    return "COM" if marker[1] == 0xFE else f"APP{marker[1] - 0xE0}"


def _preamble_problems(ds_bytes: bytes) -> list[str]:
    if ds_bytes[:128] != bytes(128) or ds_bytes[128:132] != b"DICM":
        return ["preamble is not 128 zero bytes followed by DICM"]
    return []


def _pseudonym_problems(ds: Dataset) -> list[str]:
    name, patient_id = str(ds.get("PatientName", "")), str(ds.get("PatientID", ""))
    if name != patient_id or not _PSEUDONYM.fullmatch(patient_id):
        return [f"PatientName/PatientID ({name!r}/{patient_id!r}) are not one pseudonym"]
    return []


def _walk(ds: Dataset, wanted: frozenset[str] | None = None) -> Iterator[DataElement]:
    """Every element, nested ones included. An element pydicom cannot convert (a VR it does not know, a value
    its VR cannot hold) comes as UN with its raw bytes: the audit still searches it, and never crashes on it.
    With `wanted` keywords, elements that are surely neither wanted nor sequences are passed over unconverted
    (converting every element of an uploaded file was most of the audit's time)."""
    for tag in list(ds.keys()):
        if wanted is not None and _surely_unwanted(ds.get_item(tag), wanted):
            continue
        try:
            element = ds[tag]
        except Exception:  # noqa: BLE001 - pydicom raises many types for a value it cannot convert
            raw = ds.get_item(tag)
            element = DataElement(tag, "UN", getattr(raw, "value", b"") or b"")
        yield element
        if element.VR == "SQ":
            for item in element.value:
                yield from _walk(item, wanted)


def _surely_unwanted(raw, wanted: frozenset[str]) -> bool:
    """A raw element of a public tag, not wanted, that pydicom cannot convert to a sequence: its VR is explicit
    and neither SQ nor UN, or taken from the dictionary (implicit or UN), which says not SQ; defined length."""
    if not isinstance(raw, RawDataElement) or raw.tag.is_private or raw.length == _UNDEFINED_LENGTH:
        return False
    try:
        keyword, dictionary_vr = keyword_for_tag(raw.tag), dictionary_VR(raw.tag)
    except KeyError:  # not in the dictionary: converted, as before
        return False
    if not keyword or keyword in wanted:
        return False
    if raw.VR in (None, "UN"):
        return dictionary_vr != "SQ"
    return raw.VR != "SQ"


def _age_within_cap(value) -> bool:
    text = str(value or "")
    return not (text.endswith("Y") and text[:-1].isdigit() and int(text[:-1]) > MAX_AGE_YEARS)


def _element_problems(element: DataElement) -> list[str]:
    if element.tag.is_private:
        return [f"private tag {element.tag}"]
    keyword = element.keyword
    if keyword in ("PatientName", "PatientID"):
        return []
    if keyword == "StudyDate":
        return [] if element.value in ("", None) or _YEAR_ONLY.fullmatch(str(element.value)) else ["full StudyDate"]
    if keyword == "PatientAge":
        return [] if _age_within_cap(element.value) else ["PatientAge over 90 (ages over 89 are written as 090Y)"]
    if keyword in IDENTIFYING_KEYWORDS and element.value not in ("", None):
        return [f"{keyword} has a value"]
    if keyword not in ALLOWED_KEYWORDS:
        return [f"{keyword or element.tag} is not on the allowlist"]
    return []

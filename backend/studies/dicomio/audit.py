"""An independent check of de-identified output: what in these bytes could still identify someone?"""

import io
import re
from collections.abc import Iterable, Iterator

import pydicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from .deid import ALLOWED_KEYWORDS
from .identity import PSEUDONYM_PATTERN

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
_PSEUDONYM = re.compile(PSEUDONYM_PATTERN)
_YEAR_ONLY = re.compile(r"\d{4}0101")


def find_identifying(ds_bytes: bytes, original_uids: Iterable[str] = ()) -> list[str]:
    """Everything in a de-identified file that could identify someone; an empty list means clean."""
    problems = _preamble_problems(ds_bytes)
    ds = pydicom.dcmread(io.BytesIO(ds_bytes), force=True)
    problems += _pseudonym_problems(ds)
    for element in _walk(ds):
        problems += _element_problems(element)
    problems += [f"original UID {uid} is present" for uid in original_uids if uid and uid.encode() in ds_bytes]
    return problems


def _preamble_problems(ds_bytes: bytes) -> list[str]:
    if ds_bytes[:128] != bytes(128) or ds_bytes[128:132] != b"DICM":
        return ["preamble is not 128 zero bytes followed by DICM"]
    return []


def _pseudonym_problems(ds: Dataset) -> list[str]:
    name, patient_id = str(ds.get("PatientName", "")), str(ds.get("PatientID", ""))
    if name != patient_id or not _PSEUDONYM.fullmatch(patient_id):
        return [f"PatientName/PatientID ({name!r}/{patient_id!r}) are not one pseudonym"]
    return []


def _walk(ds: Dataset) -> Iterator[DataElement]:
    for element in ds:
        yield element
        if element.VR == "SQ":
            for item in element.value:
                yield from _walk(item)


def _element_problems(element: DataElement) -> list[str]:
    if element.tag.is_private:
        return [f"private tag {element.tag}"]
    keyword = element.keyword
    if keyword in ("PatientName", "PatientID"):
        return []
    if keyword == "StudyDate":
        return [] if element.value in ("", None) or _YEAR_ONLY.fullmatch(str(element.value)) else ["full StudyDate"]
    if keyword in IDENTIFYING_KEYWORDS and element.value not in ("", None):
        return [f"{keyword} has a value"]
    if keyword not in ALLOWED_KEYWORDS:
        return [f"{keyword or element.tag} is not on the allowlist"]
    return []

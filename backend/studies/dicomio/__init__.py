"""CT ingest core: upload unpacking, validation, reading and de-identification of DICOM.

Plain Python (pydicom, numpy): it never imports Django, so it can be tested and reused on its own.
"""

from .archive import iter_upload
from .audit import IDENTIFYING_KEYWORDS, find_identifying
from .deid import ALLOWED_KEYWORDS, DEIDENTIFICATION_METHOD, deidentify
from .devices import normalise_device
from .errors import REJECTION_CODES, IngestRejected
from .identity import pseudonym_for, remap_uid
from .limits import Limits
from .parsed import ParsedCT
from .reader import read_ct

__all__ = [
    "ALLOWED_KEYWORDS",
    "DEIDENTIFICATION_METHOD",
    "IDENTIFYING_KEYWORDS",
    "REJECTION_CODES",
    "IngestRejected",
    "Limits",
    "ParsedCT",
    "deidentify",
    "find_identifying",
    "iter_upload",
    "normalise_device",
    "pseudonym_for",
    "read_ct",
    "remap_uid",
]

"""The one error type of the ingest core: a file refused, with a reason a person can read."""


class IngestRejected(Exception):
    """A file (or archive) refused at ingest.

    ``reason`` is a sentence that names what is wrong; ``code`` is a short stable slug for API clients
    and tests. The message (``str(exc)``) is ``"<filename>: <reason>"``.
    """

    def __init__(self, filename: str, reason: str, code: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason
        self.code = code

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        # Keeps the exception picklable (Celery sends errors between processes).
        return (type(self), (self.filename, self.reason, self.code))


# Every code read_ct and iter_upload can raise; API layers may map them to messages or HTTP codes.
REJECTION_CODES: frozenset[str] = frozenset(
    {
        "not_dicom",
        "wrong_modality",
        "unsupported_sop_class",
        "truncated",
        "burned_in",
        "secondary_capture",
        "no_pixels",
        "undecodable",
        "deid_failed",
        "uid_collision",
        "unsupported_transfer_syntax",
        "unsupported_pixels",
        "too_large",
        "bad_dimensions",
        "multi_frame",
        "missing_spacing",
        "missing_rescale",
        "bad_rescale",
        "bad_device_name",
        "not_axial",
        "oblique",
        "bad_orientation",
        "zip_empty",
        "zip_too_many_members",
        "zip_too_large",
        "zip_path_traversal",
        "zip_symlink",
        "zip_nested",
        "zip_corrupt",
        "encrypted_zip",
    }
)

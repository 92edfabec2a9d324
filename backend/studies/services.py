"""Ingest: validate, de-identify and store uploaded CT; register devices and subjects."""

import dataclasses
import hashlib
import logging
from concurrent.futures import Future
from dataclasses import asdict, dataclass

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from pydicom.dataset import Dataset

from jobs.models import Job
from jobs.services import job_create_or_join

from . import storage
from .background_writes import BackgroundWrites
from .dicomio import IngestRejected, Limits, ParsedCT, deidentify, iter_upload, pseudonym_for, read_ct, remap_uid
from .dicomio.audit import stored_file_problems
from .models import Device, Image, Series, Study, Subject
from .selectors import study_list
from .subjects import split_for_new_subject as split_for_new_subject
from .subjects import subject_get_or_create
from .subjects import subject_update_body as subject_update_body

logger = logging.getLogger(__name__)

# An upload's files whose rows are made in one transaction; it also bounds the files held while being written.
ROWS_PER_TRANSACTION = 32

STATUS_FOR_CODE = {
    "too_large": 413,
    "zip_too_large": 413,
    "zip_too_many_members": 413,
    "not_dicom": 415,
    "zip_corrupt": 400,
    "zip_path_traversal": 400,
    "zip_symlink": 400,
    "encrypted_zip": 400,
    "zip_nested": 400,
    "zip_empty": 400,
    "uid_collision": 409,
}


@dataclass
class FileOutcome:
    file: str
    status: str  # stored | duplicate | rejected
    http_status: int
    code: str | None = None
    reason: str | None = None
    study_id: int | None = None
    image_id: int | None = None
    device: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def upload_limits() -> Limits:
    mib = 1024 * 1024
    return Limits(
        max_file_bytes=settings.MUSCLESEED_UPLOAD_MAX_FILE_MB * mib,
        zip_max_members=settings.MUSCLESEED_ZIP_MAX_MEMBERS,
        zip_max_total_bytes=settings.MUSCLESEED_ZIP_MAX_TOTAL_MB * mib,
    )


def _salt() -> bytes:
    return settings.MUSCLESEED_DEID_SALT.encode()


def upload_ingest(*, files, user) -> list[FileOutcome]:
    """Ingest uploaded files (each a DICOM file or a zip). Good files are stored even when others fail."""
    limits = upload_limits()
    batch = _UploadBatch(user=user)
    try:
        for upload in files:
            try:
                for name, content in iter_upload(upload, upload.name, limits):
                    batch.add(name=name, content=content, limits=limits)
            except IngestRejected as rejected:
                batch.outcomes.append(_rejected(rejected))
        batch.commit()
    finally:
        batch.close()
    outcomes = batch.outcomes
    stored: dict[int, list[int]] = {}
    for outcome in outcomes:
        if outcome.status == "stored":
            stored.setdefault(outcome.study_id, []).append(outcome.image_id)
    for study_id, image_ids in sorted(stored.items()):
        study_postprocess_enqueue(study_id=study_id, image_ids=image_ids, user=user)
    return outcomes


def _rejected(rejected: IngestRejected) -> FileOutcome:
    return FileOutcome(
        file=rejected.filename,
        status="rejected",
        http_status=STATUS_FOR_CODE.get(rejected.code, 422),
        code=rejected.code,
        reason=rejected.reason,
    )


def _storage_error(filename: str, error: OSError) -> FileOutcome:
    """Disk full, permissions: nothing of the file was kept (its writes clean up after themselves)."""
    logger.error("could not store %s", filename, exc_info=error)
    return FileOutcome(
        file=filename,
        status="rejected",
        http_status=507,
        code="storage_error",
        # The errno's words ("No space left on device") only: str(error) would show server paths.
        reason=f"The server could not store this file ({error.strerror or 'storage error'}); nothing was kept.",
    )


def _stored(filename: str, image: Image) -> FileOutcome:
    return FileOutcome(
        file=filename,
        status="stored",
        http_status=201,
        study_id=image.series.study_id,
        image_id=image.id,
        device=image.device.display_name,
    )


@dataclass
class _Pending:
    """A file read, de-identified and audited, whose media are being written; its rows come at commit."""

    index: int  # of its outcome
    filename: str
    parsed: ParsedCT  # without its dataset and pixels (_header)
    sop_uid: str
    link: str
    pseudonym: str
    fields: dict  # the Image fields known before any row exists
    written: Future

    @property
    def paths(self) -> tuple[str, str]:
        return self.fields["dicom_path"], self.fields["hu_path"]


class _UploadBatch:
    """One upload request's files, in order. Each is read, de-identified and audited as it arrives while the
    media of those before it are written on background threads; the rows of up to ROWS_PER_TRANSACTION files
    are made in one transaction, or one file at a time where that fails, so that each gets its own outcome.
    A file's media are removed unless its rows were made."""

    def __init__(self, *, user) -> None:
        self.user, self.salt = user, _salt()
        self.outcomes: list[FileOutcome | None] = []
        self.pending: list[_Pending] = []
        self.pseudonyms: dict[str, tuple[str, str]] = {}  # remapped study UID -> (patient link, pseudonym)
        self.writes = BackgroundWrites()

    def add(self, *, name: str, content: bytes, limits: Limits) -> None:
        self.outcomes.append(None)
        try:
            self.outcomes[-1] = self._prepare(read_ct(content, name, limits), name)
        except IngestRejected as rejected:
            self.outcomes[-1] = _rejected(rejected)
        if len(self.pending) >= ROWS_PER_TRANSACTION:
            self.commit()

    def _prepare(self, parsed: ParsedCT, filename: str) -> FileOutcome | None:
        """The outcome of a duplicate; None for a file now pending."""
        sop_uid = remap_uid(parsed.sop_instance_uid, self.salt)
        link = pseudonym_for(parsed.subject_key, self.salt)
        if any(entry.sop_uid == sop_uid for entry in self.pending):
            self.commit()  # the same instance twice in one upload: the second is judged against the stored first
        existing = _stored_image(sop_uid)
        if existing is not None:
            _check_image_collision(existing, parsed=parsed, salt=self.salt, link=link, filename=filename)
            return _duplicate(filename, existing, self.user)
        pseudonym = self._pseudonym(parsed, link, filename)
        deidentified = _deidentified(parsed, self.salt, pseudonym, filename)
        hu, spacing = parsed.standard_view()  # stored and described in the standard view (see Image)
        stem = storage.new_image_stem(sop_uid)
        fields = _image_fields(parsed, hu.shape, spacing, f"{stem}.dcm", f"{stem}.hu.npy")
        fields["sha256"] = hashlib.sha256(deidentified).hexdigest()
        written = self.writes.submit({fields["dicom_path"]: deidentified, fields["hu_path"]: storage.hu_to_bytes(hu)})
        index = len(self.outcomes) - 1
        self.pending.append(_Pending(index, filename, _header(parsed), sop_uid, link, pseudonym, fields, written))
        return None

    def _pseudonym(self, parsed: ParsedCT, link: str, filename: str) -> str:
        """_subject_pseudonym, asked once per study of the upload (its answer holds until rows change)."""
        study_uid = remap_uid(parsed.study_instance_uid, self.salt)
        known = self.pseudonyms.get(study_uid)
        if known is not None and known[0] == link:
            return known[1]
        if known is not None:
            self.commit()  # another patient under a study UID of this upload: judged against the stored rows
        pseudonym = _subject_pseudonym(parsed=parsed, salt=self.salt, link=link, user=self.user, filename=filename)
        self.pseudonyms[study_uid] = (link, pseudonym)
        return pseudonym

    def commit(self) -> None:
        """Rows for the pending files whose media were written."""
        written = [entry for entry in list(self.pending) if self._written(entry)]
        try:
            with transaction.atomic():
                images = _images_create(written, user=self.user, salt=self.salt)
        except (IntegrityError, IngestRejected):  # a racing upload or a UID clash: find which file it was
            for entry in written:
                self.outcomes[entry.index] = self._commit_one(entry)
                self.pending.remove(entry)
            return
        self.pending = []
        for entry, image in zip(written, images, strict=True):
            self.outcomes[entry.index] = _stored(entry.filename, image)

    def _written(self, entry: _Pending) -> bool:
        try:
            entry.written.result()
        except OSError as error:
            self.outcomes[entry.index] = _storage_error(entry.filename, error)
            self.pending.remove(entry)
            return False
        return True

    def _commit_one(self, entry: _Pending) -> FileOutcome:
        try:
            with transaction.atomic():
                [image] = _images_create([entry], user=self.user, salt=self.salt)
            return _stored(entry.filename, image)
        except IngestRejected as rejected:
            storage.remove_quietly(*entry.paths)
            return _rejected(rejected)
        except IntegrityError:  # the same image, stored by a racing upload since it was looked for
            storage.remove_quietly(*entry.paths)
            existing = _stored_image(entry.sop_uid)
            if existing is None:
                raise
        try:
            _check_image_collision(
                existing, parsed=entry.parsed, salt=self.salt, link=entry.link, filename=entry.filename
            )
        except IngestRejected as rejected:
            return _rejected(rejected)
        return _duplicate(entry.filename, existing, self.user)

    def close(self) -> None:
        """Wait for the writes in flight; remove the media of files whose rows were never made."""
        self.writes.close()
        for entry in self.pending:
            storage.remove_quietly(*entry.paths)
        self.pending = []


def _header(parsed: ParsedCT) -> ParsedCT:
    """The parsed file without its dataset and pixels: what its rows need, not the megabytes."""
    return dataclasses.replace(parsed, dataset=Dataset(), hu=np.empty((0, 0), np.int16))


def _stored_image(sop_uid: str) -> Image | None:
    stored = Image.objects.filter(sop_uid=sop_uid)
    if not stored.exists():  # nearly every file: a cheap query, not the joined one
        return None
    return stored.select_related("series__study__subject", "device").first()


def _subject_pseudonym(*, parsed: ParsedCT, salt: bytes, link: str, user, filename: str) -> str:
    """The pseudonym of the subject this image belongs to. An image joins a stored study (and its subject)
    only when it carries the same patient's identifiers; otherwise its subject is the uploader's own."""
    study = Study.objects.filter(study_uid=remap_uid(parsed.study_instance_uid, salt)).select_related("subject")
    stored = study.first()
    if stored is not None:
        if stored.subject.patient_link != link:
            raise _collision(filename, "Study Instance UID", parsed.study_instance_uid)
        return stored.subject.pseudonym
    if user is None:  # commands (seed_demo) have no uploader: the patient's identifiers alone
        return link
    scoped = pseudonym_for(parsed.subject_key, salt, scope=f"user:{user.pk}")
    if not Subject.objects.filter(pseudonym=scoped).exists() and _legacy_subject_is_theirs(link, user):
        return link  # their subject from before per-uploader pseudonyms: keep adding to it
    return scoped


def _legacy_subject_is_theirs(link: str, user) -> bool:
    images = Image.objects.filter(series__study__subject__pseudonym=link)
    return images.exists() and not images.exclude(uploaded_by=user).exists()


def _deidentified(parsed: ParsedCT, salt: bytes, pseudonym: str, filename: str) -> bytes:
    """read_ct checks what deidentify copies; a value pydicom still cannot write is the file's fault too."""
    try:
        output = deidentify(parsed, salt, pseudonym)
    except Exception as exc:  # noqa: BLE001 - nothing is stored yet: refuse the file, never answer 500
        logger.warning("de-identification of %s failed: %s", filename, type(exc).__name__)
        raise IngestRejected(filename, "could not be de-identified", "undecodable") from exc
    problems = stored_file_problems(output, parsed)
    if problems:  # fail closed; the findings may quote identifiers, so only their number is told or logged
        logger.error("the audit refused a de-identified file (%d findings)", len(problems))
        reason = f"could not be de-identified safely (the audit found {len(problems)} problems); nothing was stored"
        raise IngestRejected(filename, reason, "deid_failed")
    return output


def _collision(filename: str, what: str, uid: str) -> IngestRejected:
    reason = (
        f"its {what} ({uid}) is already stored for another subject (a different patient); a {what.split()[0]} "
        "never mixes patients, so nothing was stored. Check the file's patient and UIDs."
    )
    return IngestRejected(filename, reason, "uid_collision")


def _check_image_collision(existing: Image, *, parsed: ParsedCT, salt: bytes, link: str, filename: str) -> None:
    """The same SOP instance again is a duplicate only when it is the same patient's, in the same series."""
    if existing.series.study.subject.patient_link != link:
        raise _collision(filename, "SOP Instance UID", parsed.sop_instance_uid)
    if existing.series.series_uid != remap_uid(parsed.series_instance_uid, salt):
        reason = f"its SOP Instance UID ({parsed.sop_instance_uid}) is already stored in another series"
        raise IngestRejected(filename, reason + "; nothing was stored", "uid_collision")


def _duplicate(filename: str, image: Image, user) -> FileOutcome:
    """An image stored before. Its study is named only to someone who may open it: a clinician re-sending
    a colleague's image learns that it is stored, not where (a link there would be a 404)."""
    shared = user is None or study_list(user=user).filter(pk=image.series.study_id).exists()  # None: an operator
    if not shared:
        reason = "This image is already stored, in a study someone else uploaded; it is not shared with you."
        return FileOutcome(filename, "duplicate", 200, code="duplicate_not_shared", reason=reason)
    return FileOutcome(
        file=filename,
        status="duplicate",
        http_status=200,
        code="duplicate",
        reason="This image (same SOP instance) is already stored.",
        study_id=image.series.study_id,
        image_id=image.id,
        device=image.device.display_name,
    )


def _image_fields(parsed: ParsedCT, shape: tuple[int, ...], spacing: tuple[float, float], *paths: str) -> dict:
    return {
        "rows": shape[0],
        "columns": shape[1],
        "spacing_row_mm": spacing[0],
        "spacing_col_mm": spacing[1],
        "orientation": parsed.reorientation.name,
        "slice_location": parsed.slice_location,
        "instance_number": parsed.instance_number,
        "transfer_syntax": parsed.transfer_syntax[:100],
        "dicom_path": paths[0],
        "hu_path": paths[1],
    }


# What _series_rows reads of a file: files that agree on these (and on their subject) share its rows.
_SERIES_KEY = (
    "manufacturer", "model_name", "device_key", "device_display", "patient_sex", "patient_age_years",
    "patient_height_m", "patient_weight_kg", "study_instance_uid", "study_date", "series_instance_uid", "kernel",
    "kvp", "slice_thickness_mm",
)  # fmt: skip


def _images_create(entries: list[_Pending], *, user, salt: bytes) -> list[Image]:
    """The rows of these files in the caller's transaction: each device, subject, study and series once."""
    made: dict[tuple, tuple[Device, Subject, Series]] = {}
    images = []
    for entry in entries:
        key = (entry.pseudonym, entry.link, *(getattr(entry.parsed, name) for name in _SERIES_KEY))
        if key not in made:
            made[key] = _series_rows(entry, user=user, salt=salt)
        device, subject, series = made[key]
        fields = {"sop_uid": entry.sop_uid, "split": subject.split, "uploaded_by": user, **entry.fields}
        images.append(Image(series=series, device=device, **fields))
    return Image.objects.bulk_create(images)


def _series_rows(entry: _Pending, *, user, salt: bytes) -> tuple[Device, Subject, Series]:
    parsed, filename = entry.parsed, entry.filename
    device = device_register(
        manufacturer=parsed.manufacturer,
        model_name=parsed.model_name,
        key=parsed.device_key,
        display_name=parsed.device_display,
        user=user,
    )
    subject = subject_get_or_create(pseudonym=entry.pseudonym, link=entry.link, parsed=parsed, user=user)
    study, _ = Study.objects.get_or_create(
        study_uid=remap_uid(parsed.study_instance_uid, salt),
        defaults={
            "subject": subject,
            "study_date": parsed.study_date,
            "study_year": parsed.study_date.year if parsed.study_date else None,
            "uploaded_by": user,
        },
    )
    if study.subject_id != subject.pk:  # raised inside the transaction: the rows above roll back
        raise _collision(filename, "Study Instance UID", parsed.study_instance_uid)
    series, _ = Series.objects.get_or_create(
        series_uid=remap_uid(parsed.series_instance_uid, salt),
        defaults={
            "study": study,
            "device": device,
            "description": "",  # free text from the identified file can carry names: not kept
            "kernel": parsed.kernel[:100],
            "kvp": parsed.kvp,
            "slice_thickness_mm": parsed.slice_thickness_mm,
        },
    )
    if series.study_id != study.pk:
        reason = f"its Series Instance UID ({parsed.series_instance_uid}) is already stored in another study"
        raise IngestRejected(filename, reason + "; nothing was stored", "uid_collision")
    return device, subject, series


def device_register(*, manufacturer: str, model_name: str, key: str, display_name: str, user=None) -> Device:
    """The device with this normalised key (read_ct normalises key and display name and refuses names with
    other characters or longer than it allows), created at first sight and recording who created it."""
    device, _ = Device.objects.get_or_create(
        key=key,
        defaults={
            "manufacturer": manufacturer[:100],
            "model_name": model_name[:100],
            "display_name": display_name[:200],
            "created_by": user,
        },
    )
    return device


def study_postprocess_enqueue(*, study_id: int, image_ids: list[int], user=None) -> Job:
    """One post-processing job for the newly stored images of a study: files uploaded one per request join
    the study's job while it is still queued."""
    return job_create_or_join(
        kind=Job.Kind.INGEST,
        params={"study_id": study_id, "image_ids": sorted(image_ids)},
        merge="image_ids",
        created_by=user,
        task_name="studies.tasks.study_postprocess",
        queue="default",
    )


def study_postprocess(*, job: Job) -> dict:
    """After upload: render missing thumbnails of the new images, run the hooks later apps registered
    (inference) on them, then queue level detection of their series (one job per series, studies.levels;
    behind the inference, so a measurement never waits for it). A job queued before image_ids were recorded
    covers the whole study."""
    from .hooks import run_after_ingest
    from .levels import series_levels_enqueue
    from .thumbnails import image_thumbnail_ensure

    study_id = job.params["study_id"]
    images = Image.objects.filter(series__study_id=study_id)
    if "image_ids" in job.params:
        images = images.filter(pk__in=job.params["image_ids"])
    made = 0
    for image in images.filter(thumbnail_path=""):
        image_thumbnail_ensure(image=image)
        made += 1
    by_series: dict[int, list[int]] = {}
    for image_id, series_id in images.values_list("id", "series_id"):
        by_series.setdefault(series_id, []).append(image_id)
    image_ids = sorted(images.values_list("id", flat=True))
    run_after_ingest(study_id=study_id, image_ids=image_ids, user=job.created_by)  # measurements first
    level_jobs = 0
    for series_id, ids in sorted(by_series.items()):
        level_jobs += series_levels_enqueue(series_id=series_id, image_ids=ids, user=job.created_by) is not None
    return {"thumbnails": made, "images": len(image_ids), "level_jobs": level_jobs}

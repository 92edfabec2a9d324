"""Ingest: validate, de-identify and store uploaded CT; register devices and subjects."""

import hashlib
import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from core.errors import ApplicationError
from jobs.models import Job
from jobs.services import job_create_or_join

from . import storage
from .dicomio import IngestRejected, Limits, ParsedCT, deidentify, iter_upload, pseudonym_for, read_ct, remap_uid
from .dicomio.audit import stored_file_problems
from .dicomio.deid import MAX_AGE_YEARS
from .models import Device, Image, Series, Split, Study, Subject, SubjectChange
from .selectors import study_list, subject_held_by

logger = logging.getLogger(__name__)

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
    outcomes: list[FileOutcome] = []
    for upload in files:
        try:
            for name, content in iter_upload(upload, upload.name, limits):
                outcomes.append(_ingest_one_reporting(name=name, content=content, user=user, limits=limits))
        except IngestRejected as rejected:
            outcomes.append(_rejected(rejected))
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


def _ingest_one_reporting(*, name: str, content: bytes, user, limits: Limits) -> FileOutcome:
    try:
        parsed = read_ct(content, name, limits)
        return image_ingest(parsed=parsed, filename=name, user=user)
    except IngestRejected as rejected:
        return _rejected(rejected)
    except OSError as error:  # disk full, permissions: nothing was kept (image_ingest cleaned up)
        logger.exception("could not store %s", name)
        return FileOutcome(
            file=name,
            status="rejected",
            http_status=507,
            code="storage_error",
            # The errno's words ("No space left on device") only: str(error) would show server paths.
            reason=f"The server could not store this file ({error.strerror or 'storage error'}); nothing was kept.",
        )


def image_ingest(*, parsed: ParsedCT, filename: str, user) -> FileOutcome:
    """Store one validated slice: de-identified DICOM and int16 HU on disk, rows in one transaction."""
    salt = _salt()
    sop_uid = remap_uid(parsed.sop_instance_uid, salt)
    link = pseudonym_for(parsed.subject_key, salt)
    existing = Image.objects.filter(sop_uid=sop_uid).select_related("series__study__subject", "device").first()
    if existing is not None:
        _check_image_collision(existing, parsed=parsed, salt=salt, link=link, filename=filename)
        return _duplicate(filename, existing, user)
    pseudonym = _subject_pseudonym(parsed=parsed, salt=salt, link=link, user=user, filename=filename)
    deidentified = _deidentified(parsed, salt, pseudonym, filename)
    stem = storage.new_image_stem(sop_uid)
    dicom_path, hu_path = f"{stem}.dcm", f"{stem}.hu.npy"
    try:
        storage.write_atomic(dicom_path, deidentified)
        storage.write_atomic(hu_path, storage.hu_to_bytes(parsed.standard_view()[0]))
        with transaction.atomic():
            image = _image_rows_create(
                parsed=parsed,
                salt=salt,
                sop_uid=sop_uid,
                pseudonym=pseudonym,
                link=link,
                user=user,
                filename=filename,
                dicom_path=dicom_path,
                hu_path=hu_path,
                sha256=hashlib.sha256(deidentified).hexdigest(),
            )
    except IntegrityError:
        storage.remove_quietly(dicom_path, hu_path)
        existing = Image.objects.filter(sop_uid=sop_uid).select_related("series__study__subject", "device").first()
        if existing is None:
            raise
        _check_image_collision(existing, parsed=parsed, salt=salt, link=link, filename=filename)
        return _duplicate(filename, existing, user)
    except BaseException:
        storage.remove_quietly(dicom_path, hu_path)
        raise
    return FileOutcome(
        file=filename,
        status="stored",
        http_status=201,
        study_id=image.series.study_id,
        image_id=image.id,
        device=image.device.display_name,
    )


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


def _image_rows_create(
    *, parsed: ParsedCT, salt: bytes, sop_uid: str, pseudonym: str, link: str, user, filename: str, **files
) -> Image:
    device = device_register(
        manufacturer=parsed.manufacturer,
        model_name=parsed.model_name,
        key=parsed.device_key,
        display_name=parsed.device_display,
        user=user,
    )
    subject = subject_get_or_create(pseudonym=pseudonym, link=link, parsed=parsed, user=user)
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
    hu, spacing = parsed.standard_view()  # stored and described in the standard view (see Image)
    return Image.objects.create(
        sop_uid=sop_uid,
        series=series,
        device=device,
        split=subject.split,
        rows=hu.shape[0],
        columns=hu.shape[1],
        spacing_row_mm=spacing[0],
        spacing_col_mm=spacing[1],
        orientation=parsed.reorientation.name,
        slice_location=parsed.slice_location,
        instance_number=parsed.instance_number,
        transfer_syntax=parsed.transfer_syntax[:100],
        uploaded_by=user,
        **files,
    )


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


def split_for_new_subject() -> str:
    """Every n-th new subject goes to the test split (n = 1 / test fraction), so every cohort, however
    small, gets its share of test subjects. Stored on the subject at first sight: it never moves."""
    period = max(2, round(1 / settings.MUSCLESEED_TEST_FRACTION))
    return Split.TEST if Subject.objects.count() % period == period - 1 else Split.TRAIN


def subject_get_or_create(*, pseudonym: str, link: str, parsed: ParsedCT, user=None) -> Subject:
    """The subject, made at first sight; a later upload fills in what it lacks (recorded), but only from
    someone who sees all of its images: a second clinician's slices never change the first one's numbers."""
    known = {
        "sex": parsed.patient_sex,
        "age_years": None if parsed.patient_age_years is None else min(parsed.patient_age_years, MAX_AGE_YEARS),
        "height_m": parsed.patient_height_m,
        "weight_kg": parsed.patient_weight_kg,
    }
    subject, created = Subject.objects.get_or_create(
        pseudonym=pseudonym, defaults={"split": split_for_new_subject(), "patient_link": link, **known}
    )
    if not created and subject_held_by(subject=subject, user=user):
        missing = {k: v for k, v in known.items() if v not in (None, "") and getattr(subject, k) in (None, "")}
        changed = _demographics_set(subject, missing, user=user, source=SubjectChange.Source.UPLOAD)
        if changed:
            subject.save(update_fields=changed)
    return subject


def subject_update_body(
    *, subject: Subject, user, sex: str | None, height_m: float | None, weight_kg: float | None
) -> Subject:
    """Clinicians correct sex, height and weight where DICOM lacks them, on subjects whose every image they
    see; each change is recorded. The measurements that depend on them (SMI, BMI, flags) are recomputed by
    the hooks later apps registered, in the same transaction."""
    from .hooks import run_after_subject_update

    if not subject_held_by(subject=subject, user=user):
        raise ApplicationError(
            "This subject has images you did not upload (another clinician's study): only a clinician who sees "
            "all of its images, or an administrator, may change its sex, height or weight.",
            code="subject_not_yours",
            http_status=403,
        )
    wanted = {k: v for k, v in (("sex", sex), ("height_m", height_m), ("weight_kg", weight_kg)) if v is not None}
    with transaction.atomic():
        subject = Subject.objects.select_for_update().get(pk=subject.pk)
        changed = _demographics_set(subject, wanted, user=user, source=SubjectChange.Source.EDIT)
        if changed:
            subject.save(update_fields=changed)
        run_after_subject_update(subject_id=subject.pk)
    return subject


def _demographics_set(subject: Subject, values: dict, *, user, source: str) -> list[str]:
    """Set `values` on `subject` (not saved) and record each that changes; the changed fields."""
    changes = [
        SubjectChange(
            subject=subject,
            changed_by=user,
            field=field,
            old_value=_as_text(getattr(subject, field)),
            new_value=_as_text(value),
            source=source,
        )
        for field, value in values.items()
        if getattr(subject, field) != value
    ]
    for change in changes:
        setattr(subject, change.field, values[change.field])
    SubjectChange.objects.bulk_create(changes)
    return [change.field for change in changes]


def _as_text(value) -> str:
    return "" if value in (None, "") else str(value)


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

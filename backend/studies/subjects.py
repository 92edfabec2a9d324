"""Subjects: made at first sight of a patient's images, demographics filled in or corrected (each change
recorded)."""

from django.conf import settings
from django.db import transaction

from core.errors import ApplicationError

from .dicomio import ParsedCT
from .dicomio.deid import MAX_AGE_YEARS
from .models import Split, Subject, SubjectChange
from .selectors import subject_held_by


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

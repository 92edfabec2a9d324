"""Reads, scoped by role: clinicians see the studies they uploaded; other roles see the whole
(pseudonymised) archive, which labelling, review, training and research all need."""

from datetime import date

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Min, OuterRef, Q, QuerySet

from accounts.roles import ADMIN, CLINICIAN, LABELLER, ML_LEAD, RESEARCHER, REVIEWER, has_role

from .models import Device, Image, Series, Study, Subject

ARCHIVE_ROLES = (LABELLER, REVIEWER, ML_LEAD, RESEARCHER, ADMIN)


def study_list(*, user) -> QuerySet[Study]:
    """Studies `user` may see, each with `viewer_uploaded`: whether they uploaded it (or images of it), which
    decides whether they see its full date (study_date_shown)."""
    if not user.is_authenticated:
        return Study.objects.none()
    studies = (
        Study.objects.select_related("subject")
        .annotate(
            image_count=Count("series__images", distinct=True),
            series_count=Count("series", distinct=True),
            first_image_id=Min("series__images__id"),
            viewer_uploaded=_uploaded_by(user),
        )
        .order_by("-created_at", "-id")
    )
    if has_role(user, *ARCHIVE_ROLES):
        return studies
    if has_role(user, CLINICIAN):
        return studies.filter(_clinician_studies(user))
    return studies.none()


def _uploaded_by(user) -> ExpressionWrapper:
    theirs = Image.objects.filter(series__study=OuterRef("pk"), uploaded_by=user)
    return ExpressionWrapper(Q(uploaded_by=user) | Exists(theirs), output_field=BooleanField())


def study_date_shown(study: Study) -> date | None:
    """The full study date for whoever uploaded the study; None for everyone else, who see study_year.
    A study not read through study_list (no `viewer_uploaded`) shows no date: fail closed."""
    return study.study_date if getattr(study, "viewer_uploaded", False) else None


def study_when(study: Study) -> str:
    """The study date as a person reads it: the full date for its uploader, else the year, else 'unknown'."""
    shown = study_date_shown(study)
    if shown is not None:
        return shown.isoformat()
    return str(study.study_year) if study.study_year else "unknown"


def _clinician_studies(user, prefix: str = "") -> Q:
    """A clinician's studies: those they began, and those they added images to (parts of one subject's
    study uploaded by two clinicians)."""
    theirs = Image.objects.filter(uploaded_by=user).values("series__study_id")
    return Q(**{f"{prefix}uploaded_by": user}) | Q(**{f"{prefix}id__in": theirs})


def image_list(*, user) -> QuerySet[Image]:
    images = Image.objects.select_related("series__study__subject", "device")
    if has_role(user, *ARCHIVE_ROLES):
        return images
    if has_role(user, CLINICIAN):  # their own images, and those in the studies they began
        return images.filter(Q(uploaded_by=user) | Q(series__study__uploaded_by=user))
    return images.none()


def subject_held_by(*, subject: Subject, user) -> bool:
    """Whether `user` sees every image of `subject` (admins, and commands without a user, see all): who may
    change its demographics, which every measurement of it depends on."""
    if user is None or has_role(user, ADMIN):
        return True
    visible = image_list(user=user).values("pk")
    return not Image.objects.filter(series__study__subject=subject).exclude(pk__in=visible).exists()


def series_list(*, user) -> QuerySet[Series]:
    series = Series.objects.select_related("study")
    if has_role(user, *ARCHIVE_ROLES):
        return series
    if has_role(user, CLINICIAN):
        return series.filter(_clinician_studies(user, "study__"))
    return series.none()


def image_order_key(image: Image) -> tuple:
    """Images of a series as the viewer scrolls them: by slice position, then instance number."""
    return (image.slice_location is None, image.slice_location or 0, image.instance_number or 0, image.id)


def study_devices(*, study: Study) -> list[Device]:
    return list(Device.objects.filter(series__study=study).distinct())


def device_list() -> QuerySet[Device]:
    return Device.objects.annotate(
        image_count=Count("images", distinct=True),
        series_count=Count("series", distinct=True),
    ).order_by("display_name", "id")

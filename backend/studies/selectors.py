"""Reads, scoped by role: clinicians see the studies they uploaded; other roles see the whole
(pseudonymised) archive, which labelling, review, training and research all need."""

from datetime import date

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Min, OuterRef, Q, QuerySet, Subquery

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


def device_list() -> QuerySet[Device]:
    return Device.objects.annotate(
        image_count=Count("images", distinct=True),
        series_count=Count("series", distinct=True),
    ).order_by("display_name", "id")


# ---- a study's pending work: the ingest and inference jobs covering its images ----

WORK_KINDS = ("ingest", "infer")
ACTIVE_STATES = ("queued", "running")
FINISHED_STATES = ("succeeded", "failed", "cancelled")
RECENT_FINISHED_JOBS = 50  # finished jobs looked at for "done" or "failed": the newest since the upload


def _covered(job, study_id: int, image_ids: set[int]) -> set[int]:
    """The images of the study a job works on: an ingest job names its study (and, since batches, its
    images); an inference job names its images."""
    if job.kind == "ingest":
        if job.params.get("study_id") != study_id:
            return set()
        return image_ids & set(job.params["image_ids"]) if "image_ids" in job.params else set(image_ids)
    return image_ids & set(job.params.get("image_ids", []))


def _work_jobs(*, since) -> list:
    """Queued and running ingest and inference jobs (few: they are the queue), each queued one with its
    position among the queued jobs of its queue (1: the next to start), then the newest finished ones."""
    from jobs.models import Job

    ahead = Job.objects.filter(state="queued", queue=OuterRef("queue"), id__lte=OuterRef("id"))
    position = Subquery(ahead.order_by().values("queue").annotate(n=Count("id")).values("n")[:1])
    fields = ("id", "kind", "state", "progress", "params", "queue")
    active = Job.objects.filter(state__in=ACTIVE_STATES, kind__in=WORK_KINDS).only(*fields).annotate(position=position)
    finished = Job.objects.filter(state__in=FINISHED_STATES, kind__in=WORK_KINDS, created_at__gte=since).only(*fields)
    return [*active.order_by("id"), *finished.order_by("-id")[:RECENT_FINISHED_JOBS]]


def _work_entry(job) -> dict:
    return {
        "state": job.state,
        "stage": "measuring" if job.kind == "infer" else "preparing",
        "job_id": job.pk,
        "position": getattr(job, "position", None) if job.state == "queued" else None,
        "progress": round(job.progress, 3) if job.state == "running" else None,
    }


def study_pending_work(*, study: Study) -> dict:
    """Per image of the study, where its measurement stands: `queued` (with its place in the queue),
    `running` (with progress), or the outcome of the newest job that covered it (`succeeded`, `failed`,
    `cancelled`), or `none` when no job is known. A running job wins over a queued one, then the oldest."""
    images = list(Image.objects.filter(series__study=study).order_by("id").values_list("id", "created_at"))
    image_ids = {image_id for image_id, _ in images}
    work: dict[int, dict] = {}
    if images:
        for job in _work_jobs(since=min(created for _, created in images)):
            for image_id in _covered(job, study.pk, image_ids):
                known = work.get(image_id)
                if known is None or (known["state"] == "queued" and job.state == "running"):
                    work[image_id] = _work_entry(job)
    none = {"state": "none", "stage": None, "job_id": None, "position": None, "progress": None}
    rows = [{"image_id": image_id, **work.get(image_id, none)} for image_id, _ in images]
    return {"study_id": study.pk, "pending": any(row["state"] in ACTIVE_STATES for row in rows), "images": rows}

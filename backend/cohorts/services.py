"""Writes: saved cohort definitions, and exports (requested here, written by a job, logged on a row)."""

import hashlib
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError
from jobs.models import Job
from jobs.services import JobCancelled, job_create, job_progress
from studies import storage

from .bundle import bundle_write
from .columns import columns_for
from .models import CohortDefinition, Export
from .selectors import export_rows
from .writers import WRITERS

logger = logging.getLogger(__name__)
EXPORT_TASK = "cohorts.tasks.run_export"


def definition_save(*, owner, name: str, filters: dict) -> CohortDefinition:
    """Save a named filter; saving under an existing name of one's own replaces its filter."""
    try:
        definition, _ = CohortDefinition.objects.update_or_create(
            owner=owner, name=name.strip(), defaults={"filters": filters}
        )
    except IntegrityError:  # two saves of one name at once: the other one won
        raise ApplicationError(f"A cohort named {name!r} was saved meanwhile; try again.", code="conflict") from None
    return definition


def definition_delete(*, definition: CohortDefinition) -> None:
    definition.delete()


def export_start(*, user, filters: dict, format: str) -> Export:
    """Log the request and queue its job (on the default queue); the job writes the file."""
    if format not in Export.Format.values:
        raise ApplicationError(f"Unknown export format {format!r}.", code="bad_format")
    with transaction.atomic():
        export = Export.objects.create(created_by=user, format=format, filters=filters)
        export.job = job_create(
            kind=Job.Kind.EXPORT,
            params={"export_id": export.pk},
            task_name=EXPORT_TASK,
            queue="default",
            created_by=user,
        )
        export.save(update_fields=["job"])
    logger.info("export %s requested by %s: %s %s", export.pk, user.username, format, filters)
    return export


def _reporter(job_id: int, start: float):
    """A progress callback for the job row: `fraction` of the writing phase, which begins at `start`."""

    def report(fraction: float) -> None:
        if not job_progress(job_id=job_id, progress=start + (1 - start) * fraction * 0.99):
            raise JobCancelled()

    return report


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_run(*, job: Job) -> dict:
    """Select the rows, write the file locally, then store and publish it with its hash."""
    export = Export.objects.select_related("created_by").get(pk=job.params["export_id"])
    rows = export_rows(filters=export.filters)
    report = _reporter(job.pk, start=0.1)
    report(0.0)
    relative = f"exports/{export.pk}/{export.filename}"
    with storage.staging_file() as partial:  # written whole and hashed here, then stored: never half a file
        if export.format == Export.Format.ZIP:
            bundle_write(rows, partial, export=export, report=report)
        else:
            WRITERS[export.format](rows, partial, columns_for(export.filters))
        digest, size = _sha256(partial), partial.stat().st_size
        storage.write_file(relative, partial)
    Export.objects.filter(pk=export.pk).update(
        row_count=len(rows), sha256=digest, size_bytes=size, file_path=relative, finished_at=timezone.now()
    )
    logger.info("export %s written: %s rows, sha256 %s", export.pk, len(rows), digest)
    return {"export_id": export.pk, "row_count": len(rows), "sha256": digest, "size_bytes": size}

"""Saved cohort definitions and the export audit log."""

from django.conf import settings
from django.db import models

from jobs.models import Job


class CohortDefinition(models.Model):
    """A named set of cohort filters that its owner can load again."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_definitions")
    name = models.CharField(max_length=120)
    filters = models.JSONField(default=dict)  # the normalised filter, as the cohort API accepts it
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="one_cohort_name_per_owner")]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"


class Export(models.Model):
    """One cohort export: who asked for which filter, and (once written) the file's rows and hash.

    The row is written when the export is requested, so a request is logged even if its job fails.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        PARQUET = "parquet", "Parquet"
        ZIP = "zip", "Zip (metrics, DICOM SEG, NIfTI, QA overlays, manifest)"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    format = models.CharField(max_length=10, choices=Format.choices)
    filters = models.JSONField(default=dict)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)  # of the downloadable file
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    file_path = models.CharField(max_length=300, blank=True)  # a media storage name; never shown to users
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.format}, {self.row_count if self.row_count is not None else '?'} rows)"

    @property
    def is_ready(self) -> bool:
        return bool(self.file_path and self.sha256)

    @property
    def filename(self) -> str:
        return f"muscleseed-cohort-{self.pk}.{self.format}"

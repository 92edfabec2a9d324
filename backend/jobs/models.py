"""Background jobs: state lives on a database row, so it survives worker and web restarts."""

from django.conf import settings
from django.db import models


class Job(models.Model):
    class Kind(models.TextChoices):
        INGEST = "ingest", "Ingest post-processing"
        LEVELS = "levels", "Vertebral level detection"
        TRAIN = "train", "Training"
        INFER = "infer", "Inference"
        EVALUATE = "evaluate", "Evaluation"
        EXPORT = "export", "Export"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    params = models.JSONField(default=dict)  # ids the task works on, e.g. {"study_id": 3}
    result = models.JSONField(default=dict, blank=True)
    progress = models.FloatField(default=0.0)  # 0..1
    progress_detail = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    log_tail = models.TextField(blank=True)
    error = models.TextField(blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # when its message last went to the broker
    task_name = models.CharField(max_length=200, blank=True)  # to re-send the job after a worker died
    queue = models.CharField(max_length=50, default="default")
    worker = models.CharField(max_length=200, blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED, self.State.CANCELLED}

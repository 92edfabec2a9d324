"""Per-device model versions with lineage, their evaluations and predictions (measurements live in their own app)."""

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce

from jobs.models import Job
from studies.models import Device, Image


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        TRAINING = "training", "Training"
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=100, unique=True)
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="model_versions")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TRAINING, db_index=True)
    arch = models.CharField(max_length=40)
    label_names = models.JSONField(default=list)
    weights_path = models.CharField(max_length=300, blank=True)  # a media storage name (studies/storage.py)
    checksum = models.CharField(max_length=64, blank=True)  # sha256 of the weights file
    hyperparameters = models.JSONField(default=dict, blank=True)
    training_set = models.JSONField(default=list, blank=True)  # annotation revision ids
    training_set_hash = models.CharField(max_length=64, blank=True)
    code_version = models.CharField(max_length=80, blank=True)
    history = models.JSONField(default=list, blank=True)  # per epoch: loss, val_dice
    train_seconds = models.FloatField(null=True, blank=True)
    training_job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Exactly one active version per device; device NULL (the base model) counts as one device.
            models.UniqueConstraint(
                Coalesce("device", Value(0)), condition=Q(status="active"), name="one_active_version_per_device"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_base(self) -> bool:
        return self.device_id is None

    @property
    def immutable(self) -> bool:
        return self.status not in {self.Status.TRAINING}


# Below this many test images a device's Dice is noise: the gate does not compare it, and a measurement by
# a version evaluated on fewer of its device's images is "unverified".
MIN_TEST_IMAGES = 5


class Evaluation(models.Model):
    """One cell of the versions x devices matrix, on that device's fixed test split."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="evaluations")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="evaluations")
    images = models.PositiveIntegerField()
    dice_mean = models.FloatField()
    dice_sd = models.FloatField()
    hd95_mm_median = models.FloatField(null=True, blank=True)
    sma_error_median = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "device"], name="one_evaluation_per_cell")]

    def __str__(self) -> str:
        return f"{self.version} on {self.device}: {self.dice_mean:.3f} (n={self.images})"

    @property
    def conclusive(self) -> bool:
        return self.images >= MIN_TEST_IMAGES


class Prediction(models.Model):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="predictions")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="predictions")
    mask_png = models.BinaryField()
    uncertainty = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "image"], name="one_prediction_per_version")]

    def __str__(self) -> str:
        return f"Prediction of image {self.image_id} by {self.version}"

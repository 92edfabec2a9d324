"""Body composition of one image, from an accepted annotation or a model version's prediction."""

from django.db import models
from django.db.models import Q

from modelhub.models import ModelVersion
from studies.models import Image


class Measurement(models.Model):
    """Body composition of one image from a named source: an accepted annotation or a model's prediction."""

    class Source(models.TextChoices):
        ANNOTATION = "annotation", "Accepted annotation"
        MODEL = "model", "Model prediction"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="measurements")
    source = models.CharField(max_length=20, choices=Source.choices)
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.CASCADE)
    annotation_revision_id = models.BigIntegerField(null=True, blank=True)
    sma_cm2 = models.FloatField()
    mean_muscle_hu = models.FloatField(null=True, blank=True)
    imat_cm2 = models.FloatField(null=True, blank=True)
    smi_cm2_m2 = models.FloatField(null=True, blank=True)
    liver_area_cm2 = models.FloatField(null=True, blank=True)
    mean_liver_hu = models.FloatField(null=True, blank=True)
    values = models.JSONField(default=dict)  # the engine's full composition, thresholds and flags included
    # Trust (qa.py): the checks passed (None: measured before the checks existed, not vouched for), and the
    # mask is an accepted annotation or a model evaluated on enough of this device's test images.
    plausible = models.BooleanField(null=True, db_index=True)
    verified = models.BooleanField(default=False, db_index=True)
    qa = models.JSONField(default=dict)  # plausibility checks with sources, verification, uncertainty
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "modelhub_measurement"  # the table modelhub created before this app existed; kept, not copied
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "model_version"], condition=Q(source="model"), name="one_model_measurement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sma_cm2:.1f} cm2 on image {self.image_id} ({self.source})"

    @property
    def trusted(self) -> bool:
        """Numbers that can be reported as a finding: plausible and from a verified mask."""
        return bool(self.plausible and self.verified)

"""Label sets, model pre-labels, and one current mask per image and label set with immutable revisions.

Mask PNGs live in the database (BinaryField) so a failed save rolls back atomically with its rows;
a 512x512 label map compresses to a few kilobytes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

DEFAULT_LABEL_SET_NAME = "body-composition"
DEFAULT_LABELS = [
    {"value": 1, "name": "muscle", "color": "#e5484d"},
    {"value": 2, "name": "liver", "color": "#3e63dd"},
]


class LabelSet(models.Model):
    """The classes a mask may contain: `labels` = [{value, name, color}], 0 is always background."""

    name = models.CharField(max_length=100, unique=True)
    labels = models.JSONField(default=list)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default")]

    def __str__(self) -> str:
        return self.name

    @property
    def values(self) -> list[int]:
        return sorted(int(label["value"]) for label in self.labels)

    @property
    def names_by_value(self) -> dict[int, str]:
        return {int(label["value"]): label["name"] for label in self.labels}


class Prelabel(models.Model):
    """A model's prediction for an image, written by modelhub; the newest one seeds a new annotation.

    The model version is an id and a name, not a foreign key: modelhub sits downstream of annotations.
    """

    image = models.ForeignKey("studies.Image", on_delete=models.CASCADE, related_name="prelabels")
    label_set = models.ForeignKey(LabelSet, on_delete=models.PROTECT, related_name="prelabels")
    model_version_id = models.BigIntegerField()
    model_version_name = models.CharField(max_length=200)
    uncertainty = models.FloatField(null=True, blank=True)
    mask_png = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    counts = models.JSONField(default=dict)  # {label name: pixels}
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["image", "label_set", "-created_at"])]

    def __str__(self) -> str:
        return f"Pre-label of image {self.image_id} by {self.model_version_name}"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


NO_ANNOTATION = "none"  # the status reported for an image nobody has saved a mask for
EDITABLE = (Status.DRAFT, Status.REJECTED)


class Annotation(models.Model):
    """The current mask of one image in one label set. `version` grows on every change (the ETag)."""

    image = models.ForeignKey("studies.Image", on_delete=models.CASCADE, related_name="annotations")
    label_set = models.ForeignKey(LabelSet, on_delete=models.PROTECT, related_name="annotations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveIntegerField(default=0)
    current_revision = models.ForeignKey(
        "AnnotationRevision", null=True, blank=True, on_delete=models.SET_NULL, related_name="current_of"
    )
    prelabel = models.ForeignKey(  # the pre-label this mask started from, fixed at the first save
        Prelabel, null=True, blank=True, on_delete=models.SET_NULL, related_name="annotations"
    )
    labeller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["image", "label_set"], name="one_annotation_per_image")]

    def __str__(self) -> str:
        return f"Annotation of image {self.image_id} ({self.status}, v{self.version})"


class Source(models.TextChoices):
    MANUAL = "manual", "Drawn from scratch"
    PRELABEL = "prelabel", "Model pre-label, unchanged"
    CORRECTED = "corrected", "Model pre-label, corrected"


class Origin(models.TextChoices):
    """Whose work a revision is: what labelling statistics count as a labeller's effort."""

    LABELLING = "labelling", "Saved by its labeller"
    REVIEW = "review", "A reviewer's correction of the submitted mask"
    IMPORT = "import", "Imported ground truth (seeded; not timed labelling work)"


class AnnotationRevision(models.Model):
    """One saved mask with its provenance. Never updated after it is written."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    seconds_active = models.FloatField(default=0.0)
    mask_png = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    counts = models.JSONField(default=dict)  # {label name: pixels}
    prelabel = models.ForeignKey(Prelabel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    prelabel_model_version_id = models.BigIntegerField(null=True, blank=True)
    prelabel_model_version_name = models.CharField(max_length=200, blank=True)
    pixels_changed_from_prelabel = models.PositiveIntegerField(null=True, blank=True)
    dice_vs_prelabel = models.FloatField(null=True, blank=True)  # mean over labels present in either mask
    dice_by_label = models.JSONField(default=dict)  # {label name: dice}
    # The label names this mask was drawn for, in label-set order. A label left out is "not annotated"
    # here (its pixels are unknown, not background), so training ignores it on this image.
    # Null on revisions saved before coverage was recorded: they covered every label.
    labels_covered = models.JSONField(null=True, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.LABELLING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation_id", "number"]
        constraints = [models.UniqueConstraint(fields=["annotation", "number"], name="one_revision_number")]

    def __str__(self) -> str:
        return f"Revision {self.number} of annotation {self.annotation_id}"

    @property
    def covered_names(self) -> list[str]:
        """The labels this mask covers, with null (an old revision) read as every label of its set."""
        if self.labels_covered is not None:
            return list(self.labels_covered)
        return [label["name"] for label in self.annotation.label_set.labels]

    @property
    def covers_every_label(self) -> bool:
        return set(self.covered_names) >= {label["name"] for label in self.annotation.label_set.labels}


class Review(models.Model):
    """Each accept or reject decision, kept as history (the annotation holds only the latest)."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", "Accept"
        REJECT = "reject", "Reject"

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(AnnotationRevision, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decision = models.CharField(max_length=6, choices=Decision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.decision} of revision {self.revision_id}"

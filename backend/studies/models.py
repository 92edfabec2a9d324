"""Devices, pseudonymised subjects, studies, series and images (HU arrays beside de-identified DICOM)."""

from django.conf import settings
from django.db import models

from segmentation.orientation import Reorientation


class Split(models.TextChoices):
    TRAIN = "train", "Train"
    TEST = "test", "Test"


class Device(models.Model):
    """A CT scanner model, registered at ingest from Manufacturer + ManufacturerModelName."""

    key = models.CharField(max_length=200, unique=True)
    manufacturer = models.CharField(max_length=100)
    model_name = models.CharField(max_length=100)
    display_name = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    # Devices are global (every role sees them): who first uploaded from this scanner is recorded.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class Subject(models.Model):
    """A patient as one uploader knows them: the pseudonym is a salted hash of the uploader and the patient's
    identifiers, so another clinician's upload of the same identifiers makes a subject of its own (README,
    "Privacy policy for dates and subjects"). Images join an existing subject only through its study's UID."""

    class Sex(models.TextChoices):
        MALE = "M", "Male"
        FEMALE = "F", "Female"
        UNKNOWN = "", "Unknown"

    pseudonym = models.CharField(max_length=32, unique=True)
    # The salted hash of the patient's identifiers alone (never shown): an image may join this subject's
    # studies only when it carries the same identifiers.
    patient_link = models.CharField(max_length=32, db_index=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    age_years = models.PositiveSmallIntegerField(null=True, blank=True)
    height_m = models.FloatField(null=True, blank=True)
    weight_kg = models.FloatField(null=True, blank=True)
    split = models.CharField(max_length=5, choices=Split.choices)  # fixed at first sight, never moves
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.pseudonym


class SubjectChange(models.Model):
    """One change of a subject's demographics: who, when, which field, the old and the new value."""

    class Source(models.TextChoices):
        EDIT = "edit", "Edited"
        UPLOAD = "upload", "Filled in from an upload"

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    field = models.CharField(max_length=20)
    old_value = models.CharField(max_length=40, blank=True)
    new_value = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.EDIT)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} {self.field}: {self.old_value or '-'} -> {self.new_value or '-'}"


class Study(models.Model):
    study_uid = models.CharField(max_length=64, unique=True)  # remapped UID
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="studies")
    study_year = models.PositiveSmallIntegerField(null=True, blank=True)
    study_date = models.DateField(null=True, blank=True)  # kept for cohort filters (dates are not identifiers here)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return f"Study {self.pk} ({self.subject})"


class LevelSource(models.TextChoices):
    """Where a series' L3 slice came from."""

    AUTOMATIC = "automatic", "Detected automatically"
    CONFIRMED = "confirmed", "Confirmed by hand (within half a vertebra of the detected L3)"
    MANUAL = "manual", "Marked by hand (no detected level to compare)"
    MANUAL_OVERRIDE = "manual_override", "Manual override (disagrees with the detected level)"


class Series(models.Model):
    series_uid = models.CharField(max_length=64, unique=True)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="series")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="series")
    description = models.CharField(max_length=200, blank=True)
    kernel = models.CharField(max_length=100, blank=True)
    kvp = models.FloatField(null=True, blank=True)
    slice_thickness_mm = models.FloatField(null=True, blank=True)
    # The slice a clinician or labeller marked as L3: measured (and shown) first.
    level_image = models.ForeignKey(
        "Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="L3 slice"
    )
    level_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level_marked_at = models.DateTimeField(null=True, blank=True)
    level_z_mm = models.FloatField(null=True, blank=True, verbose_name="L3 z (mm)")
    level_source = models.CharField(max_length=20, choices=LevelSource.choices, blank=True)
    # The study's L3 measurement is the mean over the slices within +-this of the L3 slice (0: the L3 slice
    # alone): the setting as it stood when this L3 was chosen, so a later change of it moves no old result.
    level_neighbours_mm = models.FloatField(default=0, verbose_name="L3 neighbours (+- mm)")
    # What the vertebral level detector (segmentation.levels) found in the whole series: studies.levels.
    levels_detected = models.JSONField(default=list, blank=True)  # superior first: name, endplates, centre (z mm)
    levels_l3_image = models.ForeignKey(
        "Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="detected L3"
    )
    levels_l3_z_mm = models.FloatField(null=True, blank=True)
    levels_confidence = models.FloatField(null=True, blank=True)
    levels_anchor = models.CharField(max_length=80, blank=True)
    levels_message = models.CharField(max_length=300, blank=True)
    levels_slice_count = models.PositiveIntegerField(default=0)  # slices the detection saw: newer sees more
    levels_detected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return f"Series {self.pk} of study {self.study_id}"


class Image(models.Model):
    sop_uid = models.CharField(max_length=64, unique=True)  # remapped; a duplicate upload maps to the same one
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="images")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="images")
    split = models.CharField(max_length=5, choices=Split.choices)
    # The HU array under hu_path, and rows, columns and spacing here, are in the standard radiological view
    # (segmentation/orientation.py), so every reader is right by construction; `orientation` names the
    # transform from the stored DICOM's grid to it, and only exports that refer back to the DICOM undo it.
    rows = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    spacing_row_mm = models.FloatField()
    spacing_col_mm = models.FloatField()
    orientation = models.CharField(
        max_length=40, default="identity", help_text="stored DICOM grid -> standard view, e.g. flip_rows"
    )
    slice_location = models.FloatField(null=True, blank=True)
    instance_number = models.IntegerField(null=True, blank=True)
    transfer_syntax = models.CharField(max_length=100)
    dicom_path = models.CharField(max_length=300)  # a media storage name (studies/storage.py)
    hu_path = models.CharField(max_length=300)
    thumbnail_path = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64)  # of the de-identified DICOM file
    # Who uploaded this image: a clinician who adds slices to a study another clinician began keeps access
    # to their own slices (studies.selectors scopes clinicians by it and by Study.uploaded_by).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series_id", "slice_location", "instance_number", "id"]
        indexes = [models.Index(fields=["device", "split"])]

    def __str__(self) -> str:
        return f"Image {self.pk} ({self.rows}x{self.columns})"

    @property
    def pixel_spacing_mm(self) -> tuple[float, float]:
        return (self.spacing_row_mm, self.spacing_col_mm)

    @property
    def reorientation(self) -> Reorientation:
        return Reorientation.from_name(self.orientation)


class LevelOverride(models.Model):
    """A hand-chosen L3 that disagrees with the detected level by more than half a vertebra: who chose which
    slice when, and what the detector had found. Never edited; a new choice adds a row."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="level_overrides")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now_add=True)
    chosen_image = models.ForeignKey(Image, null=True, on_delete=models.SET_NULL, related_name="+")
    chosen_z_mm = models.FloatField(null=True, blank=True)
    chosen_level = models.CharField(max_length=40, blank=True)  # what the detector calls the chosen slice
    detected_image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detected_z_mm = models.FloatField(null=True, blank=True)
    detected_message = models.CharField(max_length=300, blank=True)
    distance_mm = models.FloatField(null=True, blank=True)  # chosen - detected L3 z, when L3 was detected
    warning = models.TextField()

    class Meta:
        ordering = ["-marked_at", "-id"]

    def __str__(self) -> str:
        return f"L3 override on series {self.series_id}: {self.chosen_level or '?'} chosen"

"""Output serializers of the results APIs: they document (OpenAPI) the bodies results.py and selectors.py build."""

from rest_framework import serializers


class ModelVersionRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    checksum = serializers.CharField(help_text="sha256 of the weights")


class ModelVersionShortRefOutput(ModelVersionRefOutput):
    checksum_prefix = serializers.CharField(help_text="the first characters of checksum, as the page shows it")


class ImageMeasurementOutput(serializers.Serializer):
    """One stored measurement of an image, newest first, with its raw QA record."""

    id = serializers.IntegerField()
    source = serializers.CharField(help_text="annotation or model")
    model_version = ModelVersionRefOutput(allow_null=True)
    annotation_revision_id = serializers.IntegerField(allow_null=True)
    sma_cm2 = serializers.FloatField()
    mean_muscle_hu = serializers.FloatField(allow_null=True)
    imat_cm2 = serializers.FloatField(allow_null=True)
    smi_cm2_m2 = serializers.FloatField(allow_null=True)
    liver_area_cm2 = serializers.FloatField(allow_null=True)
    mean_liver_hu = serializers.FloatField(allow_null=True)
    values = serializers.JSONField(help_text="every measured value, the flags and the HU ranges used")
    plausible = serializers.BooleanField(allow_null=True)
    verified = serializers.BooleanField()
    qa = serializers.JSONField(help_text="plausibility checks, verification and model uncertainty")
    created_at = serializers.DateTimeField()


class PlausibilityCheckOutput(serializers.Serializer):
    name = serializers.CharField()
    passed = serializers.BooleanField(allow_null=True, help_text="null: could not be checked")
    value = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    message = serializers.CharField(allow_blank=True)
    source = serializers.CharField(allow_blank=True)


class VerificationOutput(serializers.Serializer):
    verified = serializers.BooleanField()
    device = serializers.CharField()
    test_dice = serializers.FloatField(allow_null=True)
    test_images = serializers.IntegerField(allow_null=True)
    min_test_images = serializers.IntegerField(required=False)
    reason = serializers.CharField()


class UncertaintyOutput(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    definition = serializers.CharField()


class TrustOutput(serializers.Serializer):
    status = serializers.ChoiceField(["verified", "unverified", "implausible"])
    verified = serializers.BooleanField()
    plausible = serializers.BooleanField(allow_null=True)
    summary = serializers.CharField(allow_blank=True)
    warnings = serializers.ListField(child=serializers.CharField())
    failed_checks = serializers.ListField(child=serializers.CharField())
    checks = PlausibilityCheckOutput(many=True)
    verification = VerificationOutput(allow_null=True)
    uncertainty = UncertaintyOutput(allow_null=True)


class FlagOutput(serializers.Serializer):
    """A flag against one reference, or why it could not be decided (known false)."""

    name = serializers.CharField()
    reference = serializers.CharField()
    known = serializers.BooleanField()
    finding = serializers.BooleanField(help_text="true only for a verified, plausible measurement")
    flagged = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    measure = serializers.CharField(required=False)
    value = serializers.FloatField(required=False)
    threshold = serializers.FloatField(required=False)
    rule = serializers.CharField(required=False)


class FlagsOutput(serializers.Serializer):
    sarcopenia = FlagOutput()
    myosteatosis = FlagOutput()


class ResultMeasurementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    image_id = serializers.IntegerField()
    source = serializers.CharField()
    provenance = serializers.CharField()
    model_version = ModelVersionShortRefOutput(allow_null=True)
    annotation_revision_id = serializers.IntegerField(allow_null=True)
    annotation_revision_number = serializers.IntegerField(allow_null=True)
    sma_cm2 = serializers.FloatField()
    mean_muscle_hu = serializers.FloatField(allow_null=True)
    imat_cm2 = serializers.FloatField(allow_null=True)
    smi_cm2_m2 = serializers.FloatField(allow_null=True)
    liver_area_cm2 = serializers.FloatField(allow_null=True)
    mean_liver_hu = serializers.FloatField(allow_null=True)
    bmi = serializers.FloatField(allow_null=True)
    trust = TrustOutput()
    flags = FlagsOutput()
    muscle_hu_range = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    imat_hu_range = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    mask_url = serializers.CharField()
    created_at = serializers.DateTimeField()


class L3WindowSliceOutput(serializers.Serializer):
    image_id = serializers.IntegerField()
    slice_location = serializers.FloatField(allow_null=True)
    measurement_id = serializers.IntegerField(allow_null=True, help_text="null while it waits for its measurement")


class L3MeasurementOutput(serializers.Serializer):
    """The study's measurement at L3: the mean over the L3 slice and its neighbours within +-N mm."""

    neighbours_mm = serializers.FloatField(help_text="N, recorded on the series when its L3 was chosen")
    slices = L3WindowSliceOutput(many=True)
    measured = serializers.IntegerField()
    complete = serializers.BooleanField(help_text="false while some slices wait for their measurement")
    sma_cm2 = serializers.FloatField(allow_null=True)
    smi_cm2_m2 = serializers.FloatField(allow_null=True)
    mean_muscle_hu = serializers.FloatField(allow_null=True)
    imat_cm2 = serializers.FloatField(allow_null=True)


class ResultSliceOutput(serializers.Serializer):
    image_id = serializers.IntegerField()
    series_id = serializers.IntegerField()
    index = serializers.IntegerField(help_text="0-based position in its series")
    series_length = serializers.IntegerField()
    device = serializers.CharField()
    slice_location = serializers.FloatField(allow_null=True)
    level = serializers.CharField(allow_null=True, help_text='"L3" on the series\' L3 slice')
    level_source = serializers.CharField(allow_null=True, help_text="automatic, confirmed, manual, manual_override")
    measurement = ResultMeasurementOutput(allow_null=True, help_text="the preferred one")
    other_measurements = ResultMeasurementOutput(many=True)
    l3_measurement = L3MeasurementOutput(required=False, help_text="on the series' L3 slice only")


class TrustCountsOutput(serializers.Serializer):
    verified = serializers.IntegerField()
    unverified = serializers.IntegerField()
    implausible = serializers.IntegerField()


class SubjectBodyOutput(serializers.Serializer):
    sex = serializers.CharField(allow_blank=True, allow_null=True)
    height_m = serializers.FloatField(allow_null=True)
    weight_kg = serializers.FloatField(allow_null=True)
    bmi = serializers.FloatField(allow_null=True)


class StudyResultsOutput(serializers.Serializer):
    study_id = serializers.IntegerField()
    pseudonym = serializers.CharField()
    trust = TrustCountsOutput(help_text="how many shown measurements have each status")
    sarcopenia_reference = serializers.CharField()
    myosteatosis_reference = serializers.CharField()
    subject = SubjectBodyOutput()
    devices = serializers.ListField(child=serializers.CharField())
    slices = ResultSliceOutput(many=True)

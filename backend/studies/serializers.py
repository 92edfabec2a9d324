from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import id_field

from .levels import level_warning
from .models import Device, Image, Series, Study
from .selectors import image_order_key, study_date_shown

_STUDY_DATE_HELP = "The full study date, for whoever uploaded the study only; null for everyone else (see study_year)."


class DeviceOutput(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "key", "manufacturer", "model_name", "display_name"]


class DeviceListOutput(DeviceOutput):
    image_count = serializers.IntegerField()
    series_count = serializers.IntegerField()

    class Meta(DeviceOutput.Meta):
        fields = [*DeviceOutput.Meta.fields, "image_count", "series_count"]


class ImageOutput(serializers.ModelSerializer):
    pixel_spacing_mm = serializers.ListField(child=serializers.FloatField())
    study_id = serializers.IntegerField(source="series.study_id")
    device = serializers.CharField(source="device.display_name")

    class Meta:
        model = Image
        fields = [
            "id",
            "study_id",
            "series",
            "device",
            "split",
            "rows",
            "columns",
            "pixel_spacing_mm",
            "orientation",
            "slice_location",
            "instance_number",
            "transfer_syntax",
            "created_at",
        ]


class DetectedLevelOutput(serializers.Serializer):
    name = serializers.CharField(help_text='"T12", "L3", "S1"; "" when the series has nothing to count from')
    superior_mm = serializers.FloatField(allow_null=True, help_text="patient z; null where the series cuts it")
    centre_mm = serializers.FloatField()
    inferior_mm = serializers.FloatField(allow_null=True)
    ribs = serializers.BooleanField()
    sacral = serializers.BooleanField()


class LevelDetectionOutput(serializers.Serializer):
    """What the level detector found in the whole series (null until it has run)."""

    levels = DetectedLevelOutput(many=True, source="levels_detected", help_text="superior first")
    l3_image_id = serializers.IntegerField(allow_null=True, source="levels_l3_image_id")
    l3_z_mm = serializers.FloatField(allow_null=True, source="levels_l3_z_mm")
    confidence = serializers.FloatField(allow_null=True, source="levels_confidence")
    anchor = serializers.CharField(source="levels_anchor")
    message = serializers.CharField(source="levels_message", help_text='e.g. "L3 not in this series: T11-T12 found"')
    slice_count = serializers.IntegerField(source="levels_slice_count")
    detected_at = serializers.DateTimeField(source="levels_detected_at")


class SeriesLevelFields(serializers.ModelSerializer):
    """The series' L3 slice, where it came from, and the detection it is judged against."""

    level_image_id = serializers.IntegerField(allow_null=True, read_only=True, help_text="the L3 slice")
    level_source = serializers.CharField(
        help_text='automatic | confirmed | manual | manual_override | "" (no L3 slice)', read_only=True
    )
    level_warning = serializers.SerializerMethodField()
    detection = serializers.SerializerMethodField()

    class Meta:
        model = Series
        fields = [
            "level_image_id",
            "level_z_mm",
            "level_source",
            "level_neighbours_mm",
            "level_marked_at",
            "level_warning",
            "detection",
        ]

    def get_level_warning(self, series) -> str | None:
        return level_warning(series)

    @extend_schema_field(LevelDetectionOutput(allow_null=True))
    def get_detection(self, series) -> dict | None:
        return LevelDetectionOutput(series).data if series.levels_detected_at else None


class SeriesOutput(SeriesLevelFields):
    images = serializers.SerializerMethodField()
    device = serializers.CharField(source="device.display_name")

    class Meta:
        model = Series
        fields = ["id", "description", "device", "kernel", "kvp", "slice_thickness_mm"]
        fields += [*SeriesLevelFields.Meta.fields, "images"]

    def get_images(self, series) -> list[dict]:
        images = sorted(series.images.all(), key=image_order_key)
        return [
            {
                "id": i.id,
                "rows": i.rows,
                "columns": i.columns,
                "pixel_spacing_mm": list(i.pixel_spacing_mm),
                "slice_location": i.slice_location,
                "instance_number": i.instance_number,
            }
            for i in images
        ]


class SeriesDetailOutput(SeriesOutput):
    class Meta(SeriesOutput.Meta):
        fields = ["id", "study", *SeriesOutput.Meta.fields[1:]]


class StudyDateFields(serializers.Serializer):
    """study_date for the study's uploader, study_year for everyone (README, privacy policy for dates)."""

    study_date = serializers.SerializerMethodField()
    study_year = serializers.IntegerField(allow_null=True, read_only=True)

    @extend_schema_field(serializers.DateField(allow_null=True, help_text=_STUDY_DATE_HELP))
    def get_study_date(self, study) -> date | None:
        return study_date_shown(study)


class StudyListOutput(StudyDateFields, serializers.ModelSerializer):
    pseudonym = serializers.CharField(source="subject.pseudonym")
    device = serializers.SerializerMethodField()
    series_count = serializers.IntegerField()
    image_count = serializers.IntegerField()
    first_image_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Study
        fields = [
            "id",
            "pseudonym",
            "study_date",
            "study_year",
            "device",
            "series_count",
            "image_count",
            "first_image_id",
            "created_at",
        ]

    def get_device(self, study) -> dict | None:
        series = next(iter(study.series.all()), None)
        return {"id": series.device.id, "display_name": series.device.display_name} if series else None


class StudyDetailOutput(StudyDateFields, serializers.ModelSerializer):
    pseudonym = serializers.CharField(source="subject.pseudonym")
    sex = serializers.CharField(source="subject.sex")
    age_years = serializers.IntegerField(source="subject.age_years", allow_null=True)
    height_m = serializers.FloatField(source="subject.height_m", allow_null=True)
    weight_kg = serializers.FloatField(source="subject.weight_kg", allow_null=True)
    split = serializers.CharField(source="subject.split")
    device = serializers.SerializerMethodField()  # the first series' (kept for older clients): see devices
    devices = serializers.SerializerMethodField()
    series = SeriesOutput(many=True)

    class Meta:
        model = Study
        fields = [
            "id",
            "pseudonym",
            "sex",
            "age_years",
            "height_m",
            "weight_kg",
            "study_date",
            "study_year",
            "split",
            "device",
            "devices",
            "series",
        ]

    def get_device(self, study) -> dict | None:
        series = next(iter(study.series.all()), None)
        return DeviceOutput(series.device).data if series else None

    def get_devices(self, study) -> list[dict]:
        """Every scanner of the study's series, each once, in series order (a phantom study holds several)."""
        devices = {series.device_id: series.device for series in study.series.all()}
        return DeviceOutput(list(devices.values()), many=True).data


class UploadInput(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=False)


class FileOutcomeOutput(serializers.Serializer):
    file = serializers.CharField()
    status = serializers.ChoiceField(choices=["stored", "duplicate", "rejected"])
    http_status = serializers.IntegerField()
    code = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    study_id = serializers.IntegerField(allow_null=True)
    image_id = serializers.IntegerField(allow_null=True)
    device = serializers.CharField(allow_null=True)


class UploadOutput(serializers.Serializer):
    results = FileOutcomeOutput(many=True)
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()


class SubjectUpdateInput(serializers.Serializer):
    """Height in metres and weight in kg, within what an adult or child can be; omitted fields stay."""

    sex = serializers.ChoiceField(choices=["M", "F"], required=False)
    height_m = serializers.FloatField(min_value=0.5, max_value=2.5, required=False)
    weight_kg = serializers.FloatField(min_value=2, max_value=400, required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one of sex, height_m, weight_kg.")
        return attrs


class SeriesLevelInput(serializers.Serializer):
    image_id = id_field(allow_null=True, help_text="The slice to mark as L3; null clears the mark.")


class SeriesLevelOutput(SeriesLevelFields):
    level = serializers.SerializerMethodField()

    class Meta:
        model = Series
        fields = ["id", "study", "level", *SeriesLevelFields.Meta.fields]

    def get_level(self, series) -> str | None:
        return "L3" if series.level_image_id else None


class ImageWorkOutput(serializers.Serializer):
    image_id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed", "cancelled", "none"])
    stage = serializers.ChoiceField(choices=["preparing", "measuring"], allow_null=True)
    job_id = serializers.IntegerField(allow_null=True)
    position = serializers.IntegerField(allow_null=True, help_text="1 = the next job of its queue to start")
    progress = serializers.FloatField(allow_null=True)


class StudyWorkOutput(serializers.Serializer):
    study_id = serializers.IntegerField()
    pending = serializers.BooleanField()
    images = ImageWorkOutput(many=True)

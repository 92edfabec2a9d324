"""Input and output shapes of the cohort API. The filter is validated here and nowhere else."""

from rest_framework import serializers

from core.fields import id_field

from .columns import DEFAULT_UNIT, UNITS
from .models import CohortDefinition, Export

SEX_CHOICES = ("M", "F", "unknown")
SOURCE_CHOICES = ("annotation", "model")
FLAG_CHOICES = ("yes", "no")
# Which rows to keep by trust: "plausible" drops implausible ones, "verified" drops those whose model was not
# evaluated on enough of the device's test images, "trusted" drops both.
QA_CHOICES = ("plausible", "verified", "trusted")
SARCOPENIA_REFERENCES = ("prado2008", "martin2013")
# Where a series' L3 slice came from (studies.models.LevelSource): the detector's, a person's within half a
# vertebra of it, a person's with nothing detected to compare with, or a person's the detection disagrees with.
LEVEL_SOURCE_CHOICES = ("automatic", "confirmed", "manual", "manual_override")
LIST_KEYS = ("device", "model_version", "level_source")


def _ids() -> serializers.ListField:
    return serializers.ListField(child=id_field(), required=False, max_length=200)


class CohortFilterInput(serializers.Serializer):
    """Every key is optional; an empty filter is the whole measured archive."""

    unit = serializers.ChoiceField(
        UNITS,
        required=False,
        default=DEFAULT_UNIT,
        help_text="subject (default): one row per subject and study, measured at its L3 slice; image: one row "
        "per measured image",
    )
    device = _ids()
    sex = serializers.ChoiceField(SEX_CHOICES, required=False)
    age_min = serializers.IntegerField(min_value=0, max_value=130, required=False)
    age_max = serializers.IntegerField(min_value=0, max_value=130, required=False)
    year_from = serializers.IntegerField(min_value=1900, max_value=2200, required=False, help_text="study year, from")
    year_to = serializers.IntegerField(min_value=1900, max_value=2200, required=False, help_text="study year, to")
    split = serializers.ChoiceField(("train", "test"), required=False)
    level = serializers.ChoiceField(("L3",), required=False, help_text="L3: only slices marked as L3")
    level_source = serializers.ListField(
        child=serializers.ChoiceField(LEVEL_SOURCE_CHOICES),
        required=False,
        max_length=len(LEVEL_SOURCE_CHOICES),
        help_text="which L3 slices count (repeat the key): automatic, confirmed, manual, manual_override; "
        "default all of them, each row saying its own",
    )
    source = serializers.ChoiceField(SOURCE_CHOICES, required=False)
    model_version = _ids()
    sarcopenia = serializers.ChoiceField(FLAG_CHOICES, required=False)
    sarcopenia_reference = serializers.ChoiceField(SARCOPENIA_REFERENCES, required=False, default="prado2008")
    myosteatosis = serializers.ChoiceField(FLAG_CHOICES, required=False)
    qa = serializers.ChoiceField(
        QA_CHOICES,
        required=False,
        help_text="plausible: drop implausible rows; verified: drop unverified rows; trusted: drop both",
    )

    def validate(self, attrs):
        _refuse_day_filters(self.initial_data)
        if "age_min" in attrs and "age_max" in attrs and attrs["age_min"] > attrs["age_max"]:
            raise serializers.ValidationError({"age_max": "must not be below age_min"})
        if "year_from" in attrs and "year_to" in attrs and attrs["year_from"] > attrs["year_to"]:
            raise serializers.ValidationError({"year_to": "must not be before year_from"})
        if attrs.get("level_source") and attrs.get("unit") == "image" and attrs.get("level") != "L3":
            raise serializers.ValidationError(
                {"level_source": "applies to L3 slices: give level=L3 with unit=image (unit=subject is at L3)"}
            )
        if attrs.get("source") == "annotation" and attrs.get("model_version"):
            raise serializers.ValidationError({"model_version": "applies to model measurements, not source=annotation"})
        return attrs


def _refuse_day_filters(data) -> None:
    """Filtering by day would reveal study dates that researchers see as years only: say so, never ignore it."""
    given = [key for key in ("date_from", "date_to") if key in (data or {})]
    if given:
        message = "Study dates are years outside the uploading clinician: filter with year_from and year_to."
        raise serializers.ValidationError({key: [message] for key in given})


def filters_from(data) -> dict:
    """A validated, JSON-ready filter from a query dict or a JSON object. Raises ValidationError (400)."""
    if hasattr(data, "getlist"):  # a QueryDict: list keys repeat (?device=1&device=2); empty means "not set"
        parsed = {}
        for key in data:
            values = [value for value in data.getlist(key) if value]
            if values:
                parsed[key] = values if key in LIST_KEYS else values[-1]
        data = parsed
    body = CohortFilterInput(data=data or {})
    body.is_valid(raise_exception=True)
    return normalise(body.validated_data)


def normalise(validated: dict) -> dict:
    """Drop unset keys, sort lists, dates as ISO strings: equal filters compare and store equal."""
    filters = {}
    for key, value in validated.items():
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = sorted(set(value))
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        filters[key] = value
    if "sarcopenia" not in filters:
        filters.pop("sarcopenia_reference", None)
    return filters


class DefinitionInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    filters = serializers.JSONField(default=dict)


class DefinitionOutput(serializers.ModelSerializer):
    class Meta:
        model = CohortDefinition
        fields = ["id", "name", "filters", "created_at", "updated_at"]


class ExportInput(serializers.Serializer):
    format = serializers.ChoiceField(Export.Format.values)
    filters = serializers.JSONField(default=dict)


class ExportOutput(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None)
    state = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "format",
            "filters",
            "row_count",
            "sha256",
            "size_bytes",
            "created_by",
            "created_at",
            "finished_at",
            "job_id",
            "state",
            "progress",
            "error",
            "download_url",
        ]

    def get_state(self, export: Export) -> str:
        if export.is_ready:
            return "succeeded"
        return export.job.state if export.job else "failed"

    def get_progress(self, export: Export) -> float:
        if export.is_ready:
            return 1.0
        return export.job.progress if export.job else 0.0

    def get_error(self, export: Export) -> str:
        # The first line only: the reason, not the traceback.
        return export.job.error.splitlines()[0] if export.job and export.job.error else ""

    def get_download_url(self, export: Export) -> str | None:
        return f"/api/exports/{export.pk}/download" if export.is_ready else None


class MissingL3Output(serializers.Serializer):
    pseudonym = serializers.CharField()
    study_year = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(help_text="no L3 slice marked, or L3 slice not measured")


class WithoutL3Output(serializers.Serializer):
    subjects = serializers.IntegerField()
    studies = MissingL3Output(many=True)


class BySourceOutput(serializers.Serializer):
    annotation = serializers.IntegerField()
    model = serializers.IntegerField()


class PreviewPointsOutput(serializers.Serializer):
    sex = serializers.ListField(child=serializers.CharField(allow_blank=True))
    device = serializers.ListField(child=serializers.CharField())
    smi = serializers.ListField(child=serializers.FloatField(allow_null=True))
    muscle_hu = serializers.ListField(child=serializers.FloatField(allow_null=True))
    truncated = serializers.BooleanField(help_text="more rows than points plotted")


class CohortPreviewOutput(serializers.Serializer):
    unit = serializers.ChoiceField(UNITS)
    count = serializers.IntegerField(help_text="rows the filter selects")
    subjects = serializers.IntegerField()
    without_l3 = WithoutL3Output(allow_null=True, help_text="unit=subject: the studies with no L3 measurement")
    by_source = BySourceOutput()
    filters = serializers.DictField(help_text="the filters as read")
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.DictField(), help_text="the first rows, keyed by `columns`")
    points = PreviewPointsOutput()

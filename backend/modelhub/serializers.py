"""Input and output serializers of the model hub API; the outputs are both the answer and its schema."""

from rest_framework import serializers

from core.fields import id_field

# A refusal's body: DRF's field errors ({"epochs": ["..."]}) or the application's {"detail", "code"}.
ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


class PromoteInput(serializers.Serializer):
    gate = serializers.BooleanField(default=False)


class TrainInput(serializers.Serializer):
    parent_id = id_field()
    epochs = serializers.IntegerField(min_value=1, max_value=500, default=20)
    freeze_encoder = serializers.BooleanField(default=False)
    replay = serializers.BooleanField(default=True)
    auto_promote = serializers.BooleanField(default=False)


class InferenceInput(serializers.Serializer):
    series_id = id_field(required=False)  # every slice of a series: whole-series metrics
    study_id = id_field(required=False)
    device_id = id_field(required=False)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        named = [k for k in ("series_id", "study_id", "device_id") if attrs.get(k) is not None]
        chosen = named + (["all"] if attrs["all"] else [])
        if len(chosen) != 1:
            raise serializers.ValidationError("give exactly one of series_id, study_id, device_id or all=true")
        return attrs


class DeviceRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class VersionEvaluationOutput(serializers.Serializer):
    device_id = serializers.IntegerField()
    device = serializers.CharField()
    dice_mean = serializers.FloatField()
    dice_sd = serializers.FloatField()
    sma_error_median = serializers.FloatField(allow_null=True)
    images = serializers.IntegerField()


class ModelVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    device = DeviceRefOutput(allow_null=True)
    parent_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    arch = serializers.CharField()
    checksum = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    promoted_at = serializers.DateTimeField(allow_null=True)
    train_seconds = serializers.FloatField(allow_null=True)
    training_set_size = serializers.IntegerField()
    job_id = serializers.IntegerField(allow_null=True)
    evaluations = VersionEvaluationOutput(many=True)


class ModelVersionDetailOutput(ModelVersionOutput):
    hyperparameters = serializers.DictField()
    training_set = serializers.ListField(child=serializers.IntegerField())
    training_set_hash = serializers.CharField(allow_blank=True)
    code_version = serializers.CharField(allow_blank=True)
    label_names = serializers.ListField(child=serializers.CharField())
    history = serializers.ListField(child=serializers.DictField())
    notes = serializers.CharField(allow_blank=True)


class ModelVersionListOutput(serializers.Serializer):
    """The whole list on one page; next and previous stay null, as a paginated client expects them."""

    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ModelVersionOutput(many=True)


class TrainStartedOutput(serializers.Serializer):
    job_id = serializers.IntegerField()
    version_id = serializers.IntegerField()


class InferenceStartedOutput(serializers.Serializer):
    job_id = serializers.IntegerField()


class InferenceIdleOutput(serializers.Serializer):
    job_id = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()


class EvaluationCellOutput(VersionEvaluationOutput):
    """One version's evaluation on one device, as a cell of the matrix."""

    version_id = serializers.IntegerField()
    version = serializers.CharField()


class MatrixVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    device = serializers.CharField(allow_null=True)


class EvaluationMatrixOutput(serializers.Serializer):
    cells = EvaluationCellOutput(many=True)
    versions = MatrixVersionOutput(many=True)
    devices = DeviceRefOutput(many=True)


class ActiveVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_base = serializers.BooleanField()


class DeviceOverviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    key = serializers.CharField()
    images = serializers.IntegerField()
    labelled = serializers.IntegerField()
    accepted = serializers.IntegerField()
    accepted_train = serializers.IntegerField()
    test_images = serializers.IntegerField()
    active_version = ActiveVersionOutput(allow_null=True)
    active_dice = serializers.FloatField(allow_null=True)
    active_dice_images = serializers.IntegerField()

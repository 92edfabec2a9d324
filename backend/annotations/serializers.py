from rest_framework import serializers

from core.fields import id_field

from .models import Annotation, AnnotationRevision, LabelSet, Prelabel, Review, Status


class LabelOutput(serializers.Serializer):
    value = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.CharField()


class LabelSetOutput(serializers.ModelSerializer):
    labels = LabelOutput(many=True)

    class Meta:
        model = LabelSet
        fields = ["id", "name", "is_default", "labels"]


class RevisionOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None)
    labels_covered = serializers.ListField(source="covered_names", child=serializers.CharField(), read_only=True)
    covers_every_label = serializers.BooleanField(read_only=True)

    class Meta:
        model = AnnotationRevision
        fields = [
            "id",
            "number",
            "author",
            "source",
            "origin",
            "seconds_active",
            "pixels_changed_from_prelabel",
            "dice_vs_prelabel",
            "dice_by_label",
            "prelabel_model_version_id",
            "prelabel_model_version_name",
            "counts",
            "labels_covered",
            "covers_every_label",
            "sha256",
            "created_at",
        ]


class PrelabelOutput(serializers.ModelSerializer):
    class Meta:
        model = Prelabel
        fields = ["model_version_id", "model_version_name", "uncertainty", "created_at"]


def _username(user) -> str | None:
    return user.username if user is not None else None


class AnnotationOutput(serializers.Serializer):
    """An `AnnotationState` (selectors): the annotation of one image, or its absence (status none)."""

    image_id = serializers.IntegerField(source="image.pk")
    label_set = serializers.IntegerField(source="label_set.pk")
    status = serializers.CharField()
    version = serializers.IntegerField()
    etag = serializers.CharField()
    labeller = serializers.SerializerMethodField()
    reviewer = serializers.SerializerMethodField()
    review_comment = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(source="annotation.updated_at", default=None, allow_null=True)
    current_revision = RevisionOutput(source="annotation.current_revision", default=None, allow_null=True)
    prelabel = PrelabelOutput(default=None, allow_null=True)

    def get_labeller(self, state) -> str | None:
        return _username(state.annotation.labeller) if state.annotation else None

    def get_reviewer(self, state) -> str | None:
        return _username(state.annotation.reviewer) if state.annotation else None

    def get_review_comment(self, state) -> str:
        return state.annotation.review_comment if state.annotation else ""


class AnnotationListOutput(serializers.ModelSerializer):
    image_id = serializers.IntegerField()
    study_id = serializers.IntegerField(source="image.series.study_id")
    device = serializers.CharField(source="image.device.display_name")
    split = serializers.CharField(source="image.split")
    labeller = serializers.CharField(source="labeller.username", default=None, allow_null=True)
    source = serializers.CharField(source="current_revision.source", default=None, allow_null=True)
    # null when the mask did not start from a pre-label
    pixels_changed_from_prelabel = serializers.IntegerField(
        source="current_revision.pixels_changed_from_prelabel", default=None, allow_null=True
    )
    dice_vs_prelabel = serializers.FloatField(source="current_revision.dice_vs_prelabel", default=None, allow_null=True)

    class Meta:
        model = Annotation
        fields = [
            "image_id",
            "study_id",
            "device",
            "split",
            "status",
            "labeller",
            "version",
            "updated_at",
            "source",
            "pixels_changed_from_prelabel",
            "dice_vs_prelabel",
            "review_comment",
        ]


class AnnotationListFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    device = id_field(required=False)
    labeller = serializers.CharField(required=False, max_length=150)


class ReviewInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Review.Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class QueueFilter(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=["uncertainty", "random", "coverage"], default="uncertainty")
    device = id_field(required=False)
    split = serializers.ChoiceField(choices=["train", "test", "all"], default="train")
    limit = serializers.IntegerField(default=20, min_value=1, max_value=200)


class QueueItemOutput(serializers.Serializer):
    image_id = serializers.IntegerField()
    study_id = serializers.IntegerField()
    device = serializers.CharField()
    split = serializers.CharField()
    uncertainty = serializers.FloatField(allow_null=True)
    status = serializers.CharField()
    review_comment = serializers.CharField(allow_blank=True)


class QueueOutput(serializers.Serializer):
    strategy = serializers.CharField()
    results = QueueItemOutput(many=True)


class EffortOutput(serializers.Serializer):
    device = serializers.CharField()
    labeller = serializers.CharField()
    source = serializers.CharField()
    images = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)
    mean_seconds = serializers.FloatField()


class CorrectionOutput(serializers.Serializer):
    model_version_id = serializers.IntegerField()
    model_version_name = serializers.CharField()
    images = serializers.IntegerField()
    median_pixels_changed = serializers.FloatField(allow_null=True)
    median_dice_vs_prelabel = serializers.FloatField(allow_null=True)


class StatsOutput(serializers.Serializer):
    by_device_labeller = EffortOutput(many=True)
    by_model_version = CorrectionOutput(many=True)

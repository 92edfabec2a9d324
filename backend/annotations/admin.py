from django.contrib import admin

from .models import Annotation, AnnotationRevision, LabelSet, Prelabel, Review


@admin.register(LabelSet)
class LabelSetAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "created_at"]


@admin.register(Prelabel)
class PrelabelAdmin(admin.ModelAdmin):
    list_display = ["id", "image", "label_set", "model_version_name", "uncertainty", "created_at"]
    list_filter = ["label_set", "model_version_name"]
    exclude = ["mask_png"]
    readonly_fields = ["image", "label_set", "model_version_id", "model_version_name", "sha256", "counts"]


class RevisionInline(admin.TabularInline):
    model = AnnotationRevision
    fk_name = "annotation"
    fields = ["number", "author", "source", "seconds_active", "pixels_changed_from_prelabel", "dice_vs_prelabel"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    """Read-mostly: masks change only through the API, so versions and revisions stay consistent."""

    list_display = ["id", "image", "label_set", "status", "version", "labeller", "reviewer", "updated_at"]
    list_filter = ["status", "label_set"]
    readonly_fields = ["image", "label_set", "status", "version", "current_revision", "prelabel", "labeller"]
    inlines = [RevisionInline]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["id", "annotation", "revision", "reviewer", "decision", "created_at"]
    list_filter = ["decision"]

from django.contrib import admin

from .models import Device, Image, LevelOverride, Series, Study, Subject, SubjectChange


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["display_name", "key", "created_by", "created_at"]
    search_fields = ["display_name", "key"]
    readonly_fields = ["created_by", "created_at"]


class SubjectChangeInline(admin.TabularInline):
    """The record of demographic changes: read-only, never edited or deleted here."""

    model = SubjectChange
    fields = ["changed_at", "changed_by", "source", "field", "old_value", "new_value"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "sex", "age_years", "height_m", "weight_kg", "split"]
    list_filter = ["split", "sex"]
    exclude = ["patient_link"]
    inlines = [SubjectChangeInline]


@admin.register(SubjectChange)
class SubjectChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "subject", "field", "old_value", "new_value", "changed_by", "source"]
    list_filter = ["source", "field"]
    search_fields = ["subject__pseudonym", "changed_by__username"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    # The full study date is for the uploading clinician only (README, "Privacy policy for dates and subjects").
    list_display = ["id", "subject", "study_year", "uploaded_by", "created_at"]
    exclude = ["study_date"]


class LevelOverrideInline(admin.TabularInline):
    """Hand-chosen L3 slices the detected levels disagree with: read-only, never edited or deleted here."""

    model = LevelOverride
    fields = ["marked_at", "marked_by", "chosen_image", "chosen_z_mm", "chosen_level", "detected_z_mm", "warning"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["id", "study", "device", "description", "kernel", "level_source", "levels_message"]
    list_filter = ["level_source"]
    raw_id_fields = ["level_image"]
    readonly_fields = [
        "levels_detected",
        "levels_l3_image",
        "levels_l3_z_mm",
        "levels_confidence",
        "levels_anchor",
        "levels_message",
        "levels_slice_count",
        "levels_detected_at",
    ]
    inlines = [LevelOverrideInline]


@admin.register(LevelOverride)
class LevelOverrideAdmin(admin.ModelAdmin):
    list_display = ["marked_at", "series", "marked_by", "chosen_level", "chosen_z_mm", "detected_z_mm"]
    search_fields = ["marked_by__username"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["id", "series", "device", "split", "rows", "columns", "slice_location"]
    list_filter = ["device", "split"]

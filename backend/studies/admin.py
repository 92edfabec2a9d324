from django.contrib import admin

from .models import Device, Image, Series, Study, Subject


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["display_name", "key", "created_at"]
    search_fields = ["display_name", "key"]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "sex", "age_years", "height_m", "weight_kg", "split"]
    list_filter = ["split", "sex"]


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "study_date", "uploaded_by", "created_at"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["id", "study", "device", "description", "kernel"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["id", "series", "device", "split", "rows", "columns", "slice_location"]
    list_filter = ["device", "split"]

from django.contrib import admin

from .models import Measurement


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    list_display = ["image", "source", "model_version", "sma_cm2", "smi_cm2_m2", "created_at"]
    list_filter = ["source"]

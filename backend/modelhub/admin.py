import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path

from core.errors import ApplicationError
from studies.models import Device

from .models import Evaluation, ModelVersion, Prediction
from .services.versions import model_version_import, model_version_promote


class CheckpointImportForm(forms.Form):
    checkpoint = forms.FileField(help_text="A MuscleSeed checkpoint (.pt) written by the engine.")
    name = forms.CharField(max_length=100)
    device = forms.ModelChoiceField(Device.objects.all(), required=False, help_text="Empty: a base version.")
    activate = forms.BooleanField(required=False)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "device", "parent", "status", "arch", "created_at", "promoted_at"]
    list_filter = ["status", "device", "arch"]
    change_list_template = "admin/modelhub/modelversion/change_list.html"
    actions = ["promote"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ModelVersion._meta.fields if f.name != "notes"]  # trained versions are immutable

    def has_add_permission(self, request):
        return False  # versions come from training jobs or from the checkpoint import below

    def get_urls(self):
        extra = [path("import/", self.admin_site.admin_view(self.import_view), name="modelhub_import_checkpoint")]
        return extra + super().get_urls()

    @admin.action(description="Make active (no gate) and re-predict the images it serves")
    def promote(self, request, queryset):
        for version in queryset:
            try:
                model_version_promote(version=version, user=request.user)
            except ApplicationError as refusal:
                messages.error(request, f"{version.name}: {refusal.message}")
            else:
                messages.success(request, f"{version.name} is active; the images it serves are being predicted.")

    def import_view(self, request):
        form = CheckpointImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "upload.pt"
                with path.open("wb") as out:
                    for chunk in form.cleaned_data["checkpoint"].chunks():
                        out.write(chunk)
                try:
                    version = model_version_import(
                        path=path,
                        name=form.cleaned_data["name"],
                        device=form.cleaned_data["device"],
                        activate=form.cleaned_data["activate"],
                        created_by=request.user,
                    )
                except ApplicationError as refusal:
                    form.add_error("checkpoint", refusal.message)
                else:
                    messages.success(request, f"Imported {version.name} ({version.status}).")
                    return redirect("admin:modelhub_modelversion_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": "Import a checkpoint"}
        return render(request, "admin/modelhub/import_checkpoint.html", context)


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["version", "device", "images", "dice_mean", "sma_error_median"]


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = ["image", "version", "uncertainty", "seconds", "created_at"]
    exclude = ["mask_png"]

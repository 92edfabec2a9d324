"""The cohort page: filters, live count, preview, plots, saved definitions and exports (its script calls the API)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts.roles import has_role
from modelhub.models import ModelVersion
from studies.models import Device

from .api import EXPORTERS


@login_required
def cohort_page(request):
    if not has_role(request.user, *EXPORTERS):
        raise PermissionDenied(f"Cohorts need one of the roles: {', '.join(EXPORTERS)}.")
    versions = ModelVersion.objects.filter(measurement__isnull=False).distinct().select_related("device")
    options = {
        "devices": [{"id": d.id, "name": d.display_name} for d in Device.objects.order_by("display_name", "id")],
        "model_versions": [
            {"id": v.id, "name": v.name, "device": v.device.display_name if v.device else "base"}
            for v in versions.order_by("name")
        ],
    }
    return render(request, "cohorts/cohort.html", {"options": options})

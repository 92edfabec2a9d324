"""Model hub pages: devices, the version lineage, a version, the evaluation matrix."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from accounts.roles import has_role

from . import selectors
from .api import ML_ROLES
from .models import ModelVersion
from .services.versions import evaluation_matrix


@login_required
def devices_page(request):
    trained = selectors.version_list().exclude(status__in=[ModelVersion.Status.TRAINING, ModelVersion.Status.FAILED])
    versions = [
        {"id": v.id, "name": v.name, "status": v.status, "device": v.device.display_name if v.device else None}
        for v in trained
    ]
    return render(
        request,
        "modelhub/devices.html",
        {
            "overview": selectors.device_overview(),
            "versions": versions,
            "can_train": has_role(request.user, *ML_ROLES),
        },
    )


@login_required
def versions_page(request):
    return render(
        request,
        "modelhub/versions.html",
        {
            "tree": selectors.version_tree(),
            "can_promote": has_role(request.user, *ML_ROLES),
        },
    )


@login_required
def version_detail_page(request, pk: int):
    version = get_object_or_404(selectors.version_list(), pk=pk)
    return render(
        request,
        "modelhub/version_detail.html",
        {
            "version": selectors.version_as_dict(version, detail=True),
            "can_promote": has_role(request.user, *ML_ROLES),
        },
    )


@login_required
def evaluation_page(request):
    from .api import EvaluationMatrixApi

    matrix = evaluation_matrix()
    matrix.update(EvaluationMatrixApi().get(request).data)
    return render(request, "modelhub/evaluation.html", {"matrix": matrix})

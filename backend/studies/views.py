"""Server-rendered pages; their scripts talk to the API."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from accounts.roles import has_role

from . import selectors
from .api import LEVEL_MARKERS, STUDY_DETAIL_PREFETCH, SUBJECT_EDITORS, UPLOAD_ROLES
from .serializers import StudyDetailOutput


@login_required
def upload_page(request):
    if not has_role(request.user, *UPLOAD_ROLES):
        raise PermissionDenied("Uploading CT needs the clinician, ML lead or admin role.")
    return render(
        request,
        "studies/upload.html",
        {
            "max_file_mb": settings.MUSCLESEED_UPLOAD_MAX_FILE_MB,
            "accepted": "DICOM files (.dcm or no extension), folders of them, or .zip archives",
        },
    )


@login_required
def study_list_page(request):
    studies = selectors.study_list(user=request.user).prefetch_related("series__device")[:200]
    for study in studies:
        first = next(iter(study.series.all()), None)
        study.device_display = first.device.display_name if first else "—"
        study.pseudonym = study.subject.pseudonym
        study.when = selectors.study_when(study)
    return render(request, "studies/study_list.html", {"studies": studies})


@login_required
def study_detail_page(request, pk: int):
    queryset = selectors.study_list(user=request.user).prefetch_related(*STUDY_DETAIL_PREFETCH)
    study = get_object_or_404(queryset, pk=pk)
    data = json.loads(json.dumps(StudyDetailOutput(study).data, default=str))
    context = {
        "study": study,
        "study_data": data,
        "height_cm": round(study.subject.height_m * 100, 1) if study.subject.height_m else None,
        "can_edit_subject": has_role(request.user, *SUBJECT_EDITORS)
        and selectors.subject_held_by(subject=study.subject, user=request.user),
        "can_mark_level": has_role(request.user, *LEVEL_MARKERS),
    }
    return render(request, "studies/study_detail.html", context)

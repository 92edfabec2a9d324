"""Labelling pages: the workspace, review, and the labelling statistics. Their scripts call the API."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.roles import ADMIN, has_role, user_roles
from core.errors import ApplicationError

from . import selectors, serializers
from .api import EDITORS, REVIEWERS, WORKERS


def _require(request, roles: tuple, what: str) -> None:
    if not has_role(request.user, *roles):
        raise PermissionDenied(f"{what} needs one of the roles: {', '.join(roles)}.")


def _label_set(request):
    try:
        return selectors.label_set_get(label_set_id=request.GET.get("label_set"))
    except ApplicationError as error:
        raise Http404(error.message) from None


def _with_label_set(request, url: str) -> str:
    """Keep an explicit ?label_set= on the URLs a page hands to its script."""
    chosen = request.GET.get("label_set")
    return f"{url}?{urlencode({'label_set': chosen})}" if chosen else url


@login_required
def label_next_page(request):
    """Open the next image in the caller's queue, or say the queue is empty."""
    _require(request, EDITORS, "Labelling")
    label_set = _label_set(request)
    filters = serializers.QueueFilter(data={**request.GET.dict(), "limit": 1})
    if not filters.is_valid():  # a bad ?device= or ?strategy= is named, never guessed past
        named = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in filters.errors.items())
        return HttpResponseBadRequest(f"Bad labelling queue filter. {named}", content_type="text/plain")
    options = filters.validated_data
    items = selectors.labelling_queue(
        user=request.user,
        label_set=label_set,
        strategy=options["strategy"],
        device_id=options.get("device"),
        split=options["split"],
        limit=1,
    )
    if items:
        return redirect(_with_label_set(request, reverse("label-workspace", args=[items[0]["image_id"]])))
    context = {"label_set": label_set, "strategy": options["strategy"], "split": options["split"]}
    return render(request, "annotations/queue_empty.html", context)


def _page_data(request, pk: int) -> dict:
    """What the workspace and review pages give their scripts (see docs/annotations-api.md)."""
    label_set = _label_set(request)
    image = selectors.image_get(user=request.user, image_id=pk)
    state = selectors.annotation_state(user=request.user, image=image, label_set=label_set)
    urls = {
        "pixels": reverse("api-image-pixels", args=[pk]),
        "mask": reverse("api-annotation-mask", args=[pk]),
        "annotation": reverse("api-annotation", args=[pk]),
        "submit": reverse("api-annotation-submit", args=[pk]),
        "prelabel": reverse("api-annotation-prelabel", args=[pk]),
        "review": reverse("api-annotation-review", args=[pk]),
    }
    return {
        "image": {
            "id": image.pk,
            "rows": image.rows,
            "columns": image.columns,
            "pixel_spacing_mm": list(image.pixel_spacing_mm),
            "device": image.device.display_name,
            "study_id": image.series.study_id,
            "split": image.split,
        },
        "label_set": serializers.LabelSetOutput(label_set).data,
        "annotation": serializers.AnnotationOutput(state).data,
        "urls": {name: _with_label_set(request, url) for name, url in urls.items()},
        "user": {"username": request.user.username, "roles": sorted(user_roles(request.user))},
    }


def _reviewer_may_correct(user, annotation: dict) -> bool:
    """A submitted mask is a reviewer's to correct before deciding, unless they submitted it (the review rule)."""
    if annotation["status"] != "submitted" or not has_role(user, *REVIEWERS):
        return False
    return annotation["labeller"] != user.username or has_role(user, ADMIN)


@login_required
def workspace_page(request, pk: int):
    _require(request, WORKERS, "The labelling workspace")
    workspace = _page_data(request, pk)
    del workspace["urls"]["review"]
    workspace["review_correction"] = _reviewer_may_correct(request.user, workspace["annotation"])
    if workspace["review_correction"]:  # saves go to the reviewer's correction; the way on is the decision
        workspace["urls"]["save"] = _with_label_set(request, reverse("api-annotation-review-mask", args=[pk]))
        workspace["urls"]["next"] = _with_label_set(request, reverse("review-detail", args=[pk]))
    else:
        workspace["urls"]["save"] = workspace["urls"]["mask"]
        workspace["urls"]["next"] = _with_label_set(request, reverse("label-next"))
    return render(request, "annotations/workspace.html", {"workspace": workspace})


@login_required
def review_list_page(request):
    _require(request, REVIEWERS, "Reviewing")
    submitted = selectors.annotation_list(user=request.user, label_set=_label_set(request), status="submitted")
    annotations = serializers.AnnotationListOutput(submitted[:500], many=True).data
    return render(request, "annotations/review_list.html", {"annotations": annotations})


@login_required
def review_detail_page(request, pk: int):
    _require(request, REVIEWERS, "Reviewing")
    review = _page_data(request, pk)
    review["urls"]["next"] = reverse("review-list")
    review["can_correct"] = _reviewer_may_correct(request.user, review["annotation"])
    review["urls"]["correct"] = _with_label_set(request, reverse("label-workspace", args=[pk]))
    return render(request, "annotations/review_detail.html", {"review": review})


@login_required
def stats_page(request):
    _require(request, WORKERS, "Labelling statistics")
    stats = serializers.StatsOutput(selectors.labelling_stats(label_set=_label_set(request))).data
    return render(request, "annotations/stats.html", {"stats": stats})

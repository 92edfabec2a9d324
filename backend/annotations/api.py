"""Thin API views: parse the request (ETag, PNG body, filters), call one service or selector, answer."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import roles_required
from accounts.roles import ADMIN, LABELLER, ML_LEAD, RESEARCHER, REVIEWER
from core.errors import ApplicationError
from core.renderers import PNG_RENDERERS

from . import selectors, serializers, services
from .masks import MAX_PNG_BYTES

READERS = (LABELLER, REVIEWER, ML_LEAD, ADMIN, RESEARCHER)  # researchers: accepted masks only
WORKERS = (LABELLER, REVIEWER, ML_LEAD, ADMIN)
EDITORS = (LABELLER, REVIEWER, ADMIN)
REVIEWERS = (REVIEWER, ADMIN)

LABEL_SET_PARAM = OpenApiParameter("label_set", int, description="Label set id (default: the default set).")
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True, description="The ETag.")
PNG = {(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)}


class PngParser(BaseParser):
    media_type = "image/png"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        # One byte past the limit is enough for the size check to refuse it; memory stays bounded.
        return stream.read(MAX_PNG_BYTES + 1) if stream is not None else b""


class OctetStreamParser(PngParser):
    media_type = "application/octet-stream"


def expected_version(request, *, image_id: int, label_set_id: int) -> int:
    """The version named by If-Match: 428 without one, 412 for an ETag of another resource."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise ApplicationError(
            "Send If-Match with the ETag you loaded, so no one's save is overwritten unseen.",
            code="precondition_required",
            http_status=428,
        )
    tag = header.removeprefix("W/").strip('"')
    prefix = f"{image_id}.{label_set_id}."
    version = tag.removeprefix(prefix)
    if not tag.startswith(prefix) or not version.isdigit():
        raise ApplicationError(f"If-Match {header} is not an ETag of this annotation.", code="stale", http_status=412)
    return int(version)


class AnnotationView(APIView):
    """Shared lookups: the image (404 if unseen), the label set and the annotation state."""

    def lookup(self, request, pk: int):
        label_set = selectors.label_set_get(label_set_id=request.query_params.get("label_set"))
        return selectors.image_get(user=request.user, image_id=pk), label_set

    def state_response(self, request, image, label_set, status: int = 200, annotation=None) -> Response:
        state = selectors.annotation_state(user=request.user, image=image, label_set=label_set, annotation=annotation)
        return Response(serializers.AnnotationOutput(state).data, status=status, headers={"ETag": state.etag})

    def version(self, request, image, label_set) -> int:
        return expected_version(request, image_id=image.pk, label_set_id=label_set.pk)


class LabelSetListApi(generics.ListAPIView):
    serializer_class = serializers.LabelSetOutput

    def get_queryset(self):
        return selectors.label_set_list()


class AnnotationApi(AnnotationView):
    permission_classes = [roles_required(*READERS)]

    @extend_schema(parameters=[LABEL_SET_PARAM], responses=serializers.AnnotationOutput)
    def get(self, request, pk: int):
        image, label_set = self.lookup(request, pk)
        return self.state_response(request, image, label_set)


class AnnotationMaskApi(AnnotationView):
    parser_classes = [PngParser, OctetStreamParser]
    renderer_classes = PNG_RENDERERS  # so a client may send Accept: image/png

    def get_permissions(self):
        return [roles_required(*(EDITORS if self.request.method == "PUT" else READERS))()]

    @extend_schema(parameters=[LABEL_SET_PARAM], responses=PNG, description="The mask shown to the labeller.")
    def get(self, request, pk: int):
        image, label_set = self.lookup(request, pk)
        state = selectors.annotation_state(user=request.user, image=image, label_set=label_set)
        shown = selectors.mask_to_show(state=state)
        response = png_response(shown.png, etag=state.etag)
        response["X-Mask-Source"] = shown.source
        if shown.model_version_name:
            response["X-Model-Version"] = shown.model_version_name
        return response

    @extend_schema(
        parameters=[
            LABEL_SET_PARAM,
            IF_MATCH,
            OpenApiParameter("X-Active-Seconds", float, OpenApiParameter.HEADER),
            OpenApiParameter(
                "X-Labels-Covered",
                str,
                OpenApiParameter.HEADER,
                description="Comma-separated label names the mask was drawn for, e.g. `muscle`; absent: every "
                "label. Training ignores an uncovered label on this image; the mask must not paint it.",
            ),
        ],
        request={"image/png": OpenApiTypes.BINARY},
        responses=serializers.AnnotationOutput,
        description="Save a new revision (8-bit grayscale PNG label map of the image's size).",
    )
    def put(self, request, pk: int):
        image, label_set = self.lookup(request, pk)
        version = self.version(request, image, label_set)
        saved = services.annotation_mask_save(
            image=image,
            label_set=label_set,
            author=request.user,
            png=request.data if isinstance(request.data, bytes) else b"",
            expected_version=version,
            seconds_active=active_seconds(request),
            labels_covered=labels_covered(request),
        )
        return self.state_response(request, image, label_set, annotation=saved)


class AnnotationReviewMaskApi(AnnotationView):
    """A reviewer corrects the submitted mask before accepting it."""

    parser_classes = [PngParser, OctetStreamParser]
    permission_classes = [roles_required(*REVIEWERS)]

    @extend_schema(
        parameters=[LABEL_SET_PARAM, IF_MATCH, OpenApiParameter("X-Active-Seconds", float, OpenApiParameter.HEADER)],
        request={"image/png": OpenApiTypes.BINARY},
        responses=serializers.AnnotationOutput,
        description="Save a reviewer's correction of a submitted mask as a new revision by the reviewer (origin "
        "`review`); the mask stays submitted, to be accepted or rejected. X-Labels-Covered as for the mask.",
    )
    def put(self, request, pk: int):
        image, label_set = self.lookup(request, pk)
        corrected = services.annotation_review_correct(
            image=image,
            label_set=label_set,
            reviewer=request.user,
            png=request.data if isinstance(request.data, bytes) else b"",
            expected_version=self.version(request, image, label_set),
            seconds_active=active_seconds(request),
            labels_covered=labels_covered(request),
        )
        return self.state_response(request, image, label_set, annotation=corrected)


def active_seconds(request) -> float:
    raw = request.headers.get("X-Active-Seconds", "").strip()
    try:
        return float(raw) if raw else 0.0
    except ValueError:
        raise ApplicationError(f"X-Active-Seconds must be a number, not {raw!r}.", code="bad_active_seconds") from None


def labels_covered(request) -> list[str] | None:
    """X-Labels-Covered as names (None when absent; an empty header is passed on and refused by name)."""
    raw = request.headers.get("X-Labels-Covered")
    return None if raw is None else [name.strip() for name in raw.split(",") if name.strip()]


def png_response(png: bytes, *, etag: str | None = None) -> HttpResponse:
    response = HttpResponse(png, content_type="image/png")
    if etag:
        response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


class AnnotationSubmitApi(AnnotationView):
    permission_classes = [roles_required(*EDITORS)]

    @extend_schema(parameters=[LABEL_SET_PARAM, IF_MATCH], request=None, responses=serializers.AnnotationOutput)
    def post(self, request, pk: int):
        image, label_set = self.lookup(request, pk)
        version = self.version(request, image, label_set)
        submitted = services.annotation_submit(
            image=image, label_set=label_set, user=request.user, expected_version=version
        )
        return self.state_response(request, image, label_set, annotation=submitted)


class AnnotationReviewApi(AnnotationView):
    permission_classes = [roles_required(*REVIEWERS)]

    @extend_schema(
        parameters=[LABEL_SET_PARAM, IF_MATCH], request=serializers.ReviewInput, responses=serializers.AnnotationOutput
    )
    def post(self, request, pk: int):
        image, label_set = self.lookup(request, pk)
        version = self.version(request, image, label_set)
        decision = serializers.ReviewInput(data=request.data)
        decision.is_valid(raise_exception=True)
        reviewed = services.annotation_review(
            image=image, label_set=label_set, reviewer=request.user, expected_version=version, **decision.validated_data
        )
        return self.state_response(request, image, label_set, annotation=reviewed)


class PrelabelMaskApi(AnnotationView):
    permission_classes = [roles_required(*WORKERS)]
    renderer_classes = PNG_RENDERERS

    @extend_schema(parameters=[LABEL_SET_PARAM], responses=PNG, description="The pre-label the mask started from.")
    def get(self, request, pk: int):
        image, label_set = self.lookup(request, pk)
        state = selectors.annotation_state(user=request.user, image=image, label_set=label_set)
        prelabel = selectors.prelabel_for_state(state=state)
        if prelabel is None:
            raise ApplicationError("No model has pre-labelled this image.", code="no_prelabel", http_status=404)
        response = png_response(bytes(prelabel.mask_png))
        response["X-Model-Version"] = prelabel.model_version_name
        return response


class AnnotationListApi(generics.ListAPIView):
    permission_classes = [roles_required(*READERS)]
    serializer_class = serializers.AnnotationListOutput

    @extend_schema(parameters=[LABEL_SET_PARAM, serializers.AnnotationListFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = serializers.AnnotationListFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.annotation_list(
            user=self.request.user,
            label_set=selectors.label_set_get(label_set_id=self.request.query_params.get("label_set")),
            status=filters.validated_data.get("status", ""),
            device_id=filters.validated_data.get("device"),
            labeller=filters.validated_data.get("labeller", ""),
        )


class LabellingQueueApi(APIView):
    permission_classes = [roles_required(*EDITORS)]

    @extend_schema(parameters=[LABEL_SET_PARAM, serializers.QueueFilter], responses=serializers.QueueOutput)
    def get(self, request):
        filters = serializers.QueueFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        options = filters.validated_data
        items = selectors.labelling_queue(
            user=request.user,
            label_set=selectors.label_set_get(label_set_id=request.query_params.get("label_set")),
            strategy=options["strategy"],
            device_id=options.get("device"),
            split=options["split"],
            limit=options["limit"],
        )
        return Response(serializers.QueueOutput({"strategy": options["strategy"], "results": items}).data)


class LabellingStatsApi(APIView):
    permission_classes = [roles_required(*WORKERS)]

    @extend_schema(parameters=[LABEL_SET_PARAM], responses=serializers.StatsOutput)
    def get(self, request):
        label_set = selectors.label_set_get(label_set_id=request.query_params.get("label_set"))
        return Response(serializers.StatsOutput(selectors.labelling_stats(label_set=label_set)).data)

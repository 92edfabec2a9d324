"""The clinician's results by API: an image's measurements and mask, a study's results and its report."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError
from core.fields import MAX_ID
from core.renderers import PNG_RENDERERS
from studies.selectors import image_list, study_list

from . import results, selectors
from .models import Measurement
from .report import study_report_png
from .serializers import ImageMeasurementOutput, StudyResultsOutput


class ImageMeasurementsApi(APIView):
    @extend_schema(responses=ImageMeasurementOutput(many=True))
    def get(self, request, pk: int):
        image = get_object_or_404(image_list(user=request.user), pk=pk)
        return Response(selectors.image_measurements(image=image))


class StudyResultsApi(APIView):
    @extend_schema(
        responses=StudyResultsOutput,
        description="Per measured or L3-marked slice (the marked first): the preferred measurement (accepted "
        "annotation over model), its source, SMA, muscle HU, IMAT, SMI, flags with their reference.",
    )
    def get(self, request, pk: int):
        study = get_object_or_404(study_list(user=request.user), pk=pk)
        return Response(results.study_results(study=study))


class StudyReportApi(APIView):
    renderer_classes = PNG_RENDERERS

    @extend_schema(responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, pk: int):
        study = get_object_or_404(study_list(user=request.user), pk=pk)
        response = HttpResponse(study_report_png(study=study), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="muscleseed-report-{study.subject.pseudonym}.png"'
        response["Cache-Control"] = "private, no-cache"
        return response


class MeasurementMaskApi(APIView):
    renderer_classes = PNG_RENDERERS

    @extend_schema(
        parameters=[OpenApiParameter("measurement", int, description="Measurement id (default: the preferred one).")],
        responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)},
        description="The 8-bit label map (1 muscle, 2 liver) the measurement was made from.",
    )
    def get(self, request, pk: int):
        image = get_object_or_404(image_list(user=request.user), pk=pk)
        measurements = Measurement.objects.filter(image=image).select_related("model_version")
        wanted = request.query_params.get("measurement", "")
        if wanted:
            if not wanted.isdigit() or not 1 <= int(wanted) <= MAX_ID:
                raise ApplicationError(f"measurement must be a number, not {wanted!r}.", code="bad_measurement")
            measurements = measurements.filter(pk=int(wanted))
        chosen = next(iter(results.preferred_first(list(measurements))), None)
        png = results.measurement_mask_png(chosen) if chosen else None
        if png is None:
            raise ApplicationError("No measurement (or its mask) for this image.", code="not_found", http_status=404)
        response = HttpResponse(png, content_type="image/png")
        response["X-Measurement"] = str(chosen.pk)
        # A measurement's mask never changes; "the preferred one" may, when a mask is accepted.
        response["Cache-Control"] = "private, max-age=3600" if wanted else "private, no-cache"
        return response

"""Cohort API: preview a filter, saved definitions, exports (request, list, status, download).

Researchers, ML leads and admins only; exports are visible to their owner, and all of them to admins.
"""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import roles_required
from accounts.roles import ADMIN, ML_LEAD, RESEARCHER
from core.errors import ApplicationError
from core.fields import MAX_ID
from core.renderers import OctetStreamRenderer
from studies import storage

from . import selectors, services
from .serializers import (
    CohortFilterInput,
    CohortPreviewOutput,
    DefinitionInput,
    DefinitionOutput,
    ExportInput,
    ExportOutput,
    filters_from,
)

EXPORTERS = (RESEARCHER, ML_LEAD, ADMIN)
CONTENT_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "zip": "application/zip"}


class ExporterApi(APIView):
    permission_classes = [roles_required(*EXPORTERS)]


class CohortPreviewApi(ExporterApi):
    @extend_schema(
        parameters=[CohortFilterInput],
        responses=CohortPreviewOutput,
        description="The number of rows the filter selects (unit=subject, the default: one per subject and study "
        "at L3, with the subjects that have no L3 measurement counted and listed; unit=image: one per measured "
        "image), the first rows, and values to plot.",
    )
    def get(self, request):
        return Response(selectors.cohort_preview(filters=filters_from(request.query_params)))


class DefinitionListApi(ExporterApi):
    @extend_schema(responses=DefinitionOutput(many=True))
    def get(self, request):
        return Response(DefinitionOutput(selectors.definition_list(user=request.user), many=True).data)

    @extend_schema(request=DefinitionInput, responses={201: DefinitionOutput})
    def post(self, request):
        body = DefinitionInput(data=request.data)
        body.is_valid(raise_exception=True)
        filters = filters_from(body.validated_data["filters"])
        definition = services.definition_save(owner=request.user, name=body.validated_data["name"], filters=filters)
        return Response(DefinitionOutput(definition).data, status=status.HTTP_201_CREATED)


class DefinitionDetailApi(ExporterApi):
    @extend_schema(responses=DefinitionOutput)
    def get(self, request, pk: int):
        return Response(DefinitionOutput(selectors.definition_get(user=request.user, definition_id=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.definition_delete(definition=selectors.definition_get(user=request.user, definition_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportListApi(ExporterApi):
    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description="at most this many, newest first (default 50)")],
        responses=ExportOutput(many=True),
    )
    def get(self, request):
        try:
            limit = int(request.query_params.get("limit", 50))
            if abs(limit) > MAX_ID:
                raise ValueError(limit)
        except ValueError:
            raise ApplicationError("limit must be a whole number (at most 500 are given).", code="bad_limit") from None
        limit = min(500, max(1, limit))
        return Response(ExportOutput(selectors.export_list(user=request.user)[:limit], many=True).data)

    @extend_schema(request=ExportInput, responses={202: ExportOutput})
    def post(self, request):
        body = ExportInput(data=request.data)
        body.is_valid(raise_exception=True)
        filters = filters_from(body.validated_data["filters"])
        export = services.export_start(user=request.user, filters=filters, format=body.validated_data["format"])
        export = selectors.export_get(user=request.user, export_id=export.pk)  # the job may have run already
        return Response(ExportOutput(export).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailApi(ExporterApi):
    @extend_schema(responses=ExportOutput)
    def get(self, request, pk: int):
        return Response(ExportOutput(selectors.export_get(user=request.user, export_id=pk)).data)


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """A download answers whatever the client accepts (curl -H 'Accept: text/csv' included)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


class ExportDownloadApi(ExporterApi):
    renderer_classes = [JSONRenderer, OctetStreamRenderer]
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, pk: int):
        export = selectors.export_get(user=request.user, export_id=pk)
        if not export.is_ready:
            raise ApplicationError("This export has not finished.", code="not_ready", http_status=409)
        response = FileResponse(
            storage.open_read(export.file_path),
            as_attachment=True,
            filename=export.filename,
            content_type=CONTENT_TYPES[export.format],
        )
        response["X-Content-SHA256"] = export.sha256
        response["Cache-Control"] = "private, no-store"
        return response

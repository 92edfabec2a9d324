from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import roles_required
from accounts.roles import ADMIN, ML_LEAD
from core.errors import ApplicationError
from studies.models import Device, Image

from . import selectors
from .models import ModelVersion
from .serializers import (
    ERROR_BODY,
    DeviceOverviewOutput,
    EvaluationMatrixOutput,
    InferenceIdleOutput,
    InferenceInput,
    InferenceStartedOutput,
    ModelVersionDetailOutput,
    ModelVersionListOutput,
    PromoteInput,
    TrainInput,
    TrainStartedOutput,
)
from .services.inference import inference_start
from .services.training import training_start
from .services.versions import evaluation_matrix, model_version_promote

ML_ROLES = (ML_LEAD, ADMIN)


def _version_detail(pk: int) -> dict:
    version = get_object_or_404(selectors.version_list(), pk=pk)
    return ModelVersionDetailOutput(selectors.version_as_dict(version, detail=True)).data


class PaginatedVersions(APIView):
    @extend_schema(operation_id="model_versions_list", responses=ModelVersionListOutput)
    def get(self, request):
        versions = [selectors.version_as_dict(v) for v in selectors.version_list()]
        page = {"count": len(versions), "next": None, "previous": None, "results": versions}
        return Response(ModelVersionListOutput(page).data)


class VersionDetailApi(APIView):
    @extend_schema(responses=ModelVersionDetailOutput)
    def get(self, request, pk: int):
        return Response(_version_detail(pk))


class VersionPromoteApi(APIView):
    permission_classes = [roles_required(*ML_ROLES)]

    @extend_schema(request=PromoteInput, responses={200: ModelVersionDetailOutput, 400: ERROR_BODY, 409: ERROR_BODY})
    def post(self, request, pk: int):
        body = PromoteInput(data=request.data)
        body.is_valid(raise_exception=True)
        version = get_object_or_404(ModelVersion, pk=pk)
        version = model_version_promote(version=version, gate=body.validated_data["gate"], user=request.user)
        return Response(_version_detail(version.pk))


class DeviceTrainApi(APIView):
    permission_classes = [roles_required(*ML_ROLES)]

    @extend_schema(request=TrainInput, responses={202: TrainStartedOutput, 400: ERROR_BODY})
    def post(self, request, pk: int):
        body = TrainInput(data=request.data)
        body.is_valid(raise_exception=True)
        options = dict(body.validated_data)
        device = get_object_or_404(Device, pk=pk)
        parent = ModelVersion.objects.filter(pk=options.pop("parent_id")).first()
        if parent is None:
            raise ApplicationError("parent_id does not name a model version", code="bad_parent")
        job = training_start(device=device, parent=parent, options=options, user=request.user)
        started = TrainStartedOutput({"job_id": job.id, "version_id": job.params["version_id"]})
        return Response(started.data, status=status.HTTP_202_ACCEPTED)


class InferenceApi(APIView):
    permission_classes = [roles_required(*ML_ROLES)]

    @extend_schema(
        request=InferenceInput, responses={202: InferenceStartedOutput, 200: InferenceIdleOutput, 400: ERROR_BODY}
    )
    def post(self, request):
        body = InferenceInput(data=request.data)
        body.is_valid(raise_exception=True)
        images = Image.objects.all()
        if body.validated_data.get("series_id") is not None:
            images = images.filter(series_id=body.validated_data["series_id"])
        elif body.validated_data.get("study_id") is not None:
            images = images.filter(series__study_id=body.validated_data["study_id"])
        elif body.validated_data.get("device_id") is not None:
            images = images.filter(device_id=body.validated_data["device_id"])
        job = inference_start(
            image_ids=list(images.values_list("id", flat=True)), user=request.user, reason="on demand"
        )
        if job is None:
            idle = {"job_id": None, "detail": "nothing to do: no images, or no active model"}
            return Response(InferenceIdleOutput(idle).data)
        return Response(InferenceStartedOutput({"job_id": job.id}).data, status=status.HTTP_202_ACCEPTED)


class EvaluationMatrixApi(APIView):
    @extend_schema(responses=EvaluationMatrixOutput)
    def get(self, request):
        matrix = evaluation_matrix()
        versions = selectors.version_list().order_by("created_at", "id")
        matrix["versions"] = [
            {
                "id": v.id,
                "name": v.name,
                "status": v.status,
                "parent_id": v.parent_id,
                "device": v.device.display_name if v.device else None,
            }
            for v in versions
        ]
        matrix["devices"] = [{"id": d.id, "display_name": d.display_name} for d in Device.objects.order_by("id")]
        return Response(EvaluationMatrixOutput(matrix).data)


class DeviceOverviewApi(APIView):
    @extend_schema(responses=DeviceOverviewOutput(many=True))
    def get(self, request):
        return Response(DeviceOverviewOutput(selectors.device_overview(), many=True).data)
